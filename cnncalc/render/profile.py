"""Renderers of profiles: rich tables, JSON, CSV, Markdown, and the roofline plot."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text

from cnncalc.conventions import CONVENTION
from cnncalc.profiling.report import ProfileReport, Run
from cnncalc.render.fit import Cell, Column, FitTable, Formatter, number
from cnncalc.render.formats import csv_text
from cnncalc.render.numbers import integer, nbytes, si

PER_LAYER_NOTE = "per-layer times carry hook overhead; the totals above come from the plain runs"


def rate(value: float | None, unit: str) -> str:
    """1.23e12 → '1.23 T' + unit."""
    if value is None:
        return "?"
    for scale, prefix in ((1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= scale:
            return f"{value / scale:.3g} {prefix}{unit}"
    return f"{value:.3g} {unit}"


def device_lines(report: ProfileReport) -> list[str]:
    p, s = report.peaks, report.settings
    peaks = [f"FP32 {rate(p.fp32, 'FLOP/s')}"]
    if p.tf32:
        peaks.append(f"TF32 {rate(p.tf32, 'FLOP/s')}")
    if p.half:
        peaks.append(f"FP16/BF16 {rate(p.half, 'FLOP/s')}")
    peaks.append(f"bandwidth {rate(p.bandwidth, 'B/s')}")
    lines = [f"device {s.device}: {p.name}", "peaks: " + ", ".join(peaks) + f" ({p.source})"]
    how = []
    if s.threads is not None:
        how.append(f"{s.threads} CPU threads (torch.get_num_threads)")
    if s.cudnn_benchmark is not None:
        how.append(f"cudnn.benchmark {'on' if s.cudnn_benchmark else 'off'}")
        how.append(f"TF32 for convolutions {'on' if s.tf32_conv else 'off'}, for matmuls "
                   f"{'on' if s.tf32_matmul else 'off'}")
    mode = ("eval + inference_mode" if report.mode == "inference" else
            f"whole training steps: forward (train mode), backward, {report.optimizer} step, zero_grad"
            + (f", autocast {report.amp}" if report.amp else ""))
    how += [f"channels-last {'on' if s.channels_last else 'off'}", f"torch.compile {'on' if s.compiled else 'off'}",
            f"{s.warmup} warm-up calls, samples for ≥ {s.min_time:g} s, {mode}"]
    return [*lines, "; ".join(how), *memory_lines(report)]


def memory_lines(report: ProfileReport) -> list[str]:
    """Training steps: each batch's measured peak beside the traced step's prediction."""
    lines = []
    for r in report.runs:
        if r.predicted_peak_bytes is None:
            continue
        if r.peak_memory_bytes is None:
            lines.append(f"batch {r.batch}: predicted peak {nbytes(r.predicted_peak_bytes)}; not measured here")
            continue
        diff = (r.predicted_peak_bytes - r.peak_memory_bytes) / r.peak_memory_bytes if r.peak_memory_bytes else 0.0
        lines.append(f"batch {r.batch}: peak {integer(r.peak_memory_bytes)} B measured ({r.peak_source}), "
                     f"{integer(r.predicted_peak_bytes)} B predicted ({diff:+.2%})")
    return lines


def report_json(report: ProfileReport) -> str:
    data = report.to_dict()
    data["convention"] = {"macs": CONVENTION.macs, "flops": CONVENTION.flops}
    return json.dumps(data, indent=2)


RUN_COLUMNS: tuple[tuple[str, Any], ...] = (
    ("batch", lambda r: r.batch),
    ("dtype", lambda r: r.dtype),
    ("median_ms", lambda r: r.latency.median if r.latency else None),
    ("p10_ms", lambda r: r.latency.p10 if r.latency else None),
    ("p90_ms", lambda r: r.latency.p90 if r.latency else None),
    ("min_ms", lambda r: r.latency.min if r.latency else None),
    ("cold_ms", lambda r: r.latency.cold if r.latency else None),
    ("samples", lambda r: r.latency.samples if r.latency else 0),
    ("noisy", lambda r: r.latency.noisy if r.latency else None),
    ("throughput_per_s", lambda r: r.throughput),
    ("macs (multiply-accumulates)", lambda r: r.macs),
    ("flops (2*macs + other)", lambda r: r.flops),
    ("flops_per_s", lambda r: r.flops_per_s),
    ("peak_memory_bytes", lambda r: r.peak_memory_bytes),
    ("predicted_peak_bytes", lambda r: r.predicted_peak_bytes),
    ("roofline_ms", lambda r: r.roofline_ms),
    ("measured_over_roofline", lambda r: r.over_roofline),
    ("error", lambda r: r.error or ""),
)


def run_rows(report: ProfileReport) -> tuple[list[str], list[list[Any]]]:
    """Header and rows (exact values) of the runs, one per batch size."""
    return [h for h, _ in RUN_COLUMNS], [[get(run) for _, get in RUN_COLUMNS] for run in report.runs]


def report_csv(report: ProfileReport) -> str:
    return csv_text(*run_rows(report))


def report_markdown(report: ProfileReport) -> str:
    lines = [f"**{report.model}**", ""] + [f"- {line}" for line in device_lines(report)] + [""]
    lines += ["| " + " | ".join(h for h, _ in RUN_COLUMNS) + " |", "|" + "---|" * len(RUN_COLUMNS)]
    for run in report.runs:
        cells = [get(run) for _, get in RUN_COLUMNS]
        lines.append("| " + " | ".join(f"{c:.4g}" if isinstance(c, float) else str(c) for c in cells) + " |")
    lines += ["", f"_{CONVENTION.short}_", ""]
    return "\n".join(lines)


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}" if value < 10 else f"{value:.1f}"


def _rate_short(value: float | None) -> str:
    """The short form of a rate: the unit is in the header (12.3 GFLOP/s → 12.3 G)."""
    return "?" if value is None else si(value)


def _rate(unit: str) -> tuple[Formatter, Formatter]:
    return (lambda v: rate(v, unit)), _rate_short


#: The runs of `cnncalc profile`, by priority: latency and throughput first, then how far from the roofline.
RUN_TABLE_COLUMNS: tuple[Column, ...] = (
    Column("batch", 1, "right"),
    Column("dtype", 2),
    Column("median ms", 3, "right"),
    Column("p10–p90 ms", 8, "right"),
    Column("min ms", 11, "right"),
    Column("cold ms", 12, "right"),
    Column("n", 13, "right"),
    Column("items/s", 4, "right", lambda v: "" if v is None else f"{v:,.1f}", lambda v: "" if v is None else si(v)),
    Column("MAC/s", 10, "right", *_rate("MAC/s")),
    Column("FLOP/s", 5, "right", *_rate("FLOP/s")),
    Column("peak mem", 9, "right", lambda v: "?" if v is None else nbytes(v)),
    Column("roofline ms", 7, "right", _ms),
    Column("÷ bound", 6, "right", lambda v: f"{v:.2f}×" if v else "?"),
)


def _run_row(r: Run) -> list[Any]:
    if r.latency is None:
        blank = Cell("")
        return [r.batch, r.dtype, Cell("failed", style="red"), *[blank] * 8, r.roofline_ms, blank]
    lat = r.latency
    median = Text(_ms(lat.median)) + (Text(" (noisy)", style="yellow") if lat.noisy else Text(""))
    return [r.batch, r.dtype, median, f"{_ms(lat.p10)}–{_ms(lat.p90)}", _ms(lat.min), _ms(lat.cold), lat.samples,
            r.throughput, r.macs_per_s, r.flops_per_s, r.peak_memory_bytes, r.roofline_ms, r.over_roofline]


def report_table(report: ProfileReport) -> RenderableType:
    table = FitTable(RUN_TABLE_COLUMNS, [_run_row(r) for r in report.runs], title=f"cnncalc profile {report.model}")
    parts: list[RenderableType] = [table]
    parts += [Text(f"batch {r.batch} failed: {r.error}", style="red") for r in report.runs if r.latency is None]
    parts += [Text(line, style="dim") for line in device_lines(report)]
    if any(r.error for r in report.runs):
        parts.append(Text(f"largest batch that fitted: {report.largest_batch}", style="yellow"))
    if any(r.latency and r.latency.noisy for r in report.runs):
        parts.append(Text("noisy: (p90 − p10) / median above 10%; other work on the machine, or too short a "
                          "--min-time", style="yellow"))
    if report.layers:
        parts.append(layers_table(report))
        parts.append(Text(PER_LAYER_NOTE, style="yellow"))
    parts.append(Text(CONVENTION.short + "; roofline = Σ over ops of max(FLOPs / peak, bytes / bandwidth)",
                      style="dim"))
    return Group(*parts)


#: The per-layer table of `cnncalc profile --per-layer`, by priority: which module, its time and work first.
LAYER_TABLE_COLUMNS: tuple[Column, ...] = (
    Column("module", 1),
    Column("type", 4),
    Column("ms", 2, "right", lambda v: f"{v:.3f}"),
    number("FLOPs", 3),
    Column("bytes", 9, "right", nbytes),
    Column("FLOP/B", 7, "right", lambda v: f"{v:.3g}"),
    Column("FLOP/s", 6, "right", *_rate("FLOP/s")),
    Column("roofline ms", 8, "right", _ms),
    Column("bound by", 5),
)


def layers_table(report: ProfileReport, top: int = 25) -> FitTable:
    rows = sorted(report.layers, key=lambda layer: layer.ms, reverse=True)
    balance = (report.peaks.fp32 / report.peaks.bandwidth) if report.peaks.fp32 and report.peaks.bandwidth else None
    cells = [[layer.name, layer.type, layer.ms, layer.flops, layer.traffic_bytes, layer.intensity, layer.flops_per_s,
              layer.roofline_ms, "" if balance is None else ("memory" if layer.intensity < balance else "compute")]
             for layer in rows[:top]]
    return FitTable(LAYER_TABLE_COLUMNS, cells, title=f"per layer (the {min(top, len(rows))} slowest of {len(rows)})")


def plot_roofline(report: ProfileReport, path: str) -> None:
    """The device's roofline with each layer as a point (intensity, achieved FLOP/s), coloured by type."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as err:
        from cnncalc.errors import CnncalcError

        raise CnncalcError("--plot needs matplotlib: pip install matplotlib") from err
    if not report.layers:
        from cnncalc.errors import CnncalcError

        raise CnncalcError("--plot needs --per-layer (each layer is a point)")
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


