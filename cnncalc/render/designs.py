"""The catalogue of layer designs, rendered (for `cnncalc designs` and the README)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from cnncalc.layers.registry import Preset
from cnncalc.render.fit import Column, FitTable


def _extras(p: Preset) -> str:
    return ", ".join(f"{k}={default}" for k, (default, _) in p.extras.items())


def design_dict(p: Preset) -> dict[str, Any]:
    return {"name": p.name, "aliases": list(p.aliases), "title": p.title, "idea": list(p.idea),
            "formulas": dict(p.symbolic),
            "options": {k: {"default": d, "meaning": m} for k, (d, m) in p.extras.items()},
            "counterpart": p.counterpart, "paper": p.paper}


def designs_json(presets: Sequence[Preset]) -> str:
    return json.dumps([design_dict(p) for p in presets], indent=2, ensure_ascii=False)


def designs_markdown(presets: Sequence[Preset]) -> str:
    lines = ["| design | aliases | params | MACs | spec keys | paper |", "|---|---|---|---|---|---|"]
    for p in presets:
        cells = [f"`{p.name}`", ", ".join(f"`{a}`" for a in p.aliases), p.symbolic.get("params", ""),
                 p.symbolic.get("MACs", ""), _extras(p), p.paper]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


#: `cnncalc designs`, by priority: the design and what it is, then its formulas; everything but names wraps.
DESIGN_COLUMNS: tuple[Column, ...] = (
    Column("design", 1, wrap=True),  # aliases break between names, never inside one
    Column("what it is", 2, wrap=True, min_width=16),
    Column("params", 3, wrap=True, min_width=18),
    Column("MACs", 4, wrap=True, min_width=18),
    Column("spec keys", 5, wrap=True),
)


def designs_table(presets: Sequence[Preset]) -> FitTable:
    rows = [[p.name + (f"\n({', '.join(p.aliases)})" if p.aliases else ""), p.title, p.symbolic.get("params", ""),
             p.symbolic.get("MACs", ""), _extras(p)] for p in presets]
    return FitTable(DESIGN_COLUMNS, rows, title="layer designs (MACs = multiply-accumulates)", lines=True)
