"""Plain-torch reference implementations of the ops cnncalc counts as "other FLOPs", each counting the
arithmetic it really does, element by element. Independent of cnncalc: nothing here imports it.

A reference runs on a real tensor and returns a `Counted`: its output (a test holds it against the PyTorch
op, so we know it is the same computation) and its FLOPs, tallied by `Tally`, a dispatch mode that sees
every aten op the reference runs. Index and window arithmetic (which elements a window reads, which taps an
interpolation weighs) is plain Python on integers, done before anything is counted.

The counting convention the references encode (one FLOP = one element through one arithmetic op):

- Pooling (max, average, LP, adaptive, global): 1 FLOP per input element actually read into a window (a
  comparison or an add), summed over all outputs. PyTorch's kernels clamp every window to the input, so
  padding positions, the part of a ceil_mode window that hangs off the end, and dilated taps that land
  outside the input are not read and not counted. The average's one divide per output is not counted.
  The references gather exactly the elements each window reads and reduce them; the count is the number
  of elements gathered.
- LP pooling is aten's pow → avg_pool → sign, abs, relu → mul → mul(kernel volume) → pow: 1 FLOP per
  output element of each element-wise op, plus the window rule for its avg_pool.
- Normalisation: 1 FLOP per element. Batch norm in eval mode (and instance norm with running statistics)
  folds statistics and affine into one scale and shift per channel, once; what remains is one fused
  multiply-add per element, which the convention counts as 1 FLOP. Group, layer and instance norm compute
  their statistics from the input: the convention includes that work (and LayerNorm's element-wise affine)
  in the same 1 FLOP per element, so the references tally it aside (`Counted.aside`), not in `flops`.
- Activations (relu, sigmoid, gelu, silu, hardswish, …): 1 FLOP per output element; the function is not
  expanded into its arithmetic (the formula's own ops are tallied aside).
- Element-wise add / mul with broadcasting: 1 FLOP per output element (the broadcast shape).
- Interpolation, per output element: nearest is a copy (0 FLOPs); linear, bilinear, trilinear and bicubic
  weigh 2, 4, 8 and 16 input taps: taps multiplies + (taps − 1) adds = 3, 7, 15, 31 FLOPs. The tap weights
  depend only on the output position; they are made once, shared across batch and channels, and tallied
  aside. align_corners moves the taps, it does not change their number.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor, nn
from torch.utils._python_dispatch import TorchDispatchMode

#: Element-wise arithmetic: 1 FLOP per output element. addcmul is one fused multiply-add per element, which
#: the convention counts as 1 (the folded batch norm).
ELEMENTWISE = frozenset({
    "add", "sub", "rsub", "mul", "div", "pow", "neg", "abs", "sign", "relu", "clamp", "clamp_min", "clamp_max",
    "where", "gt", "lt", "ge", "le", "exp", "expm1", "log", "log1p", "erf", "tanh", "sigmoid", "sqrt", "rsqrt",
    "reciprocal", "maximum", "minimum", "addcmul",
})
#: Reductions: 1 FLOP per element read, named by the argument that holds the elements reduced.
REDUCTIONS = {"sum": 0, "mean": 0, "amax": 0, "index_add": 3, "scatter_reduce": 3}
#: Ops that move, index or allocate data without arithmetic.
MOVEMENT = frozenset({
    "view", "_unsafe_view", "reshape", "expand", "clone", "_to_copy", "index", "index_select", "slice", "select",
    "permute", "transpose", "unsqueeze", "squeeze", "flatten", "copy", "detach", "alias", "t", "lift_fresh",
    "empty", "new_empty", "new_zeros", "new_full", "zeros", "zeros_like", "ones", "full", "full_like", "empty_like",
    "scalar_tensor", "lift_fresh_copy",
    "_unsafe_index", "as_strided", "unbind", "split",
})


class Tally(TorchDispatchMode):
    """Counts the arithmetic of the aten ops run inside it, element by element (see ELEMENTWISE, REDUCTIONS).

    Entered plainly, the ops count toward `flops` (and reductions also toward `reads`, the elements read into
    windows); entered through `aside(reason)`, they are tallied under that reason instead. An op in none of
    the tables lands in `unexpected`, so a reference cannot do arithmetic this counter does not see.
    """

    def __init__(self) -> None:
        super().__init__()
        self.flops = 0
        self.reads = 0
        self.aside_counts: Counter[str] = Counter()
        self.unexpected: set[str] = set()
        self._reason: str | None = None

    @contextmanager
    def aside(self, reason: str) -> Iterator[None]:
        """Tally the ops run in this block under `reason`, outside `flops`."""
        self._reason = reason
        try:
            with self:
                yield
        finally:
            self._reason = None

    def __torch_dispatch__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        out = func(*args, **(kwargs or {}))
        name = func._overloadpacket.__name__.rstrip("_")
        count, read = 0, False
        if name in ELEMENTWISE:
            count = out.numel()
        elif name in REDUCTIONS:
            count, read = args[REDUCTIONS[name]].numel(), True
        elif name not in MOVEMENT:
            self.unexpected.add(str(func))
        if self._reason is not None:
            self.aside_counts[self._reason] += count
        else:
            self.flops += count
            self.reads += count if read else 0
        return out


@dataclass(frozen=True)
class Counted:
    """A reference's output and what it counted: `flops` under the convention, `reads` of them the elements
    read into pooling windows, `aside` the arithmetic the convention includes elsewhere, by reason."""

    output: Tensor
    flops: int
    reads: int
    aside: dict[str, int] = field(default_factory=dict)
    unexpected: frozenset[str] = frozenset()


def _counted(output: Tensor, tally: Tally) -> Counted:
    return Counted(output, tally.flops, tally.reads, dict(tally.aside_counts), frozenset(tally.unexpected))


def _tuple(value: int | Sequence[int] | None, rank: int, default: int | Sequence[int] | None = None) -> tuple[int, ...]:
    if value is None or (isinstance(value, Sequence) and len(value) == 0):
        value = default
    if isinstance(value, Sequence):
        return tuple(int(v) for v in value) if len(value) == rank else (int(value[0]),) * rank
    assert value is not None
    return (int(value),) * rank


# pooling windows: which input indices each output reads, one axis at a time (integer arithmetic) ---------
def pool_output_size(size: int, kernel: int, stride: int, padding: int, dilation: int, ceil_mode: bool) -> int:
    """PyTorch's pooling output length; with ceil_mode a last window that would start in the right padding
    is dropped."""
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    out = (span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out


def sliding_windows(size: int, kernel: int, stride: int, padding: int, dilation: int,
                    ceil_mode: bool) -> list[list[int]]:
    """Per output index, the input indices its window reads: the taps o·s − p + t·d that land in [0, size)."""
    out = pool_output_size(size, kernel, stride, padding, dilation, ceil_mode)
    return [[i for t in range(kernel) if 0 <= (i := o * stride - padding + t * dilation) < size] for o in range(out)]


def adaptive_windows(size: int, out: int) -> list[list[int]]:
    """Adaptive pooling's windows as PyTorch places them: [floor(o·size/out), ceil((o+1)·size/out))."""
    return [list(range(o * size // out, -(-(o + 1) * size // out))) for o in range(out)]


def _window_pairs(windows: Sequence[Sequence[Sequence[int]]], in_spatial: Sequence[int]) -> tuple[Tensor, Tensor]:
    """Flat (output position, input position) index pairs, one per element some N-d box window reads."""
    o_flat = torch.zeros(1, dtype=torch.long)
    i_flat = torch.zeros(1, dtype=torch.long)
    for axis, size in zip(windows, in_spatial, strict=True):
        o_ax = torch.tensor([o for o, window in enumerate(axis) for _ in window], dtype=torch.long)
        i_ax = torch.tensor([i for window in axis for i in window], dtype=torch.long)
        o_flat = (o_flat[:, None] * len(axis) + o_ax[None, :]).flatten()
        i_flat = (i_flat[:, None] * size + i_ax[None, :]).flatten()
    return o_flat, i_flat


def _reduce_windows(x: Tensor, windows: Sequence[Sequence[Sequence[int]]], how: str, tally: Tally) -> Tensor:
    """Gather every element each window reads (no arithmetic), then reduce them per output (1 FLOP each)."""
    n, c = x.shape[:2]
    out_spatial = tuple(len(axis) for axis in windows)
    o_idx, i_idx = _window_pairs(windows, x.shape[2:])
    flat = x.reshape(n, c, -1)
    with tally:
        read = flat.index_select(2, i_idx)
        if how == "max":
            # a window with no element inside the input is -inf, as PyTorch's kernels return it
            init = read.new_full((n, c, math.prod(out_spatial)), -math.inf)
            out = init.scatter_reduce(2, o_idx.expand(n, c, -1), read, "amax", include_self=False)
        else:
            out = read.new_zeros((n, c, math.prod(out_spatial))).index_add(2, o_idx, read)
    return out.reshape(n, c, *out_spatial)


def _box(values: Sequence[Sequence[float]], dtype: torch.dtype) -> Tensor:
    """The outer product of per-axis factors, as a tensor of the output's spatial shape (made uncounted)."""
    box = torch.ones((), dtype=dtype)
    for axis in values:
        box = box[..., None] * torch.tensor(axis, dtype=dtype)
    return box


def max_pool(x: Tensor, kernel: int | Sequence[int], stride: int | Sequence[int] | None = None,
             padding: int | Sequence[int] = 0, dilation: int | Sequence[int] = 1, ceil_mode: bool = False) -> Counted:
    """nn.MaxPool1d/2d/3d on x = (N, C, *spatial)."""
    rank = x.dim() - 2
    k, p, d = _tuple(kernel, rank), _tuple(padding, rank), _tuple(dilation, rank)
    s = _tuple(stride, rank, k)
    windows = [sliding_windows(x.shape[2 + a], k[a], s[a], p[a], d[a], ceil_mode) for a in range(rank)]
    tally = Tally()
    return _counted(_reduce_windows(x, windows, "max", tally), tally)


def _avg_pool(x: Tensor, k: tuple[int, ...], s: tuple[int, ...], p: tuple[int, ...], ceil_mode: bool,
              count_include_pad: bool, divisor_override: int | None, tally: Tally) -> Tensor:
    rank = x.dim() - 2
    windows = [sliding_windows(x.shape[2 + a], k[a], s[a], p[a], 1, ceil_mode) for a in range(rank)]
    sums = _reduce_windows(x, windows, "sum", tally)
    if divisor_override:
        divisor = torch.tensor(float(divisor_override), dtype=x.dtype)
    elif count_include_pad:  # the window clamped to the padded input, not to the input
        divisor = _box([[min(o * s[a] - p[a] + k[a], x.shape[2 + a] + p[a]) - (o * s[a] - p[a])
                         for o in range(len(windows[a]))] for a in range(rank)], x.dtype)
    else:
        divisor = _box([[len(w) for w in windows[a]] for a in range(rank)], x.dtype)
    with tally.aside("average: one divide per output"):
        return sums / divisor


def avg_pool(x: Tensor, kernel: int | Sequence[int], stride: int | Sequence[int] | None = None,
             padding: int | Sequence[int] = 0, ceil_mode: bool = False, count_include_pad: bool = True,
             divisor_override: int | None = None) -> Counted:
    """nn.AvgPool1d/2d/3d on x = (N, C, *spatial)."""
    rank = x.dim() - 2
    k = _tuple(kernel, rank)
    tally = Tally()
    out = _avg_pool(x, k, _tuple(stride, rank, k), _tuple(padding, rank), ceil_mode, count_include_pad,
                    divisor_override, tally)
    return _counted(out, tally)


def lp_pool(x: Tensor, norm_type: float, kernel: int | Sequence[int],
            stride: int | Sequence[int] | None = None, ceil_mode: bool = False) -> Counted:
    """nn.LPPool1d/2d/3d as aten defines it: avg_pool(x^p), then (sign · relu(abs)) · kernel volume, ^(1/p)."""
    rank = x.dim() - 2
    k = _tuple(kernel, rank)
    tally = Tally()
    with tally:
        powered = x.pow(norm_type)
    avg = _avg_pool(powered, k, _tuple(stride, rank, k), (0,) * rank, ceil_mode, True, None, tally)
    with tally:
        out = (torch.sign(avg) * torch.relu(torch.abs(avg))).mul(math.prod(k)).pow(1.0 / norm_type)
    return _counted(out, tally)


def adaptive_pool(x: Tensor, output_size: int | Sequence[int | None] | None, mode: str) -> Counted:
    """nn.AdaptiveAvgPool / AdaptiveMaxPool 1d/2d/3d (a None in output_size keeps that axis), and global
    pooling (output size 1 on every axis)."""
    rank = x.dim() - 2
    sizes = list(output_size) if isinstance(output_size, Sequence) else [output_size] * rank
    outs = [int(x.shape[2 + a]) if sizes[a] is None else int(sizes[a]) for a in range(rank)]  # type: ignore[arg-type]
    windows = [adaptive_windows(x.shape[2 + a], outs[a]) for a in range(rank)]
    tally = Tally()
    if mode == "max":
        return _counted(_reduce_windows(x, windows, "max", tally), tally)
    sums = _reduce_windows(x, windows, "sum", tally)
    divisor = _box([[len(w) for w in axis] for axis in windows], x.dtype)
    with tally.aside("average: one divide per output"):
        out = sums / divisor
    return _counted(out, tally)


def global_pool(x: Tensor, mode: str) -> Counted:
    """x.mean / x.amax over every spatial axis (keepdim): the window is the whole map."""
    return adaptive_pool(x, [1] * (x.dim() - 2), mode)


# normalisation ---------------------------------------------------------------------------------------------
def _per_channel(t: Tensor, rank: int) -> Tensor:
    return t.reshape(*t.shape, *([1] * rank))


def batch_norm_eval(x: Tensor, running_mean: Tensor, running_var: Tensor, weight: Tensor | None,
                    bias: Tensor | None, eps: float) -> Counted:
    """BatchNorm1d/2d/3d in eval mode on x = (N, C, *spatial): y = (x − mean)/√(var + ε)·γ + β, folded into
    a scale and shift per channel (once), then one fused multiply-add per element."""
    tally = Tally()
    rank = x.dim() - 2
    with tally.aside("fold statistics and affine into a scale and shift per channel"):
        scale = torch.rsqrt(running_var + eps)
        if weight is not None:
            scale = scale * weight
        shift = -running_mean * scale
        if bias is not None:
            shift = shift + bias
    with tally:
        out = torch.addcmul(_per_channel(shift, rank), x, _per_channel(scale, rank))
    return _counted(out, tally)


def _statistics(rows: Tensor, eps: float) -> tuple[Tensor, Tensor]:
    """Mean and 1/√(biased variance + ε) of each row: reductions over every element, and element-wise work."""
    mean = rows.sum(-1) / rows.shape[-1]
    centred = rows - mean[:, None]
    var = (centred * centred).sum(-1) / rows.shape[-1]
    return mean, torch.rsqrt(var + eps)


def group_norm(x: Tensor, groups: int, weight: Tensor | None, bias: Tensor | None, eps: float) -> Counted:
    """GroupNorm on x = (N, C, *spatial); InstanceNorm (no running statistics) is groups = C. Statistics per
    (sample, group), folded with the per-channel affine into a scale and shift per (sample, channel), then
    one fused multiply-add per element."""
    n, c = x.shape[:2]
    rank = x.dim() - 2
    tally = Tally()
    with tally.aside("statistics (included in the 1 FLOP per element)"):
        mean, rstd = _statistics(x.reshape(n * groups, -1), eps)
    with tally.aside("fold statistics and affine into a scale and shift per channel"):
        scale = rstd.reshape(n, groups, 1).expand(n, groups, c // groups).reshape(n, c)
        shift = -mean.reshape(n, groups, 1).expand(n, groups, c // groups).reshape(n, c) * scale
        if weight is not None:
            scale, shift = scale * weight, shift * weight
        if bias is not None:
            shift = shift + bias
    with tally:
        out = torch.addcmul(_per_channel(shift, rank), x, _per_channel(scale, rank))
    return _counted(out, tally)


def layer_norm(x: Tensor, normalized_shape: Sequence[int], weight: Tensor | None, bias: Tensor | None,
               eps: float) -> Counted:
    """LayerNorm over the last len(normalized_shape) axes: statistics per leading index, one fused
    multiply-add per element to normalise; the element-wise affine (another per element) is included in that
    FLOP by the convention and tallied aside."""
    tally = Tally()
    inner = math.prod(normalized_shape)
    rows = x.reshape(-1, inner)
    with tally.aside("statistics (included in the 1 FLOP per element)"):
        mean, rstd = _statistics(rows, eps)
        shift = -mean * rstd
    with tally:
        normalised = torch.addcmul(shift[:, None], rows, rstd[:, None])
    out = normalised
    if weight is not None or bias is not None:
        with tally.aside("LayerNorm's element-wise affine (included in the 1 FLOP per element)"):
            w = weight.reshape(1, inner) if weight is not None else torch.ones((), dtype=x.dtype)
            b = bias.reshape(1, inner) if bias is not None else torch.zeros((), dtype=x.dtype)
            out = torch.addcmul(b, normalised, w)
    return _counted(out.reshape(x.shape), tally)


# activations -----------------------------------------------------------------------------------------------
def _hardsigmoid(x: Tensor) -> Tensor:
    return torch.clamp(x + 3, 0, 6) / 6


def _sigmoid(x: Tensor) -> Tensor:
    return 1 / (1 + torch.exp(-x))


def _softplus(x: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    return torch.where(beta * x > threshold, x, torch.log1p(torch.exp(beta * x)) / beta)


def _elu(x: Tensor, alpha: float) -> Tensor:
    return torch.where(x > 0, x, alpha * torch.expm1(x))


#: Each activation module as a closed formula of plain torch ops, reading the module's own settings.
ACTIVATION_FORMULAS: dict[type[nn.Module], Callable[[Any, Tensor], Tensor]] = {
    nn.ReLU: lambda m, x: torch.where(x > 0, x, 0.0),
    nn.ReLU6: lambda m, x: torch.clamp(x, 0, 6),
    nn.LeakyReLU: lambda m, x: torch.where(x > 0, x, m.negative_slope * x),
    nn.ELU: lambda m, x: _elu(x, m.alpha),
    nn.CELU: lambda m, x: torch.where(x > 0, x, m.alpha * torch.expm1(x / m.alpha)),
    nn.SELU: lambda m, x: 1.0507009873554804934193349852946 * _elu(x, 1.6732632423543772848170429916717),
    nn.GELU: lambda m, x: (0.5 * x * (1 + torch.erf(x / math.sqrt(2)))) if m.approximate == "none" else
    0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x * x * x))),
    nn.Sigmoid: lambda m, x: _sigmoid(x),
    nn.Tanh: lambda m, x: 2 * _sigmoid(2 * x) - 1,
    nn.SiLU: lambda m, x: x * _sigmoid(x),
    nn.Hardswish: lambda m, x: x * _hardsigmoid(x),
    nn.Hardsigmoid: lambda m, x: _hardsigmoid(x),
    nn.Hardtanh: lambda m, x: torch.clamp(x, m.min_val, m.max_val),
    nn.Mish: lambda m, x: x * torch.tanh(_softplus(x)),
    nn.Softplus: lambda m, x: _softplus(x, m.beta, m.threshold),
    nn.LogSigmoid: lambda m, x: -_softplus(-x),
    nn.PReLU: lambda m, x: torch.where(x > 0, x, m.weight.reshape(-1, *([1] * (x.dim() - 2))) * x),
}


def activation(module: nn.Module, x: Tensor) -> Counted:
    """One application of the activation per output element; its formula's own ops are tallied aside."""
    tally = Tally()
    with tally.aside("the activation's formula (not expanded by the convention)"):
        out = ACTIVATION_FORMULAS[type(module)](module, x)
    tally.flops += out.numel()  # one evaluation of the function per output element
    return _counted(out, tally)


# element-wise binary ops -----------------------------------------------------------------------------------
def broadcast_shape(a: Sequence[int], b: Sequence[int]) -> tuple[int, ...]:
    """NumPy broadcasting: align the shapes on the right; each axis equal, or 1 on one side."""
    rank = max(len(a), len(b))
    a = (1,) * (rank - len(a)) + tuple(a)
    b = (1,) * (rank - len(b)) + tuple(b)
    if any(p != q and 1 not in (p, q) for p, q in zip(a, b, strict=True)):
        raise ValueError(f"shapes {a} and {b} do not broadcast")
    return tuple(max(p, q) for p, q in zip(a, b, strict=True))


def binary(a: Tensor, b: Tensor, op: str) -> Counted:
    """a + b or a · b: both operands expanded to the broadcast shape (views), one op per output element."""
    shape = broadcast_shape(a.shape, b.shape)
    tally = Tally()
    with tally:
        left, right = a.expand(shape), b.expand(shape)
        out = left + right if op == "add" else left * right
    return _counted(out, tally)


# interpolation ---------------------------------------------------------------------------------------------
#: The cubic convolution kernel's parameter in PyTorch's bicubic interpolation.
CUBIC_A = -0.75


def _source_scale(in_size: int, out_size: int, align_corners: bool, scale_factor: float | None) -> float:
    if align_corners:
        return (in_size - 1) / (out_size - 1) if out_size > 1 else 0.0
    return 1.0 / scale_factor if scale_factor else in_size / out_size


def _linear_taps(in_size: int, out_size: int, align_corners: bool,
                 scale_factor: float | None) -> list[list[tuple[int, float]]]:
    """Per output index, the 2 (input index, weight) taps of linear interpolation along one axis."""
    scale = _source_scale(in_size, out_size, align_corners, scale_factor)
    taps = []
    for o in range(out_size):
        src = scale * o if align_corners else max(scale * (o + 0.5) - 0.5, 0.0)
        i0 = min(math.floor(src), in_size - 1)
        lam = min(max(src - i0, 0.0), 1.0)
        taps.append([(i0, 1.0 - lam), (min(i0 + 1, in_size - 1), lam)])
    return taps


def _cubic_taps(in_size: int, out_size: int, align_corners: bool,
                scale_factor: float | None) -> list[list[tuple[int, float]]]:
    """Per output index, the 4 (input index, weight) taps of cubic convolution (A = −0.75), indices clamped
    to the input as PyTorch reads them."""
    scale = _source_scale(in_size, out_size, align_corners, scale_factor)

    def near(t: float) -> float:  # |t| ≤ 1
        return ((CUBIC_A + 2) * t - (CUBIC_A + 3)) * t * t + 1

    def far(t: float) -> float:  # 1 < |t| < 2
        return ((CUBIC_A * t - 5 * CUBIC_A) * t + 8 * CUBIC_A) * t - 4 * CUBIC_A

    taps = []
    for o in range(out_size):
        src = scale * o if align_corners else scale * (o + 0.5) - 0.5
        i = math.floor(src)
        t = src - i
        weights = (far(t + 1), near(t), near(1 - t), far(2 - t))
        taps.append([(min(max(i - 1 + j, 0), in_size - 1), weights[j]) for j in range(4)])
    return taps


def _nearest_taps(in_size: int, out_size: int, exact: bool,
                  scale_factor: float | None) -> list[list[tuple[int, float]]]:
    """Per output index, the one input index nearest interpolation copies (PyTorch computes it in float32)."""
    if scale_factor:
        scale = torch.tensor(1.0 / scale_factor, dtype=torch.float32)
    else:
        scale = torch.tensor(float(in_size), dtype=torch.float32) / out_size
    offset = 0.5 if exact else 0.0
    src = torch.floor((torch.arange(out_size, dtype=torch.float32) + offset) * scale).long().clamp(max=in_size - 1)
    return [[(int(i), 1.0)] for i in src]


def interpolate(x: Tensor, size: int | Sequence[int] | None, mode: str, align_corners: bool | None = None,
                scale_factor: float | Sequence[float] | None = None) -> Counted:
    """F.interpolate / nn.Upsample on x = (N, C, *spatial) in nearest, nearest-exact, linear, bilinear,
    bicubic or trilinear mode, given an output size or a scale factor (not recomputed)."""
    rank = x.dim() - 2
    in_sizes = [int(d) for d in x.shape[2:]]
    factors: list[float | None] = list(scale_factor) if isinstance(scale_factor, Sequence) else [scale_factor] * rank
    if size is not None:
        outs, factors = list(_tuple(size, rank)), [None] * rank
    else:
        outs = [math.floor(in_sizes[a] * float(factors[a])) for a in range(rank)]  # type: ignore[arg-type]
    per_axis = []
    for a in range(rank):
        if mode.startswith("nearest"):
            per_axis.append(_nearest_taps(in_sizes[a], outs[a], mode == "nearest-exact", factors[a]))
        elif mode == "bicubic":
            per_axis.append(_cubic_taps(in_sizes[a], outs[a], bool(align_corners), factors[a]))
        else:
            per_axis.append(_linear_taps(in_sizes[a], outs[a], bool(align_corners), factors[a]))
    tally = Tally()
    out: Tensor | None = None
    for combo in _tap_combinations([len(axis[0]) for axis in per_axis]):
        # this tap's input index along every axis, broadcast over the output grid (index arithmetic)
        index = tuple(torch.tensor([taps[j][0] for taps in per_axis[a]]).reshape(
            [-1 if b == a else 1 for b in range(rank)]) for a, j in enumerate(combo))
        key: tuple[Any, ...] = (slice(None), slice(None), *index)
        with tally:
            value = x[key]  # a gather, no arithmetic
        if mode.startswith("nearest"):
            out = value
            continue
        with tally.aside("tap weights, one per output position, shared across batch and channels"):
            weight = _box([[taps[j][1] for taps in per_axis[a]] for a, j in enumerate(combo)], x.dtype)
        with tally:
            term = value * weight
            out = term if out is None else out + term
    assert out is not None
    return _counted(out, tally)


def _tap_combinations(taps: Sequence[int]) -> list[tuple[int, ...]]:
    combos: list[tuple[int, ...]] = [()]
    for t in taps:
        combos = [(*c, j) for c in combos for j in range(t)]
    return combos
