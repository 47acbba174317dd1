"""Pooling windows (max, average, adaptive and global) over 1, 2 or 3 spatial axes.

What a pooling op costs: 1 FLOP per input element read into a window (a comparison or an add), summed
over every output element. PyTorch's kernels clamp each window to the input, so padding positions and the
part of a ceil_mode window that hangs off the end are never read and are not counted. The count is
separable: along each axis, the in-bounds taps of every output position are summed, and the total is
N · C · Π(per-axis sums). Without padding or ceil_mode that is outputs · Πk.
"""

from __future__ import annotations

from cnncalc.errors import CnncalcError
from cnncalc.formulas.conv import check_conv_args, conv_output_size, per_axis, spatial_rank
from cnncalc.formulas.cost import Dims, OpCost, OpKind, Shape, axis_names, count_expr, numel, register_formula


def pool_output_size(size: int, kernel: int, stride: int, padding: int, dilation: int, ceil_mode: bool,
                     axis: str) -> int:
    """nn.MaxPool*d / nn.AvgPool*d output size; with ceil_mode the last window may hang over the end, but
    must start inside the input or its left padding."""
    out = conv_output_size(size, kernel, stride, padding, dilation, axis)
    if ceil_mode and (size + 2 * padding - dilation * (kernel - 1) - 1) % stride:
        out += 1
        if (out - 1) * stride >= size + padding:
            out -= 1
    return out


def window_taps(size: int, out: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    """Input positions read along one axis, summed over the `out` windows: the taps start + j·dilation
    (start = o·stride − padding, j < kernel) that land inside [0, size)."""
    total = 0
    for o in range(out):
        start = o * stride - padding
        total += sum(1 for j in range(kernel) if 0 <= start + j * dilation < size)
    return total


@register_formula(OpKind.pool)
def pool(x: Shape, kernel: Dims, stride: Dims | None = None, padding: Dims | None = None,
         dilation: Dims | None = None, mode: str = "max", ceil_mode: bool = False) -> OpCost:
    """Max or average pooling of x = (N, C, *spatial) with a k… window (see the module docstring):
    N · C · Π(in-bounds taps per axis) FLOPs. No MACs."""
    rank = spatial_rank(x)
    n, c = x[0], x[1]
    kernel = per_axis("kernel", kernel, rank, 1)
    stride = per_axis("stride", stride, rank, 1) if stride else kernel
    padding, dilation = per_axis("padding", padding, rank, 0), per_axis("dilation", dilation, rank, 1)
    check_conv_args(c, c, kernel, stride, padding, dilation, 1)
    axes = axis_names(rank)
    for axis, k, p in zip(axes, kernel, padding, strict=True):
        if p > k // 2:
            raise CnncalcError(f"pooling padding={p} along {axis} is not allowed: it must be at most half the "
                               f"kernel ({k} // 2 = {k // 2})")
    if mode == "avg" and rank == 3 and any(x[2 + a] < kernel[a] for a in range(rank)):
        # PyTorch's avg_pool3d (pool3d_shape_check with check_input_size) refuses what its 1-D/2-D forms and
        # every max pool accept: an axis shorter than the window, however much padding
        raise CnncalcError(f"a 3-D average pool needs every axis at least its kernel: input "
                           f"{'x'.join(map(str, x[2:]))} is smaller than kernel {'x'.join(map(str, kernel))}")
    out = tuple(pool_output_size(x[2 + a], kernel[a], stride[a], padding[a], dilation[a], ceil_mode, axes[a])
                for a in range(rank))
    taps = [window_taps(x[2 + a], out[a], kernel[a], stride[a], padding[a], dilation[a]) for a in range(rank)]
    shape = (n, c, *out)
    return OpCost(
        kind=OpKind.pool,
        output_shape=shape,
        other_flops=n * c * numel(tuple(taps)),
        inputs=numel(x),
        outputs=numel(shape),
        other_expr=f"{mode} pool {count_expr(n, c, *taps)}",
    )


def global_avg_pool(x: Shape) -> OpCost:
    """Global average pooling: a pool whose window is the whole feature map (one add per input element)."""
    return pool(x, kernel=x[2:], stride=x[2:], mode="avg")


def adaptive_windows(size: int, out: int) -> list[int]:
    """Window lengths of adaptive pooling along one axis: [floor(i·size/out), ceil((i+1)·size/out))."""
    return [-(-(i + 1) * size // out) - (i * size // out) for i in range(out)]


@register_formula(OpKind.adaptive_pool)
def adaptive_pool(x: Shape, out_size: Dims, mode: str = "avg") -> OpCost:
    """Adaptive pooling to out_size over 1, 2 or 3 spatial axes: 1 FLOP per window element, windows as
    PyTorch places them (they overlap when the input is not a multiple of the output)."""
    rank = spatial_rank(x)
    n, c = x[0], x[1]
    out_size = per_axis("output size", out_size, rank, 1)
    if any(o < 1 for o in out_size):
        raise CnncalcError(f"adaptive pooling to {'×'.join(map(str, out_size))}: the output must be at least 1 "
                           f"along every axis")
    sums = [sum(adaptive_windows(x[2 + a], out_size[a])) for a in range(rank)]
    out = (n, c, *out_size)
    return OpCost(kind=OpKind.adaptive_pool, output_shape=out, other_flops=n * c * numel(tuple(sums)),
                  inputs=numel(x), outputs=numel(out),
                  other_expr=f"adaptive {mode} pool {count_expr(n, c, *sums)}")
