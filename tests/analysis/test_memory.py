"""Peak live activations (cnncalc/analysis/memory.py) by hand, and against torch's MemTracker on a real forward
(tests/helpers/memtrack.py's `measure_inference`): the caller's input stays live through the forward."""

from __future__ import annotations

import other_packages as op
import pytest
import torch
from memtrack import measure_inference
from torch import nn

import cnncalc
from cnncalc.analysis.analyze import analyze


def test_peak_live_activations_by_hand() -> None:
    model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1, bias=False), nn.ReLU(), nn.Conv2d(8, 2, 3, padding=1))
    r = analyze(model, (1, 1, 10, 10))
    # float32: input 100·4 = 400 B; conv1 out 800 el = 3,200 B; relu out 3,200 B (the input is still held by
    # the caller); at the relu both conv1's output and the relu's are live: 400 + 3,200 + 3,200 = 6,800 B
    assert r.total.peak_activation_bytes == 6_800


# the caller's input stays live through the forward ---------------------------------------------------------------
def test_slicing_model_peak_equals_memtracker() -> None:
    model = op.SliceInput().eval()
    x = torch.rand(2, 3, 64, 64)
    report = cnncalc.analyze(model, inputs=[x])
    # input 2·3·64·64·4 = 98,304 B, alive throughout; three scaled slices of 32,768 B each, then their concat,
    # 98,304 B: 294,912 B at the concat; MemTracker adds the 3-element parameter (12 B)
    assert report.total.peak_activation_bytes == 294_912
    assert measure_inference(model, x) == 294_912 + 12


@pytest.mark.slow
def test_googlenet_as_released_peak_equals_memtracker() -> None:
    from cnncalc.modelzoo.sources import load_model

    model = load_model("googlenet").real()
    assert model.transform_input  # as released: the input is re-normalised channel by channel first
    x = torch.rand(2, 3, 224, 224)
    report = cnncalc.analyze("googlenet", batch=2)
    measured = measure_inference(model, x)
    resident = report.total.param_bytes + sum(b.untyped_storage().nbytes() for b in model.buffers())
    assert report.total.peak_activation_bytes + resident == measured
