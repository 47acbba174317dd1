"""The display values of the layer pages (templates/designs.html): one design (a LayerRecord), a design and its
counterpart (a LayerReport), or several designs or models side by side (a Comparison). Nothing here imports torch:
`layer` and `compare` of designs never do."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from cnncalc.analysis.report import ModelSummary
from cnncalc.layers.record import Comparison, LayerRecord, LayerReport
from cnncalc.numbers import integer, ratio, si
from cnncalc.rendering.html import format as fmt
from cnncalc.rendering.html.tables import (
    Figure,
    Row,
    SideCell,
    SideHead,
    SideRow,
    SideTable,
    Table,
    bytes_col,
    col,
    shares,
    table,
    text_col,
)
from cnncalc.rendering.views.layers import latencies, summary_lines

Subject = LayerRecord | ModelSummary


@dataclass(frozen=True)
class Layout:
    """What the page shows: 'layer' (one design, and its counterpart when it has one) or 'compare' (several, the
    first the base of every ratio)."""

    kind: str
    subjects: tuple[Subject, ...]
    #: compare --time: each design's real module, timed (one per subject)
    timings: tuple[Any, ...] = ()
    #: compare --predict: each one's predicted latency (a LatencyReport per subject)
    predictions: tuple[Any, ...] = ()

    @property
    def first(self) -> Subject:
        return self.subjects[0]

    @property
    def title(self) -> str:
        return f"cnncalc {self.kind} " + " ".join(s.name for s in (self.subjects[:1] if self.kind == "layer"
                                                                   else self.subjects))

    @property
    def subtitle(self) -> str:
        first = self.first
        text = f"input {fmt.dims(first.input_shape)}, {first.dtype}"
        return text + (f"; beside {self.subjects[1].name}" if self.kind == "layer" and len(self.subjects) > 1 else "")


def _subject(record: Any) -> Subject:
    if not isinstance(record, LayerRecord | ModelSummary):
        raise TypeError(f"a layer page shows layer records and model summaries, not {type(record).__name__}")
    return record


def layout(record: LayerRecord | LayerReport | Comparison) -> Layout:
    if isinstance(record, LayerReport):
        others = () if record.counterpart is None else (record.counterpart,)
        return Layout("layer", (record.record, *others))
    if isinstance(record, Comparison):
        return Layout("compare", tuple(_subject(r) for r in record.records), tuple(record.timings),
                      tuple(record.predictions or ()))
    return Layout("layer", (record,))


def figures(r: LayerRecord) -> list[Figure]:
    figs = [
        Figure("params", "params", integer(r.params), f"weights {integer(r.weight_params)} / biases "
               f"{integer(r.bias_params)}"),
        Figure("macs", "MACs", integer(r.macs), f"{si(r.macs)} multiply-accumulates"),
        Figure("flops", "FLOPs", integer(r.flops), f"2 × MACs + {integer(r.other_flops)} other"),
        Figure.of_bytes("activations", "activations written", r.activation_bytes, "every tensor the ops write"),
        Figure.of_bytes("traffic", "memory traffic", r.traffic_bytes, "ideal-reuse lower bound"),
        Figure("intensity", "intensity", f"{fmt.g3(r.intensity)} FLOP/B", "FLOPs ÷ traffic"),
        Figure("rf", "receptive field", fmt.axes(r.receptive_field), f"jump {fmt.axes(r.jump)}"),
        Figure("output", "output", fmt.dims(r.output_shape), f"{fmt.size(r.output_bytes)}; input "
               f"{fmt.dims(r.input_shape)}, {r.dtype}", fmt.exact_bytes(r.output_bytes)),
    ]
    if r.buffers:
        figs.insert(1, Figure("buffers", "buffers", integer(r.buffers), "BN running statistics"))
    return figs


# --- side by side ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Quantity:
    """A row of the side-by-side table: a subject's value, how it reads, whether a ratio to the first and a bar
    show."""

    key: str
    label: str
    get: Callable[[Subject], Any]
    fmt: Callable[[Any], str] = fmt.count
    ratio: bool = True
    bar: bool = True
    exact: Callable[[Any], str] | None = None


def _output_bytes(r: Subject) -> int | None:
    return r.output_bytes if isinstance(r, LayerRecord) else None


def _text(value: Any) -> str:
    return fmt.NONE if value is None else str(value)


QUANTITIES = (
    Quantity("design", "design", lambda r: r.title, _text, False, False),
    Quantity("input", "input shape", lambda r: r.input_shape, fmt.dims, False, False),
    Quantity("output", "output shape", lambda r: r.output_shape, fmt.dims, False, False),
    Quantity("params", "params", lambda r: r.params),
    Quantity("weights", "weights / biases", lambda r: f"{integer(r.weight_params)} / {integer(r.bias_params)}", _text,
             False, False),
    Quantity("buffers", "buffers (BN stats)", lambda r: r.buffers),
    Quantity("macs", "MACs", lambda r: r.macs),
    Quantity("flops", "FLOPs", lambda r: r.flops),
    Quantity("activations", "activations written", lambda r: r.activation_bytes, fmt.size, exact=fmt.exact_bytes),
    Quantity("output-bytes", "output bytes", _output_bytes, fmt.size, exact=fmt.exact_bytes),
    Quantity("traffic", "memory traffic", lambda r: r.traffic_bytes, fmt.size, exact=fmt.exact_bytes),
    Quantity("intensity", "intensity (FLOP/B)", lambda r: r.intensity, fmt.g3, False, False),
    Quantity("rf", "receptive field", lambda r: fmt.rf(r.receptive_field, r.jump), _text, False, False),
    Quantity("dtype", "dtype", lambda r: r.dtype, _text, False, False),
)


def side_by_side(subjects: Sequence[Subject]) -> SideTable:
    """One column per subject, with each value's ratio to the first's and a bar against the largest in its row."""
    base = subjects[0]
    heads = tuple(SideHead(s.name, f"vs {base.name}" if i else "") for i, s in enumerate(subjects))
    rows = []
    for q in QUANTITIES:
        values = [q.get(s) for s in subjects]
        if all(v is None for v in values) or (q.key == "buffers" and not any(values)):
            continue
        bars = shares(values) if q.bar else [None] * len(values)
        cells = []
        for i, (v, bar) in enumerate(zip(values, bars, strict=True)):
            shown = q.ratio and i > 0 and isinstance(v, int | float) and isinstance(values[0], int | float)
            cells.append(SideCell(q.fmt(v), ratio(v, values[0]) if shown else "", bar,
                                  q.exact(v) if q.exact is not None and v is not None else ""))
        rows.append(SideRow(f"q-{q.key}", q.label, tuple(cells), words=q.key == "design"))
    return SideTable("compare", heads, tuple(rows))


def summary(lay: Layout) -> list[str]:
    """A sentence per subject after the first: how it compares with the first."""
    return summary_lines(list(lay.subjects), latencies(lay.predictions))


# --- how each design is counted ------------------------------------------------------------------------------------
STEP_COLUMNS = (
    text_col("kind", "kind"),
    text_col("output", "output"),
    col("params", "params", bar=True),
    col("macs", "MACs", bar=True),
    col("flops", "FLOPs", bar=True),
    bytes_col("traffic_bytes", "traffic", bar=True),
)


@dataclass(frozen=True)
class FormulaRow:
    quantity: str
    symbolic: str
    numeric: str


@dataclass(frozen=True)
class Detail:
    """One design's idea, formulas (in symbols and with the numbers put in), paper, options and ops."""

    idea: tuple[str, ...]
    formulas: tuple[FormulaRow, ...]
    paper: str
    options: str
    ignored: str
    steps: Table | None

    def __bool__(self) -> bool:
        return bool(self.idea or self.formulas or self.paper or self.options or self.ignored or self.steps)


