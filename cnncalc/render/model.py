"""Renderers of model analyses: rich tables, JSON, CSV, Markdown."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from cnncalc.analysis.report import LayerRow, ModelReport, field_text
from cnncalc.conventions import CONVENTION
from cnncalc.render.formats import convention_dict, csv_text, markdown_table
from cnncalc.render.numbers import integer, nbytes, shape

LAYER_COLUMNS: tuple[tuple[str, Any], ...] = (
    ("name", lambda r: r.name),
    ("type", lambda r: r.type),
    ("depth", lambda r: r.depth),
    ("calls", lambda r: r.calls),
    ("output_shape", lambda r: "x".join(map(str, r.output_shape)) if r.output_shape else ""),
    ("params", lambda r: r.params),
    ("macs (multiply-accumulates)", lambda r: r.macs),
    ("flops (2*macs + other)", lambda r: r.flops),
    ("activation_bytes", lambda r: r.costs.activation_bytes),
    ("traffic_bytes", lambda r: r.costs.traffic_bytes),
    ("intensity (flop/byte)", lambda r: round(r.costs.intensity, 3)),
    ("receptive_field", lambda r: field_text(r.receptive_field).replace("×", "x")),
    ("jump", lambda r: field_text(r.jump).replace("×", "x")),
)


def visible(report: ModelReport, depth: int) -> list[LayerRow]:
    return [r for r in report.layers if 0 < r.depth <= depth]


def report_json(report: ModelReport) -> str:
    return json.dumps({**report.to_dict(), "convention": convention_dict()}, indent=2)


def report_csv(report: ModelReport, depth: int) -> str:
    rows = [*visible(report, depth), report.layers[0]]  # the last row is the whole model, depth 0
    return csv_text([h for h, _ in LAYER_COLUMNS], [[get(row) for _, get in LAYER_COLUMNS] for row in rows])


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
    if report.backward is not None:
        b = report.backward
        pairs += [("backward MACs", integer(b.macs)), ("backward FLOPs", integer(b.flops)),
                  ("training step FLOPs", integer(t.flops + b.flops))]
    return pairs


def _uncounted_lines(report: ModelReport) -> list[str]:
    if not report.uncounted:
        return ["every op was counted, or is a view or tensor factory (free)"]
    return [f"UNCOUNTED: {u.op} ×{u.count} in {u.module}" for u in report.uncounted]


def report_markdown(report: ModelReport, depth: int) -> str:
    lines = [f"**{report.model}** at input {shape(report.input_shape)}, {report.dtype}", ""]
    lines += ["| total | |", "|---|---|"] + [f"| {k.strip()} | {v} |" for k, v in _totals_pairs(report)] + [""]
    headers = [h for h, _ in LAYER_COLUMNS]
    lines += ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    for row in visible(report, depth):
        cells = [get(row) for _, get in LAYER_COLUMNS]
        lines.append("| " + " | ".join(integer(c) if isinstance(c, int) else str(c) for c in cells) + " |")
    lines += [""] + [f"- {line}" for line in _uncounted_lines(report)] + [""]
    lines += [f"_{line}_  " for line in CONVENTION.lines()]
    return "\n".join(lines) + "\n"


def report_table(report: ModelReport, depth: int) -> RenderableType:
    table = Table(title=f"{report.model} — input {shape(report.input_shape)}, {report.dtype}", title_justify="left",
                  header_style="bold")
    for col, justify in (("module", "left"), ("type", "left"), ("output", "right"), ("params", "right"),
                         ("MACs", "right"), ("FLOPs", "right"), ("out bytes", "right"), ("traffic", "right"),
                         ("FLOP/B", "right"), ("RF", "right")):
        table.add_column(col, justify=justify, no_wrap=col in ("module", "MACs", "FLOPs"))  # type: ignore[arg-type]
    for row in visible(report, depth):
        name = "  " * (row.depth - 1) + row.name.rsplit(".", 1)[-1]
        calls = f" ×{row.calls}" if row.calls > 1 else ""
        table.add_row(name + calls, row.type, shape(row.output_shape) if row.output_shape else "–",
                      integer(row.params), integer(row.macs), integer(row.flops), nbytes(row.output_bytes),
                      nbytes(row.costs.traffic_bytes), f"{row.costs.intensity:.3g}",
                      field_text(row.receptive_field) or "–")
    totals = Table(show_header=False, box=None, padding=(0, 2))
    totals.add_column(style="bold", no_wrap=True)
    totals.add_column(justify="right")
    for label, value in _totals_pairs(report):
        totals.add_row(label, value)
    notes: list[RenderableType] = [
        Text(line, style="red" if line.startswith("UNCOUNTED") else "dim") for line in _uncounted_lines(report)]
    notes.append(Text(CONVENTION.short, style="dim"))
    return Group(table, Text(""), totals, Text(""), *notes)


def models_rows(entries: list[dict[str, Any]]) -> Table:
    table = Table(title="models (MACs = multiply-accumulates at the default input)", title_justify="left",
                  header_style="bold")
    for col in ("name", "source", "input", "params", "MACs", "paper / description"):
        table.add_column(col, justify="right" if col in ("params", "MACs") else "left")
    for e in entries:
        table.add_row(e["name"], e["source"], e["input"], integer(e["params"]), integer(e["macs"]), e["paper"])
    return table


ENTRY_COLUMNS = ("name", "source", "input", "params", "macs", "paper")


def entries_csv(entries: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(ENTRY_COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(entries)
    return out.getvalue()


def entries_markdown(entries: list[dict[str, Any]]) -> str:
    lines = ["| model | source | input | params | MACs | paper |", "|---|---|---|---:|---:|---|"]
    lines += [f"| `{e['name']}` | {e['source']} | {e['input']} | {integer(e['params'])} | {integer(e['macs'])} | "
              f"{e['paper']} |" for e in entries]
    return "\n".join(lines) + "\n\nMACs = multiply-accumulates, at the default input.\n"


def validations_table(results: list[Any]) -> RenderableType:
    table = Table(title="cnncalc validate", title_justify="left", header_style="bold", show_lines=True)
    for col in ("model", "tool", "quantity", "theirs", "cnncalc's equivalent", "", "reconciliation"):
        table.add_column(col, justify="right" if col in ("theirs", "cnncalc's equivalent") else "left")
    for r in results:
        for i, c in enumerate(r.checks):
            value = "–" if c.value is None else (integer(c.value) if isinstance(c.value, int) else str(c.value))
            expected = integer(c.expected) if isinstance(c.expected, int) else str(c.expected)
            table.add_row(r.model if i == 0 else "", c.tool, c.quantity, value, expected,
                          "ref" if c.reference else "✓" if c.agrees else "✗", c.note)
    return Group(table, Text(CONVENTION.short, style="dim"))


def validations_text(results: list[Any], fmt: str) -> str:
    rows = [(r.model, c.tool, c.quantity, c.value, c.expected, c.agrees, c.note) for r in results for c in r.checks]
    header = ("model", "tool", "quantity", "value", "cnncalc_equivalent", "agrees", "note")
    if fmt == "csv":
        return csv_text(header, rows)
    return "\n".join(markdown_table(header, rows)) + "\n"
