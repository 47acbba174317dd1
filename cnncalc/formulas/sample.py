"""Sampling: interpolation (nearest, linear, bilinear, bicubic, trilinear) and grid sampling.

Interpolating one output value from `taps` neighbours costs taps multiplies and taps − 1 adds:
2·taps − 1 FLOPs. The neighbour weights are shared along rows and columns (they depend only on the
output's position along each axis), so they are not counted per value. Taps by mode: nearest 1 (a
copy: 0 FLOPs), linear 2, bilinear 4, trilinear 8, bicubic 16. align_corners moves the sample points,
not the count.

Antialiased interpolation (antialias=True, bilinear or bicubic, PIL's resampling) is separable: one pass
per resized axis, width first, each value a weighted sum of the input values in its window. Upsampling,
the window is the filter's (2 input values bilinear, 4 bicubic, fewer at the borders); downsampling by a
scale s it widens to about 2s or 4s values, so that every input value contributes: the cost grows with the
scale, per pass 2·xsize − 1 FLOPs per value, with xsize computed for each output index as the kernel does.

Grid sampling (F.grid_sample, and deformable convolution's sampling) computes, for every sample point,
its position and neighbour weights once, shared by all channels. Along each of the r axes: unnormalising
the grid coordinate from [−1, 1] (a multiply, an add, a multiply: 3), the floor, the fraction and its
complement (3 more); then the 2^r neighbour weights as products of one factor per axis, sharing partial
products: Σ_{i=2..r} 2^i multiplies (4 in 2-D, 12 in 3-D). Bilinear: 3r + 3r + Σ = 16 FLOPs per 2-D
point; each channel's value then costs 2·2^r − 1 (7 in 2-D). Nearest: 3r to unnormalise + r roundings
per point, and a copy per value.
"""

from __future__ import annotations

import math
import struct

from cnncalc.errors import CnncalcError
from cnncalc.formulas.cost import OpCost, OpKind, Shape, count_expr, numel, register_formula

#: neighbours weighed per output value, by interpolation mode
TAPS = {"nearest": 1, "nearest-exact": 1, "linear": 2, "bilinear": 4, "trilinear": 8, "bicubic": 16}
#: the spatial rank each mode works on (nearest works on any)
MODE_RANK = {"linear": 1, "bilinear": 2, "trilinear": 3, "bicubic": 2}


def value_flops(taps: int) -> int:
    """taps multiplies + (taps − 1) adds; a copy (one tap) is free."""
    return 2 * taps - 1 if taps > 1 else 0


@register_formula(OpKind.interpolate)
def interpolate(x: Shape, out: Shape, mode: str) -> OpCost:
    """Resampling x = (N, C, *spatial) to `out`: value_flops(taps) per output element (see the module
    docstring): nearest 0, linear 3, bilinear 7, bicubic 31, trilinear 15."""
    if mode not in TAPS:
        raise CnncalcError(f"interpolation mode {mode!r}: accepted are {', '.join(TAPS)}")
    rank = len(x) - 2
    if mode in MODE_RANK and MODE_RANK[mode] != rank:
        raise CnncalcError(f"{mode} interpolation works on {MODE_RANK[mode]}-D maps; got input {x}")
    per = value_flops(TAPS[mode])
    return OpCost(kind=OpKind.interpolate, output_shape=out, other_flops=per * numel(out), inputs=numel(x),
                  outputs=numel(out), other_expr=f"{mode} {per}·{count_expr(*out)}" if per else "")


#: the filter's support in input pixels at scale 1 (PyTorch's interp_size), by antialiased mode
AA_SUPPORT = {"bilinear": 2, "bicubic": 4}


def _f32(v: float) -> float:
    """v rounded to float32, as the kernel's float arithmetic rounds it."""
    return float(struct.unpack("f", struct.pack("f", v))[0])


def aa_scale(in_size: int, out_size: int, align_corners: bool = False, scale: float | None = None) -> float:
    """The input pixels per output pixel the kernel uses (PyTorch's area_pixel_compute_scale), in double."""
    if align_corners:
        return (in_size - 1) / (out_size - 1) if out_size > 1 else 0.0
    return 1.0 / scale if scale is not None and scale > 0 else in_size / out_size


