"""The cost record every primitive formula returns, and the registry that holds the formulas.

A formula is a pure function of shapes and hyper-parameters that returns an `OpCost`. Nothing else in
cnncalc computes a cost: layer presets (and the model tracer) only call these.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any, TypeVar

Shape = tuple[int, ...]
Pair = tuple[int, int]


class OpKind(str, Enum):
    """The primitive operations cnncalc has a formula for."""

    conv = "conv"
    conv_transpose = "conv_transpose"
    deform_conv = "deform_conv"
    linear = "linear"
    batch_norm = "batch_norm"
    activation = "activation"
    pool = "pool"
    add = "add"
    mul = "mul"
    concat = "concat"
    channel_shuffle = "channel_shuffle"
    view = "view"


@dataclass(frozen=True)
class OpCost:
    """What one primitive op costs.

    Element counts, not bytes: `inputs` are activation elements read, `weights` the elements of weight
    operands read (parameters, and BN running statistics), `outputs` the elements written. The
    `params_*` and `buffers` fields say what the op owns when it is a module (a conv owns its weight).
    `param_expr` and `mac_expr` are the same arithmetic written out with the numbers put in.
    """

    kind: OpKind
    output_shape: Shape
    macs: int = 0
    other_flops: int = 0
    inputs: int = 0
    weights: int = 0
    outputs: int = 0
    params_weight: int = 0
    params_bias: int = 0
    buffers: int = 0
    param_expr: str = ""
    mac_expr: str = ""
    other_expr: str = ""

    @property
    def flops(self) -> int:
        """FLOPs = 2 × MACs + other arithmetic (the convention in `cnncalc.conventions`)."""
        return 2 * self.macs + self.other_flops

    @property
    def params(self) -> int:
        return self.params_weight + self.params_bias

    def traffic_bytes(self, itemsize: int) -> int:
        """Bytes read and written once each: the ideal-reuse lower bound on memory traffic."""
        return (self.inputs + self.weights + self.outputs) * itemsize


F = TypeVar("F", bound=Callable[..., OpCost])
FORMULAS: dict[OpKind, Callable[..., OpCost]] = {}


def register_formula(kind: OpKind) -> Callable[[F], F]:
    """Register the one formula for `kind`; a second registration is a programming error."""

    def decorate(fn: F) -> F:
        if kind in FORMULAS:
            raise RuntimeError(f"a formula for {kind.value!r} is already registered: {FORMULAS[kind]!r}")
        FORMULAS[kind] = fn
        return fn

    return decorate


def numel(shape: Shape) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


def fmt(n: Any) -> str:
    """Thousands separators, as the expressions are printed: 6912 → '6,912'."""
    return f"{n:,}"


def product_expr(*factors: int) -> str:
    """`3·3·3·256`: the factors of a product, middle dots between them."""
    return "·".join(fmt(f) for f in factors)


def count_expr(*factors: int) -> str:
    """A product of sizes with the factors of 1 left out: (1, 256, 56, 56) → `256·56·56`."""
    kept = [f for f in factors if f != 1]
    return product_expr(*kept) if kept else "1"
