"""Element-wise arithmetic and pure data movement (concat, channel shuffle, views)."""

from __future__ import annotations

from cnncalc.errors import CnncalcError
from cnncalc.formulas.cost import OpCost, OpKind, Shape, count_expr, numel, register_formula


@register_formula(OpKind.activation)
def activation(x: Shape, name: str = "relu") -> OpCost:
    """ReLU, sigmoid, …: 1 FLOP per element by the convention (transcendentals are not expanded)."""
    return OpCost(kind=OpKind.activation, output_shape=x, other_flops=numel(x), inputs=numel(x),
                  outputs=numel(x), other_expr=f"{name} {count_expr(*x)}")


def broadcast_shape(a: Shape, b: Shape) -> Shape:
    """NumPy broadcasting of two shapes of the same rank."""
    if len(a) != len(b) or any(p != q and 1 not in (p, q) for p, q in zip(a, b, strict=True)):
        raise CnncalcError(f"shapes {a} and {b} do not broadcast")
    return tuple(max(p, q) for p, q in zip(a, b, strict=True))


@register_formula(OpKind.add)
def add(a: Shape, b: Shape) -> OpCost:
    """Element-wise sum (a residual add): 1 FLOP per output element."""
    out = broadcast_shape(a, b)
    return OpCost(kind=OpKind.add, output_shape=out, other_flops=numel(out), inputs=numel(a) + numel(b),
                  outputs=numel(out), other_expr=f"add {count_expr(*out)}")


@register_formula(OpKind.mul)
def mul(a: Shape, b: Shape) -> OpCost:
    """Element-wise (broadcast) product, such as the SE channel scale: 1 FLOP per output element."""
    out = broadcast_shape(a, b)
    return OpCost(kind=OpKind.mul, output_shape=out, other_flops=numel(out), inputs=numel(a) + numel(b),
                  outputs=numel(out), other_expr=f"scale {count_expr(*out)}")


@register_formula(OpKind.concat)
def concat(shapes: tuple[Shape, ...], dim: int = 1) -> OpCost:
    """Concatenation along `dim`: no arithmetic; every input element is read and written once."""
    first = shapes[0]
    for s in shapes[1:]:
        if len(s) != len(first) or any(p != q for i, (p, q) in enumerate(zip(s, first, strict=True))
                                       if i != dim):
            raise CnncalcError(f"cannot concatenate shapes {first} and {s} along axis {dim}")
    out = (*first[:dim], sum(s[dim] for s in shapes), *first[dim + 1:])
    return OpCost(kind=OpKind.concat, output_shape=out, inputs=sum(numel(s) for s in shapes),
                  outputs=numel(out))


@register_formula(OpKind.channel_shuffle)
def channel_shuffle(x: Shape, groups: int) -> OpCost:
    """ShuffleNet's channel shuffle: reshape (N, g, C/g, H, W), transpose, flatten. No arithmetic, no MACs,
    but a full copy of the tensor: C·H·W·N elements read and written."""
    if groups < 1 or x[1] % groups:
        raise CnncalcError(f"channel shuffle groups={groups} must divide the {x[1]} channels")
    return OpCost(kind=OpKind.channel_shuffle, output_shape=x, inputs=numel(x), outputs=numel(x))


@register_formula(OpKind.view)
def view(x: Shape, shape: Shape) -> OpCost:
    """A view (reshape, slice, split): no arithmetic and no bytes moved."""
    if numel(shape) > numel(x):
        raise CnncalcError(f"a view of {x} cannot have shape {shape}")
    return OpCost(kind=OpKind.view, output_shape=shape)


@register_formula(OpKind.elementwise)
def elementwise(out: Shape, inputs: tuple[Shape, ...], name: str, flops_per_element: int = 1) -> OpCost:
    """Any other element-wise arithmetic (sub, div, comparisons, masked fill, …): 1 FLOP per output element."""
    return OpCost(kind=OpKind.elementwise, output_shape=out, other_flops=flops_per_element * numel(out),
                  inputs=sum(numel(s) for s in inputs), outputs=numel(out),
                  other_expr=f"{name} {count_expr(*out)}")


@register_formula(OpKind.reduce)
def reduce(x: Shape, out: Shape, name: str = "sum") -> OpCost:
    """A reduction (sum, mean, max over some axes): 1 FLOP per input element."""
    return OpCost(kind=OpKind.reduce, output_shape=out, other_flops=numel(x), inputs=numel(x), outputs=numel(out),
                  other_expr=f"{name} {count_expr(*x)}")


@register_formula(OpKind.copy)
def copy(inputs: tuple[Shape, ...], out: Shape) -> OpCost:
    """Pure data movement (clone, dtype cast, padding, gather, roll, nearest upsampling): no arithmetic;
    the inputs are read and the output written."""
    return OpCost(kind=OpKind.copy, output_shape=out, inputs=sum(numel(s) for s in inputs), outputs=numel(out))


@register_formula(OpKind.pixel_shuffle)
def pixel_shuffle(x: Shape, factor: int, inverse: bool = False) -> OpCost:
    """Pixel shuffle of x = (N, C, *spatial) over its r spatial axes: C·f^r channels become a map f times
    larger along each axis (pixel unshuffle: the reverse). No arithmetic; every element is read and written
    once (a permuted copy)."""
    rank = len(x) - 2
    if factor < 1 or rank < 1:
        raise CnncalcError(f"pixel shuffle by {factor} of shape {x}: the factor must be ≥ 1 and the input N×C×…")
    block = factor**rank
    if inverse:
        if any(s % factor for s in x[2:]):
            raise CnncalcError(f"pixel unshuffle by {factor}: every spatial size of {x} must be a multiple of it")
        out = (x[0], x[1] * block, *(s // factor for s in x[2:]))
    else:
        if x[1] % block:
            raise CnncalcError(f"pixel shuffle by {factor} over {rank} axes needs channels divisible by "
                               f"{factor}^{rank} = {block}; got {x[1]}")
        out = (x[0], x[1] // block, *(s * factor for s in x[2:]))
    return OpCost(kind=OpKind.pixel_shuffle, output_shape=out, inputs=numel(x), outputs=numel(out))
