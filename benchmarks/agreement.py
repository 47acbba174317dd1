"""What each counter reports for a probe set of single layers, and why it differs from cnncalc.

    python benchmarks/agreement.py            # writes docs/agreement.md and docs/agreement.json

Tools: cnncalc, torch.utils.flop_counter.FlopCounterMode, fvcore, ptflops (pytorch and aten backends),
thop, torchinfo, torchscan; those not installed are left out and the document says so. Each tool's number
is set beside cnncalc's MACs (multiply-accumulates) and other arithmetic, and the 'why' column names the
rule that reconciles them (MACs vs FLOPs, an op not counted, stride² over-count, …).
`tests/test_agreement.py` recomputes the FlopCounterMode and fvcore columns and the reconciliation, so the
document cannot drift from the code.
"""

from __future__ import annotations

import importlib.util
import json
import math
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import nn

import cnncalc
from cnncalc.analysis.analyze import analyze_module
from cnncalc.layers import build_module

ROOT = Path(__file__).resolve().parents[1]


class Add(nn.Module):
    """A residual add of two branches (the identity and a 1×1 conv's output)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv(x)


class Attention(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.attn = nn.MultiheadAttention(64, 4, batch_first=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.attn(x, x, x, need_weights=False)[0]


def design(spec: str, **opts: Any) -> Callable[[], tuple[nn.Module, tuple[int, ...]]]:
    return lambda: build_module(spec, cnncalc.layer_options(**{"size": 28, **opts}))


#: name → (what it is, builder of (module, input shape)).
PROBES: dict[str, tuple[str, Callable[[], tuple[nn.Module, tuple[int, ...]]]]] = {
    "standard 3×3": ("conv 64→64, 28×28", design("standard", cin=64, cout=64)),
    "group 3×3, g=4": ("conv 64→64, groups 4", design("group:g=4", cin=64, cout=64)),
    "depthwise 3×3": ("64 channels", design("depthwise", cin=64)),
    "dilated 3×3, d=2": ("conv 64→64, dilation 2", design("dilated", cin=64, cout=64)),
    "transposed 4×4, s=2": ("64→32, 28 → 56", design("transposed", cin=64, cout=32, kernel=4, padding=1)),
    "deformable v1": ("64→64, offset conv + sampling + conv", design("deformable", cin=64, cout=64)),
    "deformable v2": ("with modulation mask", design("deformable:v=2", cin=64, cout=64)),
    "squeeze-excitation": ("C=64, r=16", design("se", cin=64)),
    "channel shuffle": ("g=4 on 64 channels", lambda: (nn.ChannelShuffle(4), (1, 64, 28, 28))),
    "batch norm": ("64 channels, eval", lambda: (nn.BatchNorm2d(64).eval(), (1, 64, 28, 28))),
    "relu": ("64×28×28", lambda: (nn.ReLU(), (1, 64, 28, 28))),
    "residual add": ("x + conv1×1(x)", lambda: (Add(64), (1, 64, 28, 28))),
    "bilinear upsample ×2": ("64×28×28 → 56×56", lambda: (nn.Upsample(scale_factor=2, mode="bilinear"),
                                                          (1, 64, 28, 28))),
    "attention": ("4 heads, 49 tokens of 64", lambda: (Attention(), (1, 49, 64))),
    "standard 1-D, k=5": ("conv 64→64 on 1,000 samples", design("standard", cin=64, cout=64, kernel=5, size=1000,
                                                                dims=1)),
    "standard 3×3×3": ("conv 32→32, 8×28×28", design("standard", cin=32, cout=32, size="8x28x28")),
    "(2+1)-D": ("32→32, 8×28×28: 1×3×3 then 3×1×1", design("r2plus1d", cin=32, cout=32, size="8x28x28")),
    "transposed 3-D, s=2": ("32→16, 4×14×14 → 8×28×28", design("transposed", cin=32, cout=16, kernel=4, padding=1,
                                                               size="4x14x14")),
    "max pool 3×3, s=2, p=1": ("64×27×27: windows clamped at the border",
                               lambda: (nn.MaxPool2d(3, 2, 1), (1, 64, 27, 27))),
    "max pool 3-D 2×2×2": ("32×8×28×28", lambda: (nn.MaxPool3d(2), (1, 32, 8, 28, 28))),
    "trilinear upsample ×2": ("32×4×14×14 → 8×28×28", lambda: (nn.Upsample(scale_factor=2, mode="trilinear"),
                                                               (1, 32, 4, 14, 14))),
    "bicubic upsample ×2": ("64×28×28 → 56×56", lambda: (nn.Upsample(scale_factor=2, mode="bicubic"),
                                                         (1, 64, 28, 28))),
}


def _quiet(fn: Callable[[], Any]) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn()


def flop_counter(m: nn.Module, x: torch.Tensor) -> int:
    from torch.utils.flop_counter import FlopCounterMode

    with torch.no_grad(), FlopCounterMode(display=False) as mode:
        m(x)
    return int(mode.get_total_flops())


def fvcore(m: nn.Module, x: torch.Tensor) -> int:
    from fvcore.nn import FlopCountAnalysis

    analysis = FlopCountAnalysis(m, x)
    analysis.unsupported_ops_warnings(False)
    analysis.uncalled_modules_warnings(False)
    return int(_quiet(analysis.total))


def ptflops(backend: str) -> Callable[[nn.Module, torch.Tensor], int]:
    def count(m: nn.Module, x: torch.Tensor) -> int:
        from ptflops import get_model_complexity_info

        macs, _ = _quiet(lambda: get_model_complexity_info(
            m, tuple(x.shape[1:]), as_strings=False, print_per_layer_stat=False, verbose=False, backend=backend,
            input_constructor=lambda _: x))
        return int(macs or 0)

    return count


def thop(m: nn.Module, x: torch.Tensor) -> int:
    import thop as thop_module

    macs, _ = _quiet(lambda: thop_module.profile(m, inputs=(x,), verbose=False))
    return int(macs)


def torchinfo(m: nn.Module, x: torch.Tensor) -> int:
    from torchinfo import summary

    return int(_quiet(lambda: summary(m, input_data=x, verbose=0)).total_mult_adds)


def torchscan(m: nn.Module, x: torch.Tensor) -> int:
    import torchscan as ts

    info = _quiet(lambda: ts.crawl_module(m, tuple(x.shape[1:])))
    return int(info["totals"]["macs"]["known_value"] or 0)


#: tool → (package it needs, counter, the unit it reports)
TOOLS: dict[str, tuple[str, Callable[[nn.Module, torch.Tensor], int], str]] = {
    "FlopCounterMode": ("torch", flop_counter, "FLOPs (2 per MAC)"),
    "fvcore": ("fvcore", fvcore, "'flops' (1 per MAC)"),
    "ptflops (pytorch)": ("ptflops", ptflops("pytorch"), "MACs"),
    "ptflops (aten)": ("ptflops", ptflops("aten"), "MACs"),
    "thop": ("thop", thop, "MACs ('ops')"),
    "torchinfo": ("torchinfo", torchinfo, "mult-adds"),
    "torchscan": ("torchscan", torchscan, "MACs"),
}


def explain(value: int | None, parts: dict[str, int]) -> str:
    """The rule that turns cnncalc's counts into the tool's number, or 'unexplained'."""
    if value is None:
        return "failed"
    macs, other = parts["macs"], parts["other"]
    if value == 0 and (macs or other):
        return "does not count this op"
    rules = [
        (macs, "agrees: MACs"),
        (2 * macs, "FLOPs = 2 × MACs; other arithmetic not counted"),
        (2 * macs + other, "agrees with cnncalc's FLOPs (2 × MACs + other)"),
        (macs + other, "MACs plus 1 per element of other arithmetic"),
        (macs - parts["deform_macs"], "skips deform_conv2d: counts only the offset conv"),
        (2 * (macs - parts["deform_macs"]), "FLOPs of the offset conv only: skips deform_conv2d"),
        (macs * parts["out_positions"] // max(parts["in_positions"], 1),
         "counts a transposed conv over its output positions, not its input's"),
        (macs + parts["pool"], "MACs plus 1 per pooled input element; skips the activations and the SE scale"),
        (macs - parts["attention_core"], "skips the attention's batched matrix products (scaled dot product)"),
        (macs + parts["conv_bias"], "MACs plus the conv bias adds; skips the sampling"),
        (macs - parts["deform_macs"] + parts["conv_bias"], "the offset conv with its bias adds; skips deform_conv2d"),
    ]
    for expected, reason in rules:
        if value == expected and (expected or not (macs or other)):
            return reason
    # per-element rates other than cnncalc's, for the one kind of op a probe has
    for key, what, ours in (("bn", "batch norm", "1, folded"),
                            ("interp_out", "interpolated output", "2·taps − 1: 7 bilinear, 15 trilinear, 31 bicubic"),
                            ("pooled_out", "pooled output", "1 per element its window reads"),
                            ("pool_in", "pooled input element", "1 per element each window reads"),
                            ("activation", "activation", "1")):
        count, extra = parts[key], value - macs
        if count and extra > 0 and extra % count == 0 and extra // count <= 16:
            return f"{extra // count} per {what} element (cnncalc: {ours})"
    return "unexplained"


def cnncalc_parts(m: nn.Module, shape: tuple[int, ...], name: str) -> dict[str, int]:
    report = analyze_module(m, shape, name)
    by_op = dict(report.by_op)
    out = report.total.output_shape or shape

    def positions(s: tuple[int, ...]) -> int:
        return math.prod(s[2:]) if len(s) >= 3 else 1

    return {
        "macs": report.total.macs, "other": report.total.costs.other_flops, "flops": report.total.flops,
        "deform_macs": report.kind("deform_conv").macs,
        "attention_core": sum(c.macs for k, c in by_op.items() if "bmm" in k),
        "pool": report.kind("adaptive_pool").other_flops + report.kind("pool").other_flops,
        "bn": report.kind("batch_norm").other_flops,
        "interp_out": report.kind("interpolate").activation_bytes // 4,  # float32 output elements
        "pooled_out": report.kind("pool").activation_bytes // 4,
        "pool_in": math.prod(shape) if report.kind("pool").other_flops else 0,
        "activation": report.kind("activation").other_flops,
        "conv_bias": report.kind("conv").other_flops,
        "in_positions": positions(shape), "out_positions": positions(out),
    }


def measure(tools: list[str]) -> dict[str, Any]:
    rows = []
    for name, (what, build) in PROBES.items():
        torch.manual_seed(0)
        module, shape = build()
        module.eval()
        parts = cnncalc_parts(module, shape, name)
        row: dict[str, Any] = {"probe": name, "what": what, "cnncalc": parts, "tools": {}}
        for tool in tools:
            counter = TOOLS[tool][1]
            try:
                value: int | None = counter(module, torch.randn(shape))
            except Exception:  # a tool that cannot handle the probe is reported as failing on it
                value = None
            row["tools"][tool] = {"value": value, "why": explain(value, parts)}
        rows.append(row)
    return {"tools": tools, "units": {t: TOOLS[t][2] for t in tools}, "rows": rows}


def markdown(data: dict[str, Any], missing: list[str]) -> str:
    tools = data["tools"]
    lines = ["# How the counters agree", "",
             "Generated by `python benchmarks/agreement.py`; checked by `tests/test_agreement.py` for the tools "
             "CI installs (FlopCounterMode, fvcore). cnncalc's columns: MACs (multiply-accumulates) and the other "
             "arithmetic of FLOPs = 2 × MACs + other. Each tool's cell: its number, in its own unit, and the rule "
             "that reconciles it with cnncalc's.", ""]
    if missing:
        lines += [f"Not installed when generated, so left out: {', '.join(missing)}.", ""]
    lines += ["Units: " + "; ".join(f"{t}: {u}" for t, u in data["units"].items()), ""]
    header = ["probe", "cnncalc MACs", "cnncalc other", *tools]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in data["rows"]:
        cells = [f"**{row['probe']}** ({row['what']})", f"{row['cnncalc']['macs']:,}", f"{row['cnncalc']['other']:,}"]
        for tool in tools:
            cell = row["tools"][tool]
            value = "–" if cell["value"] is None else f"{cell['value']:,}"
            cells.append(f"{value}<br>*{cell['why']}*")
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "Where every tool agrees only on plain convolutions, the reasons are the conventions: "
              "FlopCounterMode counts 2 FLOPs per MAC and nothing else; fvcore, ptflops, thop and torchinfo "
              "count MACs of the modules or ops they know and add element counts for some others (BN, pooling, "
              "activations) at their own rates; most skip torchvision's deform_conv2d (counting only the offset "
              "conv) and the SE scale; a transposed convolution counted over its output is stride² too many.", ""]
    return "\n".join(lines)


def main() -> None:
    installed = [t for t, (pkg, _, _) in TOOLS.items() if importlib.util.find_spec(pkg) is not None]
    missing = [t for t in TOOLS if t not in installed]
    data = measure(installed)
    (ROOT / "docs").mkdir(exist_ok=True)
    (ROOT / "docs" / "agreement.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    (ROOT / "docs" / "agreement.md").write_text(markdown(data, missing), encoding="utf-8")
    print(markdown(data, missing))


if __name__ == "__main__":
    main()
