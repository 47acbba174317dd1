"""Views of model analyses (`analyze`), of the model catalogue (`models`) and of validations (`validate`)."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text

from cnncalc.analysis.checks import Validations
from cnncalc.analysis.report import LayerRow, ModelReport, field_text
from cnncalc.conventions import CONVENTION
from cnncalc.modelzoo.catalogue import Catalogue
from cnncalc.numbers import integer, nbytes, shape, si
from cnncalc.rendering.registry import RenderContext, Rows, View, views
from cnncalc.rendering.terminal import Column, FitTable, number
from cnncalc.rendering.text import markdown_table, terminal_view
from cnncalc.rendering.views.memory import training_lines, training_pairs
from cnncalc.serialize import rows, to_data

#: module rows down to this depth, unless the reader asks for another (--depth)
DEPTH = 2

def visible(report: ModelReport, depth: int) -> list[LayerRow]:
    return [r for r in report.layers if 0 < r.depth <= depth]


def report_rows(report: ModelReport, depth: int | None = None) -> Rows:
    """Header and rows (exact values) of the module table: down to `depth` then the whole model (depth 0) last,
    as the CSV has it; or, with no depth, every module in execution order after the whole model."""
    selected = list(report.layers) if depth is None else [*visible(report, depth), report.layers[0]]
    return rows(LayerRow, selected)


def _totals_pairs(report: ModelReport) -> list[tuple[str, str]]:
    t = report.total
    pairs = [
        ("params", f"{integer(t.params)} ({nbytes(t.param_bytes)})"),
        ("  weights/biases", f"{integer(t.weight_params)} / {integer(t.bias_params)}"),
        ("buffers", f"{integer(t.buffers)} ({nbytes(t.buffer_bytes)})"),
        ("MACs", integer(t.macs)),
        ("FLOPs", integer(t.flops)),
        ("activations written", nbytes(t.costs.activation_bytes)),
        ("peak live activations", nbytes(t.peak_activation_bytes)),
        ("memory traffic", nbytes(t.costs.traffic_bytes)),
        ("intensity (FLOP/B)", f"{t.costs.intensity:.3g}"),
        ("output", shape(t.output_shape) if t.output_shape else "?"),
        ("receptive field", f"{field_text(t.receptive_field)}, jump {field_text(t.jump)}"),
    ]
    return pairs + training_pairs(report)


def constant_lines(report: ModelReport, most: int = 4, more: str = "…") -> list[str]:
    """The ops on constants: counted in the totals, as eager PyTorch runs them at every forward."""
    ops = report.constant_ops
    if not ops:
        return []
    macs, other = sum(c.costs.macs for c in ops), sum(c.costs.other_flops for c in ops)
    ranked = sorted(ops, key=lambda c: (-c.costs.macs, -c.costs.flops, c.op))
    names = [f"{c.op.removeprefix('aten.').removesuffix('.default')} ×{c.count} in {c.module}" for c in ranked]
    rest = f"; {more} {len(names) - most} more" if len(names) > most else ""
    return [f"ops on constants (tensors the forward makes from nothing), counted at every forward as eager PyTorch "
            f"runs them: {integer(macs)} MACs, {integer(other)} other FLOPs ({'; '.join(names[:most])}{rest})"]


def _uncounted_lines(report: ModelReport) -> list[str]:
    if not report.uncounted:
        return ["every op was counted, or is a view or tensor factory (free)"]
    return [f"UNCOUNTED: {u.op} ×{u.count} in {u.module}" for u in report.uncounted]


def title(report: ModelReport) -> str:
    """'resnet18 — input 1×3×224×224, float32'; several inputs are named."""
    if len(report.inputs) > 1:
        return f"{report.model} — inputs " + ", ".join(f"{i.name} {shape(i.shape)}" for i in report.inputs) + \
            f", {report.dtype}"
    return f"{report.model} — input {shape(report.input_shape)}, {report.dtype}"


#: How a list cut short ends in text outputs, and in terminal tables (where no "…" appears).
ELLIPSIS, MORE = "…", "and"


def io_lines(report: ModelReport, most: int = 6, more: str = ELLIPSIS) -> list[str]:
    """The inputs (and how they were chosen) and the outputs, by name."""
    lines = ["inputs: " + "; ".join(i.text() for i in report.inputs) +
             (f" ({report.input_note})" if report.input_note else "")]
    outs = [o.text() for o in report.outputs]
    rest = f"; {more} {len(outs) - most} more" if len(outs) > most else ""
    lines.append("outputs: " + ("; ".join(outs[:most]) + rest if outs else "none (no tensor in the output)"))
    return lines


def real_run_lines(report: ModelReport, most: int = 8, more: str = ELLIPSIS) -> list[str]:
    """Why the ops were counted on real tensors, what flowed, and the detector's worst case."""
    run = report.real_run
    if run is None:
        return []
    lines = [f"counted on a real CPU run: {run.op} in {run.module} cannot run on the meta device (its result "
             f"depends on values); data: {run.data}"]
    if run.counts is not None:
        lines.append(f"flowed: {run.counts.text()}")
    flows = [f for f in run.flows if f.offered != f.kept or "_local_scalar_dense" in f.op]
    for f in flows[:most]:
        what = f"read {f.calls:,} value{'s' if f.calls > 1 else ''}" if "_local_scalar_dense" in f.op else \
            f"kept {f.kept:,} of {f.offered:,}"
        lines.append(f"  {f.op} in {f.module}: {what} ({f.calls:,} call{'s' if f.calls > 1 else ''})")
    if len(flows) > most:
        lines.append(f"  {more} {len(flows) - most} more data-dependent ops (see --format json)")
    worst = run.worst_case
    if worst is not None:
        limits = ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in worst.limits)
        lines.append(f"worst case at the model's limits ({limits}; every candidate kept by the score and NMS "
                     f"thresholds): {worst.counts.text()}: MACs {integer(worst.costs.macs)}, FLOPs "
                     f"{integer(worst.costs.flops)}")
    return lines


