"""Random networks for calibration: whole networks built from torch.nn's layers the way model families build them,
timed as a whole so that calibration learns what running ops in a network adds to running them alone.

Ops timed one at a time run hot: their weights, inputs and code stay in the caches from one call to the next, and
nothing runs between the calls. Inside a network each op follows another, its weights come from memory, and every
layer's Python (`Conv2d.forward`, `BatchNorm2d.forward`, the block's own code) runs around it. Calibration times
some of these networks whole and fits how the sum of their ops' predicted times relates to their measured time
(`cnncalc.latency.context`). The networks are drawn from a seed, so a calibration can be resumed and repeated:
network `i` of seed `s` is always the same network.

Each network is a stem (a strided convolution), two to five stages of one block family, and a classifier head,
at a random width, depth, input size and batch. The families: VGG-like plain convolutions with pooling, ResNet
basic and bottleneck blocks (grouped 3×3 as in ResNeXt), MobileNet inverted residuals with depthwise kernels of 3
to 7 and optional squeeze-and-excitation, DenseNet-like concatenation, and ConvNeXt-like blocks (a depthwise 7×7,
a layer norm, an MLP); activations ReLU, ReLU6, SiLU, Hardswish or GELU.

Version 2 adds what version 1's networks had too little of: large weights read by little arithmetic, which a network
must fetch from memory where an op timed alone finds them in the last-level cache. A quarter of the convolutional
networks end in a VGG-like classifier (pooled to 1–7 × 1–7, two hidden linear layers of 1,024 to 4,096 units: from a
few megabytes to over a gigabyte of weight; calibration leaves out a network whose first forward takes over a
quarter of a second), and a seventh family, with no stem or stages, is a ViT-like transformer (a patch embedding of
16 or 32, one to four pre-norm blocks of attention and a 4× MLP at widths 192 to 1,024, over 9 to 256 tokens). A
profile records the version its networks were drawn with (`VERSION`), and network `i` of seed `s` in version 1 is
still the network it was, so an older profile's correction can be fitted again.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

import torch
from torch import nn

#: the version of the networks `draw` and `build` make (see the module's docstring)
VERSION = 2
FAMILIES = ("plain", "basic", "bottleneck", "inverted", "dense", "convnext")
#: the families of each version
FAMILIES_OF = {1: FAMILIES, 2: (*FAMILIES, "tokens")}
ACTIVATIONS = {"relu": lambda: nn.ReLU(inplace=True), "relu6": lambda: nn.ReLU6(inplace=True),
               "silu": lambda: nn.SiLU(inplace=True), "hardswish": lambda: nn.Hardswish(inplace=True),
               "gelu": nn.GELU}


@dataclass(frozen=True)
class Spec:
    """What network `index` of `seed` is: enough to build it again and to say what it was."""

    seed: int
    index: int
    family: str
    activation: str
    width: int
    stages: int
    depth: int
    size: int
    batch: int
    head: int = 0  #: the hidden width of a VGG-like classifier (0: pooled to 1 × 1 and one linear layer)
    pool: int = 1  #: the map a VGG-like classifier pools to, per side
    patch: int = 0  #: a transformer's patch size

    @property
    def input_shape(self) -> tuple[int, int, int, int]:
        return (self.batch, 3, self.size, self.size)


def draw(seed: int, index: int, version: int = VERSION) -> Spec:
    """Network `index` of `seed` in `version`: every family in turn, then at random (mobile blocks twice as often);
    one in three small and deep, where the layers' fixed costs are most of the time."""
    families = FAMILIES_OF[version]
    rng = random.Random(f"network:{seed}:{index}")
    family = families[index % len(families)] if index < len(families) else rng.choice((*families, "inverted"))
    activation = rng.choice(("gelu",) if family in ("convnext", "tokens") else ("relu", "relu", "relu6", "silu",
                                                                                "hardswish"))
    small = rng.random() < 1 / 3  # small and deep: overhead-bound
    if small:
        width, stages, depth = rng.choice((8, 8, 16, 16, 24)), rng.randint(3, 5), rng.randint(3, 6)
        size = rng.choice((32, 48, 64, 64, 96))
    else:
        width, stages, depth = rng.choice((16, 16, 24, 32, 32, 48, 64, 64, 96)), rng.randint(2, 5), rng.randint(1, 4)
        size = rng.choice((96, 112, 128, 160, 192, 224, 224, 224, 256))
    batch = rng.choice((1, 1, 1, 1, 1, 2, 4, 8))
    spec = Spec(seed, index, family, activation, width, stages, depth, size, batch)
    if version == 1:
        return spec
    more = random.Random(f"network-v2:{seed}:{index}")  # what version 2 adds, drawn apart from version 1's choices
    if family == "tokens":
        return replace(spec, width=more.choice((192, 256, 384, 512, 768, 1024)), stages=1,
                       depth=more.randint(1, 4), size=more.choice((96, 128, 160, 224, 224, 256)),
                       batch=more.choice((1, 1, 1, 2, 4)), patch=more.choice((16, 32, 32)))
    if not small and more.random() < 1 / 4:
        return replace(spec, head=more.choice((1024, 2048, 4096)), pool=more.choice((1, 2, 4, 7)))
    return spec


