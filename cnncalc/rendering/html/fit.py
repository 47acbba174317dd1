"""The display values of a fit page (templates/fit.html): the answer, memory by category at the batch that fits
and at the next one up against the budget, the breakdown, the peak of each phase and every batch traced."""

from __future__ import annotations

from markupsafe import Markup

from cnncalc.analysis.report import FitPoint, FitReport, fit_summary
from cnncalc.numbers import integer, nbytes
from cnncalc.rendering.html import format as fmt
from cnncalc.rendering.html.charts import BarChart, Ref
from cnncalc.rendering.html.memory import Category, bytes_tick, categories, memory_bar
from cnncalc.rendering.html.svg import LegendItem, legend
from cnncalc.rendering.html.tables import Column, Figure, Row, Table, bytes_col, col, table, text_col
from cnncalc.rendering.views.memory import MEMORY_NOTE


def points(r: FitReport) -> list[tuple[FitPoint, bool]]:
    """The batch that fits (if any) and the next one up, each with whether it fits."""
    return ([(r.at, True)] if r.at is not None else []) + [(r.next, False)]


def label(p: FitPoint, fits: bool) -> str:
    return f"batch {p.batch:,} ({'fits' if fits else 'does not fit'})"


def what(r: FitReport) -> str:
    """'training step (adam, foreach, autocast bf16)' or 'inference'."""
    if r.mode != "training":
        return "inference"
    return f"training step ({r.optimizer_text}" + (f", autocast {r.amp}" if r.amp else "") + ")"


def subtitle(r: FitReport) -> str:
    return f"{what(r)}, {r.dtype}, inputs {', '.join(r.inputs)} at batch 1; budget {nbytes(r.memory_bytes)}"


def answer(r: FitReport) -> str:
    return fit_summary(r) + "."


def figures(r: FitReport) -> list[Figure]:
    budget = r.memory_bytes
    figs = [Figure("max-batch", "largest batch that fits", f"{r.max_batch:,}", f"batch {r.next.batch:,} does not"),
            Figure.of_bytes("budget", "memory budget", budget, r.memory_source)]
    for p, fits in points(r):
        figs.append(Figure.of_bytes(f"peak-{'fits' if fits else 'next'}", f"peak at batch {p.batch:,}", p.peak_bytes,
                                    f"{p.peak_bytes / budget:.1%} of the budget" if budget else ""))
    training = r.mode == "training"
    optimizer = r.optimizer_text  # 'none' without an optimizer step (inference)
    details = [optimizer if training and optimizer != "none" else "", f"autocast {r.amp}" if r.amp else "", r.dtype]
    figs.append(Figure("mode", "what is traced", "training step" if training else "inference",
                       ", ".join(x for x in details if x)))
    return figs


def _categories(r: FitReport) -> list[Category]:
    return categories(*(p.memory for p, _ in points(r)))


def chart(r: FitReport) -> Markup:
    """One stacked bar per batch, split by what was live at its peak, against the budget line."""
    cats = _categories(r)
    bars = BarChart("fit-chart", [memory_bar(label(p, fits), p.memory, cats) for p, fits in points(r)],
                    "bytes live at each batch's peak", fmt=bytes_tick,
                    refs=[Ref(float(r.memory_bytes), f"budget {nbytes(r.memory_bytes)}")], binary=True, bar_height=30,
                    gap=14)
    return bars.svg() + legend([LegendItem(c.label, c.color) for c in cats])


def where(r: FitReport) -> list[str]:
    return [f"batch {p.batch:,}: peak {integer(p.peak_bytes)} B {fmt.where(p.peak_op, p.peak_module, p.peak_phase)}"
            for p, _ in points(r)]


def _columns(r: FitReport) -> list[Column]:
    return [bytes_col(f"b{i}", label(p, fits), bar=True) for i, (p, fits) in enumerate(points(r))]


def breakdown(r: FitReport) -> Table:
    """The peak of each batch, and under it the bytes of each category (bars: share of the budget)."""
    columns, pts = _columns(r), points(r)
    rows = [Row("peak", "peak", {f"b{i}": p.peak_bytes for i, (p, _) in enumerate(pts)}, cls="root")]
    rows += [Row(f"c-{c.key}", c.label, {f"b{i}": dict(p.memory).get(c.key, 0) for i, (p, _) in enumerate(pts)},
                 parent="peak", depth=1) for c in _categories(r)]
    return table("fit-breakdown", "category", columns, rows, bar_max={c.key: float(r.memory_bytes) for c in columns},
                 caption="bars: share of the budget; the categories add up to the peak")


def phases(r: FitReport) -> Table | None:
    pts = points(r)
    names = list(dict.fromkeys(ph for p, _ in pts for ph, _ in p.phase_peaks))
    if not names:
        return None
    columns = _columns(r)
    rows = [Row(f"ph-{ph}", ph, {f"b{i}": dict(p.phase_peaks).get(ph) for i, (p, _) in enumerate(pts)})
            for ph in names]
    return table("fit-phases", "phase", columns, rows, bar_max={c.key: float(r.memory_bytes) for c in columns},
                 caption="bars: share of the budget")


SEARCHED_COLUMNS = (col("order", "traced", help="the order the search traced the batches in"),
                    bytes_col("peak", "peak", bar=True), text_col("verdict", "against the budget"))


def searched(r: FitReport) -> Table:
    budget = r.memory_bytes
    rows = [Row(f"s{i}", f"batch {b:,}", {"order": i + 1, "peak": peak,
                                        "verdict": "fits" if peak <= budget else "does not fit"},
                cls="" if peak <= budget else "bad") for i, (b, peak) in enumerate(r.searched)]
    return table("fit-searched", "batch", SEARCHED_COLUMNS, rows, bar_max={"peak": float(budget)})


def notes(r: FitReport) -> list[str]:
    return [fmt.sentence(n) for n in (MEMORY_NOTE, r.note) if n]
