"""The op calls calibration times: for every op kind CNNs run, calls drawn over the range real networks use.

Convolutions are drawn as CNN layers are built (nn-Meter's lesson: sample where real layers are): standard,
depthwise, grouped and pointwise, kernels 1 to 7, strides 1 and 2, dilations; three in four widths and map sizes
from the values networks use (multiples of 8; 224, 256, 288 and 320 halved), the rest anywhere from 3 to 2,048
channels and 3 to 224 pixels; grouped ones mostly with the channels per group networks use (4 to 320); batches 1
to 32. A third of the 2-D ones are instead the layers of random networks (`network_conv`): widths and maps drawn
apart reach the pairs networks have (64 channels on 224², 512 on 14²) only now and then;
matrix products as linear layers (their weight transposed, as `weight.t()` lays it out) and attention's products;
3-D average pools half as cubic windows, half as local response norm runs them; element-wise ops, norms, pooling,
copies and interpolation over sizes from a few dozen elements to tens of millions. `near(call)` draws calls close to one
whose time the fitted model missed, to sample more densely where the held-out error is high (as nn-Meter does).
Every call is a `cnncalc.analysis.calls.Call`: the same description a traced model's ops have.
"""

from __future__ import annotations

import functools
import math
import random
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from cnncalc.analysis.calls import Call, TensorArg
from cnncalc.latency.kinds import reads_transposed


def tensor(shape: tuple[int, ...], dtype: str = "float32", channels_last: bool = False) -> TensorArg:
    """A contiguous (or channels-last) tensor argument."""
    if channels_last and len(shape) in (4, 5):
        _, c, *spatial = shape
        return TensorArg(shape, dtype, (c * math.prod(spatial), 1, *_nhwc(spatial, c)))
    stride: list[int] = []
    acc = 1
    for size in reversed(shape):
        stride.insert(0, acc)
        acc *= size
    return TensorArg(shape, dtype, tuple(stride))


def _nhwc(spatial: list[int], c: int) -> list[int]:
    """The strides of the spatial axes when channels are innermost."""
    out: list[int] = []
    acc = c
    for size in reversed(spatial):
        out.insert(0, acc)
        acc *= size
    return out