def build_lines(report: ModelReport) -> list[str]:
    """How the model was built, where it took more than the meta device."""
    built = report.built
    if built is None or built.way in ("meta", "given"):
        return []
    return [f"{built.text}: {built.why[0]}" if built.why else built.text]


def notes(report: ModelReport, more: str = ELLIPSIS) -> list[str]:
    """Every line shown under a model's totals, in order."""
    return [*build_lines(report), *io_lines(report, more=more), *real_run_lines(report, more=more),
            *training_lines(report), *constant_lines(report, more=more), *_uncounted_lines(report)]


def report_markdown(report: ModelReport, depth: int) -> str:
    lines = [f"**{title(report)}**", ""]
    lines += ["| total | |", "|---|---|"] + [f"| {k.strip()} | {v} |" for k, v in _totals_pairs(report)] + [""]
    header, body = rows(LayerRow, visible(report, depth))
    lines += [*markdown_table(header, body)]
    lines += [""] + [f"- {line}" for line in notes(report)] + [""]
    lines += [f"_{line}_  " for line in CONVENTION.lines()]
    return "\n".join(lines) + "\n"


#: The module table of `analyze`, by priority: what a module is and costs first; memory and receptive field after.
#: The type comes after the counts: where a detector's long type names leave no room for all six at 80 columns,
#: it goes before MACs and FLOPs do (the module's name already says which row it is).
REPORT_COLUMNS: tuple[Column, ...] = (
    Column("module", 1),
    Column("type", 6),
    Column("output", 2, "right", lambda s: shape(s) if s else "–"),
    number("params", 3),
    number("MACs", 4),
    number("FLOPs", 5),
    Column("out bytes", 11, "right", nbytes),
    Column("traffic", 8, "right", nbytes),
    Column("FLOP/B", 10, "right", lambda v: f"{v:.3g}"),
    Column("RF", 12, "right", lambda f: field_text(f) or "–"),
)
#: with a training step: each module's backward MACs and the bytes its forward kept for the backward
TRAINING_COLUMNS: tuple[Column, ...] = (
    number("bwd MACs", 7, header="backward MACs"),
    Column("kept", 9, "right", nbytes, header="kept for bwd"),
)


def report_table(report: ModelReport, depth: int, ctx: RenderContext) -> RenderableType:
    training = report.training is not None
    cells = [["  " * (row.depth - 1) + row.name.rsplit(".", 1)[-1] + (f" ×{row.calls}" if row.calls > 1 else ""),
             row.type, row.output_shape, row.params, row.macs, row.flops, row.output_bytes, row.costs.traffic_bytes,
             row.costs.intensity, row.receptive_field,
             *([row.backward.macs if row.backward else 0, row.saved_bytes or 0] if training else [])]
            for row in visible(report, depth)]
    table = FitTable(REPORT_COLUMNS + (TRAINING_COLUMNS if training else ()), cells, title=title(report),
                     view=terminal_view(ctx))
    totals = FitTable((Column("total", style="bold"), Column("value", justify="right")), _totals_pairs(report),
                      boxed=False, show_header=False, indent=2, selectable=False, view=terminal_view(ctx))
    lines: list[RenderableType] = [
        Text(line, style="red" if line.startswith("UNCOUNTED") else "dim") for line in notes(report, MORE)]
    lines.append(Text(CONVENTION.short, style="dim"))
    return Group(table, Text(""), totals, Text(""), *lines)


