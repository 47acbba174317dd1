"""The aten ops the tracer understands, each mapped onto the one formula for its op (cnncalc.formulas).

A handler receives the op and its bound arguments (meta tensors) and returns the formula's `OpCost` and,
for ops that look through a spatial window, the window (for the receptive field). Ops that cost nothing
(views, tensor factories) are declared in `ZERO_COST`. Anything else the tracer sees is reported as
uncounted, never dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import torch
import torchvision  # noqa: F401  (registers torch.ops.torchvision.*)

from cnncalc.formulas import conv as conv_f
from cnncalc.formulas import deform as deform_f
from cnncalc.formulas import elementwise as elem_f
from cnncalc.formulas import linear as linear_f
from cnncalc.formulas import norm as norm_f
from cnncalc.formulas import pool as pool_f
from cnncalc.formulas.cost import OpCost, Pair, Shape


class Ops:
    """torch.ops.aten, where an op this PyTorch version lacks is a placeholder that matches nothing (so one
    list of handlers serves several PyTorch releases)."""

    def __init__(self, namespace: Any) -> None:
        self._namespace = namespace

    def __getattr__(self, name: str) -> Any:
        try:
            return getattr(self._namespace, name)
        except AttributeError:
            return _Missing(name)


class _Missing:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<aten.{self.name}: not in this PyTorch>"


aten = Ops(torch.ops.aten)


@dataclass(frozen=True)
class Window:
    """A spatial window an op looks through, for the receptive field."""

    kernel: Pair
    stride: Pair
    dilation: Pair = (1, 1)
    transposed: bool = False


@dataclass(frozen=True)
class Traced:
    cost: OpCost
    window: Window | None = None


Args = dict[str, Any]
Handler = Callable[[str, Args, Any], Traced | None]
HANDLERS: dict[Any, Handler] = {}


def handles(*packets: Any) -> Callable[[Handler], Handler]:
    """Register one handler for aten op packets (all their overloads); a second handler is an error."""

    def decorate(fn: Handler) -> Handler:
        for packet in packets:
            if packet in HANDLERS:
                raise RuntimeError(f"aten op {packet} already has a handler: {HANDLERS[packet]!r}")
            HANDLERS[packet] = fn
        return fn

    return decorate


def bind(func: Any, args: Sequence[Any], kwargs: dict[str, Any]) -> Args:
    """The op's arguments by schema name, defaults filled in."""
    bound: Args = {}
    for i, arg in enumerate(func._schema.arguments):
        if i < len(args):
            bound[arg.name] = args[i]
        elif arg.name in kwargs:
            bound[arg.name] = kwargs[arg.name]
        elif arg.has_default_value():
            bound[arg.name] = arg.default_value
    return bound


def shape(t: Any) -> Shape:
    return tuple(int(d) for d in t.shape)


def pair(v: Any, default: Pair = (1, 1)) -> Pair:
    if v is None:
        return default
    if isinstance(v, int):
        return (v, v)
    values = [int(x) for x in v]
    if not values:
        return default
    return (values[0], values[0]) if len(values) == 1 else (values[0], values[1])


def first(out: Any) -> Any:
    return out[0] if isinstance(out, tuple | list) else out


# convolutions ----------------------------------------------------------------------------------------------
@handles(aten.convolution, aten._convolution)
def _convolution(name: str, a: Args, out: Any) -> Traced | None:
    x, w, groups = a["input"], a["weight"], int(a["groups"])
    spatial = w.dim() - 2
    if spatial == 2:
        xs = shape(x)
        kernel = (int(w.shape[2]), int(w.shape[3]))
        stride, padding, dilation = pair(a["stride"]), pair(a["padding"], (0, 0)), pair(a["dilation"])
        output_padding = pair(a["output_padding"], (0, 0))
    elif spatial == 1:  # a 1-D convolution is the 2-D one on a height-1 map
        xs = (int(x.shape[0]), int(x.shape[1]), 1, int(x.shape[2]))
        kernel = (1, int(w.shape[2]))
        stride, padding = (1, int(a["stride"][0])), (0, int(a["padding"][0]))
        dilation, output_padding = (1, int(a["dilation"][0])), (0, int(a["output_padding"][0]))
    else:
        return None  # 3-D convolution: no formula yet, so it is reported as uncounted
    bias = a["bias"] is not None
    if a["transposed"]:
        cost = conv_f.conv_transpose2d(xs, int(w.shape[1]) * groups, kernel, stride, padding, output_padding,
                                       dilation, groups, bias)
    else:
        cost = conv_f.conv2d(xs, int(w.shape[0]), kernel, stride, padding, dilation, groups, bias)
    return Traced(cost, Window(kernel, stride, dilation, transposed=bool(a["transposed"])))


