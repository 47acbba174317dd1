"""Rich renderables for the terminal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from cnncalc.conventions import CONVENTION
from cnncalc.layers.record import LayerRecord
from cnncalc.render.formats import quantity_rows, summary_lines
from cnncalc.render.numbers import integer, nbytes, shape


def _formulas(records: Sequence[LayerRecord]) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column(style="cyan")
    grid.add_column()
    for r in records:
        for i, f in enumerate(r.formulas):
            symbolic = f"{f.symbolic} = " if f.symbolic else ""
            grid.add_row(r.name if i == 0 else "", f.quantity, f"{symbolic}{f.numeric}")
    return grid


def _footer(records: Sequence[LayerRecord]) -> list[RenderableType]:
    notes: list[RenderableType] = []
    for r in records:
        if r.ignored:
            notes.append(Text(f"{r.name} does not use: {', '.join('--' + o for o in r.ignored)}", style="yellow"))
    first = records[0]
    notes.append(Text(f"input {shape(first.input_shape)}, {first.dtype}. {CONVENTION.short}", style="dim"))
    return notes


def compare_table(records: Sequence[LayerRecord]) -> RenderableType:
    table = Table(title="cnncalc compare", title_justify="left", header_style="bold")
    table.add_column("", no_wrap=True)
    for i, r in enumerate(records):
        table.add_column(f"{r.name}" + ("" if i == 0 else f"\n(vs {records[0].name})"), justify="right")
    table.add_row("design", *[r.title for r in records], style="dim")
    for label, cells in quantity_rows(records):
        table.add_row(label, *cells)
    parts: list[RenderableType] = [table, _formulas(records), Text("")]
    parts += [Text(line, style="bold green") for line in summary_lines(records)]
    return Group(*parts, *_footer(records))


def layer_table(record: LayerRecord, counterpart: LayerRecord | None) -> RenderableType:
    head = Text.assemble((f"{record.name}", "bold"), f" — {record.title}\n", (record.idea[0] + "\n", "italic"),
                         (record.idea[1], "italic"))
    summary = Table(show_header=False, box=None, padding=(0, 2))
    summary.add_column(style="bold", no_wrap=True)
    summary.add_column(justify="right")
    summary.add_row("input", shape(record.input_shape))
    for label, cells in quantity_rows([record]):
        summary.add_row(label.strip(), cells[0])
    steps = Table(title="ops", title_justify="left", header_style="bold")
    for col in ("op", "output", "params", "MACs", "FLOPs", "traffic"):
        steps.add_column(col, justify="left" if col == "op" else "right")
    for s in record.steps:
        steps.add_row(s.label, shape(s.output_shape), integer(s.params), integer(s.macs), integer(s.flops),
                      nbytes(s.traffic_bytes))
    parts: list[RenderableType] = [head, Text(""), summary, Text(""), _formulas([record]), Text(""), steps]
    if counterpart is not None:
        parts.append(Text(summary_lines([record, counterpart])[0], style="bold green"))
    return Group(*parts, *_footer([record]))


def sweep_table(points: list[Any], target: str, vary: str) -> RenderableType:
    from cnncalc.render.formats import sweep_rows

    header, rows = sweep_rows(points)
    table = Table(title=f"cnncalc sweep {target} over {vary}", title_justify="left", header_style="bold")
    labels = {"macs (multiply-accumulates)": "MACs", "flops (2*macs + other)": "FLOPs",
              "activation_bytes": "activations", "traffic_bytes": "traffic", "intensity (flop/byte)": "FLOP/B",
              "receptive_field": "RF", "peak_activation_bytes": "peak live", "output_shape": "output"}
    for h in header:
        table.add_column(labels.get(h, h), justify="left" if h == "value" else "right")
    for row in rows:
        cells = []
        for h, c in zip(header, row, strict=True):
            if h.endswith("bytes"):
                cells.append(nbytes(c) if c is not None else "–")
            elif isinstance(c, int):
                cells.append(integer(c))
            elif isinstance(c, float):
                cells.append(f"{c:.4g}")
            else:
                cells.append("–" if c is None else str(c))
        table.add_row(*cells)
    return Group(table, Text(CONVENTION.short, style="dim"))
