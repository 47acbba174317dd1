"""What the templates' macros lay out: headline figures, sortable tables (flat or tree, with bars), side-by-side
tables with ratios, key-value tables. Each is plain data with every cell's text already formatted (by
`format`, over `cnncalc.numbers`); the macros in templates/macros.html turn them into markup."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, SupportsFloat

from cnncalc.numbers import integer, nbytes
from cnncalc.rendering.html.format import NONE, exact_bytes, size


@dataclass(frozen=True)
class Figure:
    """A headline figure: a label, the value as shown, a smaller detail line, an exact value on hover."""

    key: str
    label: str
    value: str
    detail: str = ""
    exact: str = ""

    @classmethod
    def of_bytes(cls, key: str, label: str, value: int, detail: str = "") -> Figure:
        """A size in bytes: binary units shown (4.5 MiB), the exact count on hover."""
        return cls(key, label, nbytes(value), detail, exact_bytes(value))


def any_text(value: Any) -> str:
    """A cell's text: exact integers with separators, '–' for nothing, anything else as it reads."""
    if value is None:
        return NONE
    if isinstance(value, int) and not isinstance(value, bool):
        return integer(value)
    return str(value)


@dataclass(frozen=True)
class Column:
    """A table column: the row value's key, the header, how a value reads, and whether a bar shows its share."""

    key: str
    label: str
    fmt: Callable[[Any], str] = any_text
    numeric: bool = True
    bar: bool = False
    #: the exact value on hover (bytes in binary units hide the byte count)
    exact: Callable[[Any], str] | None = None
    help: str = ""


def col(key: str, label: str, **kw: Any) -> Column:
    """A numeric column (exact integers with separators unless `fmt` says otherwise)."""
    return Column(key, label, **kw)


def bytes_col(key: str, label: str, **kw: Any) -> Column:
    return Column(key, label, fmt=size, exact=exact_bytes, **kw)


def text_col(key: str, label: str, **kw: Any) -> Column:
    return Column(key, label, numeric=False, **kw)


@dataclass(frozen=True)
class Row:
    """A table row as the page helpers give it; `parent` is another row's id (tree tables), '' for a top row."""

    id: str
    label: str
    values: Mapping[str, Any]
    parent: str = ""
    depth: int = 0
    cls: str = ""
    sub: str = ""


@dataclass(frozen=True)
class Cell:
    """One laid-out cell: its text, the value it sorts by, its bar's width (percent) and its hover text."""

    text: str
    sort: str
    numeric: bool
    bar: float | None = None
    title: str = ""


@dataclass(frozen=True)
class Line:
    """A laid-out row: its label cell, then one Cell per column."""

    id: str
    label: str
    parent: str
    depth: int
    cls: str
    sub: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Table:
    """A sortable table (click a header; a tree sorts within each parent)."""

    id: str
    label: str
    columns: tuple[Column, ...]
    lines: tuple[Line, ...]
    tree: bool = False
    open_depth: int = 2
    caption: str = ""


def sort_value(value: Any) -> str:
    """What a cell sorts by: numbers as numbers (the script compares them as such), text as text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, SupportsFloat):  # fractions, ratios to a counterpart
        return repr(float(value))
    return str(value)


def table(table_id: str, label: str, columns: Sequence[Column], rows: Sequence[Row], *, tree: bool = False,
          bar_max: Mapping[str, float] | None = None, open_depth: int = 2, caption: str = "") -> Table:
    """Rows laid out in columns. Bars show each value's share of `bar_max[key]` (default: the column's largest
    value)."""
    maxima = dict(bar_max or {})
    for c in columns:
        if c.bar and c.key not in maxima:
            maxima[c.key] = max((float(v) for r in rows if isinstance(v := r.values.get(c.key), int | float)),
                                default=0.0)
    lines = []
    for r in rows:
        cells = []
        for c in columns:
            v = r.values.get(c.key)
            top = maxima.get(c.key, 0.0)
            bar = 100 * float(v) / top if c.bar and top > 0 and isinstance(v, int | float) and v > 0 else None
            share = f"{bar:.1f}% of {'the total' if bar_max and c.key in bar_max else 'the largest'}" if bar else ""
            exact = c.exact(v) if c.exact is not None and v is not None else ""
            cells.append(Cell(c.fmt(v), sort_value(v), c.numeric, None if bar is None else min(bar, 100.0),
                              "; ".join(t for t in (exact, share) if t)))
        lines.append(Line(r.id, r.label, r.parent, r.depth, r.cls, r.sub, tuple(cells)))
    return Table(table_id, label, tuple(columns), tuple(lines), tree, open_depth, caption)


# --- side by side ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SideCell:
    """A value beside the first column's: its text, its ratio to the first, its bar and its hover text."""

    text: str
    ratio: str = ""
    bar: float | None = None
    title: str = ""


@dataclass(frozen=True)
class SideRow:
    id: str
    label: str
    cells: tuple[SideCell, ...]
    #: words rather than a number: the cells may wrap
    words: bool = False


@dataclass(frozen=True)
class SideHead:
    name: str
    #: under the name: what the ratios are to ('vs xception-dw')
    vs: str = ""


@dataclass(frozen=True)
class SideTable:
    """Quantities down, subjects across (designs, or this run and the worst case), each with its ratio to the
    first subject."""

    id: str
    heads: tuple[SideHead, ...]
    rows: tuple[SideRow, ...]


@dataclass(frozen=True)
class Pair:
    """A row of a key-value table."""

    key: str
    value: str


def shares(values: Sequence[Any]) -> list[float | None]:
    """Each value's bar: its percentage of the largest positive number among them."""
    top = max((float(v) for v in values if isinstance(v, int | float)), default=0.0)
    return [100 * float(v) / top if top > 0 and isinstance(v, int | float) and v > 0 else None for v in values]
