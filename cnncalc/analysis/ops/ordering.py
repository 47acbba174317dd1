"""Sorting and selecting (sort, argsort, msort, topk), through `cnncalc.formulas.ordering`."""

from __future__ import annotations

from typing import Any

from cnncalc.analysis.ops.common import Args, Traced, aten, shape
from cnncalc.analysis.ops.registry import handles
from cnncalc.formulas import ordering as order_f


@handles(aten.sort, aten.argsort, aten.msort)
def _sort(name: str, a: Args, out: Any) -> Traced:
    """sort (argsort and msort reach it, or come as themselves): comparisons along the sorted axis."""
    dim = 0 if name == "msort" else int(a.get("dim", -1))
    return Traced(order_f.sort(shape(a["self"]), dim))


@handles(aten.topk)
def _topk(name: str, a: Args, out: Any) -> Traced:
    return Traced(order_f.topk(shape(a["self"]), int(a["k"]), int(a.get("dim", -1))))
