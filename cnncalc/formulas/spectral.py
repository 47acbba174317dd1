"""Fast Fourier transforms (torch.fft.*, and torch.stft / istft, which run them on windowed frames).

A complex FFT of length n costs 5·n·log₂n FLOPs, the radix-2 butterfly count: log₂n stages of n/2 butterflies,
each one complex multiply by its twiddle factor (4 real multiplies and 2 adds: 6) and two complex adds (2
each: 4), so 10 per butterfly and 5·n per stage. A real transform (real input to half spectrum, or back) costs
half that, 2.5·n·log₂n. For a length that is not a power of two the same expression is rounded to the nearest
integer (a convention: mixed-radix and Bluestein kernels differ in detail). These are FLOPs of other arithmetic
(`other_flops`), not MACs: an FFT is not a convolution or matrix product. A transform over several axes is the
1-D transforms along each axis in turn: a real-to-complex one (r2c) the real transform along its last axis,
then complex transforms along the others over the half spectrum (n//2 + 1 along the last axis, also when the
full spectrum is returned: the other half is its conjugate mirror, filled in without arithmetic); complex to
real (c2r) the reverse. A normalisation (by 1/n or 1/√n) adds 1 FLOP per output element.
"""

from __future__ import annotations

import math

from cnncalc.errors import CnncalcError
from cnncalc.formulas.cost import OpCost, OpKind, Shape, count_expr, numel, register_formula

TRANSFORMS = ("c2c", "r2c", "c2r")


def complex_fft_flops(n: int) -> int:
    """One complex FFT of length n: 5·n·log₂n (exact for a power of two, else rounded); 0 for n ≤ 1."""
    if n <= 1:
        return 0
    if n & (n - 1) == 0:
        return 5 * n * (n.bit_length() - 1)
    return math.floor(5 * n * math.log2(n) + 0.5)


def real_fft_flops(n: int) -> int:
    """One real FFT of length n (to its half spectrum, or back): 2.5·n·log₂n (exact for a power of two ≥ 2, else
    rounded); 0 for n ≤ 1."""
    if n <= 1:
        return 0
    if n & (n - 1) == 0:
        return 5 * n * (n.bit_length() - 1) // 2
    return math.floor(2.5 * n * math.log2(n) + 0.5)


def _along(shape: Shape, axis: int, per_transform: int) -> tuple[int, str]:
    """FLOPs of the 1-D transforms along `axis` of `shape` (one per line along it), and their expression."""
    n = shape[axis]
    lines = numel(shape) // n if n else 0
    return lines * per_transform, f"{count_expr(lines)}·{per_transform:,}"


@register_formula(OpKind.fft)
def fft(x: Shape, out: Shape, axes: tuple[int, ...], transform: str = "c2c", normalized: bool = False) -> OpCost:
    """An FFT of x over `axes` (see the module docstring): c2c 5·n·log₂n per line along each axis; r2c
    2.5·n·log₂n per line along the last axis, then 5·m·log₂m per line along each other axis of the half spectrum;
    c2r the complex transforms first (over x, the half spectrum), then the real ones into `out`. A normalisation
    adds 1 per output element. Lengths that are not powers of two: the same expressions, rounded."""
    if transform not in TRANSFORMS:
        raise CnncalcError(f"FFT transform {transform!r}: accepted are {', '.join(TRANSFORMS)}")
    rank = len(x)
    if not axes or len(out) != rank or any(not -rank <= a < rank for a in axes):
        raise CnncalcError(f"an FFT of shape {x} over axes {axes} into {out}: the axes must be axes of both")
    dims = tuple(a % rank for a in axes)
    last = dims[-1]
    parts: list[tuple[int, str]] = []
    if transform == "c2c":
        parts = [_along(x, a, complex_fft_flops(x[a])) for a in dims]
    elif transform == "r2c":
        half = (*x[:last], x[last] // 2 + 1, *x[last + 1:])
        parts = [_along(x, last, real_fft_flops(x[last]))]
        parts += [_along(half, a, complex_fft_flops(half[a])) for a in dims[:-1]]
    else:
        parts = [_along(x, a, complex_fft_flops(x[a])) for a in dims[:-1]]
        parts += [_along(out, last, real_fft_flops(out[last]))]
    norm = numel(out) if normalized else 0
    exprs = [e for f, e in parts if f] + ([f"norm {count_expr(*out)}"] if norm else [])
    return OpCost(kind=OpKind.fft, output_shape=out, other_flops=sum(f for f, _ in parts) + norm, inputs=numel(x),
                  outputs=numel(out), other_expr=f"fft {transform} " + " + ".join(exprs) if exprs else "")
