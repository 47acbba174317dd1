"""The display values of a profile page (templates/profile.html): headline latency and cost, the runs, the
measured peak beside the predicted one, the device and settings, the roofline and the timed modules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from cnncalc.numbers import integer, nbytes
from cnncalc.profiling.report import ProfileReport, Run
from cnncalc.rendering.html import format as fmt
from cnncalc.rendering.html.charts import PALETTE, Bar, BarChart, Diamond, Point, Roof, Roofline, Segment, point_tip
from cnncalc.rendering.html.memory import bytes_tick
from cnncalc.rendering.html.svg import LegendItem, legend
from cnncalc.rendering.html.tables import Column, Figure, Row, Table, bytes_col, col, table, text_col
from cnncalc.rendering.views.profile import PER_LAYER_NOTE as PER_LAYER_NOTE
from cnncalc.rendering.views.profile import device_lines as _device_lines
from cnncalc.rendering.views.profile import memory_lines as memory_lines
from cnncalc.rendering.views.profile import prediction_lines


def device_lines(report: ProfileReport) -> list[str]:
    """The device, how the runs were made, and the latency profile that predicted them."""
    return _device_lines(report) + prediction_lines(report)


def training(report: ProfileReport) -> bool:
    return report.mode == "training"


def optimizer(report: ProfileReport) -> str:
    return report.optimizer or fmt.NONE


def subtitle(report: ProfileReport) -> str:
    text = f"input {fmt.dims(report.input_shape)} on {report.settings.device} ({report.peaks.name})"
    if training(report):
        text += f"; training steps ({optimizer(report)}" + (f", autocast {report.amp}" if report.amp else "") + ")"
    return text


def figures(report: ProfileReport) -> list[Figure]:
    figs = [Figure("device", "device", report.peaks.name, report.settings.device)]
    ok = [r for r in report.runs if r.latency is not None]
    if not ok:
        return [*figs, Figure("error", "no run fitted", ", ".join(f"batch {r.batch}: {r.error}" for r in report.runs))]
    r = ok[0]
    lat = r.latency
    assert lat is not None
    steps = training(report)
    if steps:
        figs.append(Figure("mode", "training steps", optimizer(report), "forward, backward, optimizer step, zero_grad"
                           + (f"; autocast {report.amp}" if report.amp else "")))
    peak_detail = "allocator / resident set rise"
    if r.predicted_peak_bytes is not None:
        peak_detail = (f"{r.peak_source or 'measured'}; predicted {nbytes(r.predicted_peak_bytes)}"
                       if r.peak_memory_bytes is not None else
                       f"not measured here; predicted {nbytes(r.predicted_peak_bytes)}")
    figs += [
        Figure("latency", f"median {'step time' if steps else 'latency'}, batch {r.batch}", f"{fmt.ms(lat.median)} ms",
               f"p10–p90 {fmt.ms(lat.p10)}–{fmt.ms(lat.p90)} ms, {lat.samples} samples"
               + (" (noisy)" if lat.noisy else "")),
        Figure("throughput", "throughput", f"{r.throughput:,.1f} /s" if r.throughput else fmt.NONE, "items per second"),
        Figure("achieved", "achieved", fmt.rate(r.flops_per_s, "FLOP/s"), fmt.rate(r.macs_per_s, "MAC/s")),
        Figure("roofline", "roofline bound", f"{fmt.ms(r.roofline_ms)} ms",
               f"measured ÷ bound {fmt.times(r.over_roofline)}" if r.over_roofline else "no bound without peaks"),
        Figure("macs", "MACs", integer(r.macs), f"FLOPs {integer(r.flops)}"),
        Figure.of_bytes("traffic", "memory traffic", r.traffic_bytes, "ideal-reuse lower bound"),
        Figure("peak-memory", "peak memory", fmt.size(r.peak_memory_bytes), peak_detail,
               fmt.exact_bytes(r.peak_memory_bytes)),
    ]
    return figs


# --- the runs -------------------------------------------------------------------------------------------------------
RUN_COLUMNS = (
    text_col("dtype", "dtype"),
    col("median", "median ms", fmt=fmt.ms, bar=True),
    text_col("spread", "p10–p90 ms"),
    col("min", "min ms", fmt=fmt.ms),
    col("cold", "cold ms", fmt=fmt.ms),
    col("samples", "samples"),
    col("throughput", "items/s", fmt=lambda v: fmt.NONE if v is None else f"{v:,.1f}"),
    col("macs_per_s", "MAC/s", fmt=lambda v: fmt.rate(v, "MAC/s")),
    col("flops_per_s", "FLOP/s", fmt=lambda v: fmt.rate(v, "FLOP/s")),
    bytes_col("peak", "peak memory", help="measured"),
    col("roofline", "roofline ms", fmt=fmt.ms),
    col("over", "÷ bound", fmt=fmt.times),
    text_col("error", "error"),
)

#: training steps: the traced step's predicted peak beside the measured one
PREDICTED_COLUMNS = (
    bytes_col("predicted", "predicted", help="the peak of the traced training step (cnncalc analyze --train)"),
    col("vs", "vs measured", fmt=fmt.signed_percent, help="(predicted − measured) ÷ measured"),
)


#: with a latency profile: the predicted forward beside the measured median
LATENCY_COLUMNS = (
    col("predicted_ms", "predicted ms", fmt=fmt.ms, help="cnncalc predict with the profile below"),
    col("prediction_error", "error", fmt=fmt.signed_percent, help="predicted ÷ measured median − 1"),
)


def predicted(report: ProfileReport) -> list[Run]:
    """The runs with a predicted peak (training steps)."""
    return [r for r in report.runs if r.predicted_peak_bytes is not None]


def runs(report: ProfileReport) -> Table:
    columns: tuple[Column, ...] = RUN_COLUMNS
    if predicted(report):
        at = next(i for i, c in enumerate(RUN_COLUMNS) if c.key == "peak") + 1
        columns = RUN_COLUMNS[:at] + PREDICTED_COLUMNS + RUN_COLUMNS[at:]
    if report.predicted_with is not None:
        columns = columns[:2] + LATENCY_COLUMNS + columns[2:]
    rows = []
    for i, r in enumerate(report.runs):
        lat = r.latency
        guess, measured = r.predicted_peak_bytes, r.peak_memory_bytes
        rows.append(Row(f"b{i}", f"batch {r.batch}", {
            "predicted": guess, "vs": (guess - measured) / measured if guess is not None and measured else None,
            "dtype": r.dtype, "median": lat.median if lat else None,
            "spread": f"{fmt.ms(lat.p10)}–{fmt.ms(lat.p90)}" + (" noisy" if lat.noisy else "") if lat else None,
            "min": lat.min if lat else None, "cold": lat.cold if lat else None, "samples": r.samples,
            "throughput": r.throughput, "macs_per_s": r.macs_per_s, "flops_per_s": r.flops_per_s,
            "peak": measured, "roofline": r.roofline_ms, "over": r.over_roofline, "error": r.error,
            "predicted_ms": r.predicted_ms, "prediction_error": r.prediction_error,
        }, cls="bad" if r.error else ""))
    return table("runs", "run", columns, rows)


def failed(report: ProfileReport) -> bool:
    return any(r.error for r in report.runs)


def noisy(report: ProfileReport) -> bool:
    return any(r.noisy for r in report.runs)


def peak_chart(report: ProfileReport) -> Markup:
    """Training steps: each batch's measured peak beside the traced step's prediction."""
    bars = []
    for r in predicted(report):
        guess = r.predicted_peak_bytes or 0
        if r.peak_memory_bytes is not None:
            bars.append(Bar(f"batch {r.batch} measured", [Segment("measured", float(r.peak_memory_bytes), PALETTE[0],
                                                                 f"measured: {integer(r.peak_memory_bytes)} B")]))
        bars.append(Bar(f"batch {r.batch} predicted", [Segment("predicted", float(guess), PALETTE[1],
                                                              f"predicted: {integer(guess)} B")]))
    chart = BarChart("peak-chart", bars, "peak bytes of one training step", fmt=bytes_tick, binary=True,
                     bar_height=18, gap=8)
    return chart.svg() + legend([LegendItem("measured", PALETTE[0]), LegendItem("predicted", PALETTE[1])])


def peak_sources(report: ProfileReport) -> str:
    sources = sorted({r.peak_source for r in predicted(report) if r.peak_source and r.peak_memory_bytes is not None})
    return "; ".join(sources) or "not measured on this device"


# --- the roofline ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RooflineView:
    chart: Markup
    source: str
    #: what the roofline lacks ('' when complete)
    missing: str


def roofline(report: ProfileReport) -> RooflineView | None:
    """Each timed module and each whole-model run under the device's roofs."""
    layers = [x for x in report.layers if x.intensity > 0 and x.flops_per_s > 0]
    timed = [r for r in report.runs if r.flops_per_s and r.traffic_bytes]
    if not layers and not timed:
        return None
    p = report.peaks
    roofs = [Roof(label, v) for label, v in (("FP32", p.fp32), ("TF32", p.tf32), ("FP16/BF16", p.half)) if v]
    slowest = {x.name for x in sorted(layers, key=lambda t: t.ms, reverse=True)[:3]}
    points = [Point(x.name, x.type, x.intensity, x.flops_per_s, point_tip(x.name, x.type, x.flops_per_s, x.intensity,
                                                                          x.ms), x.name in slowest) for x in layers]
    diamonds = [Diamond(f"model, batch {r.batch}", r.flops / r.traffic_bytes, r.flops_per_s or 0.0,
                        f"whole model, batch {r.batch}: {fmt.rate(r.flops_per_s, 'FLOP/s')}, "
                        f"{fmt.ms(r.latency.median if r.latency else None)} ms") for r in timed]
    missing = "" if roofs and p.bandwidth else ("a compute peak" if not roofs else "a bandwidth")
    return RooflineView(Roofline(roofs, p.bandwidth, points, diamonds).svg(), p.source, missing)


