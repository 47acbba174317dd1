"""Fully connected layers."""

from __future__ import annotations

from cnncalc.errors import CnncalcError
from cnncalc.formulas.cost import OpCost, OpKind, Shape, numel, register_formula, weighted_cost


@register_formula(OpKind.linear)
def linear(x: Shape, fout: int, bias: bool = False) -> OpCost:
    """y = x·Wᵀ + b over the last axis of x = (..., fin).

    weights = fin · fout; MACs = weights · (rows of x). Bias adds 1 FLOP per output element.
    """
    if not x or x[-1] < 1 or fout < 1:
        raise CnncalcError(f"linear layer from {x[-1] if x else 0} to {fout} features: both must be ≥ 1")
    return weighted_cost(OpKind.linear, numel(x), (*x[:-1], fout), (x[-1], fout), (numel(x[:-1]),),
                         fout if bias else 0)
