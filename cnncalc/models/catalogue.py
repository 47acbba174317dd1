"""The model catalogue: every zoo model and torchvision classification model, with its cost."""

from __future__ import annotations

from typing import Any

from cnncalc.models.sources import load_model, torchvision_names
from cnncalc.models.zoo import ZOO


def every_model() -> list[str]:
    return [*ZOO, *torchvision_names()]


def catalogue() -> list[dict[str, Any]]:
    """Name, source, default input, params and MACs (from a meta-device trace), paper or description."""
    from cnncalc.analysis.analyze import analyze_module

    entries = []
    for name in every_model():
        loaded = load_model(name)
        report = analyze_module(loaded.module, loaded.input_shape, name, copy=False)
        entry = ZOO.get(name)
        entries.append({
            "name": name, "source": loaded.source, "input": "x".join(map(str, loaded.input_shape)),
            "params": report.total.params, "macs": report.total.macs,
            "paper": entry.paper if entry else f"torchvision.models.{name}",
        })
    return entries



def zoo_markdown() -> str:
    """The zoo as a Markdown table: name, default input, params, MACs, paper (for the README)."""
    from cnncalc.analysis.analyze import analyze_module

    lines = ["| model | input | params | MACs | what | paper |", "|---|---|---:|---:|---|---|"]
    for name, entry in ZOO.items():
        loaded = load_model(name)
        report = analyze_module(loaded.module, loaded.input_shape, name, copy=False)
        lines.append(f"| `{name}` | {'×'.join(map(str, entry.input_shape))} | {report.total.params:,} | "
                     f"{report.total.macs:,} | {entry.summary} | {entry.paper} |")
    return "\n".join(lines) + "\n"
