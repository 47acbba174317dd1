"""Deformable convolution's cost, proven against a plain-torch reference implementation.

`reference_deform_conv2d` computes what torchvision.ops.deform_conv2d computes, written with ordinary
element-wise torch ops and one matmul. An `ArithmeticCounter` (a dispatch mode, independent of cnncalc)
counts every floating-point arithmetic op it runs, element by element, and the matmul's MACs. The test
checks (1) the reference gives torchvision's output, and (2) its counts equal cnncalc's formula.
"""

from __future__ import annotations

from typing import Any

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.utils._python_dispatch import TorchDispatchMode
from torchvision.ops import deform_conv2d

from cnncalc.errors import CnncalcError
from cnncalc.formulas.deform import deform_conv2d as deform_formula

aten = torch.ops.aten
#: One FLOP per output element.
ELEMENTWISE = {aten.add.Tensor, aten.add.Scalar, aten.sub.Tensor, aten.sub.Scalar, aten.rsub.Scalar,
               aten.rsub.Tensor, aten.mul.Tensor, aten.mul.Scalar, aten.floor.default}
#: Ops that move or index data without floating-point arithmetic.
MOVEMENT = {"view", "_unsafe_view", "expand", "clone", "_to_copy", "gather", "slice", "select", "permute",
            "transpose", "unsqueeze", "reshape", "constant_pad_nd", "clamp", "index", "detach", "alias",
            "squeeze", "split", "contiguous", "copy_", "empty_like", "t", "lift_fresh"}


class ArithmeticCounter(TorchDispatchMode):
    def __init__(self) -> None:
        super().__init__()
        self.flops = 0
        self.macs = 0
        self.unexpected: set[str] = set()

    def __torch_dispatch__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        out = func(*args, **(kwargs or {}))
        if func in ELEMENTWISE:
            if out.is_floating_point():
                self.flops += out.numel()
        elif func in (aten.mm.default, aten.bmm.default):
            a, b = args[0], args[1]
            self.macs += a.numel() * b.shape[-1]  # (B·)M·K times N
        elif func._overloadpacket.__name__.rstrip("_") not in MOVEMENT and (
                not isinstance(out, torch.Tensor) or out.is_floating_point()):
            self.unexpected.add(str(func))
        return out


def sampling_grid(kernel: tuple[int, int], stride: tuple[int, int], padding: tuple[int, int],
                  dilation: tuple[int, int], out_hw: tuple[int, int]) -> tuple[torch.Tensor, torch.Tensor]:
    """Where each tap of each output samples before the offsets: index arithmetic, made outside the count."""
    kh, kw = kernel
    ho, wo = out_hw
    ky = torch.arange(kh).repeat_interleave(kw) * dilation[0]
    kx = torch.arange(kw).repeat(kh) * dilation[1]
    base_y = (torch.arange(ho) * stride[0] - padding[0]).view(1, 1, 1, ho, 1) + ky.view(1, 1, -1, 1, 1)
    base_x = (torch.arange(wo) * stride[1] - padding[1]).view(1, 1, 1, 1, wo) + kx.view(1, 1, -1, 1, 1)
    return base_y.double(), base_x.double()


def reference_deform_conv2d(x: torch.Tensor, offset: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None,
                            mask: torch.Tensor | None, grid: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
    n, cin, h, w = x.shape
    cout, cpg, kh, kw = weight.shape
    taps = kh * kw
    ho, wo = offset.shape[-2:]
    og = offset.shape[1] // (2 * taps)
    groups = cin // cpg
    off = offset.view(n, og, taps, 2, ho, wo)
    py = grid[0] + off[:, :, :, 0]                      # 2 adds per sample point
    px = grid[1] + off[:, :, :, 1]
    y0, x0 = torch.floor(py), torch.floor(px)           # 2 floors
    ly, lx = py - y0, px - x0                           # 2 subtractions
    hy, hx = 1 - ly, 1 - lx                             # 2 subtractions
    corners = [hy * hx, hy * lx, ly * hx, ly * lx]      # 4 multiplies
    if mask is not None:                                # v2: 4 multiplies by the mask
        m = mask.view(n, og, taps, ho, wo)
        corners = [c * m for c in corners]
    # gather the four neighbours from a zero-bordered copy; indices clamped into the border read zero
    padded = torch.nn.functional.pad(x, (1, 1, 1, 1)).view(n, og, cin // og, (h + 2) * (w + 2))
    yi, xi = y0.long(), x0.long()
    value = None
    for (dy, dx), weight_c in zip(((0, 0), (0, 1), (1, 0), (1, 1)), corners, strict=True):
        yy = torch.clamp(yi + dy, -1, h) + 1
        xx = torch.clamp(xi + dx, -1, w) + 1
        flat = (yy * (w + 2) + xx).view(n, og, 1, -1).expand(-1, -1, cin // og, -1)
        v = torch.gather(padded, 3, flat).view(n, og, cin // og, taps, ho, wo)
        term = weight_c.unsqueeze(2) * v                # 4 multiplies per sampled value
        value = term if value is None else value + term  # 3 adds
    assert value is not None
    columns = value.reshape(n, groups, cpg * taps, ho * wo)
    out = torch.matmul(weight.view(groups, cout // groups, cpg * taps), columns)
    out = out.reshape(n, cout, ho, wo)
    return out if bias is None else out + bias.view(1, cout, 1, 1)


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
