"""Cold start of the layer calculator, the model list and a plain-torch model's analysis, against `import torch`.

    python benchmarks/cold_start.py [--runs 7]

Each command runs in a fresh interpreter, several times; the medians are printed. Targets: a cold
`cnncalc compare …` well under a quarter of `python -c "import torch"`; `cnncalc models` in about the time
of importing torch and torchvision (it reads a shipped table); analysing a plain-torch model from a file
never imports torchvision. Also prints the largest imports of one `compare` run (python -X importtime),
and checks which of torch, torchvision and fvcore each command imports.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import subprocess
import sys
import time

COMPARE = [sys.executable, "-m", "cnncalc", "compare", "xception-dw", "standard", "--cin", "3", "--cout", "256"]
UNET = [sys.executable, "-m", "cnncalc", "analyze", "tests/fixtures/user_models.py:UNet3D", "--input", "1x1x16x64x64"]
MODELS = [sys.executable, "-m", "cnncalc", "models"]
COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "cnncalc compare xception-dw standard --cin 3 --cout 256": COMPARE,
    "cnncalc compare … --format json": [*COMPARE, "--format", "json"],
    "cnncalc layer inception": [sys.executable, "-m", "cnncalc", "layer", "inception"],
    'python -c "import cnncalc"': [sys.executable, "-c", "import cnncalc"],
    'python -c "import torch"': [sys.executable, "-c", "import torch"],
    'python -c "import torch, torchvision"': [sys.executable, "-c", "import torch, torchvision"],
    "cnncalc models": MODELS,
    "cnncalc analyze tests/fixtures/user_models.py:UNet3D --input 1x1x16x64x64": UNET,
}
#: which heavy packages each command may import
IMPORTS = {"compare": (COMPARE, set()), "models": (MODELS, set()), "analyze a plain-torch model": (UNET, {"torch"})}


def wall(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def imports(cmd: list[str]) -> list[tuple[int, str]]:
    """(cumulative µs, module) of every import of one run (python -X importtime)."""
    result = subprocess.run([sys.executable, "-X", "importtime", *cmd[1:]], capture_output=True, text=True,
                            check=True)
    rows = []
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = (part.strip() for part in line.removeprefix("import time:").split("|"))
        rows.append((int(cumulative), name))
    return rows


def heavy(rows: list[tuple[int, str]]) -> set[str]:
    return {name.strip().split(".")[0] for _, name in rows} & {"torch", "torchvision", "fvcore"}


def import_profile(top: int = 8) -> list[tuple[int, str]]:
    rows = imports(COMPARE)
    top_level = [(us, name) for us, name in rows if not name.startswith(" ")]
    return sorted(top_level, reverse=True)[:top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    print(f"# cold start, median of {args.runs} runs; Python {platform.python_version()} on {platform.machine()}")
    medians = {}
    for label, cmd in COMMANDS.items():
        wall(cmd)  # warm the file cache
        times = [wall(cmd) for _ in range(args.runs)]
        medians[label] = statistics.median(times)
        print(f"{medians[label] * 1000:8.0f} ms  (min {min(times) * 1000:.0f})  {label}")
    torch_s = medians['python -c "import torch"']
    compare_s = medians["cnncalc compare xception-dw standard --cin 3 --cout 256"]
    print(f"\ncompare / import torch = {compare_s / torch_s:.3f} (target: well under 0.25)")
    models_s, vision_s = medians["cnncalc models"], medians['python -c "import torch, torchvision"']
    print(f"models / import torch, torchvision = {models_s / vision_s:.3f} (target: about 1 or less)")
    print("\n# heavy imports per command")
    for label, (cmd, allowed) in IMPORTS.items():
        found = heavy(imports(cmd))
        verdict = "ok" if found <= allowed else f"UNEXPECTED: {sorted(found - allowed)}"
        print(f"{label}: {', '.join(sorted(found)) or 'none'} ({verdict})")
    print("\n# largest top-level imports of one compare run (python -X importtime, cumulative µs)")
    for us, name in import_profile():
        print(f"{us:10,d}  {name}")


if __name__ == "__main__":
    main()
