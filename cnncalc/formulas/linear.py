"""Fully connected layers."""

from __future__ import annotations

from cnncalc.errors import CnncalcError
from cnncalc.formulas.cost import OpCost, OpKind, Shape, count_expr, numel, register_formula, weighted_cost
from cnncalc.formulas.elementwise import broadcast_shape


@register_formula(OpKind.linear)
def linear(x: Shape, fout: int, bias: bool = False) -> OpCost:
    """y = x·Wᵀ + b over the last axis of x = (..., fin).

    weights = fin · fout; MACs = weights · (rows of x). Bias adds 1 FLOP per output element.
    """
    if not x or x[-1] < 1 or fout < 1:
        raise CnncalcError(f"linear layer from {x[-1] if x else 0} to {fout} features: both must be ≥ 1")
    return weighted_cost(OpKind.linear, numel(x), (*x[:-1], fout), (x[-1], fout), (numel(x[:-1]),),
                         fout if bias else 0)


@register_formula(OpKind.matmul)
def matmul(a: Shape, b: Shape, bias: Shape | None = None) -> OpCost:
    """Batched matrix product a (..., M, K) @ b (..., K, N), optionally + bias (addmm, baddbmm).

    The batch axes broadcast as torch.matmul's do: (2, 1, M, K) @ (5, K, N) is (2, 5, M, N).

    MACs = batch · M · K · N; the bias add is 1 FLOP per output element. Both operands count as inputs
    (in a linear layer b is the weight; the bytes are the same).
    """
    if len(a) < 2 or len(b) < 2 or a[-1] != b[-2]:
        raise CnncalcError(f"matrix product of shapes {a} and {b}: inner dimensions do not match")
    rank = max(len(a), len(b)) - 2
    batch_a, batch_b = (1,) * (rank - len(a) + 2) + a[:-2], (1,) * (rank - len(b) + 2) + b[:-2]
    try:  # the batch axes broadcast as torch.matmul's do
        batch_shape = broadcast_shape(batch_a, batch_b)
    except CnncalcError:
        raise CnncalcError(f"matrix product of shapes {a} and {b}: batch axes {a[:-2]} and {b[:-2]} "
                           "do not broadcast") from None
    batch = numel(batch_shape)
    m, k, n = a[-2], a[-1], b[-1]
    out = (*batch_shape, m, n)
    return OpCost(kind=OpKind.matmul, output_shape=out, macs=batch * m * k * n,
                  other_flops=numel(out) if bias is not None else 0,
                  inputs=numel(a) + numel(b) + (numel(bias) if bias is not None else 0), outputs=numel(out),
                  mac_expr=count_expr(batch, m, k, n),
                  other_expr=f"bias {count_expr(*out)}" if bias is not None else "")
