"""Analysis time and peak memory per model family, cnncalc beside FlopCounterMode and fvcore, one process each.

    python benchmarks/families.py [--markdown docs/families.md] [--models r3d_18,deeplabv3_resnet50]

For each model (one per family at its default input: classification, segmentation, video, optical flow,
detection) and each tool, a fresh interpreter builds the model, then times the count alone:
- cnncalc: `analyze(name)` from the name (the meta build included), first call in the process and a second
  one; a detector falls back to a real CPU run, timed without and with its worst case;
- FlopCounterMode: a real forward on random weights and inputs under torch.utils.flop_counter;
- fvcore: FlopCountAnalysis (a torch.jit trace and a real forward).
It prints the MACs each reports (fvcore's 'flops' are MACs plus BN, pooling, …), the seconds, and the
process's peak resident memory (ru_maxrss). Targets (issue 8): r3d_18 and deeplabv3_resnet50 on meta in
≤ 1 s in-process; a detector that needs the real run in ≤ 2× FlopCounterMode's own real run.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
from pathlib import Path

MODELS = {"classification": "resnet50", "segmentation": "deeplabv3_resnet50", "video": "r3d_18",
          "optical flow": "raft_small", "detection": "fasterrcnn_resnet50_fpn"}

PRELUDE = """
import json, resource, sys, time, warnings
warnings.simplefilter("ignore")
import torch, torchvision
name = sys.argv[1]
def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
def real_model_and_inputs():
    from cnncalc.analysis.analyze import subject_for
    from cnncalc.analysis.inputs import materialize
    subject = subject_for(name)
    args, kwargs = materialize(subject.inputs, "cpu", torch.float32, 0)
    return subject.real(0), args, kwargs
"""
TOOLS = {
    "cnncalc": PRELUDE + """
from cnncalc.analysis.analyze import analyze
start = time.perf_counter()
report = analyze(name, worst_case=False)
first = time.perf_counter() - start
start = time.perf_counter()
analyze(name, worst_case=False)
second = time.perf_counter() - start
result = {"macs": report.total.macs, "seconds": first, "second_call": second,
          "real_run": report.real_run is not None}
if report.real_run is not None:
    start = time.perf_counter()
    analyze(name)
    result["with_worst_case"] = time.perf_counter() - start
""",
    "FlopCounterMode": PRELUDE + """
from torch.utils.flop_counter import FlopCounterMode
model, args, kwargs = real_model_and_inputs()
with torch.no_grad():
    model(*args, **kwargs)  # warm-up: the first call pays for kernel selection, as cnncalc's first call does
start = time.perf_counter()
with torch.no_grad(), FlopCounterMode(display=False) as mode:
    model(*args, **kwargs)
result = {"macs": mode.get_total_flops() // 2, "seconds": time.perf_counter() - start}
""",
    "fvcore": PRELUDE + """
from fvcore.nn import FlopCountAnalysis
model, args, kwargs = real_model_and_inputs()
start = time.perf_counter()
try:
    with torch.no_grad():
        analysis = FlopCountAnalysis(model, tuple(args) if len(args) > 1 else args[0])
        analysis.unsupported_ops_warnings(False)
        analysis.uncalled_modules_warnings(False)
        total = analysis.total()
    result = {"macs": int(total), "seconds": time.perf_counter() - start, "note": "fvcore flops: MACs + BN, pool"}
except Exception as err:
    result = {"error": (str(err).strip().splitlines() or [type(err).__name__])[0][:80]}
""",
}
EPILOGUE = """
result["peak_mib"] = peak_mib()
print(json.dumps(result))
"""


def run(tool: str, name: str) -> dict[str, object]:
    proc = subprocess.run([sys.executable, "-c", TOOLS[tool] + EPILOGUE, name], capture_output=True, text=True,
                          check=False, timeout=1800)
    if proc.returncode:
        return {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1][:80]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def cell(result: dict[str, object], key: str, fmt: str) -> str:
    value = result.get(key)
    return "–" if value is None else format(value, fmt)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", help="comma-separated names (default: one per family)")
    parser.add_argument("--markdown", type=Path, help="also write the table here")
    args = parser.parse_args()
    models = ({n: n for n in args.models.split(",")} if args.models else {f: n for f, n in MODELS.items()})
    import torch

    lines = [f"Python {platform.python_version()}, torch {torch.__version__}, {torch.get_num_threads()} CPU threads, "
             f"{platform.machine()}; `python benchmarks/families.py`", "",
             "| family | model | tool | MACs | seconds | peak RSS (MiB) | note |", "|---|---|---|---:|---:|---:|---|"]
    for family, name in models.items():
        results = {tool: run(tool, name) for tool in TOOLS}
        for tool, r in results.items():
            note = str(r.get("error") or r.get("note") or "")
            if tool == "cnncalc" and "error" not in r:
                note = (f"second call {cell(r, 'second_call', '.2f')} s" + (
                    f"; real CPU run (data-dependent ops); with the worst case {cell(r, 'with_worst_case', '.2f')} s"
                    if r.get("real_run") else "; meta device"))
            macs = f"{r['macs']:,}" if isinstance(r.get("macs"), int) else "–"
            lines.append(f"| {family} | `{name}` | {tool} | {macs} | {cell(r, 'seconds', '.2f')} | "
                         f"{cell(r, 'peak_mib', '.0f')} | {note} |")
            print(lines[-1], flush=True)
        ours, theirs = results["cnncalc"], results["FlopCounterMode"]
        if ours.get("real_run") and isinstance(ours.get("seconds"), float) and isinstance(theirs.get("seconds"), float):
            ratio = float(ours["seconds"]) / float(theirs["seconds"])  # type: ignore[arg-type]
            lines.append(f"| | | cnncalc ÷ FlopCounterMode | | {ratio:.2f}× | | target ≤ 2× |")
            print(lines[-1], flush=True)
    text = "\n".join(lines) + "\n"
    if args.markdown:
        args.markdown.write_text("# Analysis time per model family\n\n" + __doc__.split("\n\n", 2)[2] + "\n" + text,
                                 encoding="utf-8")


if __name__ == "__main__":
    main()
