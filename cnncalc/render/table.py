"""Rich renderables for the terminal: layer designs side by side, one design, a sweep."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text

from cnncalc.conventions import CONVENTION
from cnncalc.layers.record import LayerRecord
from cnncalc.render.fit import Cell, Column, FitTable, number
from cnncalc.render.formats import summary_lines, sweep_rows
from cnncalc.render.numbers import integer, nbytes, ratio, shape, si


def quantity_rows(records: Sequence[LayerRecord]) -> list[tuple[str, list[Cell]]]:
    """The rows of the side-by-side table: a label and one cell per record (counts with their ratio to the
    first; each count also in its short form)."""
    base = records[0]

    def counts(get: Callable[[LayerRecord], int]) -> list[Cell]:
        cells = []
        for i, r in enumerate(records):
            tail = f"  {ratio(get(r), get(base))}" if i > 0 else ""
            cells.append(Cell(integer(get(r)) + tail, si(get(r)) + tail))
        return cells

    def texts(get: Callable[[LayerRecord], str]) -> list[Cell]:
        return [Cell(get(r)) for r in records]

    def nbytes_cells(get: Callable[[LayerRecord], int]) -> list[Cell]:
        return [Cell(nbytes(get(r)) + (f"  {ratio(get(r), get(base))}" if i else "")) for i, r in enumerate(records)]

    rows = [
        ("output shape", texts(lambda r: shape(r.output_shape))),
        ("params", counts(lambda r: r.params)),
        ("  weights/biases", [Cell(f"{integer(r.weight_params)} / {integer(r.bias_params)}",
                                   f"{si(r.weight_params)} / {si(r.bias_params)}") for r in records]),
    ]
    if any(r.buffers for r in records):
        rows.append(("buffers (BN stats)", counts(lambda r: r.buffers)))
    rows += [
        ("MACs", counts(lambda r: r.macs)),
        ("FLOPs", counts(lambda r: r.flops)),
        ("activations written", nbytes_cells(lambda r: r.activation_bytes)),
        ("memory traffic", nbytes_cells(lambda r: r.traffic_bytes)),
        ("intensity (FLOP/B)", texts(lambda r: f"{r.intensity:.3g}")),
        ("receptive field", texts(lambda r: f"{r.rf_text}, jump {r.jump_text}")),
    ]
    return rows


def _formulas(records: Sequence[LayerRecord]) -> FitTable:
    rows = [[r.name if i == 0 else "", f.quantity, (f"{f.symbolic} = " if f.symbolic else "") + f.numeric]
            for r in records for i, f in enumerate(r.formulas)]
    columns = (Column("design", style="bold"), Column("quantity", style="cyan"),
               Column("formula", wrap=True, min_width=30))
    return FitTable(columns, rows, boxed=False, show_header=False, selectable=False)


def _footer(records: Sequence[LayerRecord]) -> list[RenderableType]:
    notes: list[RenderableType] = []
    for r in records:
        if r.ignored:
            notes.append(Text(f"{r.name} does not use: {', '.join('--' + o for o in r.ignored)}", style="yellow"))
    first = records[0]
    notes.append(Text(f"input {shape(first.input_shape)}, {first.dtype}. {CONVENTION.short}", style="dim"))
    return notes


def compare_columns(names: Sequence[str]) -> tuple[Column, ...]:
    """The side-by-side table's columns: the quantity, then one per design (the later, the lower priority)."""
    columns = [Column("quantity", 1, header="")]
    columns += [Column(n, i + 2, "right", header=n + ("" if i == 0 else f"\n(vs {names[0]})"), together="designs")
                for i, n in enumerate(names)]
    return tuple(columns)


def compare_table(records: Sequence[LayerRecord]) -> RenderableType:
    rows: list[list[Any]] = [["design", *[Cell(r.title, wrap=True) for r in records]]]
    rows += [[label, *cells] for label, cells in quantity_rows(records)]
    table = FitTable(compare_columns([r.name for r in records]), rows, title="cnncalc compare",
                     row_styles=["dim"])
    parts: list[RenderableType] = [table, _formulas(records), Text("")]
    parts += [Text(line, style="bold green") for line in summary_lines(records)]
    return Group(*parts, *_footer(records))


#: The ops of one design (`cnncalc layer`), by priority.
OPS_COLUMNS: tuple[Column, ...] = (
    Column("op", 1),
    Column("output", 2, "right", shape),
    number("params", 3),
    number("MACs", 4),
    number("FLOPs", 5),
    Column("traffic", 6, "right", nbytes),
)


def layer_table(record: LayerRecord, counterpart: LayerRecord | None) -> RenderableType:
    head = Text.assemble((f"{record.name}", "bold"), f" — {record.title}\n", (record.idea[0] + "\n", "italic"),
                         (record.idea[1], "italic"))
    pairs: list[list[Any]] = [["input", shape(record.input_shape)]]
    pairs += [[label.strip(), cells[0]] for label, cells in quantity_rows([record])]
    summary = FitTable((Column("quantity", style="bold"), Column("value", justify="right")), pairs,
                       boxed=False, show_header=False, indent=2, selectable=False)
    steps = FitTable(OPS_COLUMNS, [[s.label, s.output_shape, s.params, s.macs, s.flops, s.traffic_bytes]
                                   for s in record.steps], title="ops")
    parts: list[RenderableType] = [head, Text(""), summary, Text(""), _formulas([record]), Text(""), steps]
    if counterpart is not None:
        parts.append(Text(summary_lines([record, counterpart])[0], style="bold green"))
    return Group(*parts, *_footer([record]))


#: A sweep's columns by the header of `sweep_rows`: (name, priority). Ratios to the counterpart and a model's
#: peak memory come right after the counts; the layer's memory and receptive field last.
SWEEP_COLUMNS: dict[str, tuple[str, int]] = {
    "value": ("value", 1), "output_shape": ("output", 5), "params": ("params", 2),
    "macs (multiply-accumulates)": ("MACs", 3), "flops (2*macs + other)": ("FLOPs", 4),
    "activation_bytes": ("activations", 10), "traffic_bytes": ("traffic", 9),
    "intensity (flop/byte)": ("FLOP/B", 11), "receptive_field": ("RF", 12),
    "params vs": ("params ratio", 6), "macs vs": ("MACs ratio", 7),
    "peak_activation_bytes": ("peak live", 8), "rf / input": ("rf / input", 13),
}
SWEEP_COLUMN_NAMES = tuple(name for name, _ in SWEEP_COLUMNS.values())


def _sweep_column(header: str) -> Column:
    key = header.rsplit(" vs ", 1)[0] + " vs" if " vs " in header else header
    name, priority = SWEEP_COLUMNS[key]
    display = header if " vs " in header else name
    if header.endswith("bytes"):
        return Column(name, priority, "right", lambda v: "–" if v is None else nbytes(v), header=display)
    if header in ("params", "macs (multiply-accumulates)", "flops (2*macs + other)"):
        return number(name, priority)
    if header == "value":
        return Column(name, priority)
    return Column(name, priority, "right", lambda v: f"{v:.4g}" if isinstance(v, float) else "–" if v is None
                  else str(v), header=display)


def sweep_table(points: list[Any], target: str, vary: str) -> RenderableType:
    header, rows = sweep_rows(points)
    table = FitTable([_sweep_column(h) for h in header], rows, title=f"cnncalc sweep {target} over {vary}")
    return Group(table, Text(CONVENTION.short, style="dim"))
