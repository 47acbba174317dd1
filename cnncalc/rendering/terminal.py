"""Tables that fit the terminal, and print whole everywhere else.

A `FitTable` is a spec: columns (name, priority, justification, a full and a short formatter, wrap or not) and
rows of raw values. It lays itself out at render time for the width rich gives it (`options.max_width`):

1. every column at its natural width, numbers whole (4,089,184,256);
2. narrower: headers and long text (notes, papers, formulas) wrap at spaces, down to each column's minimum;
3. still too wide: numbers shorten to three significant digits with an SI prefix (4.09 G), the lowest-priority
   numeric column first, one column at a time, only as far as the width needs;
4. still too wide: the lowest-priority column goes, and the search starts again from whole numbers.

Nothing is ever cut: no ellipsis, no cropped cell; module names, shapes and numbers never wrap. A note under the
table names what was left out or shortened and how to see it. `render_text` lays a renderable out: at a
terminal's width; or (piped into a file or another program, or `wide`) at the natural width of what it prints,
so every column is there and every number whole. `columns` picks (and orders) columns by name.

A table takes the reader's choices (`View`: --wide, --columns) from the `RenderContext` the view was given; nothing
here reads a global setting.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any, Literal

from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.measure import Measurement
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from cnncalc.errors import UnknownNameError
from cnncalc.numbers import integer, si

Justify = Literal["left", "right", "center"]
Content = str | Text
Formatter = Callable[[Any], Content]

#: How to see what a narrow terminal left out (the CLI's options on every command).
HINT = "--wide shows every column, whole; --columns a,b,c picks them"
PREFIXES = {"k": "10³", "M": "10⁶", "G": "10⁹", "T": "10¹²", "P": "10¹⁵", "E": "10¹⁸"}
_PREFIX = re.compile(r"\d ([kMGTPE])\b")
_WORD = re.compile(r"\s*\S+\s*")  # how rich breaks lines: a word and the spaces after it
_MEASURE_WIDTH = 100_000  # wider than anything cnncalc prints


def plain(value: Any) -> Content:
    """The default formatter: integers with separators, floats to three digits, None as a dash."""
    if isinstance(value, Text | str):
        return value
    if value is None:
        return "–"
    if isinstance(value, int) and not isinstance(value, bool):
        return integer(value)
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def short_number(value: Any) -> Content:
    """Integers (and floats) as three significant digits with an SI prefix; anything else as `plain`."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return si(value)
    return plain(value)


@dataclass(frozen=True)
class Column:
    """One column of a `FitTable`.

    `name` is what `--columns` and the notes call it (and the header unless `header` is given); `priority` 1 is
    kept longest, ties go by position. `full` formats a raw value; `short`, when given, is a shorter form of the
    same value (4.09 G for 4,089,184,256) used only when the width needs it; columns with the same `together` tag
    are shortened as one. A `wrap` column holds long text that may break at spaces (never inside a word unless
    `fold`), down to `min_width`.
    """

    name: str
    priority: int = 1
    justify: Justify = "left"
    full: Formatter = plain
    short: Formatter | None = None
    wrap: bool = False
    fold: bool = False
    min_width: int = 0
    header: str | None = None
    style: str = ""
    together: str = ""  # columns with the same tag shorten together (values read side by side)


def number(name: str, priority: int, header: str | None = None) -> Column:
    """A right-aligned integer column: whole with separators, or shortened to an SI prefix."""
    return Column(name, priority, "right", plain, short_number, header=header)


@dataclass(frozen=True)
class Cell:
    """A value that brings its own forms (a mixed row: a count with its ratio, a shape, a title)."""

    full: Content
    short: Content | None = None
    wrap: bool | None = None  # None: as the column
    style: str = ""


@dataclass(frozen=True)
class View:
    """What the reader asked of every table: all columns at natural width, or these columns (`RenderContext`'s
    `wide` and `columns`)."""

    wide: bool = False
    columns: tuple[str, ...] | None = None


@dataclass(frozen=True)
class _Form:
    """One column, formatted one way (full or short): its cells and the widths they need."""

    header: Text
    cells: tuple[Text, ...]
    natural: int  # widest line, header included
    minimum: int  # narrowest: the header and wrapping cells broken at spaces
    content: int  # widest cell line, the header left out


