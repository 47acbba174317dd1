"""Memory by category, as the training step (analyze) and the fit page chart it: which categories a breakdown
holds, in reading order (`views.memory.ORDER`), with a colour each; one stacked bar per breakdown."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cnncalc.numbers import integer, nbytes
from cnncalc.rendering.html.charts import PALETTE, Bar, Segment
from cnncalc.rendering.html.svg import LegendItem
from cnncalc.rendering.views.memory import LABELS, ORDER

Memory = Sequence[tuple[str, int]]


@dataclass(frozen=True)
class Category:
    key: str
    label: str
    color: str


def categories(*memories: Memory) -> list[Category]:
    """The categories present in any breakdown, in reading order; a category that order does not know yet
    follows, under its own name."""
    present: dict[str, None] = {}
    for memory in memories:
        present.update((k, None) for k, v in memory if v)
    keys = [k for k in ORDER if k in present] + [k for k in present if k not in ORDER]
    return [Category(k, LABELS.get(k, k.replace("_", " ")),
                     PALETTE[(ORDER.index(k) if k in ORDER else len(ORDER) + keys.index(k)) % len(PALETTE)])
            for k in keys]


def memory_bar(label: str, memory: Memory, cats: Sequence[Category]) -> Bar:
    """One stacked bar: a segment per category, its bytes on hover."""
    values = dict(memory)
    return Bar(label, [Segment(c.label, float(values.get(c.key, 0)), c.color,
                               f"{c.label}: {nbytes(values.get(c.key, 0))} ({integer(values.get(c.key, 0))} B)")
                       for c in cats])


def memory_legend(memory: Memory, cats: Sequence[Category]) -> list[LegendItem]:
    """Each category with its bytes."""
    values = dict(memory)
    return [LegendItem(f"{c.label} {nbytes(values.get(c.key, 0))}", c.color) for c in cats]


def bytes_tick(value: float) -> str:
    return nbytes(int(value))
