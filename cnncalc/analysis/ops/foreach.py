"""Multi-tensor (foreach) ops: an optimizer's step on every parameter at once, each element costed by the
single-tensor op's own formula (whatever the registry holds for it: a built-in, or a user's)."""

from __future__ import annotations

from typing import Any

from cnncalc.analysis.ops.common import Args, Bound, Traced, aten
from cnncalc.analysis.ops.registry import handles, lookup_packet
from cnncalc.formulas.cost import OpCost, OpKind

#: the single-tensor ops whose foreach forms optimizers use (_foreach_add_, _foreach_addcdiv_, …)
FOREACH_BASES = ("add", "add_", "sub", "sub_", "mul", "mul_", "div", "div_", "addcmul", "addcmul_", "addcdiv",
                 "addcdiv_", "lerp", "lerp_", "sqrt", "sqrt_", "rsqrt", "rsqrt_", "neg", "neg_", "reciprocal_",
                 "sign", "sign_", "maximum", "maximum_", "minimum_", "clamp_min", "clamp_min_", "clamp_max",
                 "clamp_max_", "exp", "exp_", "abs", "abs_", "sigmoid", "sigmoid_", "pow", "pow_")


def _item(value: Any, i: int) -> Any:
    return value[i] if isinstance(value, list | tuple) else value


@handles(*(getattr(aten, f"_foreach_{base}") for base in FOREACH_BASES))
def _foreach(name: str, a: Args, out: Any) -> Traced | None:
    """aten._foreach_X(lists…): the single-tensor op X on each element of the lists, through X's own formula
    (the registry's); the costs summed. None when X has none (listed uncounted)."""
    base = name.removeprefix("_foreach_")
    formula = lookup_packet(getattr(aten, base))
    lists = {k: v for k, v in a.items() if isinstance(v, list | tuple)}
    targets = lists.get("self") or next(iter(lists.values()), [])
    results = out if isinstance(out, list | tuple) and len(out) == len(targets) else targets
    call_args, call_kwargs = (a.args, a.kwargs) if isinstance(a, Bound) else ((), {})
    costs: list[OpCost] = []
    for i in range(len(targets)):
        item = Bound({k: (v[i] if k in lists else v) for k, v in a.items()}, [_item(v, i) for v in call_args],
                     {k: _item(v, i) for k, v in call_kwargs.items()})
        traced = formula.trace(base, item, results[i]) if formula is not None else None
        if traced is None:
            return None
        costs.append(traced.cost)
    if not costs:
        return Traced(OpCost(kind=OpKind.elementwise, output_shape=()))
    return Traced(OpCost(kind=costs[0].kind, output_shape=costs[0].output_shape, macs=sum(c.macs for c in costs),
                         other_flops=sum(c.other_flops for c in costs), inputs=sum(c.inputs for c in costs),
                         weights=sum(c.weights for c in costs), outputs=sum(c.outputs for c in costs),
                         other_expr=f"{base} over {len(costs)} tensors, {sum(c.outputs for c in costs):,} elements"))
