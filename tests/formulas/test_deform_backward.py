"""Deformable convolution's backward cost, proven against a plain-torch reference implementation.

`reference_backward` computes what torchvision's `_deform_conv2d_backward` computes, in the passes of its CPU
kernel (torchvision/csrc/ops/cpu/deform_conv2d_kernel.cpp): the column gradient weightᵀ·grad_out; the offset
(and mask) gradients from the derivatives of the bilinear interpolation; col2im, scattering each column
gradient onto its four neighbours with explicit index_add; the columns sampled again and grad_out·columnsᵀ
for the weight gradient; grad_out summed per channel for the bias gradient. Every pass computes its per-point
quantities once, shared by the channels of the offset group, as the forward's reference does. The counter of
tests/helpers/deform_reference.py (a dispatch mode, independent of cnncalc) counts its ops element by element.
The test checks (1) the reference's gradients are torch.autograd's through torchvision.ops.deform_conv2d, and
(2) its counts, pass by pass, equal cnncalc's formula.

Neighbours outside the image are handled as the forward's reference handles them: reads come from a copy of
the image with a zero border and indices clamped into the border, and col2im scatters into a gradient with
the same border, cropped afterwards; so every neighbour is counted, inside or not. A non-square kernel's
backward is checked by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import torch
from deform_reference import ArithmeticCounter, sampling_grid
from hypothesis import given, settings
from hypothesis import strategies as st
from torchvision.ops import deform_conv2d

from cnncalc.errors import CnncalcError
from cnncalc.formulas import deform as deform_f
from cnncalc.formulas.deform import deform_conv2d as forward_formula
from cnncalc.formulas.deform import deform_conv2d_backward as backward_formula

aten = torch.ops.aten
#: ops that make buffers or assemble outputs, without arithmetic
ASSEMBLY = {"zeros", "zeros_like", "new_zeros", "empty", "stack", "cat"}
NEIGHBOURS = ((0, 0), (0, 1), (1, 0), (1, 1))  # top-left, top-right, bottom-left, bottom-right


class BackwardCounter(ArithmeticCounter):
    """ArithmeticCounter, plus index_add (one add per source element, the scatter of col2im and of the
    bias gradient) and the ops that make zeroed buffers."""

    def __torch_dispatch__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        name = func._overloadpacket.__name__.rstrip("_")
        if name == "index_add":
            assert len(args) == 4 and not kwargs, "index_add with alpha would multiply"
            self.flops += args[3].numel()
            return func(*args)
        if name in ASSEMBLY:
            return func(*args, **(kwargs or {}))
        return super().__torch_dispatch__(func, types, args, kwargs)


@dataclass(frozen=True)
class Points:
    """Per sample point, shape (N, G, taps, Ho, Wo): the neighbours' integer corner, the fractions and their
    complements."""

    y0: torch.Tensor
    x0: torch.Tensor
    ly: torch.Tensor
    lx: torch.Tensor
    hy: torch.Tensor
    hx: torch.Tensor

    def weights(self, mask: torch.Tensor | None) -> list[torch.Tensor]:
        """The four bilinear weights (4 multiplies), times the mask for v2 (4 more)."""
        corners = [self.hy * self.hx, self.hy * self.lx, self.ly * self.hx, self.ly * self.lx]
        return corners if mask is None else [c * mask for c in corners]


def locate(offset: torch.Tensor, grid: tuple[torch.Tensor, torch.Tensor], taps: int) -> Points:
    """Position, floor, fraction and complement: 2 + 2 + 2 + 2 = 8 FLOPs per point."""
    n, _, ho, wo = offset.shape
    off = offset.view(n, -1, taps, 2, ho, wo)
    py = grid[0] + off[:, :, :, 0]
    px = grid[1] + off[:, :, :, 1]
    y0, x0 = torch.floor(py), torch.floor(px)
    ly, lx = py - y0, px - x0
    return Points(y0.long(), x0.long(), ly, lx, 1 - ly, 1 - lx)


def border_index(p: Points, h: int, w: int, dy: int, dx: int) -> torch.Tensor:
    """Each point's neighbour (dy, dx) in the image with a zero border of 1, flattened; indices beyond
    the image are clamped into the border."""
    yy = torch.clamp(p.y0 + dy, -1, h) + 1
    xx = torch.clamp(p.x0 + dx, -1, w) + 1
    return yy * (w + 2) + xx


def neighbours(x: torch.Tensor, p: Points, og: int) -> list[torch.Tensor]:
    """The four neighbours of every sampled value, shape (N, G, cin/G, taps, Ho, Wo); outside reads zero."""
    n, cin, h, w = x.shape
    padded = torch.nn.functional.pad(x, (1, 1, 1, 1)).view(n, og, cin // og, (h + 2) * (w + 2))
    shape = (n, og, cin // og, *p.y0.shape[2:])
    out = []
    for dy, dx in NEIGHBOURS:
        flat = border_index(p, h, w, dy, dx).view(n, og, 1, -1).expand(-1, -1, cin // og, -1)
        out.append(torch.gather(padded, 3, flat).view(shape))
    return out


def per_value(t: torch.Tensor) -> torch.Tensor:
    """A per-point tensor broadcast over the channels of its offset group."""
    return t.unsqueeze(2)


def accumulate(terms: torch.Tensor) -> torch.Tensor:
    """Σ over the channels of the offset group (dim 2), into a zeroed buffer: one add per term."""
    total = torch.zeros(terms.shape[:2] + terms.shape[3:], dtype=terms.dtype)
    for c in range(terms.shape[2]):
        total = total + terms[:, :, c]
    return total


@dataclass(frozen=True)
class Case:
    x: torch.Tensor
    offset: torch.Tensor
    weight: torch.Tensor
    mask: torch.Tensor | None
    grad_out: torch.Tensor
    grid: tuple[torch.Tensor, torch.Tensor]

    @property
    def groups(self) -> int:
        return self.x.shape[1] // self.weight.shape[1]

    @property
    def taps(self) -> int:
        return self.weight.shape[2] * self.weight.shape[3]

    @property
    def og(self) -> int:
        return self.offset.shape[1] // (2 * self.taps)

    def point_mask(self) -> torch.Tensor | None:
        if self.mask is None:
            return None
        n, _, ho, wo = self.mask.shape
        return self.mask.view(n, self.og, self.taps, ho, wo)


def input_gradients(case: Case) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """Passes 1–3: the column gradient, the offset (and mask) gradients, col2im. (grad_input, grad_offset,
    grad_mask)"""
    x, weight, grad_out = case.x, case.weight, case.grad_out
    n, cin, h, w = x.shape
    cout, cpg = weight.shape[:2]
    ho, wo = grad_out.shape[2:]
    og, taps, groups = case.og, case.taps, case.groups
    mask = case.point_mask()

    # 1. ĝ = weightᵀ·grad_out per weight group: the forward's MACs
    wt = weight.view(groups, cout // groups, cpg * taps).transpose(1, 2)
    gcol = torch.matmul(wt, grad_out.view(n, groups, cout // groups, ho * wo))
    gcol = gcol.reshape(n, og, cin // og, taps, ho, wo)

    # 2. offset (and mask) gradients
    p = locate(case.offset, case.grid, taps)                       # 8 per point
    v_tl, v_tr, v_bl, v_br = neighbours(x, p, og)
    dvy = per_value(p.hx) * (v_bl - v_tl) + per_value(p.lx) * (v_br - v_tr)   # 5 per value
    dvx = per_value(p.hy) * (v_tr - v_tl) + per_value(p.ly) * (v_br - v_bl)   # 5 per value
    sum_y, sum_x = accumulate(gcol * dvy), accumulate(gcol * dvx)              # 2 + 2 per value
    grad_mask = None
    if mask is not None:
        wa, wb, wc, wd = p.weights(None)                           # 4 per point
        value = (per_value(wa) * v_tl + per_value(wb) * v_tr + per_value(wc) * v_bl
                 + per_value(wd) * v_br)                           # 7 per value: the unmasked sample
        grad_mask = accumulate(gcol * value).view(n, og * taps, ho, wo)   # 2 per value
        sum_y, sum_x = mask * sum_y, mask * sum_x                  # 2 per point
    grad_offset = torch.stack((sum_y, sum_x), dim=3).view(n, og * 2 * taps, ho, wo)

    # 3. col2im: each weight times ĝ, added onto its neighbour
    p = locate(case.offset, case.grid, taps)                       # 8 per point
    planes = (torch.arange(n * cin).view(n, og, cin // og, 1, 1, 1) * ((h + 2) * (w + 2)))
    buffer = torch.zeros(n * cin * (h + 2) * (w + 2), dtype=x.dtype)
    for (dy, dx), weight_k in zip(NEIGHBOURS, p.weights(mask), strict=True):   # 4 (v2 8) per point
        share = per_value(weight_k) * gcol                          # 1 multiply per value and neighbour
        index = planes + per_value(border_index(p, h, w, dy, dx))
        buffer.index_add_(0, index.reshape(-1), share.reshape(-1))  # 1 add per value and neighbour
    grad_input = buffer.view(n, cin, h + 2, w + 2)[:, :, 1:-1, 1:-1]
    return grad_input, grad_offset, grad_mask


def weight_gradient(case: Case) -> torch.Tensor:
    """Pass 4: the columns sampled again (the forward's sampling), then grad_out·columnsᵀ."""
    x, weight, grad_out = case.x, case.weight, case.grad_out
    n = x.shape[0]
    cout, cpg, kh, kw = weight.shape
    ho, wo = grad_out.shape[2:]
    groups = case.groups
    p = locate(case.offset, case.grid, case.taps)                  # 8 per point
    weights = p.weights(case.point_mask())                         # 4 (v2 8) per point
    t_tl, t_tr, t_bl, t_br = (per_value(wk) * v for wk, v in zip(weights, neighbours(x, p, case.og), strict=True))
    columns = t_tl + t_tr + t_bl + t_br                            # 4 multiplies + 3 adds per value
    columns = columns.reshape(n, groups, cpg * kh * kw, ho * wo).permute(1, 0, 3, 2)
    columns = columns.reshape(groups, n * ho * wo, cpg * kh * kw)
    go = grad_out.view(n, groups, cout // groups, ho * wo).permute(1, 2, 0, 3).reshape(groups, cout // groups, -1)
    return torch.matmul(go, columns).view(cout, cpg, kh, kw)


def bias_gradient(grad_out: torch.Tensor) -> torch.Tensor:
    """Pass 5: every output gradient added onto its channel's sum."""
    n, cout, ho, wo = grad_out.shape
    channel = torch.arange(cout).view(1, cout, 1, 1).expand(n, cout, ho, wo)
    return torch.zeros(cout, dtype=grad_out.dtype).index_add_(0, channel.reshape(-1), grad_out.reshape(-1))


def make_case(n: int, cin: int, cout: int, size: int, k: int, stride: int, pad: int, dil: int, groups: int,
              og: int, modulated: bool, spread: float) -> Case | None:
    """Random float64 inputs; offsets of standard deviation `spread` (0.5: nearly all points inside the
    image; 4: many outside). None for an impossible configuration."""
    try:
        cost = forward_formula((n, cin, size, size), cout, (k, k), (stride, stride), (pad, pad), (dil, dil),
                               groups, og, False, modulated)
    except CnncalcError:
        return None  # an impossible configuration (checked to match PyTorch elsewhere)
    ho, wo = cost.output_shape[2:]
    gen = torch.Generator().manual_seed(((n * 10 + cin) * 10 + size) * 10 + k)
    dt = torch.double
    return Case(
        x=torch.randn(n, cin, size, size, generator=gen, dtype=dt),
        offset=spread * torch.randn(n, 2 * og * k * k, ho, wo, generator=gen, dtype=dt),
        weight=torch.randn(cout, cin // groups, k, k, generator=gen, dtype=dt),
        mask=torch.rand(n, og * k * k, ho, wo, generator=gen, dtype=dt) if modulated else None,
        grad_out=torch.randn(n, cout, ho, wo, generator=gen, dtype=dt),
        grid=sampling_grid((k, k), (stride, stride), (pad, pad), (dil, dil), (ho, wo)))


def autograd_gradients(case: Case, bias: torch.Tensor | None, stride: int, pad: int,
                       dil: int) -> tuple[torch.Tensor | None, ...]:
    """The gradients torch.autograd takes through torchvision's op (its backward kernel):
    (input, weight, offset, mask, bias)."""
    leaves = [t.clone().requires_grad_() if t is not None else None
              for t in (case.x, case.weight, case.offset, case.mask, bias)]
    x, weight, offset, mask, b = leaves
    assert x is not None and weight is not None and offset is not None
    out = deform_conv2d(x, offset, weight, b, (stride, stride), (pad, pad), (dil, dil), mask)
    needed = [t for t in leaves if t is not None]
    grads = iter(torch.autograd.grad(out, needed, case.grad_out))
    return tuple(next(grads) if t is not None else None for t in leaves)


def check(n: int, cin: int, cout: int, size: int, k: int, stride: int, pad: int, dil: int, groups: int, og: int,
          bias: bool, modulated: bool, spread: float = 0.5) -> None:
    case = make_case(n, cin, cout, size, k, stride, pad, dil, groups, og, modulated, spread)
    if case is None:
        return
    b = torch.randn(cout, dtype=torch.double) if bias else None
    args = ((n, cin, size, size), cout, (k, k), (stride, stride), (pad, pad), (dil, dil), groups, og)

    with BackwardCounter() as inputs_count:
        grad_input, grad_offset, grad_mask = input_gradients(case)
    with BackwardCounter() as weight_count:
        grad_weight = weight_gradient(case)
    with BackwardCounter() as bias_count:
        grad_bias = bias_gradient(case.grad_out) if bias else None

    expected = autograd_gradients(case, b, stride, pad, dil)
    got = (grad_input, grad_weight, grad_offset, grad_mask, grad_bias)
    for name, mine, theirs in zip(("input", "weight", "offset", "mask", "bias"), got, expected, strict=True):
        assert (mine is None) == (theirs is None), name
        if mine is not None:
            torch.testing.assert_close(mine, theirs, rtol=1e-8, atol=1e-8, msg=f"grad_{name} differs")

    for counter in (inputs_count, weight_count, bias_count):
        assert not counter.unexpected, f"uncounted ops in the reference: {counter.unexpected}"
    only_inputs = backward_formula(*args, False, modulated, input_grad=True, weight_grad=False)
    only_weight = backward_formula(*args, False, modulated, input_grad=False, weight_grad=True)
    only_bias = backward_formula(*args, bias, modulated, input_grad=False, weight_grad=False)
    assert (inputs_count.macs, inputs_count.flops) == (only_inputs.macs, only_inputs.other_flops)
    assert (weight_count.macs, weight_count.flops) == (only_weight.macs, only_weight.other_flops)
    assert (bias_count.macs, bias_count.flops) == (only_bias.macs, only_bias.other_flops)
    total = backward_formula(*args, bias, modulated)
    assert total.macs == inputs_count.macs + weight_count.macs
    assert total.other_flops == inputs_count.flops + weight_count.flops + bias_count.flops


def test_dcn_v1_hand_case() -> None:
    # 1×2×5×5 input, 3×3 kernel, 2→3 channels, stride 1, pad 1: 5×5 output, 9 taps
    cost = backward_formula((1, 2, 5, 5), 3, (3, 3), (1, 1), (1, 1))
    # points P = 1·1·9·25 = 225, values V = 1·2·9·25 = 450
    # offset gradients 8·225 + 14·450 = 1,800 + 6,300 = 8,100; col2im 12·225 + 8·450 = 2,700 + 3,600 = 6,300;
    # resampling 12·225 + 7·450 = 2,700 + 3,150 = 5,850 (the forward's sampling); in all 20,250
    assert cost.other_flops == 20_250
    # column gradient and weight gradient: 2 · (3·3·2·3 = 54 weights · 25 positions) = 2,700
    assert cost.macs == 2_700
    # reads grad_out 75 + input 50 + offsets 450; writes grad_input 50 + grad_offset 450 + grad_weight 54
    assert (cost.inputs, cost.weights, cost.outputs) == (575, 54, 554)
    check(1, 2, 3, 5, 3, 1, 1, 1, 1, 1, bias=False, modulated=False)


def test_dcn_v2_hand_case() -> None:
    cost = backward_formula((1, 2, 5, 5), 3, (3, 3), (1, 1), (1, 1), bias=True, modulated=True)
    # offset and mask gradients 14·225 + 23·450 = 3,150 + 10,350 = 13,500; col2im 16·225 + 8·450 = 3,600 + 3,600
    # = 7,200; resampling 16·225 + 7·450 = 3,600 + 3,150 = 6,750; bias gradient 3·25 = 75: in all 27,525
    assert cost.other_flops == 27_525
    assert cost.macs == 2_700
    check(1, 2, 3, 5, 3, 1, 1, 1, 1, 1, bias=True, modulated=True)


def test_backward_is_twice_the_forward_in_macs() -> None:
    args = ((2, 8, 9, 9), 16, (3, 3), (2, 2), (1, 1), (1, 1), 2, 4)
    assert backward_formula(*args).macs == 2 * forward_formula(*args).macs
    assert backward_formula(*args, input_grad=False).macs == forward_formula(*args).macs


@pytest.mark.parametrize("spread", [0.5, 4.0], ids=["inside", "outside"])
@pytest.mark.parametrize("modulated", [False, True], ids=["v1", "v2"])
@pytest.mark.parametrize("bias", [False, True], ids=["nobias", "bias"])
def test_reference_agrees_with_autograd_and_formula(bias: bool, modulated: bool, spread: float) -> None:
    # groups 2, offset groups 2, stride 2, padding 1
    check(2, 4, 6, 7, 3, 2, 1, 1, 2, 2, bias, modulated, spread)


@pytest.mark.parametrize(("n", "cin", "cout", "size", "k", "stride", "pad", "dil", "groups", "og"), [
    (1, 3, 2, 6, 2, 1, 0, 2, 1, 3),   # dilation 2, an even kernel, offset group per channel
    (2, 6, 4, 8, 3, 3, 2, 1, 2, 3),   # stride 3, padding 2, groups and offset groups crossing
    (1, 4, 4, 5, 1, 1, 0, 1, 4, 1),   # 1×1 depthwise
])
def test_fixed_configurations(n: int, cin: int, cout: int, size: int, k: int, stride: int, pad: int, dil: int,
                              groups: int, og: int) -> None:
    check(n, cin, cout, size, k, stride, pad, dil, groups, og, bias=True, modulated=True, spread=1.5)
    check(n, cin, cout, size, k, stride, pad, dil, groups, og, bias=False, modulated=False, spread=1.5)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 2), cin=st.sampled_from([1, 2, 4]), cout=st.sampled_from([1, 2, 4]),
       size=st.integers(3, 7), k=st.integers(1, 3), stride=st.integers(1, 2), pad=st.integers(0, 2),
       dil=st.integers(1, 2), groups=st.sampled_from([1, 2]), og=st.sampled_from([1, 2]), bias=st.booleans(),
       modulated=st.booleans(), spread=st.sampled_from([0.5, 4.0]))
def test_reference_random_configurations(n: int, cin: int, cout: int, size: int, k: int, stride: int, pad: int,
                                         dil: int, groups: int, og: int, bias: bool, modulated: bool,
                                         spread: float) -> None:
    check(n, cin, cout, size, k, stride, pad, dil, groups, og, bias, modulated, spread)


def test_deform_conv_backward_with_a_non_square_kernel() -> None:
    """The deformable backward of a 1×3 kernel (2→3 channels, padding 0×1, on 5×5: a 5×5 output) counts 3 taps,
    not 9: points P = 1·1·3·25 = 75, values V = 1·2·3·25 = 150; v1 without bias, as the module docstring adds
    the passes (offset gradients 8·P + 14·V, col2im 12·P + 8·V, resampling 12·P + 7·V): 32·75 + 29·150 = 6,750
    FLOPs; MACs: column and weight gradients, 2 · (1·3·2·3 = 18 weights · 25 positions) = 900."""
    cost = deform_f.deform_conv2d_backward((1, 2, 5, 5), 3, (1, 3), (1, 1), (0, 1))
    assert (cost.other_flops, cost.macs) == (6750, 900)
    forward = deform_f.deform_conv2d((1, 2, 5, 5), 3, (1, 3), (1, 1), (0, 1))
    # the forward samples 12 per point and 7 per value: 12·75 + 7·150 = 1,950; 450 MACs
    assert (forward.other_flops, forward.macs) == (1950, 450)
