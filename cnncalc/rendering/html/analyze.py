"""The display values of a model analysis page (templates/analyze.html): headline figures, the inputs and
outputs, the real run, the training step's charts, the module tree, the receptive-field chart and the formulas by
op kind. Each helper reads the report's typed fields and returns text, tables and charts; the template lays them
out."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from cnncalc.analysis.report import ConstantOp, LayerRow, ModelReport, RealRun, TensorInfo, TrainingReport
from cnncalc.numbers import integer, nbytes, si
from cnncalc.rendering.html import format as fmt
from cnncalc.rendering.html.charts import PALETTE, Band, Bar, BarChart, LineChart, Ref, Segment, Series
from cnncalc.rendering.html.memory import bytes_tick, categories, memory_bar, memory_legend
from cnncalc.rendering.html.svg import LegendItem, legend
from cnncalc.rendering.html.tables import (
    Column,
    Figure,
    Pair,
    Row,
    SideCell,
    SideHead,
    SideRow,
    SideTable,
    Table,
    bytes_col,
    col,
    table,
    text_col,
)
from cnncalc.rendering.views.memory import MEMORY_NOTE, step_title


def subtitle(report: ModelReport, depth: int | None) -> str:
    """'input 1×3×224×224, float32; adam training step, batch 8; module tree to depth 2'."""
    inputs = report.inputs
    what = (", ".join(f"{i.name} {fmt.dims(i.shape)}" for i in inputs) if len(inputs) > 1
            else f"input {fmt.dims(report.input_shape)}")
    step = report.training
    return f"{what}, {report.dtype}" + (
        f"; {step.optimizer} training step, batch {step.batch}" if step is not None else "") + (
        f"; module tree to depth {depth}" if depth is not None else "")


def figures(report: ModelReport) -> list[Figure]:
    t = report.total
    c = t.costs
    figs = [
        Figure("params", "params", integer(t.params), f"{nbytes(t.param_bytes)} · weights {integer(t.weight_params)}"
               f" / biases {integer(t.bias_params)}", fmt.exact_bytes(t.param_bytes)),
        Figure("buffers", "buffers", integer(t.buffers), f"{nbytes(t.buffer_bytes)} (BN running statistics)",
               fmt.exact_bytes(t.buffer_bytes)),
        Figure("macs", "MACs", integer(t.macs), f"{si(t.macs)} multiply-accumulates"),
        Figure("flops", "FLOPs", integer(t.flops), f"2 × MACs + {integer(c.other_flops)} other"),
        Figure.of_bytes("activations", "activations written", c.activation_bytes, "every tensor the ops write"),
        Figure.of_bytes("peak", "peak live activations", t.peak_activation_bytes, "inference, eager frees"),
        Figure.of_bytes("traffic", "memory traffic", c.traffic_bytes, "ideal-reuse lower bound"),
        Figure("intensity", "intensity", f"{fmt.g3(c.intensity)} FLOP/B", "FLOPs ÷ traffic"),
        Figure("rf", "receptive field", fmt.axes(t.receptive_field), f"jump {fmt.axes(t.jump)}"),
        Figure("output", "output", fmt.dims(t.output_shape), f"input {fmt.dims(report.input_shape)}"),
    ]
    step, backward = report.training, report.backward
    if step is not None:
        figs.append(Figure("step-flops", "training step FLOPs", integer(step.flops), f"forward, backward, "
                           f"{step.optimizer} step at batch {step.batch}; peak {nbytes(step.peak_bytes)}"))
    elif backward is not None:
        figs += [Figure("backward-macs", "backward MACs", integer(backward.macs), "autograd's gradient ops"),
                 Figure("backward-flops", "backward FLOPs", integer(backward.flops),
                        f"training step {integer(t.flops + backward.flops)} FLOPs")]
    return figs


def built(report: ModelReport) -> list[str]:
    """How the model was built, where it took more than the meta device: the way, then why each cheaper way
    failed."""
    b = report.built
    if b is None or b.way in ("meta", "given"):
        return []
    return [fmt.sentence(b.text), *(fmt.sentence(why) for why in b.why)]


# --- inputs and outputs ---------------------------------------------------------------------------------------------
IO_COLUMNS = (text_col("shape", "shape"), text_col("dtype", "dtype"))


def io_table(table_id: str, label: str, tensors: tuple[TensorInfo, ...]) -> Table:
    rows = [Row(f"{table_id}{i}", t.name, {"shape": fmt.dims(t.shape) if t.shape else "scalar", "dtype": t.dtype})
            for i, t in enumerate(tensors)]
    return table(f"{table_id}-table", label, IO_COLUMNS, rows)


def output_paths(report: ModelReport) -> bool:
    """Whether outputs are named by a path into what the model returns ('[0].boxes')."""
    return any(o.name.startswith("[") or "." in o.name for o in report.outputs)


def task(report: ModelReport) -> str:
    return report.task.replace("_", " ")


# --- the real run ---------------------------------------------------------------------------------------------------
def real_run_why(run: RealRun) -> list[Pair]:
    return [Pair("forced by", f"{run.op} in {run.module or '(model)'}"), Pair("torch says", run.reason or fmt.NONE),
            Pair("data", run.data or fmt.NONE)]


FLOW_COLUMNS = (text_col("module", "module"), col("calls", "calls"), col("offered", "offered"), col("kept", "kept"),
                col("share", "kept share", fmt=fmt.percent, bar=True))


def flows(run: RealRun) -> Table:
    rows = [Row(f"f{i}", f.op, {"module": f.module or "(model)", "calls": f.calls, "offered": f.offered,
                                "kept": f.kept, "share": f.kept / f.offered if f.offered else None})
            for i, f in enumerate(run.flows)]
    return table("flows", "op", FLOW_COLUMNS, rows, bar_max={"share": 1.0})


def detector_figures(run: RealRun) -> list[Figure]:
    if run.counts is None:
        return []
    figs = [Figure("detections", "detections per image", fmt.counts(run.counts.detections),
                   "what the detector returned on this data")]
    if run.counts.proposals is not None:
        figs.insert(0, Figure("proposals", "proposals per image", fmt.counts(run.counts.proposals),
                              "region proposals the RPN passed to the box head"))
    return figs


def worst_case(report: ModelReport) -> SideTable | None:
    """This run beside the detector at its limits: MACs, FLOPs, proposals and detections per image."""
    run = report.real_run
    if run is None or run.worst_case is None:
        return None
    worst, counts = run.worst_case, run.counts
    rows: list[tuple[str, str, Any, Any]] = [("macs", "MACs", report.total.macs, worst.costs.macs),
                                             ("flops", "FLOPs", report.total.flops, worst.costs.flops)]
    if worst.counts.proposals is not None or (counts and counts.proposals is not None):
        rows.append(("proposals", "proposals per image", counts.proposals if counts else None,
                     worst.counts.proposals))
    rows.append(("detections", "detections per image", counts.detections if counts else None,
                 worst.counts.detections))
    out = []
    for key, label, this, limit in rows:
        if isinstance(this, int) and isinstance(limit, int):
            cells = (SideCell(integer(this)), SideCell(integer(limit), fmt.against(limit, this)))
        else:
            cells = (SideCell(fmt.counts(this)), SideCell(fmt.counts(limit)))
        out.append(SideRow(f"wc-{key}", label, cells))
    return SideTable("worst-case", (SideHead("this run"), SideHead("at the model's limits")), tuple(out))


def limits(run: RealRun) -> str:
    worst = run.worst_case
    text = ", ".join(f"{k.replace('_', ' ')} {integer(v)}" for k, v in worst.limits) if worst else ""
    return text or "none recorded"


# --- the training step ----------------------------------------------------------------------------------------------
def step_sentence(t: TrainingReport) -> str:
    return f"{fmt.sentence(step_title(t))} Loss: {t.loss}."


def step_note() -> str:
    return f"The optimizer state exists before the step (steady state). {fmt.sentence(MEMORY_NOTE)}"


def training_figures(t: TrainingReport) -> list[Figure]:
    return [
        Figure("train-flops", "step FLOPs", integer(t.flops), f"{integer(t.macs)} MACs; batch {t.batch}"),
        Figure("train-forward", "forward FLOPs", integer(t.forward.flops), f"{integer(t.forward.macs)} MACs, "
               "train mode"),
        Figure("train-backward", "backward FLOPs", integer(t.backward.flops), f"{integer(t.backward.macs)} MACs"),
        Figure("train-optimizer", "optimizer FLOPs", integer(t.step.flops), f"elementwise ({t.optimizer_text})"),
        Figure.of_bytes("train-peak", "peak memory", t.peak_bytes, fmt.where(t.peak_op, t.peak_module, t.peak_phase)),
        Figure.of_bytes("train-saved", "kept for backward", t.saved_activation_bytes,
                        "what the forward leaves alive for the backward" + (", autocast copies included"
                                                                            if t.amp else "")),
    ]


def _phases(t: TrainingReport) -> list[tuple[str, int, str]]:
    return [("forward", t.forward.flops, PALETTE[0]), ("backward", t.backward.flops, PALETTE[1]),
            ("optimizer", t.step.flops, PALETTE[3])]


def step_flops_chart(t: TrainingReport) -> Markup:
    phases = _phases(t)
    chart = BarChart("train-flops-chart", [Bar("step", [Segment(name, float(v), color, f"{name}: {integer(v)} FLOPs")
                                                        for name, v, color in phases])], "FLOPs of one training step")
    return chart.svg() + legend([LegendItem(f"{name} {integer(v)}", color) for name, v, color in phases])


def step_memory_chart(t: TrainingReport) -> Markup:
    cats = categories(t.memory)
    chart = BarChart("train-memory", [memory_bar("at the peak", t.memory, cats)],
                     f"bytes live after {t.peak_op} ({t.peak_phase})", fmt=bytes_tick, binary=True)
    return chart.svg() + legend(memory_legend(t.memory, cats))


def phase_peaks_chart(t: TrainingReport) -> Markup:
    bars = [Bar(phase + (" (peak)" if phase == t.peak_phase else ""), [
        Segment(phase, float(b), PALETTE[0] if phase == t.peak_phase else PALETTE[9],
                f"{phase}: {nbytes(b)} ({integer(b)} B)")]) for phase, b in t.phase_peaks]
    return BarChart("train-phases", bars, "the peak of live bytes in each phase", fmt=bytes_tick, binary=True,
                    bar_height=18, gap=8).svg()


# --- the module tree ------------------------------------------------------------------------------------------------
MODULE_COLUMNS = (
    text_col("type", "type"),
    text_col("output", "output"),
    col("params", "params", bar=True, help="learnable elements of the module and everything under it"),
    col("macs", "MACs", bar=True, help="multiply-accumulates of the subtree"),
    col("flops", "FLOPs", help="2 × MACs + other arithmetic"),
    bytes_col("activation_bytes", "activations", bar=True, help="bytes of every tensor the subtree's ops write"),
    bytes_col("traffic_bytes", "traffic", help="bytes read and written, ideal reuse"),
    col("intensity", "FLOP/B", fmt=fmt.g3),
    text_col("rf", "RF", help="receptive field of the module's output (per axis)"),
)

#: with a training step: what each module's backward costs and what its forward keeps for it
TRAINING_COLUMNS = (
    col("backward_macs", "backward MACs", bar=True, help="multiply-accumulates of the subtree's gradient ops"),
    bytes_col("saved_bytes", "kept for backward", bar=True,
              help="bytes the subtree's forward leaves alive for the backward (saved activations)"),
)


def _module_row(row: LayerRow, parent: str, row_id: str) -> Row:
    costs = row.costs
    label = "(model)" if row.depth == 0 else row.name.rsplit(".", 1)[-1]
    return Row(row_id, label + (f" ×{row.calls}" if row.calls > 1 else ""), {
        "type": row.type, "output": fmt.dims(row.output_shape), "params": row.params, "macs": costs.macs,
        "flops": costs.flops, "activation_bytes": costs.activation_bytes, "traffic_bytes": costs.traffic_bytes,
        "intensity": costs.intensity, "rf": fmt.axes(row.receptive_field) if row.receptive_field else None,
        "backward_macs": row.backward.macs if row.backward is not None else None, "saved_bytes": row.saved_bytes,
    }, parent=parent, depth=row.depth, cls="root" if row.depth == 0 else "", sub=row.name if row.depth > 1 else "")


def tree(report: ModelReport, depth: int | None) -> Table:
    """Every module down to `depth` (None: all), in the record's order, each under the last module one level up;
    bars show a module's share of the whole model. With a training step, the step's columns take the place of
    traffic and intensity (the JSON keeps them)."""
    rows: list[Row] = []
    stack: list[str] = []
    for i, layer in enumerate(report.layers):
        if depth is not None and layer.depth > depth:
            continue
        del stack[layer.depth:]
        rows.append(_module_row(layer, stack[-1] if stack else "", f"m{i}"))
        stack.append(f"m{i}")
    root = report.layers[0] if report.layers and report.layers[0].depth == 0 else None
    columns: tuple[Column, ...] = MODULE_COLUMNS
    bar_max: dict[str, float] = {}
    if root is not None:
        bar_max = {"params": root.params, "macs": root.costs.macs, "activation_bytes": root.costs.activation_bytes}
        if report.training is not None:
            columns = tuple(c for c in columns if c.key not in ("traffic_bytes", "intensity")) + TRAINING_COLUMNS
            bar_max |= {"backward_macs": root.backward.macs if root.backward else 0,
                        "saved_bytes": root.saved_bytes or 0}
    return table("modules", "module", columns, rows, tree=True, bar_max={k: float(v) for k, v in bar_max.items() if v})


# --- the receptive field along the network --------------------------------------------------------------------------
def leaves(report: ModelReport) -> list[LayerRow]:
    """Modules with no module under them, in execution order (when each was first entered, `LayerRow.order`);
    modules never called keep the record's order, after."""
    layers = report.layers
    found = [(i, r) for i, r in enumerate(layers)
             if r.depth > 0 and not (i + 1 < len(layers) and layers[i + 1].depth > r.depth)]
    found.sort(key=lambda item: (item[1].order is None, item[1].order or 0, item[0]))
    return [r for _, r in found]


