"""Renderers of model analyses: rich tables, JSON, CSV, Markdown."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text

from cnncalc.analysis.report import LayerRow, ModelReport, field_text
from cnncalc.conventions import CONVENTION
from cnncalc.render.fit import Column, FitTable, number
from cnncalc.render.formats import convention_dict, csv_text, markdown_table
from cnncalc.render.memory import training_lines, training_pairs
from cnncalc.render.numbers import integer, nbytes, shape, si

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


#: the CSV's columns with a training step
TRAINING_CSV: tuple[tuple[str, Any], ...] = (
    ("backward_macs", lambda r: r.backward.macs if r.backward else ""),
    ("backward_flops", lambda r: r.backward.flops if r.backward else ""),
    ("saved_bytes", lambda r: r.saved_bytes if r.saved_bytes is not None else ""),
)


def report_rows(report: ModelReport, depth: int | None = None) -> tuple[list[str], list[list[Any]]]:
    """Header and rows (exact values) of the module table: down to `depth` then the whole model (depth 0) last,
    as the CSV has it; or, with no depth, every module in execution order after the whole model."""
    rows = list(report.layers) if depth is None else [*visible(report, depth), report.layers[0]]
    columns = LAYER_COLUMNS + (TRAINING_CSV if report.training is not None else ())
    return [h for h, _ in columns], [[get(row) for _, get in columns] for row in rows]


def report_csv(report: ModelReport, depth: int) -> str:
    return csv_text(*report_rows(report, depth))


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
    return pairs + training_pairs(report)


def constant_lines(report: ModelReport, most: int = 4, more: str = "…") -> list[str]:
    """The ops on constants: counted in the totals, as eager PyTorch runs them at every forward."""
    ops = report.constant_ops
    if not ops:
        return []
    macs, other = sum(c.costs.macs for c in ops), sum(c.costs.other_flops for c in ops)
    ranked = sorted(ops, key=lambda c: (-c.costs.macs, -c.costs.flops, c.op))
    names = [f"{c.op.removeprefix('aten.').removesuffix('.default')} ×{c.count} in {c.module}" for c in ranked]
    rest = f"; {more} {len(names) - most} more" if len(names) > most else ""
    return [f"ops on constants (tensors the forward makes from nothing), counted at every forward as eager PyTorch "
            f"runs them: {integer(macs)} MACs, {integer(other)} other FLOPs ({'; '.join(names[:most])}{rest})"]


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


#: How a list cut short ends in text outputs, and in terminal tables (where no "…" appears).
ELLIPSIS, MORE = "…", "and"


def io_lines(report: ModelReport, most: int = 6, more: str = ELLIPSIS) -> list[str]:
    """The inputs (and how they were chosen) and the outputs, by name."""
    lines = ["inputs: " + "; ".join(i.text() for i in report.inputs) +
             (f" ({report.input_note})" if report.input_note else "")]
    outs = [o.text() for o in report.outputs]
    rest = f"; {more} {len(outs) - most} more" if len(outs) > most else ""
    lines.append("outputs: " + ("; ".join(outs[:most]) + rest if outs else "none (no tensor in the output)"))
    return lines


def real_run_lines(report: ModelReport, most: int = 8, more: str = ELLIPSIS) -> list[str]:
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
        lines.append(f"  {more} {len(flows) - most} more data-dependent ops (see --format json)")
    worst = run.worst_case
    if worst is not None:
        limits = ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in worst.limits)
        lines.append(f"worst case at the model's limits ({limits}; every candidate kept by the score and NMS "
                     f"thresholds): {worst.counts.text()}: MACs {integer(worst.costs.macs)}, FLOPs "
                     f"{integer(worst.costs.flops)}")
    return lines


def build_lines(report: ModelReport) -> list[str]:
    """How the model was built, where it took more than the meta device."""
    built = report.built
    if built is None or built.way in ("meta", "given"):
        return []
    return [f"{built.text}: {built.why[0]}" if built.why else built.text]


def notes(report: ModelReport, more: str = ELLIPSIS) -> list[str]:
    """Every line shown under a model's totals, in order."""
    return [*build_lines(report), *io_lines(report, more=more), *real_run_lines(report, more=more),
            *training_lines(report), *constant_lines(report, more=more), *_uncounted_lines(report)]


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


