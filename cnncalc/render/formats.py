"""Renderers: frozen records in, text or rich renderables out. The library never prints."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from enum import Enum
from typing import Any

from cnncalc.conventions import CONVENTION
from cnncalc.layers.record import LayerRecord
from cnncalc.render.numbers import compare_phrase, integer


class Format(str, Enum):
    """Output formats: a table for people, JSON/CSV/Markdown for tools and documents, one HTML page."""

    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"
    html = "html"


#: Flat columns for CSV and Markdown: (header, value of a record). Headers state the convention.
COLUMNS: tuple[tuple[str, Any], ...] = (
    ("name", lambda r: r.name),
    ("design", lambda r: r.design),
    ("input_shape", lambda r: "x".join(map(str, r.input_shape))),
    ("output_shape", lambda r: "x".join(map(str, r.output_shape))),
    ("params", lambda r: r.params),
    ("weight_params", lambda r: r.weight_params),
    ("bias_params", lambda r: r.bias_params),
    ("buffers", lambda r: r.buffers),
    ("macs (multiply-accumulates)", lambda r: r.macs),
    ("flops (2*macs + other)", lambda r: r.flops),
    ("activation_bytes", lambda r: r.activation_bytes),
    ("traffic_bytes", lambda r: r.traffic_bytes),
    ("intensity (flop/byte)", lambda r: round(r.intensity, 3)),
    ("receptive_field", lambda r: r.rf_text.replace("×", "x")),
    ("jump", lambda r: r.jump_text.replace("×", "x")),
    ("dtype", lambda r: r.dtype),
)


def convention_dict() -> dict[str, str]:
    return {"macs": CONVENTION.macs, "flops": CONVENTION.flops, "params": CONVENTION.params,
            "memory": CONVENTION.memory, "constants": CONVENTION.constants}


def record_json(record: LayerRecord) -> dict[str, Any]:
    return {**record.to_dict(), "convention": convention_dict()}


def to_json(records: Sequence[LayerRecord], single: bool) -> str:
    data: Any = record_json(records[0]) if single else [record_json(r) for r in records]
    return json.dumps(data, indent=2, ensure_ascii=False)


def csv_text(header: Sequence[Any], rows: Sequence[Sequence[Any]]) -> str:
    """One CSV document: a header line and the rows, exact values."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def markdown_table(header: Sequence[Any], rows: Sequence[Sequence[Any]]) -> list[str]:
    """The lines of a Markdown table; integers get separators, pipes are escaped."""
    lines = ["| " + " | ".join(str(h) for h in header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]


def records_rows(records: Sequence[Any]) -> tuple[list[str], list[list[Any]]]:
    """Header and rows (exact values) of layer records or model summaries: CSV, Markdown, DataFrames."""
    return [h for h, _ in COLUMNS], [[get(r) for _, get in COLUMNS] for r in records]


def to_csv(records: Sequence[LayerRecord]) -> str:
    return csv_text(*records_rows(records))


def _md_cell(value: Any) -> str:
    text = integer(value) if isinstance(value, int) and not isinstance(value, bool) else str(value)
    return text.replace("|", "\\|")


def to_markdown(records: Sequence[LayerRecord]) -> str:
    lines = markdown_table([h for h, _ in COLUMNS], [[get(r) for _, get in COLUMNS] for r in records])
    lines.append("")
    for r in records:
        lines.append(f"**{r.name}** ({r.title})")
        lines.append("")
        lines += [f"- {f.quantity}: {f.symbolic + ' = ' if f.symbolic else ''}{f.numeric}" for f in r.formulas]
        if r.ignored:
            lines.append(f"- ignored options: {', '.join(r.ignored)}")
        lines.append("")
    if len(records) > 1:
        lines += [f"- {line}" for line in summary_lines(records)] + [""]
    lines += [f"_{line}_  " for line in CONVENTION.lines()]
    return "\n".join(lines) + "\n"


def summary_lines(records: Sequence[LayerRecord]) -> list[str]:
    """One sentence per design after the first: how it compares with the first."""
    base = records[0]
    lines = []
    for r in records[1:]:
        parts = [compare_phrase(base.params, r.params, "params"), compare_phrase(base.macs, r.macs, "MACs"),
                 compare_phrase(base.flops, r.flops, "FLOPs"),
                 compare_phrase(base.traffic_bytes, r.traffic_bytes, "bytes moved")]
        rf = ("same receptive field" if base.receptive_field == r.receptive_field
              else f"receptive field {base.rf_text} vs {r.rf_text}")
        lines.append(f"{base.name} vs {r.name}: {', '.join(parts)}, {rf}")
    return lines


def sweep_rows(points: list[Any]) -> tuple[list[str], list[list[Any]]]:
    """Header and rows (exact values) of a sweep, for every format."""
    header = ["value", "output_shape", "params", "macs (multiply-accumulates)", "flops (2*macs + other)",
              "activation_bytes", "traffic_bytes", "intensity (flop/byte)", "receptive_field"]
    has_counterpart = any(p.counterpart is not None for p in points)
    is_model = any(p.peak_activation_bytes is not None for p in points)
    if has_counterpart:
        header += [f"params vs {points[0].counterpart.name}", f"macs vs {points[0].counterpart.name}"]
    if is_model:
        header += ["peak_activation_bytes", "rf / input"]
    rows = []
    for p in points:
        r = p.record
        row: list[Any] = [p.value, "x".join(map(str, r.output_shape)), r.params, r.macs, r.flops, r.activation_bytes,
                          r.traffic_bytes, round(r.intensity, 4), r.rf_text.replace("×", "x")]
        if has_counterpart:
            c = p.counterpart
            row += [round(r.params / c.params, 6) if c and c.params else None,
                    round(r.macs / c.macs, 6) if c and c.macs else None]
        if is_model:
            row += [p.peak_activation_bytes, round(p.coverage, 3) if p.coverage else None]
        rows.append(row)
    return header, rows


def sweep_text(points: list[Any], fmt: str) -> str:
    header, rows = sweep_rows(points)
    if fmt == "json":
        return json.dumps([{**p.to_dict(), "convention": convention_dict()} for p in points], indent=2,
                          ensure_ascii=False)
    if fmt == "csv":
        return csv_text(header, rows)
    return "\n".join([*markdown_table(header, rows), "", f"_{CONVENTION.short}_", ""])
