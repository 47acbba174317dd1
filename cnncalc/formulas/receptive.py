"""Receptive field arithmetic, per spatial axis, for any number of spatial axes (1-D, 2-D, 3-D).

A field is the size (in input positions) of the window one output element sees, and the jump (the input
distance between neighbouring outputs, the product of strides), one value per axis. Through a window op
with effective kernel k_eff = d·(k−1)+1 and stride s: size' = size + (k_eff − 1)·jump, jump' = jump·s.
Merges (add, concat) take the largest field of their inputs. Exact rationals: a transposed convolution
divides the jump by its stride.

A window op of rank r applies to the last r axes of a field of higher rank (a 2-D convolution on the
frames of a video). Window axes beyond the field's own axes run over something that is not the input's
space (a 1-D pool run as a 2-D pool on an unsqueezed axis, local response norm's window across channels)
and leave the field alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from cnncalc.formulas.cost import Dims

Axes = tuple[Fraction, ...]


@dataclass(frozen=True)
class Field:
    size: Axes = (Fraction(1), Fraction(1))
    jump: Axes = (Fraction(1), Fraction(1))

    @classmethod
    def identity(cls, rank: int) -> Field:
        """What an input element sees: itself, along each of `rank` axes."""
        return cls(size=(Fraction(1),) * rank, jump=(Fraction(1),) * rank)

    @property
    def rank(self) -> int:
        return len(self.size)

    def with_rank(self, rank: int) -> Field:
        """The same field over at least `rank` axes: extra leading axes see one position."""
        if rank <= self.rank:
            return self
        pad = rank - self.rank
        return Field(size=(Fraction(1),) * pad + self.size, jump=(Fraction(1),) * pad + self.jump)


def effective_kernel(kernel: int, dilation: int) -> int:
    """Span of a dilated kernel: d·(k−1)+1."""
    return dilation * (kernel - 1) + 1


def _split(field: Field, window: Dims, *more: Dims) -> tuple[Field, Field, list[Dims]]:
    """(the leading axes the op leaves alone, the last axes it works on, the window's per-axis values on
    those axes): a window of more axes than the field keeps only its last ones."""
    rank = min(len(window), field.rank)
    lead = field.rank - rank
    return (Field(field.size[:lead], field.jump[:lead]), Field(field.size[lead:], field.jump[lead:]),
            [tuple(v[len(v) - rank:]) if rank else () for v in (window, *more)])


def _join(lead: Field, size: Sequence[Fraction], jump: Sequence[Fraction]) -> Field:
    return Field(size=lead.size + tuple(size), jump=lead.jump + tuple(jump))


def through_window(field: Field, kernel: Dims, stride: Dims, dilation: Dims | None = None) -> Field:
    """Field after a convolution or pooling window over the last len(kernel) axes."""
    lead, f, (kernel, stride, dilation) = _split(field, kernel, stride, dilation or (1,) * len(kernel))
    size = [f.size[a] + (effective_kernel(kernel[a], dilation[a]) - 1) * f.jump[a] for a in range(len(kernel))]
    jump = [f.jump[a] * stride[a] for a in range(len(kernel))]
    return _join(lead, size, jump)


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


def through_transposed(field: Field, kernel: Dims, stride: Dims, dilation: Dims | None = None) -> Field:
    """Field after a transposed convolution: the jump shrinks by the stride."""
    lead, f, (kernel, stride, dilation) = _split(field, kernel, stride, dilation or (1,) * len(kernel))
    size = [f.size[a] + (transposed_span(kernel[a], stride[a], dilation[a]) - 1) * f.jump[a]
            for a in range(len(kernel))]
    jump = [f.jump[a] / stride[a] for a in range(len(kernel))]
    return _join(lead, size, jump)


def merge(*fields: Field, grid: Field | None = None) -> Field:
    """Branches meet: the largest size along each axis. The jump is that of `grid`, the input laid out on
    the output's own grid (a broadcast SE gate of 1×1 does not change the grid of the map it scales);
    without one, the largest jump. Fields of different ranks are aligned on their last axes."""
    rank = max(f.rank for f in fields)
    aligned = [f.with_rank(rank) for f in fields]
    jump = grid.with_rank(rank).jump if grid is not None else tuple(max(f.jump[a] for f in aligned)
                                                                    for a in range(rank))
    return Field(size=tuple(max(f.size[a] for f in aligned) for a in range(rank)), jump=jump)


def fraction_text(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def dims_text(values: Sequence[Fraction] | None) -> str:
    """'7×7', '3×7×7', '' for none."""
    return "" if values is None else "×".join(fraction_text(v) for v in values)