# --- the timed modules ----------------------------------------------------------------------------------------------
LAYER_TIME_COLUMNS = (
    text_col("type", "type"),
    col("ms", "ms", fmt=fmt.ms, bar=True, help="median per call, with hook overhead; groups: sum of their modules"),
    col("flops", "FLOPs", bar=True),
    bytes_col("traffic_bytes", "traffic", bar=True),
    col("intensity", "FLOP/B", fmt=fmt.g3),
    col("flops_per_s", "FLOP/s", fmt=lambda v: fmt.rate(v, "FLOP/s")),
    col("roofline_ms", "roofline ms", fmt=fmt.ms),
    text_col("bound", "bound by"),
)
LAYER_PREDICTED_COLUMNS = (
    col("predicted_ms", "predicted ms", fmt=fmt.ms, help="the module's ops and calls, predicted (no hooks)"),
)


def _chain(gid: str, groups: dict[str, dict[str, Any]]) -> list[str]:
    out = []
    while gid in groups:
        out.append(gid)
        gid = groups[gid]["parent"]
    return out


def modules(report: ProfileReport) -> Table:
    """The timed modules as a tree by their dotted names; a group row shows the sums of its timed modules (bars:
    their share of all timed modules)."""
    peaks = report.peaks
    balance = peaks.fp32 / peaks.bandwidth if peaks.fp32 and peaks.bandwidth else None
    groups: dict[str, dict[str, Any]] = {}
    order: list[tuple[str, Row | None]] = []  # (id, the timed module's row, or None for a group)
    for i, layer in enumerate(report.layers):
        parts = layer.name.split(".")
        parent = "all"
        for d in range(len(parts) - 1):
            gid = "g:" + ".".join(parts[:d + 1])
            if gid not in groups:
                groups[gid] = {"label": parts[d], "name": ".".join(parts[:d + 1]), "depth": d + 1, "parent": parent,
                               "ms": 0.0, "flops": 0, "traffic_bytes": 0, "roofline_ms": 0.0}
                order.append((gid, None))
            parent = gid
        bound = None if balance is None else "memory" if layer.intensity < balance else "compute"
        leaf = Row(f"t{i}", parts[-1], {"type": layer.type, "ms": layer.ms, "flops": layer.flops,
                                        "traffic_bytes": layer.traffic_bytes, "intensity": layer.intensity,
                                        "flops_per_s": layer.flops_per_s, "roofline_ms": layer.roofline_ms,
                                        "bound": bound, "predicted_ms": layer.predicted_ms},
                   parent=parent, depth=len(parts), sub=layer.name if len(parts) > 1 else "")
        order.append((leaf.id, leaf))
        for gid in _chain(parent, groups):
            g = groups[gid]
            g["ms"] += layer.ms
            g["flops"] += layer.flops
            g["traffic_bytes"] += layer.traffic_bytes
            g["roofline_ms"] = (g["roofline_ms"] + layer.roofline_ms
                                if g["roofline_ms"] is not None and layer.roofline_ms is not None else None)
    total = {"ms": sum(x.ms for x in report.layers), "flops": sum(x.flops for x in report.layers),
             "traffic_bytes": sum(x.traffic_bytes for x in report.layers)}
    rows = [Row("all", "(timed modules)", {"type": "Σ", **total}, depth=0, cls="root")]
    for row_id, timed in order:
        if timed is not None:
            rows.append(timed)
            continue
        g = groups[row_id]
        rows.append(Row(row_id, g["label"], {"type": "Σ", "ms": g["ms"], "flops": g["flops"],
                                             "traffic_bytes": g["traffic_bytes"], "roofline_ms": g["roofline_ms"]},
                        parent=g["parent"], depth=g["depth"], sub=g["name"] if g["depth"] > 1 else ""))
    bar_max = {k: float(v) for k, v in total.items() if v}
    columns = LAYER_TIME_COLUMNS[:2] + LAYER_PREDICTED_COLUMNS + LAYER_TIME_COLUMNS[2:] if report.predicted_with \
        else LAYER_TIME_COLUMNS
    return table("layers", "module", columns, rows, tree=True, bar_max=bar_max)