@handles(Ops(torch.ops.torchvision).deform_conv2d)
def _deform_conv2d(name: str, a: Args, out: Any) -> Traced:
    w = a["weight"]
    kernel = (int(w.shape[2]), int(w.shape[3]))
    stride, dilation = (a["stride_h"], a["stride_w"]), (a["dilation_h"], a["dilation_w"])
    # torchvision passes a tensor of zeros when there is no bias: the tracer hands it over as None
    cost = deform_f.deform_conv2d(shape(a["input"]), int(w.shape[0]), kernel, stride, (a["pad_h"], a["pad_w"]),
                                  dilation, a["groups"], a["offset_groups"], a["bias"] is not None,
                                  modulated=bool(a["use_mask"]))
    return Traced(cost, Window(kernel, stride, dilation))


# matrix products -------------------------------------------------------------------------------------------
@handles(aten.mm, aten.bmm)
def _mm(name: str, a: Args, out: Any) -> Traced:
    return Traced(linear_f.matmul(shape(a["self"]), shape(a["mat2"])))


@handles(aten.addmm, aten.baddbmm)
def _addmm(name: str, a: Args, out: Any) -> Traced:
    first_operand = a["mat1"] if "mat1" in a else a["batch1"]
    second = a["mat2"] if "mat2" in a else a["batch2"]
    return Traced(linear_f.matmul(shape(first_operand), shape(second), bias=shape(a["self"])))


# normalisation ---------------------------------------------------------------------------------------------
@handles(aten.native_batch_norm, aten._native_batch_norm_legit_no_training, aten._native_batch_norm_legit,
         aten._native_batch_norm_legit_functional)
def _batch_norm(name: str, a: Args, out: Any) -> Traced:
    return Traced(norm_f.batch_norm(shape(a["input"]), affine=a.get("weight") is not None))


@handles(aten.native_layer_norm, aten.native_group_norm)
def _layer_norm(name: str, a: Args, out: Any) -> Traced:
    params = sum(int(t.numel()) for k, t in a.items() if k in ("weight", "bias") and t is not None)
    return Traced(norm_f.normalization(shape(a["input"]), params, name.removeprefix("native_").replace("_", " ")))


# element-wise ----------------------------------------------------------------------------------------------
ACTIVATIONS = (aten.relu, aten.relu_, aten.gelu, aten.gelu_, aten.silu, aten.silu_, aten.sigmoid, aten.sigmoid_,
               aten.tanh, aten.tanh_, aten.hardswish, aten.hardswish_, aten.hardsigmoid, aten.hardsigmoid_,
               aten.hardtanh, aten.hardtanh_, aten.leaky_relu, aten.leaky_relu_, aten.elu, aten.elu_, aten.mish,
               aten.mish_, aten.clamp, aten.clamp_, aten.clamp_min, aten.clamp_min_, aten._softmax,
               aten._safe_softmax, aten._log_softmax, aten.exp, aten.sqrt, aten.rsqrt, aten.neg, aten.erf,
               aten._prelu_kernel, aten.abs)


@handles(*ACTIVATIONS)
def _activation(name: str, a: Args, out: Any) -> Traced:
    return Traced(elem_f.activation(shape(first(out)), name.rstrip("_").lstrip("_")))


def _tensor_shapes(a: Args) -> tuple[Shape, ...]:
    return tuple(shape(v) for v in a.values() if isinstance(v, torch.Tensor))


BINARY = {"add": elem_f.add, "mul": elem_f.mul}


@handles(aten.add, aten.add_, aten.mul, aten.mul_)
def _binary(name: str, a: Args, out: Any) -> Traced:
    """Two tensors of one rank: the residual add or the (broadcast) scale; otherwise plain element-wise."""
    op = name.rstrip("_")
    shapes, result = _tensor_shapes(a), shape(first(out))
    if len(shapes) == 2 and len(shapes[0]) == len(shapes[1]) == len(result):
        return Traced(BINARY[op](shapes[0], shapes[1]))
    return Traced(elem_f.elementwise(result, shapes, op))


@handles(aten.sub, aten.sub_, aten.rsub, aten.div, aten.div_, aten.eq, aten.ne, aten.lt, aten.gt, aten.le,
         aten.ge, aten.masked_fill, aten.masked_fill_, aten.where, aten.pow, aten.floor, aten.addcmul, aten.lerp)
def _elementwise(name: str, a: Args, out: Any) -> Traced:
    return Traced(elem_f.elementwise(shape(first(out)), _tensor_shapes(a), name.rstrip("_")))


# pooling and reductions ------------------------------------------------------------------------------------
@handles(aten.max_pool2d, aten.max_pool2d_with_indices, aten.avg_pool2d)
def _pool(name: str, a: Args, out: Any) -> Traced:
    kernel = pair(a["kernel_size"])
    stride = pair(a["stride"], kernel)
    padding, dilation = pair(a["padding"], (0, 0)), pair(a.get("dilation", 1))
    mode = "avg" if name.startswith("avg") else "max"
    cost = pool_f.pool2d(shape(a["self"]), kernel, stride, padding, dilation, mode, bool(a["ceil_mode"]))
    return Traced(cost, Window(kernel, stride, dilation))