def _paper(r: Subject) -> str:
    if isinstance(r, LayerRecord):
        from cnncalc.layers import PRESETS

        preset = PRESETS.get(r.design)
        return preset.paper if preset is not None else ""
    try:
        from cnncalc.modelzoo.zoo import ZOO  # a model: the zoo (and torch) are loaded already
    except Exception:  # pragma: no cover - the zoo needs torch
        return ""
    entry = ZOO.get(r.name)
    return entry.paper if entry else ""


def detail(r: Subject, index: int) -> Detail:
    formulas = tuple(FormulaRow(f.quantity, f.symbolic or fmt.NONE, f.numeric) for f in r.formulas)
    ignored = ", ".join("--" + o for o in r.ignored)
    if not isinstance(r, LayerRecord):
        return Detail((), formulas, _paper(r), "", ignored, None)
    steps = [Row(f"s{i}", s.label, {"kind": s.kind, "output": fmt.dims(s.output_shape), "params": s.params,
                                    "macs": s.macs, "flops": s.flops, "traffic_bytes": s.traffic_bytes})
             for i, s in enumerate(r.steps)]
    return Detail(tuple(r.idea), formulas, _paper(r), ", ".join(f"{k}={v}" for k, v in r.options), ignored,
                  table(f"steps-{index}", "op", STEP_COLUMNS, steps, caption="bars: share of the design's largest op")
                  if steps else None)


