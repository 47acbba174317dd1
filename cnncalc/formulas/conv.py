"""Convolution and transposed convolution over 1, 2 or 3 spatial axes, with groups, stride, padding and
dilation. x = (N, C, *spatial); every per-axis argument has one value per spatial axis."""

from __future__ import annotations

from cnncalc.errors import CnncalcError
from cnncalc.formulas.cost import Dims, OpCost, OpKind, Shape, axis_names, numel, register_formula, weighted_cost
from cnncalc.formulas.receptive import effective_kernel


def spatial_rank(x: Shape) -> int:
    """Spatial axes of x = (N, C, *spatial): 1, 2 or 3."""
    rank = len(x) - 2
    if rank not in (1, 2, 3):
        raise CnncalcError(f"input shape {'×'.join(map(str, x))} has {len(x)} dimensions: a convolution takes "
                           f"N×C with 1, 2 or 3 spatial axes (3, 4 or 5 dimensions)")
    return rank


def per_axis(name: str, value: Dims | None, rank: int, default: int) -> Dims:
    """A per-axis argument checked against the rank: None gives the default on every axis."""
    if value is None:
        return (default,) * rank
    if len(value) != rank:
        raise CnncalcError(f"{name} has {len(value)} values ({'×'.join(map(str, value))}) for a "
                           f"{rank}-D input: give one per spatial axis ({', '.join(axis_names(rank))})")
    return tuple(value)


def check_conv_args(cin: int, cout: int, kernel: Dims, stride: Dims, padding: Dims, dilation: Dims,
                    groups: int) -> None:
    """Raise CnncalcError, naming the value, for any hyper-parameter PyTorch would reject."""
    for name, value in (("cin", cin), ("cout", cout), ("groups", groups)):
        if value < 1:
            raise CnncalcError(f"{name}={value} is not allowed: it must be a positive integer")
    axes = axis_names(len(kernel))
    for name, dims, low in (("kernel", kernel, 1), ("stride", stride, 1), ("dilation", dilation, 1),
                            ("padding", padding, 0)):
        for axis, value in zip(axes, dims, strict=True):
            if value < low:
                bound = "≥ 0" if low == 0 else "≥ 1"
                raise CnncalcError(f"{name}={value} along {axis} is not allowed: it must be {bound}")
    if cin % groups or cout % groups:
        raise CnncalcError(f"groups={groups} must divide both cin={cin} and cout={cout}")


def conv_output_size(size: int, kernel: int, stride: int, padding: int, dilation: int, axis: str) -> int:
    """floor((size + 2·padding − dilation·(kernel−1) − 1) / stride) + 1, as nn.Conv*d computes it."""
    span = effective_kernel(kernel, dilation)
    if size + 2 * padding < span:
        raise CnncalcError(
            f"kernel span {span} (kernel {kernel}, dilation {dilation}) is larger than the padded input "
            f"{axis} {size}+2·{padding}={size + 2 * padding}: use a smaller kernel or more padding")
    return (size + 2 * padding - span) // stride + 1


def conv_output_dims(x: Shape, kernel: Dims, stride: Dims, padding: Dims, dilation: Dims) -> Dims:
    """The output's spatial sizes, axis by axis."""
    axes = axis_names(len(kernel))
    return tuple(conv_output_size(x[2 + a], kernel[a], stride[a], padding[a], dilation[a], axes[a])
                 for a in range(len(kernel)))


@register_formula(OpKind.conv)
def conv(x: Shape, cout: int, kernel: Dims, stride: Dims | None = None, padding: Dims | None = None,
         dilation: Dims | None = None, groups: int = 1, bias: bool = False) -> OpCost:
    """Convolution of x = (N, cin, *spatial) to cout channels, over 1, 2 or 3 spatial axes.

    weights = cout · (cin/g) · Πk (kh·kw in 2-D, kt·kh·kw in 3-D), written k…·(cin/g)·cout; MACs =
    weights · (output positions) · N: each output element is a dot product over (cin/g)·Πk inputs. Bias
    (if any) adds 1 FLOP per output element. Zero padding is counted as real work, as every dense kernel
    does it.
    """
    rank = spatial_rank(x)
    n, cin = x[0], x[1]
    kernel = per_axis("kernel", kernel, rank, 1)
    stride, padding = per_axis("stride", stride, rank, 1), per_axis("padding", padding, rank, 0)
    dilation = per_axis("dilation", dilation, rank, 1)
    check_conv_args(cin, cout, kernel, stride, padding, dilation, groups)
    out = conv_output_dims(x, kernel, stride, padding, dilation)
    return weighted_cost(OpKind.conv, numel(x), (n, cout, *out), kernel_factors(kernel, cin // groups, cout),
                         (*out, n), cout if bias else 0)


def kernel_factors(kernel: Dims, per_group: int, channels: int) -> tuple[int, ...]:
    """k…·(channels per group)·channels, the per-group factor left out when it is 1 (depthwise)."""
    return (*kernel, channels) if per_group == 1 else (*kernel, per_group, channels)


def transposed_output_size(size: int, kernel: int, stride: int, padding: int, output_padding: int,
                           dilation: int, axis: str) -> int:
    """(size−1)·stride − 2·padding + dilation·(kernel−1) + output_padding + 1, as nn.ConvTranspose*d."""
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
def conv_transpose(x: Shape, cout: int, kernel: Dims, stride: Dims | None = None, padding: Dims | None = None,
                   output_padding: Dims | None = None, dilation: Dims | None = None, groups: int = 1,
                   bias: bool = False) -> OpCost:
    """Transposed convolution of x = (N, cin, *spatial) to cout channels, over 1, 2 or 3 spatial axes.

    weights = cin · (cout/g) · Πk; MACs = weights · (input positions) · N, over the *input* positions:
    every input element is multiplied by a k…×(cout/g) slice of the kernel and scattered into the output.
    Counting over output positions instead over-counts by Πstride (a bug several peers have had).
    """
    rank = spatial_rank(x)
    n, cin = x[0], x[1]
    kernel = per_axis("kernel", kernel, rank, 1)
    stride, padding = per_axis("stride", stride, rank, 1), per_axis("padding", padding, rank, 0)
    dilation = per_axis("dilation", dilation, rank, 1)
    output_padding = per_axis("output_padding", output_padding, rank, 0)
    check_conv_args(cin, cout, kernel, stride, padding, dilation, groups)
    axes = axis_names(rank)
    out = tuple(transposed_output_size(x[2 + a], kernel[a], stride[a], padding[a], output_padding[a], dilation[a],
                                       axes[a]) for a in range(rank))
    return weighted_cost(OpKind.conv_transpose, numel(x), (n, cout, *out), kernel_factors(kernel, cout // groups, cin),
                         (*x[2:], n), cout if bias else 0)
