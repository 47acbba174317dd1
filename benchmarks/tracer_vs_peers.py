"""Model analysis of ResNet-50 by cnncalc, fvcore and ptflops, each in its own process.

    python benchmarks/tracer_vs_peers.py [--input 8x3x1024x1024] [--skip fvcore,ptflops]

For each tool: the count it reports, the time of the analysis alone (model built beforehand), the whole
process's wall time, and the process's peak resident memory (ru_maxrss). cnncalc traces on the meta
device, so its cost does not grow with the input; fvcore (jit trace) and ptflops (forward hooks) run the
real forward pass on the CPU. ptflops needs `pip install ptflops` (it is not a dependency of cnncalc).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

PRELUDE = """
import json, resource, sys, time
import torch, torchvision
shape = tuple(int(d) for d in sys.argv[1].split("x"))
"""
TOOLS = {
    "cnncalc": PRELUDE + """
from cnncalc.analysis.analyze import analyze
start = time.perf_counter()
report = analyze("resnet50", shape)
elapsed = time.perf_counter() - start
count = {"macs": report.total.macs, "params": report.total.params}
""",
    "fvcore": PRELUDE + """
from fvcore.nn import FlopCountAnalysis
model = torchvision.models.resnet50().eval()
x = torch.randn(shape)
start = time.perf_counter()
with torch.no_grad():
    analysis = FlopCountAnalysis(model, x)
    analysis.unsupported_ops_warnings(False)
    total = analysis.total()
elapsed = time.perf_counter() - start
count = {"fvcore_flops (= MACs + BN + pool)": int(total)}
""",
    "ptflops": PRELUDE + """
from ptflops import get_model_complexity_info
model = torchvision.models.resnet50().eval()
start = time.perf_counter()
with torch.no_grad():
    macs, params = get_model_complexity_info(model, shape[1:], as_strings=False, print_per_layer_stat=False,
                                             verbose=False, input_constructor=lambda _: torch.randn(shape))
elapsed = time.perf_counter() - start
count = {"ptflops_macs": int(macs), "params": int(params)}
""",
}
EPILOGUE = """
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"analysis_s": elapsed, "peak_rss": rss, "count": count}))
"""


def run(tool: str, shape: str) -> dict[str, object]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", TOOLS[tool] + EPILOGUE, shape], capture_output=True, text=True,
                          check=False)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed", "wall_s": wall}
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall_s"] = wall
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", default="8x3x1024x1024")
    parser.add_argument("--skip", default="", help="comma-separated tools to leave out")
    args = parser.parse_args()
    skip = {s for s in args.skip.split(",") if s}
    print(f"# ResNet-50 at {args.input}; each tool in a fresh process")
    print(f"{'tool':8}  {'analysis':>10}  {'process':>9}  {'peak RSS':>10}  count")
    for tool in TOOLS:
        if tool in skip:
            print(f"{tool:8}  skipped")
            continue
        r = run(tool, args.input)
        if "error" in r:
            print(f"{tool:8}  failed after {r['wall_s']:.1f} s: {r['error']}")
            continue
        rss = int(r["peak_rss"]) / 2**30  # type: ignore[call-overload]
        print(f"{tool:8}  {r['analysis_s']:9.2f}s  {r['wall_s']:8.1f}s  {rss:8.2f}GiB  {r['count']}")


if __name__ == "__main__":
    main()