# --- compare --time -------------------------------------------------------------------------------------------------
TIMING_COLUMNS = (
    col("median", "median ms", fmt=fmt.ms, bar=True),
    text_col("spread", "p10–p90 ms"),
    col("speedup", "speed-up vs first", fmt=fmt.times, help="the first design's median ÷ this one's"),
    col("mac_ratio", "MAC ratio vs first", fmt=fmt.times, help="the first design's MACs ÷ this one's"),
    col("flops_per_s", "FLOP/s", fmt=lambda v: fmt.rate(v, "FLOP/s")),
    col("intensity", "FLOP/B", fmt=fmt.g3),
)


def timings(lay: Layout) -> Table:
    """Each design's real module, timed: its median beside the speed-up its MACs promise."""
    base_ms, base_macs = lay.timings[0].latency.median, lay.first.macs
    rows = []
    for i, (s, t) in enumerate(zip(lay.subjects, lay.timings, strict=True)):
        lat = t.latency
        rows.append(Row(f"t{i}", s.name, {
            "median": lat.median, "spread": f"{fmt.ms(lat.p10)}–{fmt.ms(lat.p90)}" + (" noisy" if lat.noisy else ""),
            "speedup": base_ms / lat.median if lat.median else None,
            "mac_ratio": base_macs / s.macs if s.macs else None,
            "flops_per_s": s.flops / (lat.median / 1e3) if lat.median else None, "intensity": s.intensity}))
    return table("timings", "design", TIMING_COLUMNS, rows)


PREDICTED_COLUMNS = (
    col("latency", "predicted ms", fmt=fmt.ms, bar=True),
    col("speedup", "speed-up vs first", fmt=fmt.times, help="the first one's predicted latency ÷ this one's"),
    col("mac_ratio", "MAC ratio vs first", fmt=fmt.times, help="the first one's MACs ÷ this one's"),
)


def predictions(lay: Layout) -> Table:
    """Each one's predicted latency beside the speed-up its MACs promise."""
    base_ms, base_macs = lay.predictions[0].latency_ms, lay.first.macs
    rows = [Row(f"p{i}", s.name, {"latency": p.latency_ms,
                                  "speedup": base_ms / p.latency_ms if p.latency_ms else None,
                                  "mac_ratio": base_macs / s.macs if s.macs else None})
            for i, (s, p) in enumerate(zip(lay.subjects, lay.predictions, strict=True))]
    return table("predictions", "design", PREDICTED_COLUMNS, rows)


def predicted_on(lay: Layout) -> str:
    p = lay.predictions[0].profile
    return f"{p.device} (profile {p.source})"


def timed_on(lay: Layout) -> str:
    first = lay.timings[0]
    return f"{first.device}" + (f", {first.threads} threads" if first.threads else "")
