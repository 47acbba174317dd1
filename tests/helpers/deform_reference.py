"""Deformable convolution in plain torch, and a counter of the arithmetic it runs: the reference that
tests/formulas/test_deform_reference.py and test_deform_backward.py hold cnncalc's formulas against.

`reference_deform_conv2d` computes what torchvision.ops.deform_conv2d computes, written with ordinary element-wise
torch ops and one matmul; `sampling_grid` is where each tap samples before the offsets. An `ArithmeticCounter` (a
dispatch mode, independent of cnncalc) counts every floating-point arithmetic op run inside it, element by element,
and the MACs of matrix products.
"""

from __future__ import annotations

from typing import Any

import torch
from torch.utils._python_dispatch import TorchDispatchMode

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
