"""Views of profiles: measured latency beside the analytic cost and the device's roofline."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text

from cnncalc.conventions import CONVENTION
from cnncalc.numbers import integer, nbytes, si
from cnncalc.profiling.report import ProfileReport, Run
from cnncalc.rendering.registry import RenderContext, Rows, View, views
from cnncalc.rendering.terminal import Cell, Column, FitTable, Formatter, number
from cnncalc.rendering.text import terminal_view
from cnncalc.serialize import to_data

PER_LAYER_NOTE = "per-layer times carry hook overhead; the totals above come from the plain runs"


def rate(value: float | None, unit: str) -> str:
    """1.23e12 → '1.23 T' + unit (the one SI formatter, `cnncalc.numbers.si`)."""
    if value is None:
        return "?"
    text = si(value)
    return f"{text}{unit}" if text[-1].isalpha() else f"{text} {unit}"


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
    if s.flush_subnormals:
        how.append("subnormals flushed to zero")
    if s.steady_heap:
        how.append("freed memory kept for reuse, as calibration measures (glibc's malloc thresholds at 1 GiB for the "
                   "process)")
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


#: with a latency profile: the prediction beside the measured median
PREDICTED_COLUMNS: tuple[tuple[str, Any], ...] = (
    ("predicted_ms", lambda r: r.predicted_ms),
    ("prediction_error (predicted/measured - 1)", lambda r: r.prediction_error),
)


def run_columns(report: ProfileReport) -> tuple[tuple[str, Any], ...]:
    if report.predicted_with is None:
        return RUN_COLUMNS
    return RUN_COLUMNS[:3] + PREDICTED_COLUMNS + RUN_COLUMNS[3:]


def run_rows(report: ProfileReport) -> tuple[list[str], list[list[Any]]]:
    """Header and rows (exact values) of the runs, one per batch size."""
    columns = run_columns(report)
    return [h for h, _ in columns], [[get(run) for _, get in columns] for run in report.runs]


def prediction_lines(report: ProfileReport) -> list[str]:
    """Which profile predicted the runs, and what it says about them."""
    p = report.predicted_with
    if p is None:
        return []
    threads = f", {p.threads} thread{'s' if p.threads != 1 else ''}" if p.threads else ""
    return [f"predicted with {p.source} ({p.device}{threads}, torch {p.torch}, {p.dtype}); error = predicted ÷ "
            f"measured median − 1", *(report.prediction_notes or ())]


def report_markdown(report: ProfileReport) -> str:
    columns = run_columns(report)
    lines = [f"**{report.model}**", ""] + [f"- {line}" for line in device_lines(report) + prediction_lines(report)]
    lines += ["", "| " + " | ".join(h for h, _ in columns) + " |", "|" + "---|" * len(columns)]
    for run in report.runs:
        cells = [get(run) for _, get in columns]
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
def _signed(value: float | None) -> str:
    return "–" if value is None else f"{value:+.1%}"


#: with a latency profile, after the median
PREDICTED_TABLE_COLUMNS: tuple[Column, ...] = (
    Column("predicted ms", 3, "right", _ms),
    Column("error", 3, "right", _signed),
)


def _run_row(r: Run, predicted: bool) -> list[Any]:
    if r.latency is None:
        blank = Cell("")
        cells: list[Any] = [r.batch, r.dtype, Cell("failed", style="red"), *[blank] * 8, r.roofline_ms, blank]
    else:
        lat = r.latency
        median = Text(_ms(lat.median)) + (Text(" (noisy)", style="yellow") if lat.noisy else Text(""))
        cells = [r.batch, r.dtype, median, f"{_ms(lat.p10)}–{_ms(lat.p90)}", _ms(lat.min), _ms(lat.cold),
                 lat.samples, r.throughput, r.macs_per_s, r.flops_per_s, r.peak_memory_bytes, r.roofline_ms,
                 r.over_roofline]
    return [*cells[:3], r.predicted_ms, r.prediction_error, *cells[3:]] if predicted else cells


def report_table(report: ProfileReport, ctx: RenderContext) -> RenderableType:
    predicted = report.predicted_with is not None
    columns = RUN_TABLE_COLUMNS[:3] + PREDICTED_TABLE_COLUMNS + RUN_TABLE_COLUMNS[3:] if predicted \
        else RUN_TABLE_COLUMNS
    table = FitTable(columns, [_run_row(r, predicted) for r in report.runs], title=f"cnncalc profile {report.model}",
                     view=terminal_view(ctx))
    parts: list[RenderableType] = [table]
    parts += [Text(f"batch {r.batch} failed: {r.error}", style="red") for r in report.runs if r.latency is None]
    parts += [Text(line, style="dim") for line in device_lines(report) + prediction_lines(report)]
    if any(r.error for r in report.runs):
        parts.append(Text(f"largest batch that fitted: {report.largest_batch}", style="yellow"))
    if any(r.latency and r.latency.noisy for r in report.runs):
        parts.append(Text("noisy: (p90 − p10) / median above 10%; other work on the machine, or too short a "
                          "sampling time (min_time)", style="yellow"))
    if report.layers:
        parts.append(layers_table(report, ctx))
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
LAYER_PREDICTED_COLUMNS: tuple[Column, ...] = (
    Column("predicted ms", 2, "right", lambda v: "–" if v is None else f"{v:.3f}"),
    Column("error", 2, "right", _signed),
)


def layers_table(report: ProfileReport, ctx: RenderContext, top: int = 25) -> FitTable:
    rows = sorted(report.layers, key=lambda layer: layer.ms, reverse=True)
    balance = (report.peaks.fp32 / report.peaks.bandwidth) if report.peaks.fp32 and report.peaks.bandwidth else None
    predicted = report.predicted_with is not None
    cells = []
    for layer in rows[:top]:
        row = [layer.name, layer.type, layer.ms, layer.flops, layer.traffic_bytes, layer.intensity, layer.flops_per_s,
               layer.roofline_ms, "" if balance is None else ("memory" if layer.intensity < balance else "compute")]
        if predicted:
            error = layer.predicted_ms / layer.ms - 1 if layer.predicted_ms is not None and layer.ms else None
            row[3:3] = [layer.predicted_ms, error]
        cells.append(row)
    columns = LAYER_TABLE_COLUMNS[:3] + LAYER_PREDICTED_COLUMNS + LAYER_TABLE_COLUMNS[3:] if predicted \
        else LAYER_TABLE_COLUMNS
    return FitTable(columns, cells, title=f"per layer (the {min(top, len(rows))} slowest of {len(rows)})",
                    view=terminal_view(ctx))


@views(ProfileReport)
class ProfileView(View):
    page = "profile.html"
    column_names = tuple(dict.fromkeys(c.name for c in RUN_TABLE_COLUMNS + PREDICTED_TABLE_COLUMNS +
                                       LAYER_TABLE_COLUMNS + LAYER_PREDICTED_COLUMNS))

    def table(self, report: ProfileReport, ctx: RenderContext) -> RenderableType:
        return report_table(report, ctx)

    def rows(self, report: ProfileReport, ctx: RenderContext) -> Rows:
        return run_rows(report)

    def data(self, report: ProfileReport, ctx: RenderContext) -> Any:
        return {**to_data(report), "convention": {"macs": CONVENTION.macs, "flops": CONVENTION.flops}}

    def markdown(self, report: ProfileReport, ctx: RenderContext) -> str:
        return report_markdown(report)