def aa_taps(in_size: int, out_size: int, mode: str, align_corners: bool = False, scale: float | None = None,
            float64: bool = False) -> list[int]:
    """The input values each output index of one antialiased pass weighs (PyTorch's
    `_compute_indices_min_size_weights_aa`): center = scale·(i + 0.5); support = (interp_size/2)·scale when
    scale ≥ 1 (downsampling widens the filter), else interp_size/2; xmin = max(⌊center − support + 0.5⌋, 0),
    xsize = min(⌊center + support + 0.5⌋, in_size) − xmin, at most 2·⌈support⌉ + 1. In the input's precision:
    float32 (the kernel's arithmetic for float32 input) unless `float64`."""
    r = float if float64 else _f32
    scale_ = r(aa_scale(in_size, out_size, align_corners, scale))
    support = r(AA_SUPPORT[mode] / 2 * scale_) if scale_ >= 1.0 else AA_SUPPORT[mode] / 2
    widest = math.ceil(support) * 2 + 1
    taps = []
    for i in range(out_size):
        center = r(scale_ * (i + 0.5))
        xmin = max(int(r(center - support) + 0.5), 0)
        xsize = min(int(r(center + support) + 0.5), in_size) - xmin
        taps.append(min(max(xsize, 0), widest))
    return taps


@register_formula(OpKind.interpolate_aa)
def interpolate_antialias(x: Shape, out: Shape, mode: str, align_corners: bool = False,
                          scales: tuple[float | None, ...] = (), float64: bool = False) -> OpCost:
    """Antialiased resampling (F.interpolate(..., antialias=True)) of x = (N, C, H, W) to `out`, as PyTorch's CPU
    kernel runs it: separable, one pass per resized axis, the last axis (width) first, into an intermediate of
    the output's width and the input's height, then the height (an axis whose size does not change has no pass;
    no change at all is a copy). Each value of a pass weighs the xsize input values of its window (`aa_taps`:
    downsampling widens the window with the scale): 2·xsize − 1 FLOPs (xsize multiplies, xsize − 1 adds; unlike
    value_flops, a single tap still costs its multiply by the weight, as the kernel does it). `scales` are the
    scale factors the op was given (None: in/out)."""
    if mode not in AA_SUPPORT:
        raise CnncalcError(f"antialiased interpolation mode {mode!r}: accepted are {', '.join(AA_SUPPORT)}")
    if len(x) != 4 or len(out) != 4 or out[:2] != x[:2]:
        raise CnncalcError(f"antialiased {mode} interpolation works on N×C×H×W maps; got {x} to {out}")
    current = list(x)
    flops, exprs = 0, []
    for axis in (3, 2):
        if out[axis] == x[axis]:
            continue
        scale = scales[axis - 2] if len(scales) > axis - 2 else None
        taps = aa_taps(x[axis], out[axis], mode, align_corners, scale, float64)
        current[axis] = out[axis]
        lines = numel(tuple(current)) // out[axis]
        per_line = sum(2 * t - 1 for t in taps if t > 0)
        flops += lines * per_line
        exprs.append(f"{('height', 'width')[axis - 2]} pass {count_expr(lines)}·{per_line:,}")
    return OpCost(kind=OpKind.interpolate_aa, output_shape=out, other_flops=flops, inputs=numel(x),
                  outputs=numel(out), other_expr=f"antialiased {mode} " + " + ".join(exprs) if exprs else "")


def bilinear_point_flops(rank: int) -> int:
    """Floor, fraction and complement per axis, and the 2^r neighbour weights: 3r + Σ_{i=2..r} 2^i."""
    return 3 * rank + sum(2**i for i in range(2, rank + 1))


def bilinear_value_flops(rank: int) -> int:
    """One channel's value from its 2^r neighbours: 2·2^r − 1 (7 in 2-D)."""
    return value_flops(2**rank)