@dataclass(frozen=True)
class Layout:
    """Where a table's columns went at one width."""

    columns: tuple[int, ...]  # indices of the columns shown, in display order
    widths: tuple[int, ...]  # content widths, the same order
    short: frozenset[int]  # indices of the columns with shortened numbers
    dropped: tuple[int, ...]  # indices left out for the width, highest priority first
    width: int  # the whole table, borders included


def _longest_word(text: str) -> int:
    return max((cell_len(m.group().rstrip()) for line in text.split("\n") for m in _WORD.finditer(line)),
               default=0)


def _longest_line(text: str) -> int:
    return max((cell_len(line) for line in text.split("\n")), default=0)


def _wrapped_lines(text: str, width: int) -> int:
    """How many lines `text` takes wrapped at spaces to `width` cells (greedy, as rich wraps)."""
    count = 0
    for line in text.split("\n"):
        count += 1
        used = 0
        for m in _WORD.finditer(line):
            word = cell_len(m.group().rstrip())
            if used and used + word > width:
                count += 1
                used = 0
            used += cell_len(m.group())
    return count


def _header_width(text: str) -> int:
    """The narrowest a header goes: on two lines at most (or as many as it has)."""
    most = max(2, text.count("\n") + 1)
    width = _longest_word(text)
    while _wrapped_lines(text, width) > most:
        width += 1
    return width