@dataclass(frozen=True)
class FieldChart:
    chart: Markup
    #: the output's field, and the input's spatial size ('' when the input has none)
    final: str
    spatial: str


def receptive_field(report: ModelReport) -> FieldChart | None:
    """A point per module without submodules: the field of its output, along each axis (one line when every axis
    agrees), shaded by top-level module, against the input's size."""
    rows = [(r, r.receptive_field) for r in leaves(report) if r.receptive_field]
    if len(rows) < 2:
        return None
    n_axes = len(rows[0][1])
    names = ("height", "width", "depth") if n_axes <= 3 else tuple(f"axis {i}" for i in range(n_axes))
    per_axis = [[float(f[a]) if a < len(f) else None for _, f in rows] for a in range(n_axes)]
    same = all(s == per_axis[0] for s in per_axis)
    tips = [f"{r.name} ({r.type}): {fmt.axes(f)}, jump {fmt.axes(r.jump)}" for r, f in rows]
    series = [Series("receptive field" if same else names[a], per_axis[a], tips) for a in range(1 if same else n_axes)]
    bands: list[Band] = []
    for i, (r, _) in enumerate(rows):
        top = r.name.split(".")[0]
        if bands and bands[-1].name == top:
            bands[-1] = Band(bands[-1].first, i, top)
        else:
            bands.append(Band(i, i, top))
    spatial = report.input_shape[2:]
    size = "×".join(map(str, spatial))
    refs = [Ref(float(spatial[0]), f"input {size}")] if spatial else []
    ordered = any(r.order is not None for r, _ in rows)
    chart = LineChart("rf-chart", [r.name for r, _ in rows], series, "modules without submodules, in " + (
        "execution order" if ordered else "the record's order") + " (shaded by top-level module)",
        "receptive field (input pixels)", bands=bands, refs=refs, show_x_labels=False)
    return FieldChart(chart.svg(), fmt.axes(report.total.receptive_field), size)


