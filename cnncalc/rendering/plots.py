"""Plots: a sweep's curves and a profile's roofline (matplotlib, imported only when a plot is asked for)."""

from __future__ import annotations

from typing import Any

from cnncalc.errors import CnncalcError


def plot_sweep(points: list[Any], target: str, vary: str, path: str) -> None:
    """Params, MACs and bytes moved (and the predicted latency, when the sweep has it) against the swept value,
    each relative to the first point."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as err:
        raise CnncalcError("plot= needs matplotlib: pip install matplotlib") from err
    labels = [p.value for p in points]
    xs = list(range(len(points)))
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, get in (("params", lambda r: r.params), ("MACs", lambda r: r.macs),
                      ("memory traffic", lambda r: r.traffic_bytes)):
        first = get(points[0].record) or 1
        ax.plot(xs, [get(p.record) / first for p in points], marker="o", label=f"{name} (÷ first)")
    if all(p.predicted_ms for p in points):
        ax.plot(xs, [p.predicted_ms / points[0].predicted_ms for p in points], marker="D", linewidth=2,
                label="predicted latency (÷ first)")
    if points[0].counterpart is not None:
        ax.plot(xs, [p.record.params / p.counterpart.params for p in points], marker="s", linestyle="--",
                label=f"params ÷ {points[0].counterpart.name}")
    ax.set_xticks(xs, labels)
    ax.set_xlabel(vary)
    ax.set_yscale("log")
    ax.set_title(f"{target} over {vary} (MACs = multiply-accumulates)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_roofline(report: Any, path: str) -> None:
    """The device's roofline with each layer as a point (intensity, achieved FLOP/s), coloured by type."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as err:
        raise CnncalcError("plot= needs matplotlib: pip install matplotlib") from err
    if not report.layers:
        raise CnncalcError("plot= needs per_layer=True (each layer is a point)")
    fig, ax = plt.subplots(figsize=(8, 5.5))
    peaks, bw = report.peaks, report.peaks.bandwidth
    intensities = [layer.intensity for layer in report.layers if layer.intensity > 0] or [1.0]
    lo, hi = min(intensities) / 2, max(intensities) * 2
    if bw:
        xs = [lo * (hi / lo) ** (i / 100) for i in range(101)]
        for label, peak, style in (("FP32", peaks.fp32, "-"), ("TF32", peaks.tf32, "--"),
                                   ("FP16/BF16", peaks.half, ":")):
            if peak:
                ax.plot(xs, [min(peak, bw * x) for x in xs], style, color="black", lw=1, label=f"roof {label}")
    types = sorted({layer.type for layer in report.layers})
    cmap = plt.get_cmap("tab10")
    for i, t in enumerate(types):
        pts = [(layer.intensity, layer.flops_per_s) for layer in report.layers
               if layer.type == t and layer.intensity > 0 and layer.flops_per_s > 0]
        if pts:
            ax.scatter([p[0] for p in pts], [p[1] for p in pts], s=18, color=cmap(i % 10), label=t, alpha=0.8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("arithmetic intensity (FLOP / byte, ideal-reuse traffic)")
    ax.set_ylabel("achieved FLOP/s (FLOPs = 2 × MACs + other)")
    ax.set_title(f"{report.model} on {report.peaks.name} ({report.settings.device}), batch {report.runs[0].batch}")
    ax.legend(fontsize=7, loc="lower right")
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
