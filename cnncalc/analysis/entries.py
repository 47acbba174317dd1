"""The catalogue's rows from live analyses: what `scripts/make_catalogue.py` writes into the shipped table, and
what the tests hold that table against; and the zoo's table for the README."""

from __future__ import annotations

from typing import Any


def live_entry(name: str, report: Any = None) -> dict[str, Any]:
    """One model's row, from a live analysis at its default inputs (the table's source of truth); `report`
    is that analysis when the caller has it already."""
    from cnncalc.analysis.analyze import analyze
    from cnncalc.modelzoo.sources import load_model
    from cnncalc.modelzoo.zoo import ZOO

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
    from cnncalc.modelzoo.zoo import ZOO

    lines = ["| model | input | params | MACs | what | paper |", "|---|---|---:|---:|---|---|"]
    for name, entry in ZOO.items():
        report = analyze(name)
        lines.append(f"| `{name}` | {'×'.join(map(str, entry.input_shape))} | {report.total.params:,} | "
                     f"{report.total.macs:,} | {entry.summary} | {entry.paper} |")
    return "\n".join(lines) + "\n"