@dataclass
class FitTable:
    """A table spec that lays itself out for the width it is rendered at (see the module's docstring)."""

    columns: Sequence[Column]
    rows: Sequence[Sequence[Any]]
    title: str | None = None
    row_styles: Sequence[str] = ()
    lines: bool = False  # rules between rows
    boxed: bool = True  # borders and a header; False: a plain grid, columns `gap` apart
    show_header: bool = True
    gap: int = 2
    indent: int = 0
    selectable: bool = True  # whether --columns applies to this table
    view: View = field(default_factory=View)
    _forms: dict[tuple[int, bool], _Form] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        for row in self.rows:
            if len(row) != len(self.columns):
                raise ValueError(f"a row of {len(row)} cells in a table of {len(self.columns)} columns")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    # -- measuring ---------------------------------------------------------------------------------------------

    def _cell(self, index: int, value: Any, short: bool) -> tuple[Text, bool]:
        col = self.columns[index]
        if isinstance(value, Cell):
            content = value.short if short and value.short is not None else value.full
            wrap, style = (col.wrap if value.wrap is None else value.wrap), value.style
        else:
            content = (col.short if short and col.short is not None else col.full)(value)
            wrap, style = col.wrap, ""
        text = content.copy() if isinstance(content, Text) else Text(content)
        if style or col.style:
            text.stylize(" ".join(s for s in (col.style, style) if s))
        text.justify, text.overflow = col.justify, "fold"
        return text, wrap

    def _form(self, index: int, short: bool) -> _Form:
        key = (index, short)
        if key not in self._forms:
            col = self.columns[index]
            cells, fixed, wrapping, words = [], 0, 0, 0
            for row in self.rows:
                text, wrap = self._cell(index, row[index], short)
                cells.append(text)
                if wrap:
                    wrapping = max(wrapping, _longest_line(text.plain))
                    words = max(words, 0 if col.fold else _longest_word(text.plain))
                else:
                    fixed = max(fixed, _longest_line(text.plain))
            name = col.name if col.header is None else col.header
            head_line = _longest_line(name) if self.show_header else 0
            head_word = _header_width(name) if self.show_header else 0
            natural = max(fixed, wrapping, head_line, 1)
            minimum = max(fixed, words, head_word, min(wrapping, col.min_width), 1)
            header = Text(name, justify=col.justify, overflow="fold")
            self._forms[key] = _Form(header, tuple(cells), natural, minimum, max(fixed, wrapping))
        return self._forms[key]

    def _chrome(self, count: int) -> int:
        """Width of the borders and padding around `count` columns."""
        if self.boxed:
            return 3 * count + 1
        return self.indent + self.gap * max(count - 1, 0)

    def _order(self, view: View) -> tuple[list[int], list[int]]:
        """The candidate columns in priority order and in display order (the chosen ones, in the user's order)."""
        if view.columns and self.selectable:
            by_name = {c.name.lower(): i for i, c in enumerate(self.columns)}
            chosen = list(dict.fromkeys(by_name[n.lower()] for n in view.columns if n.lower() in by_name))
            if chosen:
                return chosen, chosen
        display = list(range(len(self.columns)))
        return sorted(display, key=lambda i: (self.columns[i].priority, i)), display

    def natural_layout(self, view: View | None = None) -> Layout:
        """Every candidate column, whole, at its natural width."""
        _, display = self._order(view or self.view)
        widths = tuple(self._form(i, False).natural for i in display)
        return Layout(tuple(display), widths, frozenset(), (), sum(widths) + self._chrome(len(display)))

    def layout(self, width: int, view: View | None = None) -> Layout:
        """The layout for `width` cells: whole numbers first, then shortened ones, then fewer columns."""
        order, display = self._order(view or self.view)
        for count in range(len(order), 0, -1):
            kept = order[:count]
            steps = self._shortening_steps(kept)
            for n in range(len(steps) + 1):
                short = frozenset(i for step in steps[:n] for i in step)
                minimum = sum(self._form(i, i in short).minimum for i in kept) + self._chrome(count)
                if minimum <= width or (count == 1 and n == len(steps)):
                    shown = [i for i in display if i in kept]
                    return self._spread(shown, kept, short, width - minimum, tuple(order[count:]))
        return self.natural_layout(view)  # no columns at all

    def _shortening_steps(self, kept: list[int]) -> list[tuple[int, ...]]:
        """The columns to shorten, one step at a time, lowest priority first; a step is a column, or the columns
        that shorten together; only steps that narrow the table count."""
        steps: dict[str | int, list[int]] = {}
        for i in reversed(kept):
            steps.setdefault(self.columns[i].together or i, []).append(i)
        return [tuple(step) for step in steps.values()
                if sum(self._form(i, True).minimum for i in step) < sum(self._form(i, False).minimum for i in step)]

    def _spread(self, shown: list[int], by_priority: list[int], short: frozenset[int], extra: int,
                dropped: tuple[int, ...]) -> Layout:
        """Give the spare width out: to wrapped text first, until every cell is on one line; then to headers, a
        whole header at a time by priority (half unwrapped, a header still takes two lines)."""
        forms = {i: self._form(i, i in short) for i in shown}
        widths = {i: forms[i].minimum for i in shown}
        extra = self._grow(widths, {i: max(forms[i].minimum, forms[i].content) for i in shown}, by_priority, extra)
        for i in by_priority:
            if 0 < forms[i].natural - widths[i] <= extra:
                extra -= forms[i].natural - widths[i]
                widths[i] = forms[i].natural
        ordered = tuple(widths[i] for i in shown)
        return Layout(tuple(shown), ordered, short, dropped, sum(ordered) + self._chrome(len(shown)))

    @staticmethod
    def _grow(widths: dict[int, int], target: dict[int, int], by_priority: list[int], extra: int) -> int:
        """Widen the columns towards `target` with `extra` cells: whole, smallest need first (so that as many
        columns as can be are on one line), then the rest in proportion to what each lacks; returns what is
        left."""
        lacking = sorted((target[i] - widths[i], by_priority.index(i), i) for i in widths if target[i] > widths[i])
        while lacking and lacking[0][0] <= extra:
            need, _, i = lacking.pop(0)
            widths[i] += need
            extra -= need
        total, pool = sum(need for need, _, _ in lacking), extra
        for need, _, i in lacking:
            grow = min(need, pool * need // total)
            widths[i] += grow
            extra -= grow
        for _, _, i in sorted(lacking, key=lambda t: t[1]):  # what rounding left: by priority
            if extra > 0 and target[i] > widths[i]:
                widths[i] += 1
                extra -= 1
        return extra

    # -- rendering ---------------------------------------------------------------------------------------------

    def _note(self, layout: Layout) -> Text | None:
        """'hidden to fit: traffic, RF. Shortened (M = 10⁶, G = 10⁹): FLOPs. --wide shows every column, ...'"""
        parts = []
        if layout.dropped:
            parts.append("hidden to fit: " + ", ".join(self.columns[i].name for i in layout.dropped) + ".")
        if layout.short:
            names = [self.columns[i].name for i in layout.columns if i in layout.short]
            used = {m.group(1) for i in layout.short for cell in self._form(i, True).cells
                    for m in _PREFIX.finditer(cell.plain)}
            scale = ", ".join(f"{p} = {e}" for p, e in PREFIXES.items() if p in used)
            parts.append(f"Shortened ({scale}): {', '.join(names)}." if scale else f"Shortened: {', '.join(names)}.")
        if not parts:
            return None
        return Text(" ".join(parts) + f" {HINT}.", style="dim")

    def _table(self, layout: Layout) -> Table:
        table = Table(box=box.HEAVY_HEAD if self.boxed else None, show_header=self.show_header,
                      header_style="bold", show_lines=self.lines, expand=False, collapse_padding=False,
                      padding=(0, 1) if self.boxed else (0, self.gap, 0, 0), pad_edge=self.boxed)
        for i, width in zip(layout.columns, layout.widths, strict=True):
            form = self._form(i, i in layout.short)
            table.add_column(form.header, justify=self.columns[i].justify, width=width, overflow="fold")
        for r in range(len(self.rows)):
            style = self.row_styles[r] if r < len(self.row_styles) else None
            table.add_row(*(self._form(i, i in layout.short).cells[r] for i in layout.columns), style=style or None)
        return table

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        view = self.view
        layout = self.natural_layout(view) if view.wide else self.layout(options.max_width, view)
        if self.title:
            yield Text(self.title, style="italic")
        table: RenderableType = self._table(layout)
        yield Padding(table, (0, 0, 0, self.indent), expand=False) if self.indent else table
        note = self._note(layout)
        if note is not None:
            yield note

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        natural = self.natural_layout().width
        widest = max(natural, _longest_line(self.title) if self.title else 0)
        return Measurement(min(natural, self.layout(1).width), widest).with_maximum(options.max_width)


# -- printing ------------------------------------------------------------------------------------------------


def tables(renderable: Any) -> Iterator[FitTable]:
    """The FitTables in a renderable (through Groups and Padding)."""
    if isinstance(renderable, FitTable):
        yield renderable
    elif isinstance(renderable, Group):
        for part in renderable.renderables:
            yield from tables(part)
    elif isinstance(renderable, Padding):
        yield from tables(renderable.renderable)


def column_names(*specs: FitTable | Sequence[Column]) -> tuple[str, ...]:
    """The names `--columns` accepts for these tables (or column lists), each once, in order."""
    names: list[str] = []
    for spec in specs:
        names += [c.name for c in (spec.columns if isinstance(spec, FitTable) else spec)]
    return tuple(dict.fromkeys(names))


def parse_columns(text: str | Sequence[str] | None, known: Iterable[str]) -> tuple[str, ...] | None:
    """'module,MACs' (or ['module', 'MACs']) → ('module', 'MACs'), checked (case-insensitively) against the
    names `known`; None and '' mean every column."""
    if not text:
        return None
    items = text.split(",") if isinstance(text, str) else [p for t in text for p in t.split(",")]
    chosen = tuple(p.strip() for p in items if p.strip())
    known = tuple(known)
    lower = {k.lower() for k in known}
    for name in chosen:
        if name.lower() not in lower:
            raise UnknownNameError("column", name, known)
    return chosen or None


def check_columns(renderable: Any, columns: Sequence[str] | None) -> None:
    """Raise UnknownNameError, naming those accepted, when no table in `renderable` has a column of that name."""
    if columns:
        parse_columns(list(columns), column_names(*[t for t in tables(renderable) if t.selectable]))


def natural_width(renderable: RenderableType, console: Console | None = None) -> int:
    """The width at which nothing in `renderable` wraps, is shortened or is left out."""
    console = console or Console(width=_MEASURE_WIDTH)
    options = console.options.update(max_width=_MEASURE_WIDTH)
    return max(1, Measurement.get(console, options, renderable).maximum)


def is_terminal(file: IO[str]) -> bool:
    """Whether `file` is a terminal (colour forcing does not make a pipe one: piped output stays whole)."""
    try:
        return file.isatty()
    except (AttributeError, ValueError):
        return False


_TRAILING = re.compile(r" +((?:\x1b\[[0-9;]*m)*)$", re.M)  # spaces at a line's end, before any closing style codes


def render_text(renderable: RenderableType, width: int | None = None, color: bool = False) -> str:
    """A renderable as text: at `width` cells, as on a terminal that wide, or (None) at its natural width, where
    nothing is shortened or left out; with ANSI styles when `color`. The padding at the ends of lines (the last
    column of a grid) is taken off, so files stay clean."""
    import io

    out = io.StringIO()
    system: Literal["truecolor"] | None = "truecolor" if color else None
    console = Console(file=out, width=width or _MEASURE_WIDTH, soft_wrap=False, color_system=system,
                      force_terminal=color)
    if width is None:
        console = Console(file=out, width=natural_width(renderable, console), soft_wrap=False, color_system=system,
                          force_terminal=color)
    console.print(renderable)
    return _TRAILING.sub(r"\1", out.getvalue())
