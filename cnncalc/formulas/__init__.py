"""Primitive op formulas: one pure function per op, from shapes to an `OpCost`. Nothing else computes costs.

Importing this package registers every formula in `FORMULAS` (keyed by `OpKind`).
"""

from cnncalc.formulas import conv, deform, elementwise, linear, norm, pool
from cnncalc.formulas.cost import FORMULAS, OpCost, OpKind, Pair, Shape

__all__ = ["FORMULAS", "OpCost", "OpKind", "Pair", "Shape", "conv", "deform", "elementwise", "linear",
           "norm", "pool"]
