"""The output formats: the terminal's table, JSON, CSV, Markdown and the HTML page. Each takes a record and a
`RenderContext` and returns text; what to show comes from the record's view (`cnncalc.rendering.registry`)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from cnncalc.numbers import integer
from cnncalc.rendering.registry import RenderContext, output_format, to_json_text, view_of
from cnncalc.rendering.terminal import View, check_columns, render_text


def csv_text(header: Sequence[Any], rows: Sequence[Sequence[Any]]) -> str:
    """One CSV document: a header line and the rows, exact values."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def markdown_cell(value: Any) -> str:
    """A value in a Markdown table: integers with separators, pipes escaped."""
    text = integer(value) if isinstance(value, int) and not isinstance(value, bool) else str(value)
    return text.replace("|", "\\|")


def markdown_table(header: Sequence[Any], rows: Sequence[Sequence[Any]]) -> list[str]:
    """The lines of a Markdown table; integers get separators, pipes are escaped."""
    lines = ["| " + " | ".join(str(h) for h in header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(markdown_cell(c) for c in row) + " |" for row in rows]


def terminal_view(ctx: RenderContext) -> View:
    """The reader's choice of columns for every table of a view."""
    return View(wide=ctx.wide, columns=ctx.columns)


@output_format("table")
def table(record: Any, ctx: RenderContext) -> str:
    renderable = view_of(record).table(record, ctx)
    check_columns(renderable, ctx.columns)
    return render_text(renderable, None if ctx.wide else ctx.width, ctx.color)


@output_format("json")
def json(record: Any, ctx: RenderContext) -> str:
    return to_json_text(view_of(record).data(record, ctx)) + "\n"


@output_format("csv")
def csv_(record: Any, ctx: RenderContext) -> str:
    return csv_text(*view_of(record).rows(record, ctx))


@output_format("markdown")
def markdown(record: Any, ctx: RenderContext) -> str:
    return view_of(record).markdown(record, ctx)


@output_format("html")
def html(record: Any, ctx: RenderContext) -> str:
    return view_of(record).html(record, ctx)