# --- where the numbers come from ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class KindRow:
    kind: str
    macs: str
    other: str
    formula: str
    doc: str


def _formula(kind: str) -> Callable[..., Any] | None:
    """The registered formula of an op kind (its docstring says what it counts), or None."""
    try:
        from cnncalc.formulas import FORMULAS, OpKind

        found: Callable[..., Any] | None = FORMULAS.get(OpKind(kind))
        return found
    except (ImportError, ValueError):
        return None


def by_kind(report: ModelReport) -> list[KindRow]:
    rows = []
    for kind, costs in report.by_kind:
        fn = _formula(kind)
        rows.append(KindRow(kind, integer(costs.macs), integer(costs.other_flops),
                            f"{fn.__module__}.{fn.__name__}" if fn else "(no formula)",
                            " ".join(inspect.cleandoc(fn.__doc__ or "").split()) if fn else ""))
    return rows


OP_COLUMNS = (col("macs", "MACs", bar=True), col("other", "other FLOPs"), col("flops", "FLOPs", bar=True),
              bytes_col("traffic", "traffic", bar=True))


def by_op(report: ModelReport) -> Table:
    """Costs by aten op, as the tracer saw them."""
    rows = [Row(f"op{i}", op, {"macs": c.macs, "other": c.other_flops, "flops": c.flops, "traffic": c.traffic_bytes})
            for i, (op, c) in enumerate(report.by_op)]
    return table("by-op", "aten op", OP_COLUMNS, rows)


