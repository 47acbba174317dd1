"""The sampling formulas (cnncalc/formulas/sample.py): grid_sample and interpolation against the real ops'
outputs and FLOPs worked out by hand from the module's docstring, and refusals that name the value at fault."""

from __future__ import annotations

import re
from typing import Any

import pytest
import torch
from torch import nn
from torch.nn import functional as F

import cnncalc
from cnncalc.errors import CnncalcError
from cnncalc.formulas import sample as sample_f


class _GridSample(nn.Module):
    def __init__(self, mode: str) -> None:
        super().__init__()
        self.mode = mode

    def forward(self, x: torch.Tensor, grid: torch.Tensor) -> torch.Tensor:
        return F.grid_sample(x, grid, mode=self.mode, align_corners=False)


@pytest.mark.parametrize(("mode", "flops"), [
    # 2·4·5 = 40 points, 40·3 = 120 values. Bilinear (sample.py's docstring): per point 3·2 to unnormalise, 3·2
    # floor/fraction/complement, 4 weights = 16; per value 4 multiplies + 3 adds = 7: 16·40 + 7·120 = 1,480
    ("bilinear", 1480),
    # nearest: 3·2 to unnormalise + 2 roundings = 8 per point, a copy per value: 8·40 = 320
    ("nearest", 320),
])
def test_grid_sample_against_the_real_op(mode: str, flops: int) -> None:
    """F.grid_sample of (2, 3, 6, 6) at a (2, 4, 5, 2) grid: output shape as the real op, FLOPs by hand, reads
    the input and the grid, writes the output; traced, the same."""
    x, grid = torch.randn(2, 3, 6, 6), torch.rand(2, 4, 5, 2) * 2 - 1
    real = F.grid_sample(x, grid, mode=mode, align_corners=False)
    cost = sample_f.grid_sample(tuple(x.shape), tuple(grid.shape), mode)
    assert cost.kind.value == "grid_sample"
    assert cost.output_shape == tuple(real.shape) == (2, 3, 4, 5)
    assert (cost.other_flops, cost.inputs, cost.outputs) == (flops, x.numel() + grid.numel(), real.numel())
    report = cnncalc.analyze(_GridSample(mode), inputs=[tuple(x.shape), tuple(grid.shape)])
    assert (report.total.output_shape, report.total.flops) == (tuple(real.shape), flops)


def test_bilinear_interpolation_counts_by_hand() -> None:
    """1×2×4×5 → 1×2×8×10 bilinear: 4 multiplies + 3 adds = 7 FLOPs per output element, 160 elements: 1,120.
    Bilinear on a 3-D map is refused, as F.interpolate refuses it."""
    cost = sample_f.interpolate((1, 2, 4, 5), (1, 2, 8, 10), "bilinear")
    assert (cost.other_flops, cost.outputs, cost.inputs) == (1120, 160, 40)
    with pytest.raises(NotImplementedError):
        F.interpolate(torch.randn(1, 2, 4, 5, 6), size=(8, 10, 12), mode="bilinear")
    with pytest.raises(CnncalcError, match="bilinear interpolation works on 2-D maps"):
        sample_f.interpolate((1, 2, 4, 5, 6), (1, 2, 8, 10, 12), "bilinear")


@pytest.mark.parametrize(("call", "words"), [
    (lambda: sample_f.nms(3, 4, 1), "nms of 3 boxes cannot compare 4 pairs"),  # at most 3·2/2 = 3 pairs
    (lambda: sample_f.nms(3, 0, 4), "or keep 4"),
])
def test_errors_name_the_value_at_fault(call: Any, words: str) -> None:
    """A refused configuration says which option or axis is at fault, in the words the user typed."""
    with pytest.raises(CnncalcError, match=re.escape(words)):
        call()
