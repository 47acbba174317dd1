"""Which latency model an op call belongs to, and the numbers it is predicted from.

Every op call (`cnncalc.analysis.calls.Call`, from a trace or made by the calibration) maps to one *kind* and a
vector of *features*. Kinds group the calls one kernel serves: convolutions by rank (conv1d, conv2d, conv3d) and
transposed; matrix products (addmm, mm, bmm); batch, layer and group norm; every element-wise op by name (relu,
add, mul, gelu, …), a broadcast binary op apart from a same-shape one; pooling; reductions; copies;
interpolation; softmax; attention; views (free in FLOPs, not in time). The features are what its time depends on:
a convolution's batch, channels, map, kernel, stride, dilation and groups with its MACs and bytes; an element-wise
op's bytes. Calibration and prediction both call `kind_of`, so a profile's models are fitted on exactly the
features they are later asked about.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from cnncalc.analysis.calls import Call, TensorArg
from cnncalc.latency.fitting import Offset

#: the features of multi-dimensional kinds, by family (the order of the vector)
CONV_FEATURES = ("log_macs", "log_in_bytes", "log_out_bytes", "log_weight_bytes", "log_batch", "log_cin_g",
                 "log_cout_g", "log_positions", "kernel", "stride", "dilation", "log_groups", "depthwise",
                 "channels_last", "pointwise_unstrided", "cin_by_16", "cout_by_16", "macs_per_in_byte",
                 "macs_per_out_byte", "macs_per_weight_byte", "cin_g_by_4", "cin_g_by_8", "cin_g_by_16",
                 "cout_g_by_4", "cout_g_by_8", "cout_g_by_16", "bias")
#: b_transposed: the second factor laid out as a linear layer's weight is (its transposed view, the k axis innermost)
MATMUL_FEATURES = ("log_macs", "log_m", "log_k", "log_n", "log_batch", "log_bytes", "bias", "b_transposed")
POOL_FEATURES = ("log_in_bytes", "log_out_bytes", "log_window", "stride")
ATTENTION_FEATURES = ("log_macs", "log_batch_heads", "log_l", "log_s", "log_e", "log_bytes")
#: one feature: the bytes the op reads and writes (element-wise ops, norms, copies, reductions, …)
SIZE_FEATURES = ("log_bytes",)


@dataclass(frozen=True)
class Kind:
    """A call's kind and its features (None: a kind no profile models, e.g. an op cnncalc has not seen)."""

    name: str
    features: tuple[float, ...]
    #: the FLOPs (2 × MACs + other) and bytes the call's roofline bound is taken from
    flops: float = 0.0
    bytes: float = 0.0
    #: what the network correction charges by size (`cnncalc.latency.context`): the bytes the call writes, and
    #: the bytes of a convolution's or linear layer's weight (read from memory in a network, from cache alone)
    out_bytes: float = 0.0
    weight_bytes: float = 0.0


def _log(x: float) -> float:
    return math.log(max(x, 1.0))


def _numel(shape: tuple[int, ...]) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


def _io_bytes(call: Call) -> float:
    """Bytes of every tensor argument and output (each once)."""
    return float(sum(t.nbytes for t in call.tensors()) + sum(t.nbytes for t in call.outputs))


def _out_bytes(call: Call) -> float:
    return float(sum(t.nbytes for t in call.outputs))


def _pairs(value: object, rank: int, default: int) -> tuple[int, ...]:
    if value is None:
        return (default,) * rank
    if isinstance(value, int):
        return (value,) * rank
    values = tuple(int(v) for v in value)  # type: ignore[attr-defined]
    return values * rank if len(values) == 1 else values or (default,) * rank


def _multiples(channels: int) -> tuple[float, float, float]:
    """Whether a count of channels is a multiple of 4, 8 and 16 (the vector widths kernels block channels by)."""
    return float(channels % 4 == 0), float(channels % 8 == 0), float(channels % 16 == 0)


