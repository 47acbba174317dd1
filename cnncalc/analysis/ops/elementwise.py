"""Element-wise ops: activations, the residual add and the (broadcast) scale, and other arithmetic, through
`cnncalc.formulas.elementwise`."""

from __future__ import annotations

from typing import Any

from cnncalc.analysis.ops.common import Args, Traced, aten, first, shape, tensor_shapes
from cnncalc.analysis.ops.registry import handles
from cnncalc.formulas import elementwise as elem_f

ACTIVATIONS = (aten.relu, aten.relu_, aten.gelu, aten.gelu_, aten.silu, aten.silu_, aten.sigmoid, aten.sigmoid_,
               aten.tanh, aten.tanh_, aten.hardswish, aten.hardswish_, aten.hardsigmoid, aten.hardsigmoid_,
               aten.hardtanh, aten.hardtanh_, aten.leaky_relu, aten.leaky_relu_, aten.elu, aten.elu_, aten.mish,
               aten.mish_, aten.clamp, aten.clamp_, aten.clamp_min, aten.clamp_min_, aten.clamp_max,
               aten.clamp_max_, aten._softmax, aten._safe_softmax, aten._log_softmax, aten.exp, aten.exp_,
               aten.sqrt, aten.rsqrt, aten.neg, aten.erf, aten._prelu_kernel, aten.abs, aten.abs_, aten.log,
               aten.log_, aten.sign, aten.reciprocal, aten.sin, aten.cos, aten.softplus, aten.log_sigmoid_forward,
               aten.glu, aten.threshold, aten.threshold_, aten.celu, aten.selu, aten.rrelu_with_noise, aten.square,
               aten.sgn, aten.expm1, aten.log1p, aten.atan, aten.tan, aten.hardshrink, aten.softshrink, aten.log2,
               aten.log10, aten.angle)


@handles(*ACTIVATIONS)
def _activation(name: str, a: Args, out: Any) -> Traced:
    return Traced(elem_f.activation(shape(first(out)), name.rstrip("_").lstrip("_")))


BINARY = {"add": elem_f.add, "mul": elem_f.mul}


@handles(aten.add, aten.add_, aten.mul, aten.mul_)
def _binary(name: str, a: Args, out: Any) -> Traced:
    """Two tensors of one rank: the residual add or the (broadcast) scale; otherwise plain element-wise."""
    op = name.rstrip("_")
    shapes, result = tensor_shapes(a), shape(first(out))
    if len(shapes) == 2 and len(shapes[0]) == len(shapes[1]) == len(result):
        return Traced(BINARY[op](shapes[0], shapes[1]))
    return Traced(elem_f.elementwise(result, shapes, op))


@handles(aten.sub, aten.sub_, aten.rsub, aten.div, aten.div_, aten.eq, aten.ne, aten.lt, aten.gt, aten.le,
         aten.ge, aten.masked_fill, aten.masked_fill_, aten.where, aten.pow, aten.pow_, aten.floor, aten.ceil,
         aten.round, aten.trunc, aten.frac, aten.addcmul, aten.addcdiv, aten.lerp, aten.minimum, aten.maximum,
         aten.remainder, aten.fmod, aten.atan2, aten.logical_and, aten.logical_or, aten.logical_not,
         aten.logical_xor, aten.bitwise_and, aten.bitwise_or, aten.bitwise_not, aten.bitwise_xor,
         aten.floor_divide, aten.isnan, aten.isinf, aten.xlogy, aten.hypot, aten.addcmul_, aten.addcdiv_,
         aten.lerp_, aten.sqrt_, aten.rsqrt_, aten.neg_, aten.reciprocal_, aten.sign_, aten.maximum_, aten.minimum_)
def _elementwise(name: str, a: Args, out: Any) -> Traced:
    return Traced(elem_f.elementwise(shape(first(out)), tensor_shapes(a), name.rstrip("_")))
