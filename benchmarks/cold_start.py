"""Cold start of the layer calculator against `import torch`.

    python benchmarks/cold_start.py [--runs 7]

Each command runs in a fresh interpreter, several times; the medians are printed. The issue's target:
a cold `cnncalc compare …` well under a quarter of `python -c "import torch"`. Also prints the largest
imports of one `compare` run (python -X importtime), and checks that torch, torchvision and fvcore are
never imported.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import subprocess
import sys
import time

COMPARE = [sys.executable, "-m", "cnncalc", "compare", "xception-dw", "standard", "--cin", "3", "--cout", "256"]
COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "cnncalc compare xception-dw standard --cin 3 --cout 256": COMPARE,
    "cnncalc compare … --format json": [*COMPARE, "--format", "json"],
    "cnncalc layer inception": [sys.executable, "-m", "cnncalc", "layer", "inception"],
    'python -c "import cnncalc"': [sys.executable, "-c", "import cnncalc"],
    'python -c "import torch"': [sys.executable, "-c", "import torch"],
}


def wall(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def import_profile(top: int = 8) -> list[tuple[int, str]]:
    result = subprocess.run([sys.executable, "-X", "importtime", *COMPARE[1:]], capture_output=True, text=True,
                            check=True)
    rows = []
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = (part.strip() for part in line.removeprefix("import time:").split("|"))
        rows.append((int(cumulative), name))
    heavy = [name for _, name in rows if name.split(".")[0] in ("torch", "torchvision", "fvcore")]
    if heavy:
        raise SystemExit(f"the layer calculator imported {heavy[:3]}")
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
    print("\n# largest top-level imports of one compare run (python -X importtime, cumulative µs)")
    for us, name in import_profile():
        print(f"{us:10,d}  {name}")


if __name__ == "__main__":
    main()