#: The module table of `analyze`, by priority: what a module is and costs first; memory and receptive field after.
#: The type comes after the counts: where a detector's long type names leave no room for all six at 80 columns,
#: it goes before MACs and FLOPs do (the module's name already says which row it is).
REPORT_COLUMNS: tuple[Column, ...] = (
    Column("module", 1),
    Column("type", 6),
    Column("output", 2, "right", lambda s: shape(s) if s else "–"),
    number("params", 3),
    number("MACs", 4),
    number("FLOPs", 5),
    Column("out bytes", 11, "right", nbytes),
    Column("traffic", 8, "right", nbytes),
    Column("FLOP/B", 10, "right", lambda v: f"{v:.3g}"),
    Column("RF", 12, "right", lambda f: field_text(f) or "–"),
)
#: with a training step: each module's backward MACs and the bytes its forward kept for the backward
TRAINING_COLUMNS: tuple[Column, ...] = (
    number("bwd MACs", 7, header="backward MACs"),
    Column("kept", 9, "right", nbytes, header="kept for bwd"),
)


def report_table(report: ModelReport, depth: int) -> RenderableType:
    training = report.training is not None
    rows = [["  " * (row.depth - 1) + row.name.rsplit(".", 1)[-1] + (f" ×{row.calls}" if row.calls > 1 else ""),
             row.type, row.output_shape, row.params, row.macs, row.flops, row.output_bytes, row.costs.traffic_bytes,
             row.costs.intensity, row.receptive_field,
             *([row.backward.macs if row.backward else 0, row.saved_bytes or 0] if training else [])]
            for row in visible(report, depth)]
    table = FitTable(REPORT_COLUMNS + (TRAINING_COLUMNS if training else ()), rows, title=title(report))
    totals = FitTable((Column("total", style="bold"), Column("value", justify="right")), _totals_pairs(report),
                      boxed=False, show_header=False, indent=2, selectable=False)
    lines: list[RenderableType] = [
        Text(line, style="red" if line.startswith("UNCOUNTED") else "dim") for line in notes(report, MORE)]
    lines.append(Text(CONVENTION.short, style="dim"))
    return Group(table, Text(""), totals, Text(""), *lines)


def _entry_inputs(e: dict[str, Any]) -> str:
    return ", ".join(e["inputs"])


def _entry_macs(e: dict[str, Any]) -> str:
    return integer(e["macs"]) + (" *" if e.get("data_dependent") else "")


#: `cnncalc models`, by priority: which model and what it costs, then its task and input; the paper wraps.
MODELS_COLUMNS: tuple[Column, ...] = (
    Column("name", 1),
    Column("task", 4),
    Column("input", 5, wrap=True),  # several inputs break between shapes, never inside one
    number("params", 2),
    Column("MACs", 3, "right", _entry_macs, lambda e: si(e["macs"]) + (" *" if e.get("data_dependent") else "")),
    Column("paper", 6, wrap=True, fold=True, min_width=30, header="paper / description"),
)


def models_rows(entries: list[dict[str, Any]]) -> RenderableType:
    rows = [[e["name"], e["task"], _entry_inputs(e), e["params"], e, e["paper"]] for e in entries]
    table = FitTable(MODELS_COLUMNS, rows, title="models (MACs = multiply-accumulates at the default input)")
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


#: `cnncalc validate`, by priority: which check, its verdict and both numbers (never shortened: the digits that
#: differ are the point); the reconciliation wraps.
VALIDATE_COLUMNS: tuple[Column, ...] = (
    Column("model", 1),
    Column("tool", 2, wrap=True),
    Column("quantity", 3),
    Column("theirs", 5, "right"),
    Column("cnncalc", 6, "right", header="cnncalc's equivalent"),
    Column("status", 4, header=""),
    Column("reconciliation", 7, wrap=True, min_width=28),
)


def validations_table(results: list[Any]) -> RenderableType:
    rows = [[r.model if i == 0 else "", c.tool, c.quantity, c.value, c.expected, c.status.mark, c.note]
            for r in results for i, c in enumerate(r.checks)]
    table = FitTable(VALIDATE_COLUMNS, rows, title="cnncalc validate", lines=True)
    return Group(table, Text(CONVENTION.short, style="dim"))


def validation_rows(results: Sequence[Any]) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of validation checks, one row per (model, tool, quantity)."""
    rows = [[r.model, c.tool, c.quantity, c.value, c.expected, c.status.value, c.note] for r in results
            for c in r.checks]
    return ["model", "tool", "quantity", "value", "cnncalc_equivalent", "status", "note"], rows


def validations_text(results: list[Any], fmt: str) -> str:
    header, rows = validation_rows(results)
    if fmt == "csv":
        return csv_text(header, rows)
    return "\n".join(markdown_table(header, rows)) + "\n"
