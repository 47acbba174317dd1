"""Fully connected layers."""

from __future__ import annotations

from cnncalc.errors import CnncalcError
from cnncalc.formulas.cost import OpCost, OpKind, Shape, count_expr, numel, product_expr, register_formula


@register_formula(OpKind.linear)
def linear(x: Shape, fout: int, bias: bool = False) -> OpCost:
    """y = x·Wᵀ + b over the last axis of x = (..., fin).

    weights = fin · fout; MACs = weights · (rows of x). Bias adds 1 FLOP per output element.
    """
    if not x or x[-1] < 1 or fout < 1:
        raise CnncalcError(f"linear layer from {x[-1] if x else 0} to {fout} features: both must be ≥ 1")
    fin = x[-1]
    rows = numel(x[:-1])
    out = (*x[:-1], fout)
    weight = fin * fout
    return OpCost(
        kind=OpKind.linear,
        output_shape=out,
        macs=weight * rows,
        other_flops=numel(out) if bias else 0,
        inputs=numel(x),
        weights=weight + (fout if bias else 0),
        outputs=numel(out),
        params_weight=weight,
        params_bias=fout if bias else 0,
        param_expr=product_expr(fin, fout),
        mac_expr=count_expr(weight, rows),
        other_expr=f"bias {count_expr(*out)}" if bias else "",
    )
