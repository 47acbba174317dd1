"""Sorting and selecting the k largest: comparisons, counted as other FLOPs (1 per comparison).

How many comparisons a sort makes depends on the algorithm and on the data; the convention is the
comparison-sort bound, n·⌈log₂n⌉ for n elements (merge sort's worst case stays under it), and for the top k
of n a k-element heap that every element is tested against and sifted through: n·⌈log₂(k + 1)⌉.
"""

from __future__ import annotations

from cnncalc.errors import CnncalcError
from cnncalc.formulas.cost import OpCost, OpKind, Shape, count_expr, numel, register_formula


def ceil_log2(n: int) -> int:
    """⌈log₂n⌉ for n ≥ 1 (0 for n = 1)."""
    return (n - 1).bit_length()


def _slices(x: Shape, dim: int) -> tuple[int, int]:
    """The length along `dim` and how many slices of that length x holds (a 0-dim tensor: one of length 1)."""
    if not x:
        return 1, 1
    if not -len(x) <= dim < len(x):
        raise CnncalcError(f"axis {dim} of a tensor of shape {x}: accepted are {-len(x)} to {len(x) - 1}")
    n = x[dim]
    return n, numel(x) // n if n else 0


@register_formula(OpKind.sort)
def sort(x: Shape, dim: int = -1) -> OpCost:
    """Sorting x along `dim` (sort, argsort, msort): n·⌈log₂n⌉ comparisons per slice of n elements (0 for
    n ≤ 1), 1 FLOP each; values and indices are written."""
    n, slices = _slices(x, dim)
    per = n * ceil_log2(n) if n > 1 else 0
    return OpCost(kind=OpKind.sort, output_shape=x, other_flops=per * slices, inputs=numel(x), outputs=2 * numel(x),
                  other_expr=f"sort {count_expr(slices)}·{per:,}" if per else "")


@register_formula(OpKind.topk)
def topk(x: Shape, k: int, dim: int = -1) -> OpCost:
    """The k largest (or smallest) of each slice of n elements along `dim`: n·⌈log₂(k + 1)⌉ comparisons per slice
    (a k-element heap), 1 FLOP each; k values and k indices are written per slice."""
    n, slices = _slices(x, dim)
    if not 0 <= k <= n:
        raise CnncalcError(f"top {k} of {n} elements along axis {dim} of {x}: k must be 0 to {n}")
    per = n * ceil_log2(k + 1)
    out = tuple(k if i == dim % len(x) else s for i, s in enumerate(x)) if x else ()
    return OpCost(kind=OpKind.topk, output_shape=out, other_flops=per * slices, inputs=numel(x),
                  outputs=2 * numel(out), other_expr=f"top {k} {count_expr(slices)}·{per:,}" if per else "")
