"""docs/agreement.md cannot drift: the FlopCounterMode and fvcore columns are recomputed here, and every one
of their differences from cnncalc must be reconciled by a named rule."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("agreement", ROOT / "benchmarks" / "agreement.py")
assert spec is not None and spec.loader is not None
agreement = importlib.util.module_from_spec(spec)
spec.loader.exec_module(agreement)
DOC = json.loads((ROOT / "docs" / "agreement.json").read_text(encoding="utf-8"))
CI_TOOLS = ["FlopCounterMode", "fvcore"]


def test_document_is_current_for_the_tools_ci_has() -> None:
    fresh = agreement.measure(CI_TOOLS)
    documented = {row["probe"]: row for row in DOC["rows"]}
    assert [row["probe"] for row in fresh["rows"]] == list(documented)
    for row in fresh["rows"]:
        doc_row = documented[row["probe"]]
        assert row["cnncalc"] == doc_row["cnncalc"], row["probe"]
        for tool in CI_TOOLS:
            assert row["tools"][tool] == doc_row["tools"][tool], (row["probe"], tool)


@pytest.mark.parametrize("tool", CI_TOOLS)
def test_every_difference_is_explained(tool: str) -> None:
    for row in DOC["rows"]:
        assert row["tools"][tool]["why"] not in ("unexplained", "failed"), (row["probe"], row["tools"][tool])


def test_markdown_matches_json() -> None:
    text = (ROOT / "docs" / "agreement.md").read_text(encoding="utf-8")
    for row in DOC["rows"]:
        assert f"**{row['probe']}**" in text
        for cell in row["tools"].values():
            assert f"*{cell['why']}*" in text


def test_explain_rules_by_hand() -> None:
    parts = {"macs": 100, "other": 10, "deform_macs": 40, "attention_core": 0, "pool": 0, "bn": 0,
             "interp_out": 0, "pooled_out": 0, "pool_in": 0, "activation": 10, "conv_bias": 0, "in_positions": 4,
             "out_positions": 16, "flops": 210}
    assert agreement.explain(100, parts) == "agrees: MACs"
    assert agreement.explain(200, parts) == "FLOPs = 2 × MACs; other arithmetic not counted"
    assert agreement.explain(60, parts) == "skips deform_conv2d: counts only the offset conv"
    assert agreement.explain(400, parts).startswith("counts a transposed conv over its output")
    assert agreement.explain(130, parts) == "3 per activation element (cnncalc: 1)"
    assert agreement.explain(12_345, parts) == "unexplained"