@views(ModelReport)
class ModelReportView(View):
    page = "analyze.html"
    column_names = tuple(c.name for c in REPORT_COLUMNS + TRAINING_COLUMNS)

    def table(self, report: ModelReport, ctx: RenderContext) -> RenderableType:
        return report_table(report, DEPTH if ctx.depth is None else ctx.depth, ctx)

    def rows(self, report: ModelReport, ctx: RenderContext) -> Rows:
        return report_rows(report, ctx.depth)

    def markdown(self, report: ModelReport, ctx: RenderContext) -> str:
        return report_markdown(report, DEPTH if ctx.depth is None else ctx.depth)


# --- the model catalogue --------------------------------------------------------------------------------------------
def _entry_macs(e: Any) -> str:
    return integer(e.macs) + (" *" if e.data_dependent else "")


#: `cnncalc models`, by priority: which model and what it costs, then its task and input; the paper wraps.
MODELS_COLUMNS: tuple[Column, ...] = (
    Column("name", 1),
    Column("task", 4),
    Column("input", 5, wrap=True),  # several inputs break between shapes, never inside one
    number("params", 2),
    Column("MACs", 3, "right", _entry_macs, lambda e: si(e.macs) + (" *" if e.data_dependent else "")),
    Column("paper", 6, wrap=True, fold=True, min_width=30, header="paper / description"),
)
DATA_DEPENDENT_NOTE = ("* counted on a real run (seeded random image, random weights): the ops after NMS depend "
                       "on values; cnncalc analyze MODEL also gives the worst case at the model's limits")


@views(Catalogue)
class CatalogueView(View):
    def table(self, catalogue: Catalogue, ctx: RenderContext) -> RenderableType:
        cells = [[e.name, e.task, ", ".join(e.inputs), e.params, e, e.paper] for e in catalogue]
        table = FitTable(MODELS_COLUMNS, cells, title="models (MACs = multiply-accumulates at the default input)",
                         view=terminal_view(ctx))
        parts: list[RenderableType] = [table]
        if any(e.data_dependent for e in catalogue):
            parts.append(Text(DATA_DEPENDENT_NOTE, style="dim"))
        return Group(*parts)

    def rows(self, catalogue: Catalogue, ctx: RenderContext) -> Rows:
        return rows(type(catalogue.entries[0]), catalogue.entries) if catalogue.entries else ([], [])

    def data(self, catalogue: Catalogue, ctx: RenderContext) -> Any:
        return [to_data(e) for e in catalogue]

    def markdown(self, catalogue: Catalogue, ctx: RenderContext) -> str:
        lines = ["| model | task | input | params | MACs | paper |", "|---|---|---|---:|---:|---|"]
        lines += [f"| `{e.name}` | {e.task} | {', '.join(e.inputs)} | {integer(e.params)} | {_entry_macs(e)} | "
                  f"{e.paper} |" for e in catalogue]
        tail = f"\n{DATA_DEPENDENT_NOTE}\n" if any(e.data_dependent for e in catalogue) else ""
        return "\n".join(lines) + "\n\nMACs = multiply-accumulates, at the default input.\n" + tail


# --- validations ----------------------------------------------------------------------------------------------------
#: `cnncalc validate`, by priority: which check, its verdict and both numbers (never shortened: the digits that
#: differ are the point); the reconciliation wraps.
VALIDATE_COLUMNS: tuple[Column, ...] = (
    Column("model", 1),
    Column("tool", 2, wrap=True),
    Column("quantity", 3),
    Column("theirs", 5, "right"),
    Column("cnncalc", 6, "right", header="cnncalc's equivalent"),
    Column("status", 4, header=""),
    Column("reconciliation", 7, wrap=True, min_width=28),
)


@views(Validations)
class ValidationsView(View):
    page = "validate.html"
    column_names = tuple(c.name for c in VALIDATE_COLUMNS)

    def table(self, results: Validations, ctx: RenderContext) -> RenderableType:
        cells = [[r.model if i == 0 else "", c.tool, c.quantity, c.value, c.expected, c.status.mark, c.note]
                 for r in results for i, c in enumerate(r.checks)]
        table = FitTable(VALIDATE_COLUMNS, cells, title="cnncalc validate", lines=True, view=terminal_view(ctx))
        return Group(table, Text(CONVENTION.short, style="dim"))

    def rows(self, results: Validations, ctx: RenderContext) -> Rows:
        """One row per (model, tool, quantity)."""
        body = [[r.model, c.tool, c.quantity, c.value, c.expected, c.status.value, c.note] for r in results
                for c in r.checks]
        return ["model", "tool", "quantity", "value", "cnncalc_equivalent", "status", "note"], body

    def data(self, results: Validations, ctx: RenderContext) -> Any:
        return [to_data(r) for r in results]

    def markdown(self, results: Validations, ctx: RenderContext) -> str:
        return "\n".join(markdown_table(*self.rows(results, ctx))) + "\n"