def _channels(rng: random.Random, lo: int = 3, hi: int = 2048) -> int:
    value = int(math.exp(rng.uniform(math.log(lo), math.log(hi))))
    if rng.random() < 0.8 and value >= 16:
        value = max(8, value // 8 * 8)  # mostly multiples of 8, as networks are built
    return max(1, value)


#: the widths networks are built with: multiples of 8 (16 and 32 above 128), as designers and NAS pick them
WIDTHS = (8, 16, 24, 32, 40, 48, 56, 64, 72, 80, 96, 112, 120, 128, 144, 160, 192, 208, 224, 240, 256, 288, 320,
          352, 384, 416, 448, 480, 512, 576, 640, 672, 704, 768, 896, 960, 1024, 1152, 1280, 1536, 2048)
#: the map sizes inputs of 224, 256, 288 and 320 pixels are halved to, and some in between
SIZES = (224, 112, 56, 28, 14, 7, 256, 128, 64, 32, 16, 8, 4, 288, 144, 72, 36, 18, 9, 320, 160, 80, 40, 20, 10, 5,
         192, 96, 48, 24, 12, 6, 3)


#: the channels per group grouped networks are built with: ResNeXt's 4 to 64 (32 or 64 groups), RegNet's 8 to 232,
#: DPN's 4 to 16, ShuffleNet v1's 80 to 320 (3 or 8 groups)
GROUP_WIDTHS = (4, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 120, 128, 160, 192, 232, 256, 320)


#: the widths linear layers are built with: the convolutions' and the transformers' (ViT-B 768 → 3,072, ViT-L 1,024
#: → 4,096, ViT-H 1,280 → 5,120, Swin 96 · 2ᵏ · 4); powers of two run slower per MAC than their neighbours
#: (an addmm of 50 × 1,024 × 4,096: 117 GFLOP/s, of 50 × 1,032 × 4,104: 143, on the development CPU)
MATMUL_WIDTHS = (*WIDTHS, 2304, 2560, 3072, 4096, 5120, 6144, 8192)


def _width(rng: random.Random, lo: int = 3, hi: int = 2048, widths: tuple[int, ...] = WIDTHS) -> int:
    """Mostly a width networks use; now and then any (coverage between them)."""
    widths = tuple(w for w in widths if lo <= w <= hi)
    return rng.choice(widths) if widths and rng.random() < 0.75 else _channels(rng, lo, hi)


def _map(rng: random.Random, lo: int = 3, hi: int = 224) -> int:
    sizes = [v for v in SIZES if lo <= v <= hi]
    return rng.choice(sizes) if sizes and rng.random() < 0.75 else _size(rng, lo, hi)


def _size(rng: random.Random, lo: int = 3, hi: int = 224) -> int:
    return round(math.exp(rng.uniform(math.log(lo), math.log(hi))))


def conv_call(batch: int, cin: int, cout: int, spatial: tuple[int, ...], kernel: tuple[int, ...],
              stride: int, dilation: int, groups: int, bias: bool, dtype: str = "float32",
              channels_last: bool = False, transposed: bool = False,
              padding: tuple[int, ...] | None = None) -> Call | None:
    """aten.convolution with `padding` (default 'same': dilation·(k−1)/2); None when the map is too small for the
    kernel."""
    rank = len(spatial)
    padding = padding if padding is not None else tuple(dilation * (k - 1) // 2 for k in kernel)
    if transposed:
        out = tuple((s - 1) * stride - 2 * p + dilation * (k - 1) + 1 for s, k, p in zip(spatial, kernel, padding,
                                                                                        strict=True))
        weight = (cin, cout // groups, *kernel)
    else:
        out = tuple((s + 2 * p - dilation * (k - 1) - 1) // stride + 1 for s, k, p in zip(spatial, kernel, padding,
                                                                                          strict=True))
        weight = (cout, cin // groups, *kernel)
    if min(out) < 1 or cin % groups or cout % groups:
        return None
    x = tensor((batch, cin, *spatial), dtype, channels_last)
    y = tensor((batch, cout, *out), dtype, channels_last)
    args = (x, tensor(weight, dtype), tensor((cout,), dtype) if bias else None, (stride,) * rank, padding,
            (dilation,) * rank, transposed, (0,) * rank, groups)
    return Call("aten.convolution.default", args, (), (y,), "")


def draw_conv(rng: random.Random, rank: int = 2, dtype: str = "float32", channels_last: bool = False,
              transposed: bool = False) -> Call:
    """A convolution as CNNs have them (see the module's docstring)."""
    while True:
        batch = rng.choice((1, 1, 1, 1, 1, 1, 2, 4, 8, 8, 16, 32))
        style = rng.random()
        cin = 3 if style < 0.05 else _width(rng)
        if style < 0.55:  # standard (the first layer's 3 channels now and then)
            groups, cout = 1, _width(rng) if rng.random() < 0.5 else max(8, int(cin * rng.choice((0.25, 0.5, 1,
                                                                                                    1, 2, 4, 6))))
        elif style < 0.8:  # depthwise (channel multiplier 1, now and then more)
            groups = cin
            cout = cin * rng.choice((1, 1, 1, 1, 2))
        else:  # grouped: ResNeXt, RegNet and DPN keep the channels (3 in 4), ShuffleNet and the rest change them
            groups, cin = _grouped(rng, cin)
            cout = cin if rng.random() < 0.75 else max(groups, _width(rng) // groups * groups)
        if rank == 2:
            size = _map(rng, 3, 224 if cin <= 256 else 64)
            spatial: tuple[int, ...] = (size, size) if rng.random() < 0.9 else (size, _size(rng, 3, 224))
        elif rank == 1:
            spatial = (_size(rng, 8, 16000),)
        else:
            spatial = (rng.choice((1, 2, 4, 8, 16)), *(2 * (_size(rng, 4, 112),)))
        k = rng.choice((1, 1, 1, 3, 3, 3, 5, 7)) if groups == 1 else rng.choice((1, 3, 3, 3, 3, 5, 7))
        kernel = (k,) * rank
        if rank == 2 and rng.random() < 0.05:
            kernel = rng.choice(((1, 7), (7, 1), (1, 3), (3, 1)))
        if rank == 3 and rng.random() < 0.3:
            kernel = rng.choice(((1, k, k), (k, 1, 1)))
        stride = rng.choice((1, 1, 1, 2)) if not transposed else rng.choice((1, 2, 2))
        dilation = rng.choice((1,) * 9 + (2,)) if not transposed else 1
        call = conv_call(batch, cin, cout, spatial, kernel, stride, dilation, groups, rng.random() < 0.5, dtype,
                         channels_last, transposed)
        # a transposed convolution's CPU kernel runs a few GFLOP/s: at 8e9 MACs one call would take seconds
        if call is not None and _macs(call) <= (1e9 if transposed else 8e9) and _bytes(call) <= 4e8:
            return call


#: the share of calibration's 2-D convolutions that are layers of random networks (`network_conv`), and how many
#: networks they come from
NETWORK_LAYERS, LAYER_NETWORKS = 1 / 3, 250
#: the seed of those networks: not the seeds calibration times networks whole with (0 unless told)
LAYER_SEED = 1_000_003


def network_conv(rng: random.Random, dtype: str = "float32", channels_last: bool = False) -> Call:
    """A 2-D convolution of a random network (`cnncalc.latency.networks`, drawn from `LAYER_SEED`): its channels,
    map, kernel, stride, groups and batch together as a network has them, which `draw_conv`'s independent draws
    reach only now and then (nn-Meter samples the layers of real networks for that reason). Every layer of the
    networks is about as likely as any other: a network is kept with a chance of its count of layers ÷ 64, so that
    the stems and patch embeddings of small networks are not drawn as often as the layers of large ones."""
    while True:
        layers = _network_layers(rng.randrange(LAYER_NETWORKS))
        if not layers or rng.random() >= len(layers) / 64:
            continue
        batch, cin, cout, spatial, kernel, stride, padding, dilation, groups, bias = rng.choice(layers)
        call = conv_call(batch, cin, cout, spatial, kernel, stride, dilation, groups, bias, dtype, channels_last,
                         padding=padding)
        if call is not None and _macs(call) <= 8e9 and _bytes(call) <= 4e8:
            return call


@functools.cache
def _network_layers(index: int) -> tuple[tuple[Any, ...], ...]:
    """The 2-D convolutions of random network `index` of `LAYER_SEED`, as its forward on the meta device calls
    them: batch, channels in and out, map, kernel, stride, padding, dilation, groups, bias."""
    import torch

    from cnncalc.latency import networks

    spec = networks.draw(LAYER_SEED, index)
    with torch.device("meta"):
        module = networks.build(spec)
    found: list[tuple[Any, ...]] = []

    def hook(conv: torch.nn.Module, args: tuple[Any, ...]) -> None:
        assert isinstance(conv, torch.nn.Conv2d)
        x = args[0]
        found.append((int(x.shape[0]), conv.in_channels, conv.out_channels, tuple(int(v) for v in x.shape[2:]),
                      tuple(conv.kernel_size), int(conv.stride[0]), tuple(conv.padding), int(conv.dilation[0]),
                      conv.groups, conv.bias is not None))

    hooks = [m.register_forward_pre_hook(hook) for m in module.modules() if isinstance(m, torch.nn.Conv2d)]
    try:
        with torch.inference_mode():
            module(torch.empty(spec.input_shape, device="meta"))
    finally:
        for h in hooks:
            h.remove()
    return tuple(found)


def _grouped(rng: random.Random, cin: int) -> tuple[int, int]:
    """Groups and input channels of a grouped convolution: three in four times a width per group networks use
    (`GROUP_WIDTHS`) times a count of groups that keeps the channels at most 2,048, else any `cin` cut to a
    multiple of 2 to 64 groups."""
    if rng.random() < 0.75:
        per_group = rng.choice(GROUP_WIDTHS)
        groups = rng.choice([g for g in (2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64) if g * per_group <= 2048])
        return groups, groups * per_group
    groups = rng.choice((2, 3, 4, 8, 16, 32, 64))
    return groups, max(groups, cin // groups * groups)


def _macs(call: Call) -> float:
    from cnncalc.latency.kinds import kind_of

    kind = kind_of(call)
    return kind.flops / 2 if kind else 0.0


def _bytes(call: Call) -> float:
    return float(sum(t.nbytes for t in call.tensors()) + sum(t.nbytes for t in call.outputs))


#: the most bytes a drawn matrix product moves (VGG's first classifier layer: 411 MB of weight)
MATMUL_BYTES = 8e8


def transposed(shape: tuple[int, ...], dtype: str = "float32") -> TensorArg:
    """A tensor whose last two axes are swapped in memory: a linear layer's weight as addmm reads it (`weight.t()`),
    attention's keys as q @ kᵀ reads them."""
    *batch, rows, cols = shape
    return TensorArg(shape, dtype, (*tensor((*batch, cols, rows)).stride[:-2], 1, rows))


def draw_matmul(rng: random.Random, op: str, dtype: str = "float32") -> Call:
    """A linear layer (addmm: tokens × features), its bias-free form (mm), or attention's batched products. One in
    ten linear layers reads 8,192 to 32,768 features, as the classifiers of VGG (25,088 → 4,096: a 411 MB weight)
    and AlexNet (9,216 → 4,096) do: beyond the calls it was fitted on, a model's time per MAC is a guess (VGG-11's
    first classifier layer was predicted at 0.7× and 1.7× its time by two calibrations drawing up to 8,192).
    Three in four products read their second factor transposed, as a linear layer reads its weight (`weight.t()`)
    and attention its keys: at 8 × 1,280 × 1,000 (a classifier at batch 8) that took 2.3× the time of the same
    product with the factor contiguous, at 50 × 1,024 × 4,096 (ViT-L/32's MLP) 1.1×. Widths are mostly those
    networks use (`MATMUL_WIDTHS`), and one linear layer's output in ten is ImageNet's 1,000 classes."""
    while True:
        if op != "bmm" and rng.random() < 0.1:
            k = _channels(rng, 8192, 32768)
        else:
            k = _width(rng, 4, 8192 if op != "bmm" else 1024, MATMUL_WIDTHS)
        n = 1000 if rng.random() < 0.1 else _width(rng, 2, 8192, MATMUL_WIDTHS)
        m = rng.choice((1, 1, 2, 4, 8, 16)) if rng.random() < 0.5 else _size(rng, 1, 4096)
        flipped = rng.random() < 0.75
        if op == "bmm":
            batch, m, n = _size(rng, 1, 384), _size(rng, 1, 1024), _size(rng, 1, 1024)
            call = matmul_call(op, (batch, m, k, n), flipped, dtype)
        else:
            call = matmul_call(op, (m, k, n), flipped, dtype)
        if _macs(call) <= 8e9 and _bytes(call) <= MATMUL_BYTES:
            return call


def matmul_call(op: str, sizes: tuple[int, ...], flipped: bool, dtype: str = "float32") -> Call:
    """addmm, mm or bmm of (batch ×) m × k by k × n, the second factor `flipped` (`transposed`) or contiguous."""
    *batch, m, k, n = sizes
    a, out = tensor((*batch, m, k), dtype), tensor((*batch, m, n), dtype)
    b = transposed((*batch, k, n), dtype) if flipped else tensor((*batch, k, n), dtype)
    if op == "addmm":
        return Call("aten.addmm.default", (tensor((n,), dtype), a, b), (), (out,), "")
    return Call(f"aten.{op}.default", (a, b), (), (out,), "")


def draw_pool(rng: random.Random, op: str, dtype: str = "float32", channels_last: bool = False) -> Call:
    """max_pool2d / avg_pool2d (and 3-D) windows as CNNs use them: 2, 3 (stride 2), 5 and 7."""
    rank = 3 if op.endswith("3d") else 2
    if op == "avg_pool3d" and rng.random() < 0.5:
        while True:  # at most 5 M elements, as the cubic ones below (AlexNet's and GoogLeNet's are 0.2–0.6 M)
            lrn = lrn_pool(rng.choice((1, 1, 2, 8)), _width(rng, 16, 512), _map(rng, 7, 112), rng.choice((3, 5, 5)),
                           dtype)
            if lrn.args[0].numel <= 5e6:
                return lrn
    while True:
        batch, c = rng.choice((1, 1, 2, 8)), _channels(rng, 3, 1024)
        size = _size(rng, 4, 112)
        spatial = (rng.choice((2, 4, 8, 16)), size, size) if rank == 3 else (size, size)
        k = rng.choice((2, 3, 3, 5, 7))
        kernel = tuple(min(k, s) for s in spatial)
        stride = rng.choice((1, 2, 2, k))
        padding = tuple(kk // 2 if rng.random() < 0.5 else 0 for kk in kernel)
        out = tuple((s + 2 * p - kk) // stride + 1 for s, kk, p in zip(spatial, kernel, padding, strict=True))
        if min(out) < 1 or c * math.prod(spatial) * batch > (5e7 if rank == 2 else 5e6):
            continue  # 3-D pooling runs at tens of ns an output: 5 M elements take tens of ms
        x = tensor((batch, c, *spatial), dtype, channels_last)
        y = tensor((batch, c, *out), dtype, channels_last)
        if op.startswith("max") and rank == 2:
            args: tuple[object, ...] = (x, kernel, (stride, stride), padding, (1, 1), False)
            return Call("aten.max_pool2d_with_indices.default", args, (), (y, tensor(y.shape, "int64")), "")
        args = (x, kernel, (stride,) * rank, padding, False, True, None)
        return Call(f"aten.avg_pool{rank}d.default", args, (), (y,), "")


def lrn_pool(batch: int, channels: int, size: int, window: int, dtype: str = "float32") -> Call:
    """The avg_pool3d that local response normalisation (AlexNet's, GoogLeNet's) runs: the squared input seen as one
    channel of `channels` + `window` − 1 planes (padded), averaged over `window` planes at stride 1. The slowest kind
    of call for its bytes: 64 channels on 56² took 2.0 ms on the development CPU (10 ns an output), where a profile
    whose 3-D pools were all cubic windows predicted 0.3 ms."""
    x = tensor((batch, 1, channels + window - 1, size, size), dtype)
    y = tensor((batch, 1, channels, size, size), dtype)
    return Call("aten.avg_pool3d.default", (x, (window, 1, 1), (1, 1, 1), (0, 0, 0), False, True, None), (), (y,), "")


def _shape(rng: random.Random, numel: int) -> tuple[int, int, int, int]:
    """An N×C×H×W shape of about `numel` elements."""
    batch = rng.choice((1, 1, 1, 2, 8))
    c = _channels(rng, 3, 1024)
    hw = max(1, numel // (batch * c))
    h = max(1, int(math.sqrt(hw)))
    return batch, c, h, max(1, hw // h)


def _numel(rng: random.Random, lo: float = 64, hi: float = 3e7) -> int:
    return int(math.exp(rng.uniform(math.log(lo), math.log(hi))))


def unary(op: str) -> Callable[[random.Random, str, bool], Call]:
    """An element-wise op of one tensor (relu, gelu, copy, …), in or out of place."""

    def draw(rng: random.Random, dtype: str, channels_last: bool) -> Call:
        x = tensor(_shape(rng, _numel(rng)), dtype, channels_last)
        extra: tuple[object, ...] = {"hardtanh": (0.0, 6.0), "hardtanh_": (0.0, 6.0), "clamp": (0.0, 6.0),
                                     "clamp_min": (0.0,), "leaky_relu": (0.01,), "pow": (2.0,),
                                     "gelu": (), "_softmax": (1, False), "_log_softmax": (1, False)}.get(op, ())
        overload = {"pow": "Tensor_Scalar", "clamp": "default"}.get(op, "default")
        return Call(f"aten.{op}.{overload}", (x, *extra), (), (x,), "")

    return draw


def binary(op: str, broadcast: bool) -> Callable[[random.Random, str, bool], Call]:
    """add/mul/sub/div of two tensors: the same shape (a residual add), or an N×C×1×1 scale (SE's gate)."""

    def draw(rng: random.Random, dtype: str, channels_last: bool) -> Call:
        shape = _shape(rng, _numel(rng))
        if broadcast and shape[2] * shape[3] == 1:
            shape = (shape[0], shape[1], 2, 2)  # a map to broadcast over
        x = tensor(shape, dtype, channels_last)
        y = tensor((shape[0], shape[1], 1, 1), dtype) if broadcast else tensor(shape, dtype, channels_last)
        return Call(f"aten.{op}.Tensor", (x, y), (), (x,), "")

    return draw


def batch_norm(rng: random.Random, dtype: str, channels_last: bool) -> Call:
    shape = _shape(rng, _numel(rng))
    x, c = tensor(shape, dtype, channels_last), tensor((shape[1],), dtype)
    empty = tensor((0,), dtype)
    return Call("aten._native_batch_norm_legit_no_training.default", (x, c, c, c, c, 0.1, 1e-5), (),
                (x, empty, empty), "")


def batch_norm_stats(rng: random.Random, dtype: str, channels_last: bool) -> Call:
    """Batch norm that computes its own mean and variance: half of the draws as NF-ResNet's weight standardization
    (a convolution's 1 × C_out × C_in·k² weight, a gain per output channel as timm's ScaledStdConv2d passes it, no
    bias, no running statistics), half over an activation map
    (training's batch norm, with running statistics to update)."""
    if rng.random() < 0.5:
        out, fan_in = _channels(rng, 16, 2048), rng.choice((1, 9, 9, 25, 49)) * _channels(rng, 3, 512)
        x, w = tensor((1, out, fan_in), dtype), tensor((out,), dtype)
        return Call("aten.native_batch_norm.default", (x, w, None, None, None, True, 0.0, 1e-5), (),
                    (x, tensor((out,), dtype), tensor((out,), dtype)), "")
    shape = _shape(rng, _numel(rng))
    x, c = tensor(shape, dtype, channels_last), tensor((shape[1],), dtype)
    return Call("aten.native_batch_norm.default", (x, c, c, c, c, True, 0.1, 1e-5), (), (x, c, c), "")


def layer_norm(rng: random.Random, dtype: str, channels_last: bool) -> Call:
    tokens, dim = _size(rng, 1, 4096), _channels(rng, 16, 2048)
    x, w = tensor((1, tokens, dim), dtype), tensor((dim,), dtype)
    return Call("aten.native_layer_norm.default", (x, (dim,), w, w, 1e-5), (), (x,), "")


def cat(rng: random.Random, dtype: str, channels_last: bool) -> Call:
    shape = _shape(rng, _numel(rng))
    parts = rng.choice((2, 2, 3, 4))
    pieces = tuple(tensor((shape[0], max(1, shape[1] // parts), shape[2], shape[3]), dtype, channels_last)
                   for _ in range(parts))
    out = tensor((shape[0], sum(p.shape[1] for p in pieces), shape[2], shape[3]), dtype, channels_last)
    return Call("aten.cat.default", (pieces, 1), (), (out,), "")


def mean(rng: random.Random, dtype: str, channels_last: bool) -> Call:
    shape = _shape(rng, _numel(rng))
    x = tensor(shape, dtype, channels_last)
    return Call("aten.mean.dim", (x, (-1, -2), True), (), (tensor((shape[0], shape[1], 1, 1), dtype),), "")


def adaptive_pool(rng: random.Random, dtype: str, channels_last: bool) -> Call:
    shape = _shape(rng, _numel(rng))
    out = rng.choice((1, 1, 1, 7))
    x = tensor(shape, dtype, channels_last)
    return Call("aten._adaptive_avg_pool2d.default", (x, (out, out)), (),
                (tensor((shape[0], shape[1], out, out), dtype),), "")


def interpolate(mode: str) -> Callable[[random.Random, str, bool], Call]:
    def draw(rng: random.Random, dtype: str, channels_last: bool) -> Call:
        shape = _shape(rng, _numel(rng, 64, 8e6))
        scale = rng.choice((2, 2, 4, 8))
        x = tensor(shape, dtype, channels_last)
        out = tensor((shape[0], shape[1], shape[2] * scale, shape[3] * scale), dtype, channels_last)
        size = (out.shape[2], out.shape[3])
        args: tuple[object, ...] = (x, size, False, None, None) if mode == "bilinear" else (x, size, None, None)
        return Call(f"aten.upsample_{mode}2d.default", args, (), (out,), "")

    return draw


def pad(rng: random.Random, dtype: str, channels_last: bool) -> Call:
    shape = _shape(rng, _numel(rng))
    p = rng.choice((1, 1, 2, 3))
    x = tensor(shape, dtype)
    out = tensor((shape[0], shape[1], shape[2] + 2 * p, shape[3] + 2 * p), dtype)
    return Call("aten.constant_pad_nd.default", (x, (p, p, p, p), 0.0), (), (out,), "")


def shuffle(rng: random.Random, dtype: str, channels_last: bool) -> Call:
    shape = _shape(rng, _numel(rng))
    groups = rng.choice((2, 3, 4, 8))
    shape = (shape[0], max(groups, shape[1] // groups * groups), shape[2], shape[3])
    x = tensor(shape, dtype, channels_last)
    return Call("aten.channel_shuffle.default", (x, groups), (), (x,), "")


def compare(op: str) -> Callable[[random.Random, str, bool], Call]:
    """eq/ne against a scalar (masks: swin's attention mask)."""

    def draw(rng: random.Random, dtype: str, channels_last: bool) -> Call:
        x = tensor(_shape(rng, _numel(rng, 64, 4e6)), dtype)
        return Call(f"aten.{op}.Scalar", (x, 0), (), (tensor(x.shape, "bool"),), "")

    return draw


def masked_fill(rng: random.Random, dtype: str, channels_last: bool) -> Call:
    x = tensor(_shape(rng, _numel(rng, 64, 4e6)), dtype)
    return Call("aten.masked_fill.Scalar", (x, tensor(x.shape, "bool"), -100.0), (), (x,), "")


def roll(rng: random.Random, dtype: str, channels_last: bool) -> Call:
    """A cyclic shift of the two middle axes (swin's shifted windows: N×H×W×C)."""
    n, c, h, w = _shape(rng, _numel(rng))
    x = tensor((n, h, w, c), dtype)
    shift = rng.choice((1, 2, 3, 4))
    return Call("aten.roll.default", (x, (-shift, -shift), (1, 2)), (), (x,), "")


def vector_norm(rng: random.Random, dtype: str, channels_last: bool) -> Call:
    """The 2-norm over the last axis, kept (swin v2's cosine attention)."""
    tokens, dim = _size(rng, 1, 4096), _channels(rng, 16, 512)
    heads = rng.choice((1, 3, 4, 8, 16))
    x = tensor((heads, tokens, dim), dtype)
    return Call("aten.linalg_vector_norm.default", (x, 2.0, (-1,), True), (), (tensor((heads, tokens, 1), dtype),),
                "")


def index(rng: random.Random, dtype: str, channels_last: bool) -> Call:
    """A table gathered by an index tensor (swin's relative position bias)."""
    rows, width = _size(rng, 16, 4096), rng.choice((1, 3, 4, 8, 16, 32))
    picks = _size(rng, 16, 40000)
    table, picked = tensor((rows, width), dtype), tensor((picks,), "int64")
    return Call("aten.index.Tensor", (table, (picked,)), (), (tensor((picks, width), dtype),), "")


def deform_conv(rng: random.Random, dtype: str, channels_last: bool) -> Call:
    """torchvision's deformable convolution, 3×3, padding 1, stride 1 or 2, with a mask (v2) or without (v1)."""
    batch, c, size = rng.choice((1, 1, 2)), _channels(rng, 8, 512), _size(rng, 4, 64)
    cout = c if rng.random() < 0.5 else _channels(rng, 8, 512)
    stride = rng.choice((1, 1, 2))
    out = (size - 1) // stride + 1
    x, w = tensor((batch, c, size, size), dtype), tensor((cout, c, 3, 3), dtype)
    modulated = rng.random() < 0.5
    offset = tensor((batch, 18, out, out), dtype)
    mask = tensor((batch, 9, out, out), dtype) if modulated else tensor((batch, 1), dtype)  # as DeformConv2d passes
    args = (x, w, offset, mask, tensor((cout,), dtype), stride, stride, 1, 1, 1, 1, 1, 1, modulated)
    return Call("torchvision.deform_conv2d.default", args, (), (tensor((batch, cout, out, out), dtype),), "")


def factory(rng: random.Random, dtype: str, channels_last: bool) -> Call:
    shape = _shape(rng, _numel(rng, 1, 1e6))
    out = tensor(shape, dtype)
    return Call("aten.empty.memory_format", (shape,), (("dtype", f"torch.{dtype}"),), (out,), "", free=True)


def view(rng: random.Random, dtype: str, channels_last: bool) -> Call:
    shape = _shape(rng, _numel(rng))
    x = tensor(shape, dtype)
    return Call("aten.view.default", (x, (shape[0], -1)), (), (tensor((shape[0], math.prod(shape[1:])), dtype),),
                "", free=True)


def near(call: Call, rng: random.Random) -> Call:
    """A call close to `call`: each tensor's sizes scaled by about ×½ to ×2 (convolutions and matrix products
    are drawn again around the same configuration), for sampling where the model is wrong."""
    if call.name == "convolution":
        x, w = call.args[0], call.args[1]
        groups = int(call.args[8])
        depthwise = groups == x.shape[1] and groups > 1
        scale = rng.choice((0.5, 0.75, 1.0, 1.5, 2.0))
        cin = max(1, int(x.shape[1] * (scale if depthwise or groups == 1 else 1)))
        cout = cin * (w.shape[0] // max(1, x.shape[1])) if depthwise else max(1, int(w.shape[0] * rng.choice(
            (0.5, 0.75, 1.0, 1.5, 2.0))))
        groups = cin if depthwise else groups
        if groups > 1 and not depthwise:
            cin, cout = max(groups, cin // groups * groups), max(groups, cout // groups * groups)
        spatial = tuple(max(1, int(s * rng.choice((0.5, 0.8, 1.0, 1.25, 2.0)))) for s in x.shape[2:])
        moved = conv_call(x.shape[0], cin, cout, spatial, tuple(w.shape[2:]), int(call.args[3][0]),
                          int(call.args[5][0]), groups, call.args[2] is not None, x.dtype, x.channels_last,
                          bool(call.args[6]))
        return moved if moved is not None and _macs(moved) <= 8e9 else call
    if call.name in ("addmm", "mm", "bmm"):  # m, k and n each scaled, the layout kept
        a, b = call.args[-2], call.args[-1]
        sizes = (*a.shape[:-1], *b.shape[-2:])
        flipped = reads_transposed(b)
        scaled = tuple(sizes[:-3]) + tuple(max(1, int(v * rng.choice((0.5, 0.75, 1.0, 1.5, 2.0))))
                                           for v in sizes[-3:])
        moved_product = matmul_call(call.name, scaled, flipped, a.dtype)
        return moved_product if _macs(moved_product) <= 8e9 and _bytes(moved_product) <= MATMUL_BYTES else call
    return replace(call)


def reference(dtype: str = "float32", channels_last: bool = False) -> tuple[Call, ...]:
    """The calls calibration times again and again to read the device's speed as it goes: a 3×3 convolution of
    64 channels on 56² (116 M MACs: compute), a depthwise 3×3 of 144 channels on 56² (memory and fixed costs), a
    residual add of 64 × 56² floats (memory), and a ReLU of 64 floats (the fixed cost of a call)."""
    conv = conv_call(1, 64, 64, (56, 56), (3, 3), 1, 1, 1, False, dtype, channels_last)
    depthwise = conv_call(1, 144, 144, (56, 56), (3, 3), 1, 1, 144, False, dtype, channels_last)
    assert conv is not None and depthwise is not None
    x = tensor((1, 64, 56, 56), dtype, channels_last)
    small = tensor((1, 64, 1, 1), dtype)
    return (conv, depthwise, Call("aten.add.Tensor", (x, x), (), (x,), ""),
            Call("aten.relu.default", (small,), (), (small,), ""))
