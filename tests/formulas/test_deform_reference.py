"""Deformable convolution's cost, proven against a plain-torch reference implementation.

`reference_deform_conv2d` (tests/helpers/deform_reference.py) computes what torchvision.ops.deform_conv2d computes,
written with ordinary element-wise torch ops and one matmul. An `ArithmeticCounter` (a dispatch mode, independent of
cnncalc) counts every floating-point arithmetic op it runs, element by element, and the matmul's MACs. The test
checks (1) the reference gives torchvision's output, and (2) its counts equal cnncalc's formula; and the output
size at a non-square dilation against torchvision's deform_conv2d.
"""

from __future__ import annotations

import pytest
import torch
import torchvision
from deform_reference import ArithmeticCounter, reference_deform_conv2d, sampling_grid
from hypothesis import given, settings
from hypothesis import strategies as st
from torchvision.ops import deform_conv2d

from cnncalc.errors import CnncalcError
from cnncalc.formulas import deform as deform_f
from cnncalc.formulas.deform import deform_conv2d as deform_formula


def check(n: int, cin: int, cout: int, size: int, k: int, stride: int, pad: int, dil: int, groups: int, og: int,
          bias: bool, modulated: bool) -> None:
    kernel, s, p, d = (k, k), (stride, stride), (pad, pad), (dil, dil)
    try:
        cost = deform_formula((n, cin, size, size), cout, kernel, s, p, d, groups, og, bias, modulated)
    except CnncalcError:
        return  # an impossible configuration (checked to match PyTorch elsewhere)
    ho, wo = cost.output_shape[2:]
    gen = torch.Generator().manual_seed(n * 1000 + cin * 100 + size)
    x = torch.randn(n, cin, size, size, generator=gen, dtype=torch.double)
    offset = 2 * torch.randn(n, 2 * og * k * k, ho, wo, generator=gen, dtype=torch.double)
    weight = torch.randn(cout, cin // groups, k, k, generator=gen, dtype=torch.double)
    b = torch.randn(cout, generator=gen, dtype=torch.double) if bias else None
    mask = torch.rand(n, og * k * k, ho, wo, generator=gen, dtype=torch.double) if modulated else None
    grid = sampling_grid(kernel, s, p, d, (ho, wo))

    with ArithmeticCounter() as counter:
        out = reference_deform_conv2d(x, offset, weight, b, mask, grid)
    expected = deform_conv2d(x, offset, weight, b, s, p, d, mask)
    torch.testing.assert_close(out, expected, rtol=1e-9, atol=1e-9)
    assert not counter.unexpected, f"uncounted ops in the reference: {counter.unexpected}"
    assert counter.macs == cost.macs
    assert counter.flops == cost.other_flops


def test_dcn_v1_hand_case() -> None:
    # 1×2×5×5 input, 3×3 kernel, 2→3 channels, stride 1, pad 1: 5×5 output, 9 taps
    cost = deform_formula((1, 2, 5, 5), 3, (3, 3), (1, 1), (1, 1))
    # points 1·1·9·25 = 225, values 1·2·9·25 = 450: 12·225 + 7·450 = 2,700 + 3,150 = 5,850
    assert cost.other_flops == 5_850
    # conv: 3·3·2·3 = 54 weights · 25 positions = 1,350
    assert cost.macs == 1_350
    check(1, 2, 3, 5, 3, 1, 1, 1, 1, 1, bias=False, modulated=False)


@pytest.mark.parametrize("modulated", [False, True])
@pytest.mark.parametrize("bias", [False, True])
def test_reference_agrees_with_torchvision_and_formula(bias: bool, modulated: bool) -> None:
    check(2, 4, 6, 7, 3, 2, 1, 1, 2, 2, bias, modulated)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 2), cin=st.sampled_from([1, 2, 4, 6]), cout=st.sampled_from([1, 2, 3, 4]),
       size=st.integers(3, 9), k=st.integers(1, 4), stride=st.integers(1, 3), pad=st.integers(0, 2),
       dil=st.integers(1, 2), groups=st.sampled_from([1, 2]), og=st.sampled_from([1, 2]), bias=st.booleans(),
       modulated=st.booleans())
def test_reference_random_configurations(n: int, cin: int, cout: int, size: int, k: int, stride: int, pad: int,
                                         dil: int, groups: int, og: int, bias: bool, modulated: bool) -> None:
    check(n, cin, cout, size, k, stride, pad, dil, groups, og, bias, modulated)


def test_deform_conv_output_with_non_square_dilation() -> None:
    """The deformable conv's output size takes each axis's own dilation: torchvision.ops.deform_conv2d with a
    3×3 kernel dilated (2, 1) on 9×7, no padding: 9 − 2·2 = 5 by 7 − 2 = 5; dilated (1, 2): 7 by 3."""
    x = torch.randn(1, 2, 9, 7)
    weight = torch.randn(4, 2, 3, 3)
    for dilation, expected in (((2, 1), (5, 5)), ((1, 2), (7, 3))):
        offset = torch.zeros(1, 18, *expected)
        real = torchvision.ops.deform_conv2d(x, offset, weight, dilation=dilation)
        cost = deform_f.deform_conv2d(tuple(x.shape), 4, (3, 3), dilation=dilation)
        assert cost.output_shape == tuple(real.shape) == (1, 4, *expected)
