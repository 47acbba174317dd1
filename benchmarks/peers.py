"""cnncalc beside fvcore, ptflops (pytorch and aten backends), thop, torchinfo, torchscan and PyTorch's
FlopCounterMode: time, memory and count, each tool in its own process. Writes docs/benchmarks.md and plots.

    python benchmarks/peers.py                # a few minutes on 2 cores
    python benchmarks/peers.py --large all    # also the real-tensor tools at 8×3×1024² on every convnet

Each (tool, model, input) runs in a fresh process that builds the model, then runs the analysis three
times: 'analysis' is the median of those, 'process' the whole process's wall time, 'peak RSS' its
ru_maxrss. Real-tensor tools get random weights; cnncalc traces on the meta device.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SMALL, LARGE = "1x3x224x224", "8x3x1024x1024"
MODELS = ["resnet18", "resnet50", "mobilenet_v2", "shufflenet_v2_x1_0", "vit_b_16", "block:deformable",
          "block:se"]
FIXED_SIZE = {"vit_b_16"}  # a ViT is built for 224
TOOLS = {  # tool → (package, code that sets `count` from `model` and `x`)
    "cnncalc": ("cnncalc", "from cnncalc.analysis.analyze import analyze_module\n"
                "def run():\n    return analyze_module(meta, tuple(x.shape), name).total.macs\n"),
    "FlopCounterMode": ("torch", "from torch.utils.flop_counter import FlopCounterMode\n"
                        "def run():\n    with torch.no_grad(), FlopCounterMode(display=False) as m:\n"
                        "        model(x)\n    return m.get_total_flops()\n"),
    "fvcore": ("fvcore", "from fvcore.nn import FlopCountAnalysis\n"
               "def run():\n    a = FlopCountAnalysis(model, x)\n    a.unsupported_ops_warnings(False)\n"
               "    a.uncalled_modules_warnings(False)\n    return int(a.total())\n"),
    "ptflops (pytorch)": ("ptflops", "from ptflops import get_model_complexity_info\n"
                          "def run():\n    return get_model_complexity_info(model, tuple(x.shape[1:]), "
                          "as_strings=False, print_per_layer_stat=False, verbose=False, backend='pytorch', "
                          "input_constructor=lambda _: x)[0]\n"),
    "ptflops (aten)": ("ptflops", "from ptflops import get_model_complexity_info\n"
                       "def run():\n    return get_model_complexity_info(model, tuple(x.shape[1:]), "
                       "as_strings=False, print_per_layer_stat=False, verbose=False, backend='aten', "
                       "input_constructor=lambda _: x)[0]\n"),
    "thop": ("thop", "import copy, thop\n"
             "def run():\n    return thop.profile(copy.deepcopy(model), inputs=(x,), verbose=False)[0]\n"),
    "torchinfo": ("torchinfo", "from torchinfo import summary\n"
                  "def run():\n    return summary(model, input_data=x, verbose=0).total_mult_adds\n"),
    "torchscan": ("torchscan", "import torchscan\n"
                  "def run():\n    return torchscan.crawl_module(model, tuple(x.shape[1:]))['totals']['macs']"
                  "['known_value']\n"),
}
PRELUDE = """
import json, resource, statistics, sys, time, warnings
warnings.simplefilter("ignore")
import torch
name, shape = sys.argv[1], tuple(int(d) for d in sys.argv[2].split("x"))
if name.startswith("block:"):
    import cnncalc
    from cnncalc.layers import build_module
    opts = dict(cin=256, cout=256) if name == "block:deformable" else dict(cin=256)
    model, _ = build_module(name.split(":")[1], cnncalc.layer_options(size=shape[2], batch=shape[0], **opts))
    shape = (shape[0], 256, shape[2], shape[3])
else:
    import torchvision
    model = torchvision.models.get_model(name, weights=None)
model = model.eval()
from cnncalc.modelzoo.build import meta_copy
meta = meta_copy(model)
# cnncalc needs only the input's shape: no real input is made for it (the others run real tensors)
x = torch.empty(shape, device="meta") if sys.argv[4] == "cnncalc" else torch.randn(shape)
"""
EPILOGUE = """
times, count = [], None
for _ in range(int(sys.argv[3])):
    start = time.perf_counter()
    with torch.no_grad():
        count = run()
    times.append(time.perf_counter() - start)