#: `cnncalc compare --time`, by priority: the measured speed-up beside the MAC ratio it was promised.
TIMING_COLUMNS: tuple[Column, ...] = (
    Column("design", 1),
    Column("median ms", 2, "right"),
    Column("p10–p90 ms", 7, "right"),
    Column("speed-up", 3, "right", header="speed-up vs first"),
    Column("MAC ratio", 4, "right", header="MAC ratio vs first"),
    Column("FLOP/s", 6, "right", *_rate("FLOP/s")),
    Column("FLOP/B", 5, "right", lambda v: f"{v:.3g}"),
)


def design_timing_table(records: list[Any], timings: list[Any]) -> RenderableType:
    """Measured latency and speed-up beside the MAC ratio: memory-bound designs fall short of their MAC
    savings."""
    base_ms, base_macs = timings[0].latency.median, records[0].macs
    rows = []
    for record, timing in zip(records, timings, strict=True):
        lat = timing.latency
        speed = base_ms / lat.median if lat.median else 0.0
        mac_ratio = base_macs / record.macs if record.macs else float("inf")
        rows.append([record.name, _ms(lat.median) + (" (noisy)" if lat.noisy else ""),
                     f"{_ms(lat.p10)}–{_ms(lat.p90)}", f"{speed:.2f}×", f"{mac_ratio:.2f}×",
                     record.flops / (lat.median / 1e3) if lat.median else None, record.intensity])
    title = f"measured on {timings[0].device}" + (f", {timings[0].threads} threads" if timings[0].threads else "")
    note = Text("speed-up = first design's median ÷ this one's; MAC ratio = first design's MACs ÷ this one's. "
                "A design with far fewer MACs but low FLOP/B is memory-bound and gains far less than its MACs "
                "promise.", style="dim")
    return Group(FitTable(TIMING_COLUMNS, rows, title=title), note)
