"""Convolution and transposed convolution (2-D, NCHW), with groups, stride, padding and dilation."""

from __future__ import annotations

from cnncalc.errors import CnncalcError
from cnncalc.formulas.cost import OpCost, OpKind, Pair, Shape, numel, register_formula, weighted_cost
from cnncalc.formulas.receptive import effective_kernel

_AXES = ("height", "width")


def check_conv_args(cin: int, cout: int, kernel: Pair, stride: Pair, padding: Pair, dilation: Pair,
                    groups: int) -> None:
    """Raise CnncalcError, naming the value, for any hyper-parameter PyTorch would reject."""
    for name, value in (("cin", cin), ("cout", cout), ("groups", groups)):
        if value < 1:
            raise CnncalcError(f"{name}={value} is not allowed: it must be a positive integer")
    for name, pair, low in (("kernel", kernel, 1), ("stride", stride, 1), ("dilation", dilation, 1),
                            ("padding", padding, 0)):
        for axis, value in zip(_AXES, pair, strict=True):
            if value < low:
                bound = "≥ 0" if low == 0 else "≥ 1"
                raise CnncalcError(f"{name}={value} along {axis} is not allowed: it must be {bound}")
    if cin % groups or cout % groups:
        raise CnncalcError(f"groups={groups} must divide both cin={cin} and cout={cout}")


def conv_output_size(size: int, kernel: int, stride: int, padding: int, dilation: int, axis: str) -> int:
    """floor((size + 2·padding − dilation·(kernel−1) − 1) / stride) + 1, as nn.Conv2d computes it."""
    span = effective_kernel(kernel, dilation)
    if size + 2 * padding < span:
        raise CnncalcError(
            f"kernel span {span} (kernel {kernel}, dilation {dilation}) is larger than the padded input "
            f"{axis} {size}+2·{padding}={size + 2 * padding}: use a smaller kernel or more padding")
    return (size + 2 * padding - span) // stride + 1


@register_formula(OpKind.conv)
def conv2d(x: Shape, cout: int, kernel: Pair, stride: Pair = (1, 1), padding: Pair = (0, 0),
           dilation: Pair = (1, 1), groups: int = 1, bias: bool = False) -> OpCost:
    """Convolution of x = (N, cin, H, W) to cout channels.

    weights = cout · (cin/g) · kh · kw, written kh·kw·(cin/g)·cout; MACs = weights · Ho · Wo · N: each
    output element is a dot product over (cin/g)·kh·kw inputs. Bias (if any) adds 1 FLOP per output
    element. Zero padding is counted as real work, as every dense kernel does it.
    """
    n, cin, h, w = x
    check_conv_args(cin, cout, kernel, stride, padding, dilation, groups)
    ho = conv_output_size(h, kernel[0], stride[0], padding[0], dilation[0], "height")
    wo = conv_output_size(w, kernel[1], stride[1], padding[1], dilation[1], "width")
    return weighted_cost(OpKind.conv, numel(x), (n, cout, ho, wo), kernel_factors(kernel, cin // groups, cout),
                         (ho, wo, n), cout if bias else 0)


def kernel_factors(kernel: Pair, per_group: int, channels: int) -> tuple[int, ...]:
    """kh·kw·(channels per group)·channels, the per-group factor left out when it is 1 (depthwise)."""
    return (kernel[0], kernel[1], channels) if per_group == 1 else (kernel[0], kernel[1], per_group, channels)


def transposed_output_size(size: int, kernel: int, stride: int, padding: int, output_padding: int,
                           dilation: int, axis: str) -> int:
    """(size−1)·stride − 2·padding + dilation·(kernel−1) + output_padding + 1, as nn.ConvTranspose2d."""
    if output_padding < 0 or output_padding >= max(stride, dilation):
        raise CnncalcError(
            f"output_padding={output_padding} along {axis} is not allowed: it must be ≥ 0 and smaller than "
            f"stride ({stride}) or dilation ({dilation})")
    out = (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1
    if out < 1:
        raise CnncalcError(f"padding={padding} is too large for a transposed convolution of {axis} {size}: "
                           f"the output {axis} would be {out}")
    return out


@register_formula(OpKind.conv_transpose)
def conv_transpose2d(x: Shape, cout: int, kernel: Pair, stride: Pair = (1, 1), padding: Pair = (0, 0),
                     output_padding: Pair = (0, 0), dilation: Pair = (1, 1), groups: int = 1,
                     bias: bool = False) -> OpCost:
    """Transposed convolution of x = (N, cin, H, W) to cout channels.

    weights = cin · (cout/g) · kh · kw; MACs = weights · H · W · N, over the *input* positions: every input
    element is multiplied by a kh×kw×(cout/g) slice of the kernel and scattered into the output. Counting
    over output positions instead over-counts by stride² (a bug several peers have had).
    """
    n, cin, h, w = x
    check_conv_args(cin, cout, kernel, stride, padding, dilation, groups)
    ho = transposed_output_size(h, kernel[0], stride[0], padding[0], output_padding[0], dilation[0], "height")
    wo = transposed_output_size(w, kernel[1], stride[1], padding[1], output_padding[1], dilation[1], "width")
    return weighted_cost(OpKind.conv_transpose, numel(x), (n, cout, ho, wo),
                         kernel_factors(kernel, cout // groups, cin), (h, w, n), cout if bias else 0)

