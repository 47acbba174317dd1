"""The element-wise formulas (cnncalc/formulas/elementwise.py): pixel shuffle against the real ops' output shape
and element counts (a permuted copy, no arithmetic), and the same shape traced."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import cnncalc
from cnncalc.formulas import elementwise as elem_f


@pytest.mark.parametrize("inverse", [False, True])
def test_pixel_shuffle_against_the_real_op(inverse: bool) -> None:
    """PixelShuffle(2) takes (1, 8, 3, 5) to (1, 2, 6, 10), PixelUnshuffle(2) back: shape and element counts as
    the real ops' output; a permuted copy, no arithmetic. Traced, the same shape."""
    x = torch.randn(1, 2, 6, 10) if inverse else torch.randn(1, 8, 3, 5)
    module = nn.PixelUnshuffle(2) if inverse else nn.PixelShuffle(2)
    real = module(x)
    cost = elem_f.pixel_shuffle(tuple(x.shape), 2, inverse)
    assert cost.output_shape == tuple(real.shape)
    assert (cost.inputs, cost.outputs, cost.flops) == (x.numel(), real.numel(), 0)
    assert cnncalc.analyze(nn.Sequential(module), tuple(x.shape)).total.output_shape == tuple(real.shape)


@pytest.mark.parametrize("inverse", [False, True])
def test_pixel_shuffle_by_one_is_a_copy(inverse: bool) -> None:
    """PixelShuffle(1) and PixelUnshuffle(1) are accepted by PyTorch and leave the shape as it is: the formula
    and the traced op give the real output's shape, and move every element once."""
    x = torch.randn(1, 3, 4, 5)
    module = nn.PixelUnshuffle(1) if inverse else nn.PixelShuffle(1)
    real = module(x)
    cost = elem_f.pixel_shuffle(tuple(x.shape), 1, inverse)
    assert cost.output_shape == tuple(real.shape) == (1, 3, 4, 5)
    assert (cost.inputs, cost.outputs, cost.flops) == (x.numel(), real.numel(), 0)
    assert cnncalc.analyze(nn.Sequential(module), tuple(x.shape)).total.output_shape == tuple(real.shape)
