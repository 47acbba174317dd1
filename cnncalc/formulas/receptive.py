"""Receptive field arithmetic, per spatial axis.

A field is the size (in input pixels) of the window one output element sees, and the jump (the input
distance between neighbouring outputs, the product of strides). Through a window op with effective
kernel k_eff = d·(k−1)+1 and stride s: size' = size + (k_eff − 1)·jump, jump' = jump·s. Merges (add,
concat) take the largest field of their inputs. Exact rationals: a transposed convolution divides the
jump by its stride.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from cnncalc.formulas.cost import Pair


@dataclass(frozen=True)
class Field:
    size: tuple[Fraction, Fraction] = (Fraction(1), Fraction(1))
    jump: tuple[Fraction, Fraction] = (Fraction(1), Fraction(1))


def effective_kernel(kernel: int, dilation: int) -> int:
    """Span of a dilated kernel: d·(k−1)+1."""
    return dilation * (kernel - 1) + 1


def through_window(field: Field, kernel: Pair, stride: Pair, dilation: Pair = (1, 1)) -> Field:
    """Field after a convolution or pooling window."""
    size = tuple(field.size[a] + (effective_kernel(kernel[a], dilation[a]) - 1) * field.jump[a]
                 for a in (0, 1))
    jump = tuple(field.jump[a] * stride[a] for a in (0, 1))
    return Field(size=(size[0], size[1]), jump=(jump[0], jump[1]))


def transposed_span(kernel: int, stride: int, dilation: int) -> int:
    """Most input positions, along one axis, that one output of a transposed convolution depends on.

    Output o gathers input i wherever i·s = o + p − t·d for a kernel tap t in [0, k). Which taps qualify
    depends on o mod s; the span is the widest over the s residues: (t_max − t_min)·d / s + 1.
    """
    best = 0
    for residue in range(stride):
        taps = [t for t in range(kernel) if (t * dilation) % stride == residue]
        if taps:
            best = max(best, (taps[-1] - taps[0]) * dilation // stride + 1)
    return best


def through_transposed(field: Field, kernel: Pair, stride: Pair, dilation: Pair = (1, 1)) -> Field:
    """Field after a transposed convolution: the jump shrinks by the stride."""
    size = tuple(field.size[a] + (transposed_span(kernel[a], stride[a], dilation[a]) - 1) * field.jump[a]
                 for a in (0, 1))
    jump = tuple(field.jump[a] / stride[a] for a in (0, 1))
    return Field(size=(size[0], size[1]), jump=(jump[0], jump[1]))


def merge(*fields: Field, grid: Field | None = None) -> Field:
    """Branches meet: the largest size along each axis. The jump is that of `grid`, the input laid out on
    the output's own grid (a broadcast SE gate of 1×1 does not change the grid of the map it scales);
    without one, the largest jump."""
    jump = grid.jump if grid is not None else (max(f.jump[0] for f in fields), max(f.jump[1] for f in fields))
    return Field(size=(max(f.size[0] for f in fields), max(f.size[1] for f in fields)), jump=jump)


def fraction_text(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
