"""The one way from a record to its views: `render(record, format, context)`.

Each record type has one `View` (registered with `@views(RecordType)`): its terminal table, its table rows (CSV,
Markdown, DataFrames), its notes, its JSON and its page. A view only lays out what the record holds; nothing here
computes a cost. Formats are registered too (`@output_format("json")`): a new format is a function of (record,
context) in a module of its own, and the command line offers it with the others.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from rich.console import RenderableType

from cnncalc.conventions import CONVENTION
from cnncalc.errors import CnncalcError
from cnncalc.serialize import rows, to_data


@dataclass(frozen=True)
class RenderContext:
    """How a record is shown: the terminal's width (None: the natural width, as when piped), every column whole
    (`wide`) or these `columns`, module rows down to `depth` (None: the view's own choice), the command line (or
    Python call) that made it for a page's footer, and ANSI colour."""

    width: int | None = None
    wide: bool = False
    columns: tuple[str, ...] | None = None
    depth: int | None = None
    command: str = ""
    color: bool = False


Rows = tuple[list[str], list[list[Any]]]


def convention_data() -> dict[str, str]:
    """The counting convention, as every JSON document carries it."""
    return {"macs": CONVENTION.macs, "flops": CONVENTION.flops, "params": CONVENTION.params,
            "memory": CONVENTION.memory, "constants": CONVENTION.constants}


class View:
    """The views of one record type. Subclasses set `record` and override what differs from the defaults: JSON
    is the record's data with the convention; rows are the record's own scalar fields; Markdown is a title, the
    rows as a table and the notes; the page is the record type's template."""

    record: ClassVar[type]
    #: the HTML page's template (cnncalc/rendering/templates/), or "" when the record has no page
    page: ClassVar[str] = ""
    #: the names of the terminal table's columns, for checking --columns before the work ("" : not known ahead)
    column_names: ClassVar[tuple[str, ...]] = ()

    def table(self, record: Any, ctx: RenderContext) -> RenderableType:
        raise NotImplementedError

    def rows(self, record: Any, ctx: RenderContext) -> Rows:
        return rows(type(record), [record])

    def title(self, record: Any, ctx: RenderContext) -> str:
        return ""

    def notes(self, record: Any, ctx: RenderContext) -> list[str]:
        return []

    def data(self, record: Any, ctx: RenderContext) -> Any:
        return {**to_data(record), "convention": convention_data()}

    def markdown(self, record: Any, ctx: RenderContext) -> str:
        from cnncalc.rendering.text import markdown_table

        header, body = self.rows(record, ctx)
        title = self.title(record, ctx)
        lines = [f"**{title}**", ""] if title else []
        lines += [*markdown_table(header, body), ""]
        notes = self.notes(record, ctx)
        if notes:
            lines += [f"- {line}" for line in notes] + [""]
        lines += [f"_{line}_  " for line in CONVENTION.lines()]
        return "\n".join(lines) + "\n"

    def html(self, record: Any, ctx: RenderContext) -> str:
        if not self.page:
            raise CnncalcError(f"{type(record).__name__} has no HTML page: use table, json, csv or markdown")
        from cnncalc.rendering.html import page

        return page(self.page, record, ctx)


VIEWS: dict[type, View] = {}
V = TypeVar("V", bound=type[View])


def views(record: type) -> Callable[[V], V]:
    """Register a View subclass as the views of `record`; a second registration is an error."""

    def register(cls: V) -> V:
        if record in VIEWS:
            raise RuntimeError(f"{record.__name__} already has views: {type(VIEWS[record]).__name__}")
        cls.record = record
        VIEWS[record] = cls()
        return cls

    return register


def view_of(record: Any) -> View:
    """The views of a record (by its type, or the nearest registered base type)."""
    return view_of_type(type(record))


def view_of_type(cls: type) -> View:
    """The views of a record type (or of its nearest registered base type)."""
    _load()
    for klass in cls.__mro__:
        if klass in VIEWS:
            return VIEWS[klass]
    raise CnncalcError(f"no views for {cls.__name__}: cnncalc renders its own records")


Format = Callable[[Any, RenderContext], str]
FORMATS: dict[str, Format] = {}
F = TypeVar("F", bound=Format)


def output_format(name: str) -> Callable[[F], F]:
    """Register an output format (a function of record and context to text); a second one of a name is an error."""

    def register(fn: F) -> F:
        if name in FORMATS:
            raise RuntimeError(f"output format {name!r} is already registered")
        FORMATS[name] = fn
        return fn

    return register


def formats() -> tuple[str, ...]:
    """The registered output formats, in registration order."""
    _load()
    return tuple(FORMATS)


def render(record: Any, fmt: str = "table", context: RenderContext | None = None) -> str:
    """A record in one format: "table" (the terminal's text), "json", "csv", "markdown" or "html" (one
    self-contained page), or another registered format."""
    _load()
    if fmt not in FORMATS:
        raise CnncalcError(f"unknown format {fmt!r}: accepted are {', '.join(FORMATS)}")
    return FORMATS[fmt](record, context or RenderContext())


def table_rows(record: Any, context: RenderContext | None = None) -> Rows:
    """The header and rows (exact values) of a record's table: what CSV writes and `to_pandas()` holds."""
    return view_of(record).rows(record, context or RenderContext())


def to_json_text(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


@dataclass
class _Loaded:
    done: bool = False
    modules: Sequence[str] = field(default=("cnncalc.rendering.text", "cnncalc.rendering.views"))


_LOADED = _Loaded()


def _load() -> None:
    """Import the modules that register the formats and views (once, on first use)."""
    if not _LOADED.done:
        import importlib

        for module in _LOADED.modules:
            importlib.import_module(module)
        _LOADED.done = True
