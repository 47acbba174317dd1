"""Pooling windows (max and average), and global average pooling."""

from __future__ import annotations

from cnncalc.errors import CnncalcError
from cnncalc.formulas.conv import check_conv_args, conv_output_size
from cnncalc.formulas.cost import OpCost, OpKind, Pair, Shape, count_expr, numel, register_formula


def pool_output_size(size: int, kernel: int, stride: int, padding: int, dilation: int, ceil_mode: bool,
                     axis: str) -> int:
    """nn.MaxPool2d / nn.AvgPool2d output size; with ceil_mode the last window may hang over the end, but
    must start inside the input or its left padding."""
    out = conv_output_size(size, kernel, stride, padding, dilation, axis)
    if ceil_mode and (size + 2 * padding - dilation * (kernel - 1) - 1) % stride:
        out += 1
        if (out - 1) * stride >= size + padding:
            out -= 1
    return out


@register_formula(OpKind.pool)
def pool2d(x: Shape, kernel: Pair, stride: Pair, padding: Pair = (0, 0), dilation: Pair = (1, 1),
           mode: str = "max", ceil_mode: bool = False) -> OpCost:
    """Max or average pooling of x = (N, C, H, W) with a kh×kw window.

    1 FLOP per window element per output (a comparison or an add): outputs · kh · kw. No MACs. A global
    average pool is the window kh×kw = H×W: one add per input element.
    """
    n, c, h, w = x
    check_conv_args(c, c, kernel, stride, padding, dilation, 1)
    ho = pool_output_size(h, kernel[0], stride[0], padding[0], dilation[0], ceil_mode, "height")
    wo = pool_output_size(w, kernel[1], stride[1], padding[1], dilation[1], ceil_mode, "width")
    out = (n, c, ho, wo)
    return OpCost(
        kind=OpKind.pool,
        output_shape=out,
        other_flops=numel(out) * kernel[0] * kernel[1],
        inputs=numel(x),
        outputs=numel(out),
        other_expr=f"{mode} pool {count_expr(*out, kernel[0], kernel[1])}",
    )


def global_avg_pool2d(x: Shape) -> OpCost:
    """Global average pooling: a pool whose window is the whole feature map."""
    return pool2d(x, kernel=(x[2], x[3]), stride=(x[2], x[3]), mode="avg")


def adaptive_windows(size: int, out: int) -> list[int]:
    """Window lengths of adaptive pooling along one axis: [floor(i·size/out), ceil((i+1)·size/out))."""
    return [-(-(i + 1) * size // out) - (i * size // out) for i in range(out)]


@register_formula(OpKind.adaptive_pool)
def adaptive_pool2d(x: Shape, out_hw: Pair, mode: str = "avg") -> OpCost:
    """Adaptive pooling to out_hw: 1 FLOP per window element, windows as PyTorch places them (they may
    overlap when the input is not a multiple of the output)."""
    n, c, h, w = x
    if out_hw[0] < 1 or out_hw[1] < 1:
        raise CnncalcError(f"adaptive pooling to {out_hw[0]}×{out_hw[1]}: the output must be at least 1×1")
    window_elems = sum(adaptive_windows(h, out_hw[0])) * sum(adaptive_windows(w, out_hw[1]))
    out = (n, c, out_hw[0], out_hw[1])
    return OpCost(kind=OpKind.adaptive_pool, output_shape=out, other_flops=n * c * window_elems,
                  inputs=numel(x), outputs=numel(out),
                  other_expr=f"adaptive {mode} pool {count_expr(n, c, window_elems)}")
