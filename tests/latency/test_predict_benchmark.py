"""benchmarks/predict.py's reading of the machine's drift: the readings joined between models, and the line that
scales the predictions by them."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("predict_benchmark", ROOT / "benchmarks" / "predict.py")
assert spec is not None and spec.loader is not None
bench = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = bench  # dataclasses look their module up there
spec.loader.exec_module(bench)


def row(name: str, measured: float, predicted: float, drift: float | None = None) -> object:
    return bench.Row(name, 1, measured, 0.01, predicted, predicted / 3, int(measured * 1e8), False, drift)


def test_readings_are_joined_linearly_and_end_at_the_last_check() -> None:
    # readings 1.0 before the first model and 1.2 before the third; 1.4 after the fourth: the second model lies
    # half-way between 1.0 and 1.2 (1.1), the fourth half-way between 1.2 and 1.4 (1.3)
    rows = [row("a", 10, 10, 1.0), row("b", 10, 10), row("c", 10, 10, 1.2), row("d", 10, 10)]
    assert bench.drift_factors(rows, 1.4) == pytest.approx([1.0, 1.1, 1.2, 1.3])
    # no check after the run: the last reading holds
    assert bench.drift_factors(rows, None) == pytest.approx([1.0, 1.1, 1.2, 1.2])
    assert bench.drift_factors([row("a", 10, 10)], None) is None


def test_the_adjusted_line_scales_each_prediction_by_its_factor() -> None:
    # predicted 10 ms, measured 11 ms: −9.1% as predicted; the device 1.1× slower than at calibration: exact
    rows = [row("a", 11, 10), row("b", 20, 20), row("c", 9, 10)]
    stats = bench.summary(rows, [1.1, 1.0, 0.9])
    assert stats["cnncalc predict"]["within_5"] == pytest.approx(1 / 3)
    assert stats[bench.ADJUSTED]["within_5"] == 1.0 and stats[bench.ADJUSTED]["median"] == pytest.approx(0.0)
    assert bench.ADJUSTED not in bench.summary(rows)
