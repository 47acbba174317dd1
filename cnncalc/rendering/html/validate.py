"""The display values of a validation page (templates/validate.html): a figure per model, a table of the models and
each independent check beside cnncalc's figure."""

from __future__ import annotations

from cnncalc.analysis.checks import Status, Validation, Validations
from cnncalc.numbers import integer
from cnncalc.rendering.html import format as fmt
from cnncalc.rendering.html.tables import Figure, Row, Table, col, table, text_col

CHECK_COLUMNS = (
    text_col("quantity", "quantity"),
    col("value", "theirs"),
    col("expected", "cnncalc's equivalent"),
    text_col("verdict", "agrees"),
    text_col("note", "reconciliation"),
)

MODEL_COLUMNS = (
    text_col("input", "input"),
    col("params", "params (cnncalc)"),
    col("macs", "MACs (cnncalc)"),
    col("checks", "checks"),
    text_col("verdict", "agrees"),
)


def names(results: Validations) -> str:
    return ", ".join(v.model for v in results.results)


def mark(ok: bool) -> str:
    return "✓" if ok else "✗"


def figures(results: Validations) -> list[Figure]:
    vs = results.results
    agree = sum(1 for v in vs if v.ok)
    figs = [Figure("models", "models", f"{agree} / {len(vs)} agree",
                   ", ".join(v.model for v in vs if not v.ok) or "every check reconciles")]
    if len(vs) <= 4:
        figs += [Figure(f"model-{i}", v.model, integer(v.params), f"params · {integer(v.macs)} MACs · {mark(v.ok)}")
                 for i, v in enumerate(vs)]
    return figs


def models(results: Validations) -> Table:
    rows = [Row(f"v{i}", v.model, {"input": fmt.dims(v.input_shape), "params": v.params, "macs": v.macs,
                                   "checks": len(v.checks), "verdict": mark(v.ok)}, cls="" if v.ok else "bad")
            for i, v in enumerate(results.results)]
    return table("models-table", "model", MODEL_COLUMNS, rows)


def head(v: Validation) -> str:
    return f"input {fmt.dims(v.input_shape)}; cnncalc: {integer(v.params)} params, {integer(v.macs)} MACs"


def checks(v: Validation, index: int) -> Table:
    rows = [Row(f"c{j}", c.tool, {"quantity": c.quantity, "value": c.value, "expected": c.expected,
                                  "verdict": c.status.mark, "note": c.note},
                cls="bad" if c.status is Status.differs else "") for j, c in enumerate(v.checks)]
    return table(f"checks-{index}", "tool", CHECK_COLUMNS, rows)