def paper(report: ModelReport) -> str:
    """The paper a zoo model cites (static text from the zoo's registry), or ''."""
    try:
        from cnncalc.modelzoo.zoo import ZOO
    except Exception:  # pragma: no cover - the zoo needs torch; a page without it still renders
        return ""
    entry = ZOO.get(report.model)
    return entry.paper if entry else ""


@dataclass(frozen=True)
class Unread:
    total: str
    tensors: str
    modules: str
    numel: str
    read: str
    items: list[Pair]


def unread_params(report: ModelReport) -> Unread | None:
    """Parameters no traced op read: in the params count (numel), in no cost. Summed by top-level module."""
    unread = report.unread_params
    if not unread:
        return None
    by_module: dict[str, int] = {}
    for name, count in unread:
        top = name.split(".")[0] if "." in name else "(model)"
        by_module[top] = by_module.get(top, 0) + count
    read = report.total.params_read
    return Unread(integer(sum(count for _, count in unread)), fmt.plural(len(unread), "tensor"),
                  ", ".join(f"{m} {integer(n)}" for m, n in by_module.items()), integer(report.total.params),
                  integer(read) if read else "", [Pair(name, integer(count)) for name, count in unread])


def uncounted(report: ModelReport) -> list[str]:
    return [f"{u.op} ×{u.count} in {u.module}" for u in report.uncounted]


def free_ops(report: ModelReport) -> str:
    return ", ".join(f"{op} ×{n}" for op, n in report.free_ops)


CONSTANT_COLUMNS = (text_col("module", "module"), col("count", "calls"), col("macs", "MACs", bar=True),
                    col("other", "other FLOPs", bar=True))


def constant_ops(report: ModelReport) -> Table:
    """The ops on constants, by op and module: counted in every total, listed here too."""
    ops: tuple[ConstantOp, ...] = report.constant_ops
    rows = [Row(f"c{i}", c.op, {"module": c.module or "(model)", "count": c.count, "macs": c.costs.macs,
                                "other": c.costs.other_flops}) for i, c in enumerate(ops)]
    return table("constant-ops", "op", CONSTANT_COLUMNS, rows)

