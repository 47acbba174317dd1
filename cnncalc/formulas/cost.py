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
#: One value per spatial axis (length; height, width; or depth, height, width): kernel, stride, padding, …
Dims = tuple[int, ...]
#: The names of the spatial axes by rank, for messages.
AXES = {1: ("length",), 2: ("height", "width"), 3: ("depth", "height", "width")}


def axis_names(rank: int) -> tuple[str, ...]:
    return AXES.get(rank, tuple(f"axis {i}" for i in range(rank)))


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
    matmul = "matmul"
    layer_norm = "layer_norm"
    adaptive_pool = "adaptive_pool"
    reduce = "reduce"
    elementwise = "elementwise"
    copy = "copy"
    interpolate = "interpolate"
    pixel_shuffle = "pixel_shuffle"
    grid_sample = "grid_sample"
    roi_align = "roi_align"
    nms = "nms"
    interpolate_aa = "interpolate_aa"
    recurrent = "recurrent"
    recurrent_backward = "recurrent_backward"
    fft = "fft"
    sort = "sort"
    topk = "topk"
    #: an op counted by a formula registered with `cnncalc.register_op` that returned counts (not an OpCost)
    custom = "custom"


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


def weighted_cost(kind: OpKind, inputs: int, out: Shape, factors: tuple[int, ...], positions: tuple[int, ...],
                  bias_size: int, other_flops: int = 0, other_expr: str = "") -> OpCost:
    """The cost of an op that applies a learnable weight at each of `positions`: convolutions and linear
    layers. weights = product of `factors`; MACs = weights · product of `positions`. A bias of `bias_size`
    elements (0: none) adds 1 FLOP per output element."""
    weight = numel(factors)
    bias = bias_size > 0
    bias_params = bias_size
    bias_expr = f"bias {count_expr(*out)}" if bias else ""
    return OpCost(
        kind=kind,
        output_shape=out,
        macs=weight * numel(positions),
        other_flops=other_flops + (numel(out) if bias else 0),
        inputs=inputs,
        weights=weight + bias_params,
        outputs=numel(out),
        params_weight=weight,
        params_bias=bias_params,
        param_expr=product_expr(*factors),
        mac_expr=count_expr(weight, *positions),
        other_expr=" + ".join(e for e in (other_expr, bias_expr) if e),
    )


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
