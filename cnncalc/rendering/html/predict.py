"""The display values of a prediction page (templates/predict.html): the predicted latency, where the time goes by
what bounds it, the module tree and the op kinds with the profile's own held-out error."""

from __future__ import annotations

from markupsafe import Markup

from cnncalc.latency.report import LatencyReport
from cnncalc.numbers import shape
from cnncalc.rendering.html.charts import Bar, BarChart, Segment
from cnncalc.rendering.html.svg import LegendItem, legend
from cnncalc.rendering.html.tables import Figure, Pair, Row, Table, col, table, text_col
from cnncalc.rendering.views.latency import METHOD, ms, notes, plural, share

COLORS = {"compute": "#4e79a7", "memory": "#f28e2b", "overhead": "#8c8c8c"}


def subtitle(r: LatencyReport) -> str:
    where = r.device or r.profile.device
    return f"input {shape(r.input_shape)}, {r.dtype}, on {where}" + (
        f", {plural(r.profile.threads, 'thread')}" if r.profile.threads and not r.device else "")


def figures(r: LatencyReport) -> list[Figure]:
    return [
        Figure("latency", "predicted latency", f"{ms(r.latency_ms)} ms",
               "partial: some ops are not predicted" if r.partial else "one forward, eval, inference_mode"),
        Figure("compute", "bound by compute", f"{ms(r.compute_ms)} ms", share(r.compute_ms, r.latency_ms)),
        Figure("memory", "bound by memory", f"{ms(r.memory_ms)} ms", share(r.memory_ms, r.latency_ms)),
        Figure("overhead", "ops' fixed cost", f"{ms(r.overhead_ms)} ms", share(r.overhead_ms, r.latency_ms)),
        Figure("modules", "module calls", f"{ms(r.module_overhead_ms)} ms", "nn.Module.__call__ and its Python"),
        Figure("macs", "MACs", f"{r.macs:,}", f"FLOPs {r.flops:,}"),
    ]


def split(r: LatencyReport) -> Markup:
    parts = (("compute", r.compute_ms), ("memory", r.memory_ms), ("overhead", r.overhead_ms + r.module_overhead_ms))
    bar = Bar("forward", [Segment(name, value, COLORS[name], f"{name}: {ms(value)} ms") for name, value in parts])
    chart = BarChart("latency-split", [bar], "milliseconds of one forward pass", fmt=lambda v: f"{v:.3g}")
    return chart.svg() + legend([LegendItem(f"{name} {ms(value)} ms", COLORS[name]) for name, value in parts])


def modules(r: LatencyReport) -> Table:
    rows: list[Row] = []
    stack: list[str] = []
    for i, m in enumerate(r.modules):
        del stack[m.depth:]
        row_id = f"m{i}"
        rows.append(Row(row_id, "(model)" if m.depth == 0 else m.name.rsplit(".", 1)[-1], {
            "type": m.type, "calls": m.calls, "ms": m.latency_ms, "share": share(m.latency_ms, r.latency_ms),
            "bound": m.bound}, parent=stack[-1] if stack else "", depth=m.depth, cls="root" if m.depth == 0 else "",
            sub=m.name if m.depth > 1 else ""))
        stack.append(row_id)
    columns = (text_col("type", "type"), col("calls", "calls"), col("ms", "ms", fmt=ms, bar=True),
               text_col("share", "share"), text_col("bound", "bound"))
    return table("modules", "module", columns, rows, tree=True, bar_max={"ms": r.latency_ms})


def kinds(r: LatencyReport) -> Table:
    rows = [Row(f"k{i}", k.kind, {"calls": k.calls, "ms": k.latency_ms, "compute": k.compute_ms,
                                  "memory": k.memory_ms, "overhead": k.overhead_ms,
                                  "error": "–" if k.held_out_error is None else f"{100 * k.held_out_error:.1f}%"})
            for i, k in enumerate(sorted(r.kinds, key=lambda k: -k.latency_ms))]
    columns = (col("calls", "calls"), col("ms", "ms", fmt=ms, bar=True), col("compute", "compute ms", fmt=ms),
               col("memory", "memory ms", fmt=ms), col("overhead", "overhead ms", fmt=ms),
               text_col("error", "profile's held-out error"))
    return table("kinds", "op kind", columns, rows, bar_max={"ms": r.latency_ms})


def profile(r: LatencyReport) -> list[Pair]:
    p = r.profile
    return [Pair("file", p.source), Pair("device", f"{p.device} ({p.device_type})"),
            Pair("threads", str(p.threads) if p.threads else "–"), Pair("torch", p.torch), Pair("dtype", p.dtype),
            Pair("layout", "channels-last" if p.channels_last else "contiguous"), Pair("made", p.created)]


def lines(r: LatencyReport) -> list[str]:
    return [*notes(r), METHOD]