class Residual(nn.Module):
    def __init__(self, body: nn.Module, shortcut: nn.Module | None, act: nn.Module | None) -> None:
        super().__init__()
        self.body, self.shortcut, self.act = body, shortcut, act

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.body(x) + (self.shortcut(x) if self.shortcut is not None else x)
        return self.act(y) if self.act is not None else y


class SqueezeExcite(nn.Module):
    def __init__(self, channels: int, act: nn.Module) -> None:
        super().__init__()
        mid = max(8, channels // 4)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.reduce, self.act, self.expand = nn.Conv2d(channels, mid, 1), act, nn.Conv2d(mid, channels, 1)
        self.gate = nn.Sigmoid()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.gate(self.expand(self.act(self.reduce(self.pool(x)))))


class Dense(nn.Module):
    def __init__(self, channels: int, growth: int, act: nn.Module) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.BatchNorm2d(channels), act, nn.Conv2d(channels, 4 * growth, 1, bias=False),
                                  nn.BatchNorm2d(4 * growth), _copy(act),
                                  nn.Conv2d(4 * growth, growth, 3, padding=1, bias=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([x, self.body(x)], 1)


class ConvNeXtBlock(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.dw = nn.Conv2d(channels, channels, 7, padding=3, groups=channels)
        self.norm = nn.LayerNorm(channels)
        self.mlp = nn.Sequential(nn.Linear(channels, 4 * channels), nn.GELU(), nn.Linear(4 * channels, channels))
        self.scale = nn.Parameter(torch.full((channels,), 1e-6))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.mlp(self.norm(self.dw(x).permute(0, 2, 3, 1))) * self.scale
        return x + y.permute(0, 3, 1, 2)


def _copy(act: nn.Module) -> nn.Module:
    return type(act)(**({"inplace": True} if hasattr(act, "inplace") else {}))


def _conv_bn(cin: int, cout: int, k: int, stride: int, act: nn.Module | None, groups: int = 1) -> nn.Sequential:
    layers: list[nn.Module] = [nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False),
                               nn.BatchNorm2d(cout)]
    return nn.Sequential(*layers, *([act] if act is not None else []))


def _block(spec: Spec, rng: random.Random, cin: int, cout: int, stride: int) -> tuple[nn.Module, int]:
    act = ACTIVATIONS[spec.activation]
    if spec.family == "plain":
        return _conv_bn(cin, cout, 3, stride, act()), cout
    if spec.family == "basic":
        body = nn.Sequential(_conv_bn(cin, cout, 3, stride, act()), _conv_bn(cout, cout, 3, 1, None))
        short = _conv_bn(cin, cout, 1, stride, None) if stride != 1 or cin != cout else None
        return Residual(body, short, act()), cout
    if spec.family == "bottleneck":
        mid = max(8, cout // 4)
        groups = rng.choice((1, 1, 8)) if mid % 8 == 0 else 1
        body = nn.Sequential(_conv_bn(cin, mid, 1, 1, act()), _conv_bn(mid, mid, 3, stride, act(), groups),
                             _conv_bn(mid, cout, 1, 1, None))
        short = _conv_bn(cin, cout, 1, stride, None) if stride != 1 or cin != cout else None
        return Residual(body, short, act()), cout
    if spec.family == "inverted":
        expand, k = rng.choice((1, 3, 4, 6)), rng.choice((3, 3, 5, 7))
        mid = cin * expand
        layers: list[nn.Module] = [_conv_bn(cin, mid, 1, 1, act())] if expand != 1 else []
        layers.append(_conv_bn(mid, mid, k, stride, act(), groups=mid))
        if rng.random() < 0.5:
            layers.append(SqueezeExcite(mid, act()))
        layers.append(_conv_bn(mid, cout, 1, 1, None))
        body = nn.Sequential(*layers)
        return (Residual(body, None, None) if stride == 1 and cin == cout else body), cout
    if spec.family == "dense":
        if stride != 1:  # a transition: 1×1 and average pooling
            return nn.Sequential(nn.BatchNorm2d(cin), act(), nn.Conv2d(cin, cout, 1, bias=False),
                                 nn.AvgPool2d(2)), cout
        growth = max(8, cout // 4)
        return Dense(cin, growth, act()), cin + growth
    # convnext: a strided 2×2 convolution between stages, blocks at one width
    if stride != 1 or cin != cout:
        return nn.Sequential(nn.Conv2d(cin, cout, 2, 2)), cout
    return ConvNeXtBlock(cin), cin


class TokenBlock(nn.Module):
    """A pre-norm transformer block as timm's ViT writes it: one linear layer for queries, keys and values, fused
    attention, a projection, and a 4× MLP, each around a residual."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.heads = max(1, width // 64)
        self.norm1, self.qkv, self.proj = nn.LayerNorm(width), nn.Linear(width, 3 * width), nn.Linear(width, width)
        self.norm2 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(nn.Linear(width, 4 * width), nn.GELU(), nn.Linear(4 * width, width))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, n, c = x.shape
        q, k, v = self.qkv(self.norm1(x)).reshape(b, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        y = nn.functional.scaled_dot_product_attention(q, k, v)
        x = x + self.proj(y.transpose(1, 2).reshape(b, n, c))
        return x + self.mlp(self.norm2(x))


class Tokens(nn.Module):
    """A ViT-like network: a patch embedding, a class token and position embeddings, transformer blocks, and a
    linear classifier on the class token."""

    def __init__(self, spec: Spec, classes: int) -> None:
        super().__init__()
        tokens = (spec.size // spec.patch) ** 2 + 1
        self.embed = nn.Conv2d(3, spec.width, spec.patch, spec.patch)
        self.cls = nn.Parameter(torch.zeros(1, 1, spec.width))
        self.pos = nn.Parameter(torch.randn(1, tokens, spec.width) * 0.02)
        self.blocks = nn.Sequential(*(TokenBlock(spec.width) for _ in range(spec.depth)))
        self.norm, self.head = nn.LayerNorm(spec.width), nn.Linear(spec.width, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.embed(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], 1) + self.pos
        return self.head(self.norm(self.blocks(x))[:, 0])


def build(spec: Spec) -> nn.Module:
    """The network `spec` describes, in eval, with random weights."""
    rng = random.Random(f"layers:{spec.seed}:{spec.index}")
    act = ACTIVATIONS[spec.activation]
    if spec.family == "tokens":
        return Tokens(spec, rng.choice((10, 100, 1000))).eval()
    layers: list[nn.Module] = [_conv_bn(3, spec.width, 3, 2, act())]
    if spec.family in ("plain", "basic", "bottleneck") and rng.random() < 0.5:
        layers.append(nn.MaxPool2d(3, 2, 1))
    channels, width = spec.width, spec.width
    for stage in range(spec.stages):
        width = min(1024, width * 2) if stage else width
        for i in range(spec.depth):
            stride = 2 if i == 0 and stage > 0 else 1
            block, channels = _block(spec, rng, channels, width, stride)
            layers.append(block)
    classes = rng.choice((10, 100, 1000))
    if spec.head:  # VGG's classifier: pooled to a small map, two hidden layers
        head = [nn.AdaptiveAvgPool2d(spec.pool), nn.Flatten(), nn.Linear(channels * spec.pool ** 2, spec.head),
                act(), nn.Linear(spec.head, spec.head), act(), nn.Linear(spec.head, classes)]
    else:
        head = [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(channels, classes)]
    return nn.Sequential(*layers, *head).eval()


def instance(spec: Spec, device: str, dtype: str, channels_last: bool) -> tuple[nn.Module, torch.Tensor]:
    """The network `spec` describes and a random input for it, on `device` in `dtype` and the memory format a
    profile was calibrated in: as calibration times it, and as a later check of the device's drift times it again."""
    module = build(spec).to(device=device, dtype=getattr(torch, dtype))
    x = torch.rand(spec.input_shape, device=device, dtype=getattr(torch, dtype))
    if channels_last:
        module, x = module.to(memory_format=torch.channels_last), x.contiguous(memory_format=torch.channels_last)
    return module, x
