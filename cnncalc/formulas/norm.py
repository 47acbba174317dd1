"""Normalisation layers (inference), over any number of spatial axes: x = (N, C, *spatial)."""

from __future__ import annotations

from cnncalc.formulas.cost import OpCost, OpKind, Shape, count_expr, numel, product_expr, register_formula


@register_formula(OpKind.batch_norm)
def batch_norm(x: Shape, affine: bool = True, track_running_stats: bool = True) -> OpCost:
    """Inference batch norm of x = (N, C, *spatial): y = (x − mean)/√(var + ε)·γ + β.

    With the statistics fixed it folds into one multiply-add per element, which the convention counts as
    1 FLOP per element (no MACs). It reads mean and var (buffers) and γ, β (parameters): 4·C weights.
    Buffers owned: running mean and var (2·C) and num_batches_tracked (1), as `module.buffers()` counts.
    """
    c = x[1]
    return OpCost(
        kind=OpKind.batch_norm,
        output_shape=x,
        other_flops=numel(x),
        inputs=numel(x),
        weights=(2 * c if affine else 0) + (2 * c if track_running_stats else 0),
        outputs=numel(x),
        params_weight=c if affine else 0,
        params_bias=c if affine else 0,
        buffers=2 * c + 1 if track_running_stats else 0,
        param_expr=product_expr(2, c) if affine else "",
        other_expr=f"norm {count_expr(*x)}",
    )


@register_formula(OpKind.layer_norm)
def normalization(x: Shape, params: int = 0, name: str = "layer norm") -> OpCost:
    """Layer, group or instance norm of x: 1 FLOP per element by the convention (statistics included),
    reading `params` affine elements (γ and β)."""
    return OpCost(kind=OpKind.layer_norm, output_shape=x, other_flops=numel(x), inputs=numel(x), weights=params,
                  outputs=numel(x), other_expr=f"{name} {count_expr(*x)}")