print(json.dumps({"analysis_s": statistics.median(times), "count": int(count or 0),
                  "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
"""


def run_one(tool: str, model: str, shape: str) -> dict[str, Any]:
    """One fresh process: build, then the analysis 3 times (once at 1024², where real tensors take long)."""
    code = PRELUDE + TOOLS[tool][1] + EPILOGUE
    repeats = "1" if "1024" in shape else "3"
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, model, shape, repeats, tool], capture_output=True,
                          text=True, check=False, timeout=900)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        last = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"
        return {"error": last[:120], "process_s": wall}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["process_s"] = wall
    return result


def versions(tools: list[str]) -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in sorted({TOOLS[t][0] for t in tools} | {"torch", "torchvision"}):
        try:
            out[pkg] = importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:
            out[pkg] = "?"
    return out


def plot(results: list[dict[str, Any]], key: str, xs: list[str], path: Path, xlabel: str, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for tool in sorted({r["tool"] for r in results if r["series"] == key}):
        rows = {r["x"]: r for r in results if r["series"] == key and r["tool"] == tool and "error" not in r}
        pts = [(i, rows[x]) for i, x in enumerate(xs) if x in rows]
        if not pts:
            continue
        axes[0].plot([i for i, _ in pts], [r["analysis_s"] for _, r in pts], marker="o", label=tool)
        axes[1].plot([i for i, _ in pts], [r["peak_rss"] / 2**30 for _, r in pts], marker="o", label=tool)
    for ax, ylabel in ((axes[0], "analysis time (s)"), (axes[1], "process peak RSS (GiB)")):
        ax.set_xticks(range(len(xs)), xs, rotation=15)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.grid(True, alpha=0.3)
    axes[0].set_yscale("log")
    axes[0].legend(fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", choices=["none", "fast", "all"], default="fast",
                        help="8×3×1024² runs in the table: none; cnncalc only (default); every tool")
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--markdown-only", action="store_true",
                        help="rewrite docs/benchmarks.md from docs/benchmarks.json without running anything")
    args = parser.parse_args()
    tools = [t for t, (pkg, _) in TOOLS.items() if importlib.util.find_spec(pkg) is not None]
    missing = [t for t in TOOLS if t not in tools]
    if args.markdown_only:
        saved = json.loads((ROOT / "docs" / "benchmarks.json").read_text(encoding="utf-8"))
        ran = {r["tool"] for r in saved["results"]}
        write_markdown(saved["results"], [t for t in TOOLS if t in ran], [t for t in TOOLS if t not in ran], args,
                       ROOT / "docs" / "benchmarks.md", saved["versions"])
        return
    models = args.models.split(",")
    results: list[dict[str, Any]] = []
    for model in models:
        for shape in (SMALL, LARGE):
            if shape == LARGE and (args.large == "none" or model in FIXED_SIZE):
                continue
            for tool in tools:
                if shape == LARGE and args.large == "fast" and tool != "cnncalc":
                    continue
                r = {"series": "table", "tool": tool, "model": model, "x": shape, **run_one(tool, model, shape)}
                results.append(r)
                print(f"{tool:18} {model:20} {shape:14} {r.get('analysis_s', float('nan')):8.3f}s "
                      f"{r['process_s']:6.1f}s {r.get('peak_rss', 0) / 2**30:5.2f}GiB {r.get('count', r.get('error'))}",
                      flush=True)
    pixels = ["1x3x224x224", "1x3x512x512", "2x3x1024x1024"]
    for tool in [t for t in ("cnncalc", "FlopCounterMode", "fvcore", "ptflops (pytorch)") if t in tools]:
        for shape in pixels:
            results.append({"series": "pixels", "tool": tool, "model": "resnet18", "x": shape,
                            **run_one(tool, "resnet18", shape)})
    depth = ["resnet18", "resnet34", "resnet50", "resnet101", "resnet152"]
    for tool in [t for t in ("cnncalc", "fvcore") if t in tools]:
        for model in depth:
            results.append({"series": "depth", "tool": tool, "model": model, "x": model,
                            **run_one(tool, model, SMALL)})
    docs = ROOT / "docs"
    docs.mkdir(exist_ok=True)
    plot(results, "pixels", pixels, docs / "benchmark_pixels.png", "input (ResNet-18)",
         "analysis cost against input size: cnncalc stays flat")
    plot(results, "depth", depth, docs / "benchmark_depth.png", "model (1×3×224²)", "analysis cost against depth")
    (docs / "benchmarks.json").write_text(json.dumps({"versions": versions(tools), "results": results}, indent=1),
                                          encoding="utf-8")
    write_markdown(results, tools, missing, args, docs / "benchmarks.md")


def write_markdown(results: list[dict[str, Any]], tools: list[str], missing: list[str], args: Any,
                   path: Path, versions_run: dict[str, str] | None = None) -> None:
    """docs/benchmarks.md from the results, with the versions they were measured with (saved ones when rewritten)."""
    used = versions_run or versions(tools)
    lines = ["# Benchmarks: cnncalc beside its peers", "",
             f"Generated by `python benchmarks/peers.py --large {args.large}` (markdown rewritten from "
             f"benchmarks.json by `--markdown-only`) on {platform.machine()}, with "
             + ", ".join(f"{k} {v}" for k, v in used.items())
             + ". Each cell: the analysis alone (median of 3 runs in one process; 1 run at 1024²) / the whole "
             "process, its peak "
             "resident memory, and the count the tool reports in its own unit (FlopCounterMode: FLOPs, 2 per "
             "MAC; the others: MACs or 'flops' that are MACs). Why the counts differ: [agreement.md]"
             "(agreement.md).", ""]
    if missing:
        lines += [f"Not installed, left out: {', '.join(missing)}.", ""]
    if args.large == "fast":
        lines += ["At 8×3×1024² only cnncalc ran in the table (`--large all` runs every tool there; the "
                  "real-tensor tools then take minutes per model); the plot against input size runs "
                  "FlopCounterMode, fvcore and ptflops on ResNet-18 up to 2×3×1024².", ""]
    header = ["model", "input", *tools]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    table = [r for r in results if r["series"] == "table"]
    for model, shape in dict.fromkeys((r["model"], r["x"]) for r in table):
        label = shape.replace("x", "×")
        if model.startswith("block:"):  # a block takes 256 channels at the given size
            label = label.replace("×3×", "×256×", 1)
        cells = [model, label]
        for tool in tools:
            r = next((r for r in table if r["model"] == model and r["x"] == shape and r["tool"] == tool), None)
            if r is None:
                cells.append("skipped")
            elif "error" in r:
                cells.append(f"failed: {r['error']}".replace("|", "/"))
            else:
                cells.append(f"{r['analysis_s']:.2f} / {r['process_s']:.1f} s, {r['peak_rss'] / 2**30:.2f} GiB, "
                             f"{r['count']:,}")
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "![analysis time and memory against input size](benchmark_pixels.png)", "",
              "![analysis time and memory against depth](benchmark_depth.png)", ""]
    path.write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