@handles(aten._adaptive_avg_pool2d, aten.adaptive_avg_pool2d, aten.adaptive_max_pool2d)
def _adaptive_pool(name: str, a: Args, out: Any) -> Traced:
    x = shape(a["self"])
    out_hw = pair(a["output_size"])
    cost = pool_f.adaptive_pool2d(x, out_hw, "max" if "max" in name else "avg")
    kernel = (max(pool_f.adaptive_windows(x[2], out_hw[0])), max(pool_f.adaptive_windows(x[3], out_hw[1])))
    return Traced(cost, Window(kernel, (max(1, x[2] // out_hw[0]), max(1, x[3] // out_hw[1]))))


@handles(aten.mean, aten.sum, aten.amax, aten.max, aten.min, aten.amin, aten.var, aten.std, aten.var_mean,
         aten.linalg_vector_norm, aten.norm, aten.logsumexp, aten.prod, aten.cumsum)
def _reduce(name: str, a: Args, out: Any) -> Traced:
    x = shape(a["self"])
    result = shape(first(out))
    dims = a.get("dim")
    dims = [d % len(x) for d in dims] if isinstance(dims, list | tuple) else []
    if len(x) == 4 and sorted(dims) == [2, 3]:  # a global pool over the spatial axes
        cost = pool_f.pool2d(x, (x[2], x[3]), (x[2], x[3]), mode=name)
        return Traced(replace(cost, output_shape=result), Window((x[2], x[3]), (x[2], x[3])))
    return Traced(elem_f.reduce(x, result, name))


# data movement ---------------------------------------------------------------------------------------------
@handles(aten.cat, aten.stack)
def _cat(name: str, a: Args, out: Any) -> Traced:
    result = shape(first(out))
    shapes = tuple(shape(t) for t in a["tensors"])
    return Traced(elem_f.copy(shapes, result))


@handles(aten.channel_shuffle, aten.native_channel_shuffle)
def _shuffle(name: str, a: Args, out: Any) -> Traced:
    return Traced(elem_f.channel_shuffle(shape(a["self"]), int(a["groups"])))


@handles(aten.clone, aten._to_copy, aten.copy_, aten.constant_pad_nd, aten.index, aten.index_select,
         aten.gather, aten.roll, aten.repeat, aten.flip, aten.upsample_nearest2d, aten._unsafe_index,
         aten.reflection_pad2d, aten.replication_pad2d, aten.tril, aten.triu, aten.fill_, aten.zero_,
         aten.select_backward, aten.slice_backward, aten.index_put, aten.index_put_)
def _copy(name: str, a: Args, out: Any) -> Traced:
    reads = tuple(shape(v) for k, v in a.items()
                  if isinstance(v, torch.Tensor) and not (name in ("copy_", "index_put_") and k == "self"))
    if name in ("fill_", "zero_"):
        reads = ()
    return Traced(elem_f.copy(reads, shape(first(out))))


@handles(aten.upsample_bilinear2d, aten._upsample_bilinear2d_aa, aten.upsample_bicubic2d)
def _upsample(name: str, a: Args, out: Any) -> Traced:
    return Traced(elem_f.interpolate(shape(a["input"] if "input" in a else a["self"]), shape(first(out)), "bilinear"))


#: Ops that cost nothing: views (no bytes move) and tensor factories (allocations, not arithmetic).
ZERO_COST = {
    aten.view, aten._unsafe_view, aten.reshape, aten._reshape_alias, aten.permute, aten.transpose, aten.t,
    aten.expand, aten.slice, aten.select, aten.split, aten.split_with_sizes, aten.unbind, aten.chunk,
    aten.unsqueeze, aten.squeeze, aten.flatten, aten.detach, aten.alias, aten.as_strided, aten.as_strided_,
    aten.lift_fresh, aten.unfold, aten.view_as_real, aten.view_as_complex, aten.narrow, aten.movedim,
    aten.empty, aten.empty_like, aten.empty_strided, aten.zeros, aten.zeros_like, aten.ones, aten.ones_like,
    aten.full, aten.full_like, aten.arange, aten.new_empty_strided, aten.new_empty, aten.new_zeros,
    aten.new_ones, aten.new_full,
    aten.scalar_tensor, aten.linspace, aten.rand, aten.randn, aten.rand_like, aten.randn_like, aten.bernoulli_,
    aten.dropout, aten.native_dropout, aten.feature_dropout, aten.alpha_dropout, aten.lift_fresh_copy,
    aten._local_scalar_dense, aten.sym_size, aten.sym_stride, aten.sym_numel, aten.is_same_size,
    aten.resize_, aten.set_,
}


@handles(aten.avg_pool3d)
def _avg_pool3d(name: str, a: Args, out: Any) -> Traced:
    """Local response norm averages squares across channels through avg_pool3d: 1 FLOP per window element.
    Its window runs over channels, so the spatial receptive field is unchanged."""
    kernel = a["kernel_size"]
    window = int(kernel[0]) * int(kernel[1]) * int(kernel[2]) if len(kernel) == 3 else int(kernel[0]) ** 3
    result = shape(first(out))
    return Traced(elem_f.elementwise(result, (shape(a["self"]),), "avg pool 3d", window))
