"""Primitive op formulas: one pure function per op, from shapes to an `OpCost`. Nothing else computes costs.

Importing this package registers every formula in `FORMULAS` (keyed by `OpKind`).
"""

from cnncalc.formulas import conv, deform, elementwise, linear, norm, ordering, pool, recurrent, sample, spectral
from cnncalc.formulas.cost import FORMULAS, Dims, OpCost, OpKind, Shape

__all__ = ["FORMULAS", "Dims", "OpCost", "OpKind", "Shape", "conv", "deform", "elementwise", "linear",
           "norm", "ordering", "pool", "recurrent", "sample", "spectral"]
