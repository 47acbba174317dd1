"""The model catalogue: every zoo model and every torchvision model of every task, with its cost.

`cnncalc models` reads the table that ships with the package (catalogue.json: no torch, no tracing, so
it answers in well under a second). `scripts/make_catalogue.py` writes that table from live analyses
(`live_entry`), and a test holds the shipped table against them, as torchvision's tests hold its weights'
metadata against the built models.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from cnncalc.errors import CnncalcError

TABLE = Path(__file__).with_name("catalogue.json")
TASKS = ("classification", "detection", "segmentation", "video", "optical_flow", "zoo")


@cache
def _table() -> tuple[dict[str, Any], ...]:
    try:
        return tuple(json.loads(TABLE.read_text(encoding="utf-8"))["models"])
    except (OSError, ValueError, KeyError) as err:
        raise CnncalcError(f"the model table {TABLE} is missing or damaged ({err}): reinstall cnncalc, or "
                           f"regenerate it with scripts/make_catalogue.py") from None


def shipped(name: str) -> dict[str, Any]:
    """The shipped table's row of one model."""
    for entry in _table():
        if entry["name"] == name:
            return dict(entry)
    raise KeyError(name)


def catalogue(tasks: list[str] | None = None) -> list[dict[str, Any]]:
    """Name, task, source, default inputs, params, MACs, FLOPs and paper of every model (or of `tasks`)."""
    for task in tasks or ():
        if task not in TASKS:
            raise CnncalcError(f"unknown task {task!r}: accepted are {', '.join(TASKS)}")
    return [dict(e) for e in _table() if not tasks or e["task"] in tasks]


def every_model(tasks: list[str] | None = None) -> list[str]:
    return [e["name"] for e in catalogue(tasks)]


def live_entry(name: str, report: Any = None) -> dict[str, Any]:
    """One model's row, from a live analysis at its default inputs (the table's source of truth); `report`
    is that analysis when the caller has it already."""
    from cnncalc.analysis.analyze import analyze
    from cnncalc.models.sources import load_model
    from cnncalc.models.zoo import ZOO

    loaded = load_model(name)
    report = report if report is not None else analyze(name)
    entry = ZOO.get(name)
    real = report.real_run
    row: dict[str, Any] = {
        "name": name, "task": loaded.task or "classification", "source": loaded.source,
        "inputs": [i.text() for i in loaded.inputs], "params": report.total.params, "macs": report.total.macs,
        "flops": report.total.flops,
        "paper": entry.paper if entry else f"torchvision.models.{name}",
        "data_dependent": real is not None,
    }
    if real is not None and real.worst_case is not None:
        row["worst_case_macs"] = real.worst_case.costs.macs
    return row


def zoo_markdown() -> str:
    """The zoo as a Markdown table: name, default input, params, MACs, paper (for the README)."""
    from cnncalc.analysis.analyze import analyze
    from cnncalc.models.zoo import ZOO

    lines = ["| model | input | params | MACs | what | paper |", "|---|---|---:|---:|---|---|"]
    for name, entry in ZOO.items():
        report = analyze(name)
        lines.append(f"| `{name}` | {'×'.join(map(str, entry.input_shape))} | {report.total.params:,} | "
                     f"{report.total.macs:,} | {entry.summary} | {entry.paper} |")
    return "\n".join(lines) + "\n"
