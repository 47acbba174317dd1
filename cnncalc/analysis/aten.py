"""The aten ops the tracer understands, each mapped onto the one formula for its op (cnncalc.formulas).

A handler receives the op and its bound arguments (meta tensors, or real ones on a real run) and returns the
formula's `OpCost` and, for ops that look through a spatial window, the window (for the receptive field).
Ops that cost nothing (views, tensor factories) are declared in `ZERO_COST`. Anything else the tracer sees is
reported as uncounted, never dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import torch

from cnncalc.formulas import conv as conv_f
from cnncalc.formulas import elementwise as elem_f
from cnncalc.formulas import linear as linear_f
from cnncalc.formulas import norm as norm_f
from cnncalc.formulas import ordering as order_f
from cnncalc.formulas import pool as pool_f
from cnncalc.formulas import recurrent as recurrent_f
from cnncalc.formulas import sample as sample_f
from cnncalc.formulas import spectral as spectral_f
from cnncalc.formulas.cost import Dims, OpCost, OpKind, Shape


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
    """A spatial window an op looks through, for the receptive field (one value per axis)."""

    kernel: Dims
    stride: Dims
    dilation: Dims | None = None
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


_EXTENSIONS: list[bool] = []


def register_extensions() -> bool:
    """Register the handlers of torchvision's ops (deform_conv2d, nms, roi_align) once torchvision is loaded;
    analysing a plain-torch model never imports it. True when something new was registered."""
    import sys

    if _EXTENSIONS or "torchvision" not in sys.modules:
        return False
    from cnncalc.analysis import aten_torchvision  # noqa: F401  (registers on import)

    _EXTENSIONS.append(True)
    return True


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


def dims(v: Any, rank: int, default: int) -> Dims:
    """An aten per-axis argument (int, one-element list, list per axis, or None/empty) at `rank`."""
    if v is None:
        return (default,) * rank
    if isinstance(v, int):
        return (v,) * rank
    values = tuple(int(x) for x in v)
    if not values:
        return (default,) * rank
    return values * rank if len(values) == 1 else values


def first(out: Any) -> Any:
    return out[0] if isinstance(out, tuple | list) else out


# convolutions ----------------------------------------------------------------------------------------------
@handles(aten.convolution, aten._convolution)
def _convolution(name: str, a: Args, out: Any) -> Traced | None:
    x, w, groups = a["input"], a["weight"], int(a["groups"])
    rank = w.dim() - 2
    xs = shape(x)
    if len(xs) == rank + 1:  # an unbatched input
        xs = (1, *xs)
    kernel = tuple(int(d) for d in w.shape[2:])
    stride, padding = dims(a["stride"], rank, 1), dims(a["padding"], rank, 0)
    dilation, output_padding = dims(a["dilation"], rank, 1), dims(a["output_padding"], rank, 0)
    bias = a["bias"] is not None
    if a["transposed"]:
        cost = conv_f.conv_transpose(xs, int(w.shape[1]) * groups, kernel, stride, padding, output_padding,
                                     dilation, groups, bias)
    else:
        cost = conv_f.conv(xs, int(w.shape[0]), kernel, stride, padding, dilation, groups, bias)
    return Traced(cost, Window(kernel, stride, dilation, transposed=bool(a["transposed"])))


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
    """Batch norm, and instance norm (which runs it on an input reshaped to 1×(N·C)×…)."""
    return Traced(norm_f.batch_norm(shape(a["input"]), affine=a.get("weight") is not None,
                                    track_running_stats=a.get("running_mean") is not None))


@handles(aten.native_layer_norm, aten.native_group_norm, aten._fused_rms_norm)
def _layer_norm(name: str, a: Args, out: Any) -> Traced:
    params = sum(int(t.numel()) for k, t in a.items() if k in ("weight", "bias") and t is not None)
    label = name.removeprefix("native_").removeprefix("_fused_").replace("_", " ")
    return Traced(norm_f.normalization(shape(a["input"]), params, label))


# element-wise ----------------------------------------------------------------------------------------------
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
         aten.ge, aten.masked_fill, aten.masked_fill_, aten.where, aten.pow, aten.pow_, aten.floor, aten.ceil,
         aten.round, aten.trunc, aten.frac, aten.addcmul, aten.addcdiv, aten.lerp, aten.minimum, aten.maximum,
         aten.remainder, aten.fmod, aten.atan2, aten.logical_and, aten.logical_or, aten.logical_not,
         aten.logical_xor, aten.bitwise_and, aten.bitwise_or, aten.bitwise_not, aten.bitwise_xor,
         aten.floor_divide, aten.isnan, aten.isinf, aten.xlogy, aten.hypot, aten.addcmul_, aten.addcdiv_,
         aten.lerp_, aten.sqrt_, aten.rsqrt_, aten.neg_, aten.reciprocal_, aten.sign_, aten.maximum_, aten.minimum_)
def _elementwise(name: str, a: Args, out: Any) -> Traced:
    return Traced(elem_f.elementwise(shape(first(out)), _tensor_shapes(a), name.rstrip("_")))


# pooling and reductions ------------------------------------------------------------------------------------
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


@handles(aten.sort, aten.argsort, aten.msort)
def _sort(name: str, a: Args, out: Any) -> Traced:
    """sort (argsort and msort reach it, or come as themselves): comparisons along the sorted axis."""
    dim = 0 if name == "msort" else int(a.get("dim", -1))
    return Traced(order_f.sort(shape(a["self"]), dim))


@handles(aten.topk)
def _topk(name: str, a: Args, out: Any) -> Traced:
    return Traced(order_f.topk(shape(a["self"]), int(a["k"]), int(a.get("dim", -1))))


# recurrent layers ------------------------------------------------------------------------------------------
#: oneDNN's cell kinds (ideep::rnn_kind, in cuDNN's order), the `mode` of aten.mkldnn_rnn_layer
MKLDNN_RNN_MODES = {0: "rnn_relu", 1: "rnn_tanh", 2: "lstm", 3: "gru"}


def rnn_layer(a: Args) -> tuple[str, int, int, int, int, bool] | None:
    """(mode, input size, hidden size, steps, batch, biases) of a fused recurrent layer's call (its input is
    steps × batch × features whatever batch_first says); None for a cell kind or layout it has no formula for."""
    mode = MKLDNN_RNN_MODES.get(int(a["mode"]))
    x, hidden = shape(a["input"]), int(a["hidden_size"])
    if mode is None or len(x) != 3 or int(a["weight0"].shape[0]) != recurrent_f.GATES[mode] * hidden:
        return None
    return mode, x[2], hidden, x[0], x[1], bool(a["has_biases"])


@handles(aten.mkldnn_rnn_layer)
def _mkldnn_rnn_layer(name: str, a: Args, out: Any) -> Traced | None:
    """One layer in one direction of nn.LSTM on the CPU (oneDNN's fused kernel)."""
    layer = rnn_layer(a)
    return Traced(recurrent_f.recurrent(*layer)) if layer is not None else None


# FFT -------------------------------------------------------------------------------------------------------
@handles(aten._fft_r2c, aten._fft_c2r, aten._fft_c2c)
def _fft(name: str, a: Args, out: Any) -> Traced:
    """torch.fft.*, torch.stft and istft: `normalization` 0 is none, 1 and 2 scale every output (1/√n, 1/n)."""
    transform = name.removeprefix("_fft_")
    return Traced(spectral_f.fft(shape(a["self"]), shape(first(out)), tuple(int(d) for d in a["dim"]), transform,
                                 int(a["normalization"]) != 0))


# data movement ---------------------------------------------------------------------------------------------
@handles(aten.cat, aten.stack)
def _cat(name: str, a: Args, out: Any) -> Traced:
    result = shape(first(out))
    shapes = tuple(shape(t) for t in a["tensors"])
    return Traced(elem_f.copy(shapes, result))


@handles(aten.channel_shuffle, aten.native_channel_shuffle)
def _shuffle(name: str, a: Args, out: Any) -> Traced:
    return Traced(elem_f.channel_shuffle(shape(a["self"]), int(a["groups"])))


@handles(aten.pixel_shuffle, aten.pixel_unshuffle)
def _pixel_shuffle(name: str, a: Args, out: Any) -> Traced:
    inverse = name == "pixel_unshuffle"
    factor = int(a["downscale_factor"] if inverse else a["upscale_factor"])
    return Traced(elem_f.pixel_shuffle(shape(a["self"]), factor, inverse))


@handles(aten.clone, aten._to_copy, aten.copy_, aten.constant_pad_nd, aten.index, aten.index_select,
         aten.gather, aten.roll, aten.repeat, aten.flip, aten._unsafe_index, aten.reflection_pad1d,
         aten.reflection_pad2d, aten.reflection_pad3d, aten.replication_pad1d, aten.replication_pad2d,
         aten.replication_pad3d, aten.tril, aten.triu, aten.fill_, aten.zero_, aten.select_backward,
         aten.slice_backward, aten.index_put, aten.index_put_, aten.im2col, aten.col2im, aten.select_scatter,
         aten.slice_scatter, aten.scatter, aten.scatter_, aten.masked_scatter, aten.repeat_interleave, aten.tile,
         aten.masked_select, aten._pack_padded_sequence, aten._pad_packed_sequence)
def _copy(name: str, a: Args, out: Any) -> Traced:
    """Data movement: no arithmetic; the inputs are read and the outputs written."""
    reads = tuple(shape(v) for k, v in a.items()
                  if isinstance(v, torch.Tensor) and not (name in ("copy_", "index_put_") and k == "self"))
    if name in ("fill_", "zero_"):
        reads = ()
    return Traced(elem_f.copy(reads, shape(first(out))))


@handles(aten.embedding)
def _embedding(name: str, a: Args, out: Any) -> Traced:
    """A table lookup: the indices and the rows they pick are read (not the whole table)."""
    result = shape(first(out))
    return Traced(elem_f.copy((shape(a["indices"]), result), result))


@handles(aten.upsample_nearest1d, aten.upsample_nearest2d, aten.upsample_nearest3d, aten._upsample_nearest_exact1d,
         aten._upsample_nearest_exact2d, aten._upsample_nearest_exact3d, aten.upsample_linear1d,
         aten.upsample_bilinear2d, aten.upsample_trilinear3d, aten.upsample_bicubic2d, aten._upsample_bilinear2d_aa,
         aten._upsample_bicubic2d_aa)
def _upsample(name: str, a: Args, out: Any) -> Traced | None:
    source = a["input"] if "input" in a else a["self"]
    x, result = shape(source), shape(first(out))
    mode = next(m for m in ("nearest", "bilinear", "bicubic", "trilinear", "linear") if m in name)
    if name.endswith("_aa"):
        scales = a.get("scale_factors") or (a.get("scales_h"), a.get("scales_w"))
        return Traced(sample_f.interpolate_antialias(x, result, mode, bool(a["align_corners"]), tuple(scales),
                                                     float64=source.dtype == torch.float64))
    return Traced(sample_f.interpolate(x, result, mode))


@handles(aten.grid_sampler_2d, aten.grid_sampler_3d, aten._grid_sampler_2d_cpu_fallback)
def _grid_sample(name: str, a: Args, out: Any) -> Traced | None:
    mode = {0: "bilinear", 1: "nearest"}.get(int(a["interpolation_mode"]))
    if mode is None:
        return None  # bicubic grid sampling: no formula, listed uncounted
    return Traced(sample_f.grid_sample(shape(a["input"]), shape(a["grid"]), mode))


# multi-tensor (foreach) ops: an optimizer's step on every parameter at once --------------------------------
#: the single-tensor ops whose foreach forms optimizers use (_foreach_add_, _foreach_addcdiv_, …)
FOREACH_BASES = ("add", "add_", "sub", "sub_", "mul", "mul_", "div", "div_", "addcmul", "addcmul_", "addcdiv",
                 "addcdiv_", "lerp", "lerp_", "sqrt", "sqrt_", "rsqrt", "rsqrt_", "neg", "neg_", "reciprocal_",
                 "sign", "sign_", "maximum", "maximum_", "minimum_", "clamp_min", "clamp_min_", "clamp_max",
                 "clamp_max_", "exp", "exp_", "abs", "abs_", "sigmoid", "sigmoid_", "pow", "pow_")


@handles(*(getattr(aten, f"_foreach_{base}") for base in FOREACH_BASES))
def _foreach(name: str, a: Args, out: Any) -> Traced | None:
    """aten._foreach_X(lists…): the single-tensor op X on each element of the lists, through X's own handler
    (its one formula); the costs summed. None when X has none (listed uncounted)."""
    base = name.removeprefix("_foreach_")
    handler = HANDLERS.get(getattr(aten, base))
    lists = {k: v for k, v in a.items() if isinstance(v, list | tuple)}
    targets = lists.get("self") or next(iter(lists.values()), [])
    results = out if isinstance(out, list | tuple) and len(out) == len(targets) else targets
    costs: list[OpCost] = []
    for i in range(len(targets)):
        item = {k: (v[i] if k in lists else v) for k, v in a.items()}
        traced = handler(base, item, results[i]) if handler is not None else None
        if traced is None:
            return None
        costs.append(traced.cost)
    if not costs:
        return Traced(OpCost(kind=OpKind.elementwise, output_shape=()))
    return Traced(OpCost(kind=costs[0].kind, output_shape=costs[0].output_shape, macs=sum(c.macs for c in costs),
                         other_flops=sum(c.other_flops for c in costs), inputs=sum(c.inputs for c in costs),
                         weights=sum(c.weights for c in costs), outputs=sum(c.outputs for c in costs),
                         other_expr=f"{base} over {len(costs)} tensors, {sum(c.outputs for c in costs):,} elements"))


#: Ops that cost nothing: views (no bytes move) and tensor factories (allocations, not arithmetic).
ZERO_COST = {
    aten.view, aten._unsafe_view, aten.reshape, aten._reshape_alias, aten.permute, aten.transpose, aten.t,
    aten.expand, aten.slice, aten.select, aten.split, aten.split_with_sizes, aten.unbind, aten.chunk,
    aten.unsqueeze, aten.squeeze, aten.unsqueeze_, aten.squeeze_, aten.flatten, aten.detach, aten.alias,
    aten.as_strided, aten.as_strided_, aten.lift_fresh, aten.unfold, aten.view_as_real, aten.view_as_complex,
    aten.narrow, aten.movedim, aten.empty, aten.empty_like, aten.empty_strided, aten.zeros, aten.zeros_like,
    aten.ones, aten.ones_like, aten.full, aten.full_like, aten.arange, aten.new_empty_strided, aten.new_empty,
    aten.new_zeros, aten.new_ones, aten.new_full,
    aten.scalar_tensor, aten.linspace, aten.rand, aten.randn, aten.rand_like, aten.randn_like, aten.bernoulli_,
    aten.dropout, aten.native_dropout, aten.feature_dropout, aten.alpha_dropout, aten.lift_fresh_copy,
    aten.unsafe_split, aten.unsafe_split_with_sizes, aten.unsafe_chunk, aten.transpose_, aten.t_, aten.swapaxes,
    aten.swapaxes_, aten.swapdims, aten.swapdims_, aten.detach_, aten._conj, aten.conj,
    aten._local_scalar_dense, aten.sym_size, aten.sym_stride, aten.sym_numel, aten.is_same_size,
    aten.resize_, aten.set_, aten.equal, aten.is_nonzero, aten._assert_async, aten.randint, aten.randperm,
    # queries and markers: a tensor's device, the profiler's ranges around an optimizer step
    Ops(torch.ops.prim).device, Ops(torch.ops.profiler)._record_function_enter_new,
    Ops(torch.ops.profiler)._record_function_exit,
}
