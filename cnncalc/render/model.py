"""Renderers of model analyses: rich tables, JSON, CSV, Markdown."""

from __future__ import annotations

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


def title(report: ModelReport) -> str:
    """'resnet18 — input 1×3×224×224, float32'; several inputs are named."""
    if len(report.inputs) > 1:
        return f"{report.model} — inputs " + ", ".join(f"{i.name} {shape(i.shape)}" for i in report.inputs) + \
            f", {report.dtype}"
    return f"{report.model} — input {shape(report.input_shape)}, {report.dtype}"


def io_lines(report: ModelReport, most: int = 6) -> list[str]:
    """The inputs (and how they were chosen) and the outputs, by name."""
    lines = ["inputs: " + "; ".join(i.text() for i in report.inputs) +
             (f" ({report.input_note})" if report.input_note else "")]
    outs = [o.text() for o in report.outputs]
    more = f"; … {len(outs) - most} more" if len(outs) > most else ""
    lines.append("outputs: " + ("; ".join(outs[:most]) + more if outs else "none (no tensor in the output)"))
    return lines


def real_run_lines(report: ModelReport, most: int = 8) -> list[str]:
    """Why the ops were counted on real tensors, what flowed, and the detector's worst case."""
    run = report.real_run
    if run is None:
        return []
    lines = [f"counted on a real CPU run: {run.op} in {run.module} cannot run on the meta device (its result "
             f"depends on values); data: {run.data}"]
    if run.counts is not None:
        lines.append(f"flowed: {run.counts.text()}")
    flows = [f for f in run.flows if f.offered != f.kept or "_local_scalar_dense" in f.op]
    for f in flows[:most]:
        what = f"read {f.calls:,} value{'s' if f.calls > 1 else ''}" if "_local_scalar_dense" in f.op else \
            f"kept {f.kept:,} of {f.offered:,}"
        lines.append(f"  {f.op} in {f.module}: {what} ({f.calls:,} call{'s' if f.calls > 1 else ''})")
    if len(flows) > most:
        lines.append(f"  … {len(flows) - most} more data-dependent ops (see --format json)")
    worst = run.worst_case
    if worst is not None:
        limits = ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in worst.limits)
        lines.append(f"worst case at the model's limits ({limits}; every candidate kept by the score and NMS "
                     f"thresholds): {worst.counts.text()}: MACs {integer(worst.costs.macs)}, FLOPs "
                     f"{integer(worst.costs.flops)}")
    return lines


def notes(report: ModelReport) -> list[str]:
    """Every line shown under a model's totals, in order."""
    return [*io_lines(report), *real_run_lines(report), *_uncounted_lines(report)]


def report_markdown(report: ModelReport, depth: int) -> str:
    lines = [f"**{title(report)}**", ""]
    lines += ["| total | |", "|---|---|"] + [f"| {k.strip()} | {v} |" for k, v in _totals_pairs(report)] + [""]
    headers = [h for h, _ in LAYER_COLUMNS]
    lines += ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    for row in visible(report, depth):
        cells = [get(row) for _, get in LAYER_COLUMNS]
        lines.append("| " + " | ".join(integer(c) if isinstance(c, int) else str(c) for c in cells) + " |")
    lines += [""] + [f"- {line}" for line in notes(report)] + [""]
    lines += [f"_{line}_  " for line in CONVENTION.lines()]
    return "\n".join(lines) + "\n"


def report_table(report: ModelReport, depth: int) -> RenderableType:
    table = Table(title=title(report), title_justify="left", header_style="bold")
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
    lines: list[RenderableType] = [
        Text(line, style="red" if line.startswith("UNCOUNTED") else "dim") for line in notes(report)]
    lines.append(Text(CONVENTION.short, style="dim"))
    return Group(table, Text(""), totals, Text(""), *lines)


def _entry_inputs(e: dict[str, Any]) -> str:
    return ", ".join(e["inputs"])


def _entry_macs(e: dict[str, Any]) -> str:
    return integer(e["macs"]) + (" *" if e.get("data_dependent") else "")


def models_rows(entries: list[dict[str, Any]]) -> RenderableType:
    table = Table(title="models (MACs = multiply-accumulates at the default input)", title_justify="left",
                  header_style="bold")
    for col in ("name", "task", "input", "params", "MACs", "paper / description"):
        table.add_column(col, justify="right" if col in ("params", "MACs") else "left")
    for e in entries:
        table.add_row(e["name"], e["task"], _entry_inputs(e), integer(e["params"]), _entry_macs(e), e["paper"])
    notes: list[RenderableType] = [table]
    if any(e.get("data_dependent") for e in entries):
        notes.append(Text(DATA_DEPENDENT_NOTE, style="dim"))
    return Group(*notes)


DATA_DEPENDENT_NOTE = ("* counted on a real run (seeded random image, random weights): the ops after NMS depend "
                       "on values; cnncalc analyze MODEL also gives the worst case at the model's limits")
ENTRY_COLUMNS = ("name", "task", "source", "inputs", "params", "macs", "flops", "data_dependent", "worst_case_macs",
                 "paper")


def entries_csv(entries: list[dict[str, Any]]) -> str:
    rows = [[" ".join(e[c]) if c == "inputs" else e.get(c, "") for c in ENTRY_COLUMNS] for e in entries]
    return csv_text(ENTRY_COLUMNS, rows)


def entries_markdown(entries: list[dict[str, Any]]) -> str:
    lines = ["| model | task | input | params | MACs | paper |", "|---|---|---|---:|---:|---|"]
    lines += [f"| `{e['name']}` | {e['task']} | {_entry_inputs(e)} | {integer(e['params'])} | {_entry_macs(e)} | "
              f"{e['paper']} |" for e in entries]
    tail = f"\n{DATA_DEPENDENT_NOTE}\n" if any(e.get("data_dependent") for e in entries) else ""
    return "\n".join(lines) + "\n\nMACs = multiply-accumulates, at the default input.\n" + tail


def validations_table(results: list[Any]) -> RenderableType:
    table = Table(title="cnncalc validate", title_justify="left", header_style="bold", show_lines=True)
    for col in ("model", "tool", "quantity", "theirs", "cnncalc's equivalent", "", "reconciliation"):
        table.add_column(col, justify="right" if col in ("theirs", "cnncalc's equivalent") else "left")
    for r in results:
        for i, c in enumerate(r.checks):
            value = "–" if c.value is None else (integer(c.value) if isinstance(c.value, int) else str(c.value))
            expected = integer(c.expected) if isinstance(c.expected, int) else str(c.expected)
            table.add_row(r.model if i == 0 else "", c.tool, c.quantity, value, expected,
                          c.status.mark, c.note)
    return Group(table, Text(CONVENTION.short, style="dim"))


def validations_text(results: list[Any], fmt: str) -> str:
    rows = [(r.model, c.tool, c.quantity, c.value, c.expected, c.status.value, c.note) for r in results
            for c in r.checks]
    header = ("model", "tool", "quantity", "value", "cnncalc_equivalent", "status", "note")
    if fmt == "csv":
        return csv_text(header, rows)
    return "\n".join(markdown_table(header, rows)) + "\n"