@register_formula(OpKind.grid_sample)
def grid_sample(x: Shape, grid: Shape, mode: str = "bilinear") -> OpCost:
    """F.grid_sample of x = (N, C, *spatial_in) at grid = (N, *spatial_out, r): see the module docstring.
    Bilinear: (3r + bilinear point) per point + (2·2^r − 1) per value; nearest: 4r per point."""
    rank = len(x) - 2
    if len(grid) != rank + 2 or grid[-1] != rank or grid[0] != x[0]:
        raise CnncalcError(f"grid_sample of {x} at a grid of shape {grid}: the grid must be N×…×{rank}")
    if mode not in ("bilinear", "nearest"):
        raise CnncalcError(f"grid_sample mode {mode!r} has no formula: counted are bilinear and nearest")
    n, c = x[0], x[1]
    points = numel(grid[:-1])
    values = points * c
    if mode == "bilinear":
        per_point, per_value = 3 * rank + bilinear_point_flops(rank), bilinear_value_flops(rank)
    else:
        per_point, per_value = 4 * rank, 0
    out = (n, c, *grid[1:-1])
    expr = f"grid {per_point}·{count_expr(points)}" + (f" + {per_value}·{count_expr(values)}" if per_value else "")
    return OpCost(kind=OpKind.grid_sample, output_shape=out, other_flops=per_point * points + per_value * values,
                  inputs=numel(x) + numel(grid), outputs=numel(out), other_expr=expr)


#: RoIAlign, per sample point: its position along each axis (bin start + offset within the bin: 4 FLOPs per
#: axis) and the bilinear weights (bilinear_point_flops(2) = 10)
ROI_POINT_FLOPS = 2 * 4 + bilinear_point_flops(2)
#: per channel and sample point: the 4 weighted neighbours (4 multiplies + 3 adds) accumulated into the bin (1)
ROI_VALUE_FLOPS = bilinear_value_flops(2) + 1


@register_formula(OpKind.roi_align)
def roi_align(x: Shape, rois: int, pooled: tuple[int, int], samples: int) -> OpCost:
    """RoIAlign (torchvision.ops.roi_align) of x = (N, C, H, W) for `rois` boxes into pooled_h × pooled_w
    bins, each the average of a grid of bilinear samples. `samples` = the sample grid's points per bin,
    summed over the boxes (sampling_ratio² per box, or ⌈h/ph⌉·⌈w/pw⌉ of each box with an adaptive ratio).
    Per sample point ROI_POINT_FLOPS (18), per channel and point ROI_VALUE_FLOPS (8), and 1 per output for
    the average's division."""
    ph, pw = pooled
    c = x[1]
    points = samples * ph * pw
    out = (rois, c, ph, pw)
    return OpCost(kind=OpKind.roi_align, output_shape=out,
                  other_flops=ROI_POINT_FLOPS * points + ROI_VALUE_FLOPS * points * c + numel(out),
                  inputs=points * c * 4 + rois * 5, outputs=numel(out),
                  other_expr=f"roi align {ROI_POINT_FLOPS}·{count_expr(points)} + {ROI_VALUE_FLOPS}·"
                             f"{count_expr(points, c)} + {count_expr(*out)}")


#: NMS: each box's area (2 subtractions, 1 multiply) and, per pair of boxes the kernel compares, the IoU
#: (4 max/min, 2 subtractions, 2 clamps, 1 multiply, 1 add, 1 subtraction, 1 division) and the test: 13
NMS_AREA_FLOPS = 3
NMS_PAIR_FLOPS = 13


@register_formula(OpKind.nms)
def nms(boxes: int, pairs: int, kept: int) -> OpCost:
    """Non-maximum suppression (torchvision.ops.nms) of `boxes` boxes that compared `pairs` pairs and kept
    `kept`: boxes are visited by score; each kept box is compared with every later box not yet suppressed.
    3 FLOPs per box (its area) + 13 per pair compared. The score sort inside the kernel is not counted (it is
    no aten op of its own). `pairs` depends on the data: at most boxes·(boxes − 1)/2."""
    if pairs > boxes * (boxes - 1) // 2 or kept > boxes:
        raise CnncalcError(f"nms of {boxes} boxes cannot compare {pairs} pairs or keep {kept}")
    return OpCost(kind=OpKind.nms, output_shape=(kept,), other_flops=NMS_AREA_FLOPS * boxes + NMS_PAIR_FLOPS * pairs,
                  inputs=5 * boxes, outputs=kept,
                  other_expr=f"nms {NMS_AREA_FLOPS}·{count_expr(boxes)} + {NMS_PAIR_FLOPS}·{count_expr(pairs)}")
