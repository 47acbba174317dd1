"""Matrix products (mm, bmm, addmm, baddbmm: what linear layers and attention run), through
`cnncalc.formulas.linear.matmul`."""

from __future__ import annotations

from typing import Any

from cnncalc.analysis.ops.common import Args, Traced, aten, shape
from cnncalc.analysis.ops.registry import handles
from cnncalc.formulas import linear as linear_f


@handles(aten.mm, aten.bmm)
def _mm(name: str, a: Args, out: Any) -> Traced:
    return Traced(linear_f.matmul(shape(a["self"]), shape(a["mat2"])))


@handles(aten.addmm, aten.baddbmm)
def _addmm(name: str, a: Args, out: Any) -> Traced:
    first_operand = a["mat1"] if "mat1" in a else a["batch1"]
    second = a["mat2"] if "mat2" in a else a["batch2"]
    return Traced(linear_f.matmul(shape(first_operand), shape(second), bias=shape(a["self"])))
