"""Pooling windows (max and average), and global average pooling."""

from __future__ import annotations

from cnncalc.formulas.conv import check_conv_args, conv_output_size
from cnncalc.formulas.cost import OpCost, OpKind, Pair, Shape, count_expr, numel, register_formula


@register_formula(OpKind.pool)
def pool2d(x: Shape, kernel: Pair, stride: Pair, padding: Pair = (0, 0), dilation: Pair = (1, 1),
           mode: str = "max") -> OpCost:
    """Max or average pooling of x = (N, C, H, W) with a kh×kw window.

    1 FLOP per window element per output (a comparison or an add): outputs · kh · kw. No MACs. A global
    average pool is the window kh×kw = H×W: one add per input element.
    """
    n, c, h, w = x
    check_conv_args(c, c, kernel, stride, padding, dilation, 1)
    ho = conv_output_size(h, kernel[0], stride[0], padding[0], dilation[0], "height")
    wo = conv_output_size(w, kernel[1], stride[1], padding[1], dilation[1], "width")
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
