"""Views of memory: a training step's costs and peak (inside `analyze`), and `fit` reports."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text

from cnncalc.analysis.report import FitPoint, FitReport, ModelReport, TrainingReport, fit_summary
from cnncalc.conventions import CONVENTION
from cnncalc.numbers import integer, nbytes
from cnncalc.rendering.registry import RenderContext, Rows, View, views
from cnncalc.rendering.terminal import Column, FitTable
from cnncalc.rendering.text import markdown_table, terminal_view
from cnncalc.serialize import to_data

#: categories in the order a reader meets them: what is resident, then what the step makes
ORDER = ("params", "buffers", "inputs", "optimizer_state", "activations", "autocast_copies", "temporaries", "grads",
         "optimizer_temporaries")
LABELS = {"params": "params", "buffers": "buffers", "inputs": "input batch", "optimizer_state": "optimizer state",
          "activations": "activations", "autocast_copies": "autocast copies", "temporaries": "backward temporaries",
          "grads": "gradients", "optimizer_temporaries": "optimizer temporaries"}
MEMORY_NOTE = ("memory = tensor storage as torch.cuda.max_memory_allocated counts it (the CUDA context, the "
               "allocator's slack and kernels' workspaces come on top)")


def step_title(t: TrainingReport) -> str:
    return f"training step ({t.optimizer_text}{', autocast ' + t.amp if t.amp else ''}, batch {t.batch})"


def breakdown(memory: tuple[tuple[str, int], ...]) -> str:
    """'params 44.6 MiB, gradients 44.6 MiB, …' in reading order."""
    values = dict(memory)
    return ", ".join(f"{LABELS[k]} {nbytes(values[k])}" for k in ORDER if values.get(k))


def training_pairs(report: ModelReport) -> list[tuple[str, str]]:
    """Label and value lines of a traced training step, for the totals of `analyze`."""
    t = report.training
    if t is None:
        return []
    return [
        (step_title(t), ""),
        ("  forward FLOPs", integer(t.forward.flops)),
        ("  backward MACs", integer(t.backward.macs)),
        ("  backward FLOPs", integer(t.backward.flops)),
        ("  optimizer FLOPs", integer(t.step.flops)),
        ("  step FLOPs", integer(t.flops)),
        ("  kept for backward", nbytes(t.saved_activation_bytes)),
        ("  peak memory", f"{nbytes(t.peak_bytes)} ({integer(t.peak_bytes)} B)"),
    ]


def training_lines(report: ModelReport) -> list[str]:
    """Where the training step's peak happens and what it holds; the loss and the counting rule."""
    t = report.training
    if t is None:
        return []
    phases = ", ".join(f"{phase} {nbytes(b)}" for phase, b in t.phase_peaks)
    return [f"training peak {nbytes(t.peak_bytes)} after {t.peak_op} in {t.peak_module} during the {t.peak_phase}: "
            f"{breakdown(t.memory)}",
            f"peaks by phase: {phases}; loss: {t.loss}; the optimizer state exists before the step (steady state)",
            MEMORY_NOTE]


# fit ---------------------------------------------------------------------------------------------------------
def _point_cells(p: FitPoint | None) -> list[str]:
    if p is None:
        return ["–"] * (len(ORDER) + 2)
    values = dict(p.memory)
    return [f"{p.batch:,}", integer(p.peak_bytes), *(nbytes(values[k]) if values.get(k) else "" for k in ORDER)]


#: `cnncalc fit`: a quantity, then its value at the batch that fits and at the next one up
FIT_COLUMNS: tuple[Column, ...] = (Column("quantity", 1, header=""), Column("fits", 2, "right"),
                                   Column("next", 3, "right"))


def fit_table(r: FitReport, ctx: RenderContext) -> RenderableType:
    at, nxt = _point_cells(r.at) if r.at else [""] * (len(ORDER) + 2), _point_cells(r.next)
    cells = [["batch", at[0], nxt[0]], ["peak bytes", at[1], nxt[1]],
             # the categories are what is live at the peak (gradients the backward has still to make are not)
             ["live at the peak:", "", ""]]
    cells += [["  " + LABELS[k], at[i], nxt[i]] for i, k in enumerate(ORDER, start=2) if at[i] or nxt[i]]
    table = FitTable(FIT_COLUMNS, cells, title=f"cnncalc fit {r.model} — {nbytes(r.memory_bytes)}",
                     view=terminal_view(ctx))
    where = [p for p in (r.at, r.next) if p is not None]
    lines = [Text(fit_summary(r), style="bold"), Text(f"budget: {r.memory_source}", style="dim")]
    during = {"inference": "in inference"}
    lines += [Text(f"batch {p.batch:,}: peak {integer(p.peak_bytes)} B after {p.peak_op} in "
                   f"{p.peak_module or '(model)'} {during.get(p.peak_phase, 'during the ' + p.peak_phase)}",
                   style="dim") for p in where]
    lines.append(Text(f"inputs at batch 1: {', '.join(r.inputs)} (the batch is the first dimension); traced "
                      f"batches: {', '.join(f'{b:,}' for b, _ in r.searched)}" + (f"; {r.note}" if r.note else ""),
                      style="dim"))
    lines.append(Text(MEMORY_NOTE, style="dim"))
    return Group(table, *lines)


FIT_HEADER = ("batch", "peak_bytes", *ORDER, "peak_op", "peak_module", "peak_phase")


def fit_rows(r: FitReport) -> list[list[Any]]:
    return [[p.batch, p.peak_bytes, *(dict(p.memory).get(k, 0) for k in ORDER), p.peak_op, p.peak_module,
             p.peak_phase] for p in r.points]


@views(FitReport)
class FitView(View):
    page = "fit.html"

    def table(self, r: FitReport, ctx: RenderContext) -> RenderableType:
        return fit_table(r, ctx)

    def rows(self, r: FitReport, ctx: RenderContext) -> Rows:
        return list(FIT_HEADER), fit_rows(r)

    def data(self, r: FitReport, ctx: RenderContext) -> Any:
        return {**to_data(r), "convention": {"memory": MEMORY_NOTE}}

    def markdown(self, r: FitReport, ctx: RenderContext) -> str:
        lines = [f"**{fit_summary(r)}**", "", *markdown_table(FIT_HEADER, fit_rows(r)), "", f"_{MEMORY_NOTE}_", "",
                 f"_{CONVENTION.short}_", ""]
        return "\n".join(lines)
