"""Line plots of sweeps (matplotlib, imported only when a plot is asked for)."""

from __future__ import annotations

from typing import Any

from cnncalc.errors import CnncalcError


def plot_sweep(points: list[Any], target: str, vary: str, path: str) -> None:
    """Params, MACs and bytes moved against the swept value, each relative to the first point."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as err:
        raise CnncalcError("--plot needs matplotlib: pip install matplotlib") from err
    labels = [p.value for p in points]
    xs = list(range(len(points)))
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, get in (("params", lambda r: r.params), ("MACs", lambda r: r.macs),
                      ("memory traffic", lambda r: r.traffic_bytes)):
        first = get(points[0].record) or 1
        ax.plot(xs, [get(p.record) / first for p in points], marker="o", label=f"{name} (÷ first)")
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