def _conv(call: Call) -> Kind | None:
    x, w = call.arg(0, "input"), call.arg(1, "weight")
    if not isinstance(x, TensorArg) or not isinstance(w, TensorArg) or not call.outputs:
        return None
    rank = len(w.shape) - 2
    transposed = bool(call.arg(6, "transposed", False))
    groups = int(call.arg(8, "groups", 1) or 1)
    out = call.outputs[0]
    xs = x.shape if len(x.shape) == rank + 2 else (1, *x.shape)
    batch, cin = xs[0], xs[1]
    cout = out.shape[1] if len(out.shape) == rank + 2 else out.shape[0]
    kernel = _numel(w.shape[2:])
    positions = _numel(xs[2:] if transposed else out.shape[-rank:])
    macs = float(kernel * (cin // groups) * cout * positions * batch)
    stride = max(_pairs(call.arg(3, "stride"), rank, 1))
    dilation = max(_pairs(call.arg(5, "dilation"), rank, 1))
    # oneDNN's kernels block channels by 16 (AVX-512), a grouped convolution's by the channels per group (64
    # groups of 10 ran at 1.3 GMAC/s, DPN-68's 32 groups of 4 to 16 at 17–45); PyTorch runs an unstrided 1×1
    # convolution of a small batch on one thread as a matrix product instead of through oneDNN: all change the
    # time per MAC. That path adds a bias as a pass of its own over the output: 3 → 256 channels on 224², 4 ms
    # without a bias and 10 ms with one (oneDNN fuses it)
    features = (_log(macs), _log(x.nbytes), _log(out.nbytes), _log(w.nbytes), _log(batch), _log(cin // groups),
                _log(cout // groups), _log(positions), float(kernel), float(stride), float(dilation), _log(groups),
                float(groups == cin and groups > 1), float(x.channels_last),
                float(kernel == 1 and stride == 1 and dilation == 1 and batch < 16), float(cin % 16 == 0),
                float(cout % 16 == 0), _log(macs) - _log(x.nbytes), _log(macs) - _log(out.nbytes),
                _log(macs) - _log(w.nbytes), *_multiples(cin // groups), *_multiples(cout // groups),
                float(call.arg(2, "bias") is not None))
    name = ("conv_transpose" if transposed else "conv") + f"{rank}d"
    return Kind(name, features, 2 * macs, _io_bytes(call), float(out.nbytes), float(w.nbytes))


def _matmul(call: Call) -> Kind | None:
    name = call.name
    if name in ("addmm", "baddbmm"):
        first, second = ("mat1", "mat2") if name == "addmm" else ("batch1", "batch2")
        a, b = call.arg(1, first), call.arg(2, second)
        bias = 1.0
    else:
        a, b, bias = call.arg(0, "self"), call.arg(1, "mat2"), 0.0
    if not isinstance(a, TensorArg) or not isinstance(b, TensorArg) or len(a.shape) < 2 or len(b.shape) < 2:
        return None
    m, k, n = a.shape[-2], a.shape[-1], b.shape[-1]
    batch = max(_numel(a.shape[:-2]), _numel(b.shape[:-2]))
    macs = float(batch * m * k * n)
    features = (_log(macs), _log(m), _log(k), _log(n), _log(batch), _log(_io_bytes(call)), bias,
                float(reads_transposed(b)))
    return Kind("bmm" if name in ("bmm", "baddbmm") else "addmm" if bias else "mm", features, 2 * macs,
                _io_bytes(call), _out_bytes(call), float(b.nbytes))


def reads_transposed(b: TensorArg) -> bool:
    """Whether a product's second factor (… × k × n) is laid out transposed, as a linear layer's weight is read
    (`weight.t()`): k runs along memory (stride 1) while n does not (a padded leading dimension counts too)."""
    k, n = b.shape[-2], b.shape[-1]
    return len(b.stride) == len(b.shape) and b.stride[-2] == 1 and k > 1 and n > 1


def _pool(call: Call) -> Kind | None:
    x = call.arg(0, "self")
    if not isinstance(x, TensorArg) or not call.outputs:
        return None
    rank = len(x.shape) - 2
    kernel = _pairs(call.arg(1, "kernel_size"), rank, 1)
    stride = call.arg(2, "stride")
    stride_value = max(_pairs(stride, rank, 1)) if stride else max(kernel)
    window = _numel(kernel)
    out = call.outputs[0]
    features = (_log(x.nbytes), _log(out.nbytes), _log(window), float(stride_value))
    base = call.name.removesuffix("_with_indices")
    return Kind(base, features, float(out.numel * window), _io_bytes(call), _out_bytes(call))


def _attention(call: Call) -> Kind | None:
    q, k = call.arg(0, "query"), call.arg(1, "key")
    if not isinstance(q, TensorArg) or not isinstance(k, TensorArg) or len(q.shape) < 3:
        return None
    batch_heads, length, e = _numel(q.shape[:-2]), q.shape[-2], q.shape[-1]
    s = k.shape[-2]
    macs = float(2 * batch_heads * length * s * e)
    features = (_log(macs), _log(batch_heads), _log(length), _log(s), _log(e), _log(_io_bytes(call)))
    return Kind("attention", features, 2 * macs, _io_bytes(call), _out_bytes(call))


def _deform(call: Call) -> Kind | None:
    x, w = call.arg(0, "input"), call.arg(1, "weight")
    if not isinstance(x, TensorArg) or not isinstance(w, TensorArg) or not call.outputs:
        return None
    out = call.outputs[0]
    macs = float(_numel(w.shape[1:]) * out.numel)  # per output element: cin/groups · kh · kw (the weight's row)
    # torchvision's kernel samples every input channel at every kernel tap and output position (bilinear: its
    # "columns", im2col's matrix) and then multiplies the columns by the weight: two costs, apart
    columns = float(x.shape[1] * _numel(w.shape[2:]) * out.numel // max(out.shape[1], 1))
    features = (_log(macs), _log(_io_bytes(call)), _log(columns), _log(out.shape[1]),
                float(bool(call.arg(13, "use_mask", False))), float(call.arg(5, "stride_h", 1) or 1))
    return Kind("deform_conv2d", features, 2 * macs, _io_bytes(call), _out_bytes(call), float(w.nbytes))


#: element-wise ops whose kernel is the same for a broadcast operand: the broadcast form is its own kind
BINARY = frozenset({"add", "add_", "mul", "mul_", "sub", "sub_", "div", "div_", "maximum", "minimum", "where",
                    "masked_fill", "masked_fill_", "eq", "ne", "lt", "gt", "le", "ge", "pow", "rsub"})
#: ops that run no kernel worth timing apart from their dispatch: views, metadata, factories of nothing
VIEWS = frozenset({"view", "_unsafe_view", "reshape", "_reshape_alias", "permute", "transpose", "t", "expand",
                   "slice", "select", "split", "split_with_sizes", "unbind", "chunk", "unsqueeze", "squeeze",
                   "unsqueeze_", "squeeze_", "flatten", "detach", "alias", "as_strided", "narrow", "movedim",
                   "unsafe_split", "unsafe_chunk", "unsafe_split_with_sizes", "transpose_", "t_", "detach_",
                   "lift_fresh", "view_as_real", "view_as_complex", "expand_as", "_local_scalar_dense", "sym_size",
                   "sym_stride", "sym_numel", "is_same_size", "dropout", "native_dropout", "feature_dropout",
                   "alpha_dropout"})
FACTORIES = frozenset({"empty", "empty_like", "empty_strided", "new_empty", "new_empty_strided", "scalar_tensor",
                       "zeros", "zeros_like", "ones", "ones_like", "full", "full_like", "new_zeros", "new_ones",
                       "new_full", "arange", "linspace", "rand", "randn", "rand_like", "randn_like"})
ATTENTION = frozenset({"_scaled_dot_product_flash_attention_for_cpu", "_scaled_dot_product_flash_attention",
                       "_scaled_dot_product_efficient_attention", "_scaled_dot_product_cudnn_attention",
                       "scaled_dot_product_attention"})
POOLS = frozenset({"max_pool1d", "max_pool2d", "max_pool3d", "max_pool2d_with_indices", "max_pool3d_with_indices",
                   "avg_pool1d", "avg_pool2d", "avg_pool3d"})
CONVS = frozenset({"convolution", "_convolution"})
MATMULS = frozenset({"addmm", "mm", "bmm", "baddbmm"})
#: kinds named after another op with the same kernel
ALIASES = {"_native_batch_norm_legit_no_training": "native_batch_norm", "_native_batch_norm_legit": "native_batch_norm",
           "native_batch_norm": "native_batch_norm", "_safe_softmax": "_softmax", "_adaptive_avg_pool2d":
           "adaptive_avg_pool2d", "_unsafe_index": "index", "_to_copy": "copy", "clone": "copy", "copy_": "copy",
           "contiguous": "copy"}
#: a kind that profiles made before it existed model under another kind: predicted as that one there
FALLBACKS = {"batch_norm_stats": "native_batch_norm"}

_SPECIAL: dict[str, Callable[[Call], Kind | None]] = {
    **dict.fromkeys(CONVS, _conv), **dict.fromkeys(MATMULS, _matmul), **dict.fromkeys(POOLS, _pool),
    **dict.fromkeys(ATTENTION, _attention), "deform_conv2d": _deform}


#: the kinds whose time is mostly arithmetic, and the features (logs) of the bytes they move: their offset is their
#: MACs and those bytes at the device's MACs per byte. Not deformable convolution's: its time is its sampling, and
#: its bytes doubled its 5-fold error (5.7% to 10.8%, the 20:48 calibration's 102 calls)
ARITHMETIC: dict[str, tuple[int, ...]] = {
    **dict.fromkeys(("conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"),
                    (1, 2, 3)),
    **dict.fromkeys(("addmm", "mm", "bmm", "attention"), (5,)), "deform_conv2d": ()}
#: the pooling kinds: their offset is the bytes they read and, per output byte, the window's comparisons or adds
POOL_KINDS = frozenset(name.removesuffix("_with_indices") for name in POOLS)


def offset(kind: str, macs_per_byte: float = 0.0) -> Offset:
    """The work a call of `kind` does to first order, as terms of its features (`cnncalc.latency.fitting.Trees`
    models log time less its log): a convolution's or matrix product's MACs plus its bytes at `macs_per_byte`
    (the device's balance, peak MAC/s ÷ bandwidth; 0: MACs alone), a pooling's input bytes plus its output bytes
    times its window; none for other kinds. On the 20:48 calibration's calls (5-fold, as measured), the bytes took
    conv2d's median error from 12.0% to 11.5% and its time-weighted error from 29.0% to 25.8%, the window
    max_pool2d's from 7.6% to 4.4% (benchmarks/latency_diagnostics.py offsets)."""
    if kind in POOL_KINDS:
        return ((0.0, (0,)), (0.0, (1, 2)))  # log_in_bytes; log_out_bytes + log_window
    if kind in ARITHMETIC:
        moved = ARITHMETIC[kind] if macs_per_byte > 0 else ()  # bytes at no MACs per byte: MACs alone
        return ((0.0, (0,)), *((math.log(macs_per_byte), (j,)) for j in moved))
    return ()


def kind_of(call: Call) -> Kind | None:
    """The kind of an op call and its features (None: a call with no tensor to size it)."""
    name = call.name
    special = _SPECIAL.get(name)
    if special is not None:
        return special(call)
    if name in VIEWS or (call.free and name not in FACTORIES):
        return Kind("view", (), 0.0, 0.0)
    size = _io_bytes(call)
    if name in FACTORIES:
        return Kind("factory", (_log(size),), 0.0, size)
    tensors = call.tensors()
    if not tensors and not call.outputs:
        return None
    base = ALIASES.get(name, name)
    if base == "native_batch_norm" and any(a is True for a in call.args):  # training=True: it computes its statistics
        base = "batch_norm_stats"
    if name in BINARY:
        shapes = {t.shape for t in tensors}
        if len(shapes) > 1:
            base += ":broadcast"
    elements = max((t.numel for t in (*tensors, *call.outputs)), default=0)
    return Kind(base, (_log(size),), float(elements), size, _out_bytes(call))
