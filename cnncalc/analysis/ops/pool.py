"""Pooling (max, average, adaptive; 1-D to 3-D) and reductions (a mean over the spatial axes is a global
pool), through `cnncalc.formulas.pool` and `cnncalc.formulas.elementwise.reduce`."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from cnncalc.analysis.ops.common import Args, Traced, Window, aten, dims, first, shape
from cnncalc.analysis.ops.registry import handles
from cnncalc.formulas import elementwise as elem_f
from cnncalc.formulas import pool as pool_f
from cnncalc.formulas.cost import Shape


def _rank(name: str, x: Shape) -> int:
    """The spatial rank an op works at: from its name ('max_pool3d', 'upsample_linear1d'), else from x."""
    for rank in (1, 2, 3):
        if name.endswith((f"{rank}d", f"{rank}d_with_indices", f"{rank}d_aa")):
            return rank
    return len(x) - 2


@handles(aten.max_pool1d, aten.max_pool2d, aten.max_pool2d_with_indices, aten.max_pool3d,
         aten.max_pool3d_with_indices, aten.avg_pool1d, aten.avg_pool2d, aten.avg_pool3d)
def _pool(name: str, a: Args, out: Any) -> Traced:
    x = shape(a["self"])
    rank = _rank(name, x)
    if len(x) == rank + 1:  # an unbatched input
        x = (1, *x)
    kernel = dims(a["kernel_size"], rank, 1)
    stride = dims(a["stride"], rank, 1) if a["stride"] else kernel
    padding, dilation = dims(a["padding"], rank, 0), dims(a.get("dilation", 1), rank, 1)
    mode = "avg" if name.startswith("avg") else "max"
    cost = pool_f.pool(x, kernel, stride, padding, dilation, mode, bool(a["ceil_mode"]))
    return Traced(cost, Window(kernel, stride, dilation))


@handles(aten._adaptive_avg_pool2d, aten.adaptive_avg_pool2d, aten.adaptive_max_pool2d, aten._adaptive_avg_pool3d,
         aten.adaptive_avg_pool3d, aten.adaptive_max_pool3d, aten.adaptive_avg_pool1d, aten.adaptive_max_pool1d)
def _adaptive_pool(name: str, a: Args, out: Any) -> Traced:
    x = shape(a["self"])
    rank = _rank(name, x)
    if len(x) == rank + 1:
        x = (1, *x)
    size = dims(a["output_size"], rank, 1)
    cost = pool_f.adaptive_pool(x, size, "max" if "max" in name else "avg")
    kernel = tuple(max(pool_f.adaptive_windows(x[2 + i], size[i])) for i in range(rank))
    return Traced(cost, Window(kernel, tuple(max(1, x[2 + i] // size[i]) for i in range(rank))))


@handles(aten.mean, aten.sum, aten.amax, aten.max, aten.min, aten.amin, aten.var, aten.std, aten.var_mean,
         aten.linalg_vector_norm, aten.norm, aten.logsumexp, aten.prod, aten.cumsum, aten.any, aten.all,
         aten.argmax, aten.argmin, aten.std_mean, aten.nonzero, aten.argwhere, aten.unique_consecutive)
def _reduce(name: str, a: Args, out: Any) -> Traced:
    """Reductions, and the ops that test every element once (nonzero compares each with zero): 1 FLOP per
    input element. Sorting (sort, topk) has its own formulas; unique has none."""
    x = shape(a["self"])
    result = shape(first(out))
    axes = a.get("dim")
    axes = sorted(d % len(x) for d in axes) if isinstance(axes, list | tuple) and x else []
    if len(x) >= 3 and axes == list(range(2, len(x))):  # a global pool over the spatial axes
        cost = pool_f.pool(x, x[2:], x[2:], mode=name)
        return Traced(replace(cost, output_shape=result), Window(x[2:], x[2:]))
    return Traced(elem_f.reduce(x, result, name))
