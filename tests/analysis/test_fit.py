"""`fit` (cnncalc/analysis/fit.py): the largest batch that fits a memory budget, checked by measuring real training
steps with torch's MemTracker (tests/helpers/memtrack.py); its search on a curve known in closed form; budgets
parsed as written by hand."""

from __future__ import annotations

import re

import pytest
import torch
import torchvision
from memtrack import measure_training_step, optimizer_kwargs

from cnncalc.analysis.fit import fit, parse_bytes, search
from cnncalc.errors import CnncalcError


def test_fit_against_measurement() -> None:
    """The batch fit picks fits and the next one up does not, measured by MemTracker on real steps."""
    model = torchvision.models.resnet18(num_classes=10)
    budget = 230 * 2**20
    r = fit(model, budget, optimizer="adam", inputs=[(1, 3, 32, 32)])
    assert r.max_batch > 1 and r.at is not None
    foreach = optimizer_kwargs("adam", True)  # fit's default, as on CUDA
    at = measure_training_step(model, [torch.rand(r.max_batch, 3, 32, 32)], optimizer="adam",
                               optimizer_kwargs=foreach)
    above = measure_training_step(model, [torch.rand(r.max_batch + 1, 3, 32, 32)], optimizer="adam",
                                  optimizer_kwargs=foreach)
    assert at.peak_bytes <= budget < above.peak_bytes
    assert (r.at.peak_bytes, r.next.peak_bytes) == (at.peak_bytes, above.peak_bytes)


def test_fit_search_on_a_bent_curve() -> None:
    """The search on a convex peak made of two lines (a phase taking over at 40): exact, and short."""
    def peaks(b: int) -> dict[str, int]:
        return {"backward": 1_000 + 30 * b, "optimizer": 2_000 + 5 * b if b < 40 else 900 + 50 * b}

    for budget in (2_004, 2_600, 5_000, 100_000):
        best, tried = search(peaks, budget)
        assert max(peaks(best).values()) <= budget < max(peaks(best + 1).values())
        assert len(tried) <= 10
    assert search(peaks, 1_000)[0] == 0


def test_parse_bytes() -> None:
    assert parse_bytes("24GiB") == 24 * 2**30 == parse_bytes("24G")
    assert parse_bytes("16GB") == 16 * 10**9
    assert parse_bytes("1.5MiB") == 1_572_864
    # the accepted forms: 24GB = 24·10⁹ = 24000MB = 24e9 bytes
    assert parse_bytes("24000MB") == parse_bytes("24e9") == 24_000_000_000 == parse_bytes("2.4E10B")
    for bad in ("abc", "0", "-1GiB", "-24e9", "1e", "e9"):
        with pytest.raises(CnncalcError, match=re.escape(repr(bad))):
            parse_bytes(bad)
