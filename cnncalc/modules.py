"""The real PyTorch modules the layer designs describe (imports torch; the calculator never does).

Plain compositions of nn.Conv{1,2,3}d, nn.BatchNorm{1,2,3}d, nn.ReLU, torchvision.ops.DeformConv2d, … so
that the tests can hold each design's analytic record against PyTorch's own modules and counters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn


@dataclass(frozen=True)
class Nd:
    """PyTorch's module classes for one spatial rank (1, 2 or 3)."""

    conv: Any
    conv_transpose: Any
    batch_norm: Any
    max_pool: Any
    avg_pool: Any
    adaptive_avg_pool: Any


def nd(rank: int) -> Nd:
    """nd(3).conv is nn.Conv3d, nd(1).batch_norm is nn.BatchNorm1d, …"""
    return Nd(*(getattr(nn, f"{name}{rank}d") for name in ("Conv", "ConvTranspose", "BatchNorm", "MaxPool",
                                                            "AvgPool", "AdaptiveAvgPool")))


class Concat(nn.Module):
    """Runs branches on the same input and concatenates their outputs along channels."""

    def __init__(self, *branches: nn.Module) -> None:
        super().__init__()
        self.branches = nn.ModuleList(branches)

    def forward(self, x: Tensor) -> Tensor:
        return torch.cat([b(x) for b in self.branches], dim=1)


class SqueezeExcite(nn.Module):
    """Squeeze-and-excitation (Hu et al., CVPR 2018): x · σ(W₂·relu(W₁·avgpool(x))).

    The same computation as torchvision.ops.SqueezeExcitation, with the FC biases optional, at any rank.
    """

    def __init__(self, channels: int, squeeze: int, bias: bool = False, rank: int = 2) -> None:
        super().__init__()
        layers = nd(rank)
        self.pool = layers.adaptive_avg_pool(1)
        self.fc1 = layers.conv(channels, squeeze, 1, bias=bias)
        self.relu = nn.ReLU()
        self.fc2 = layers.conv(squeeze, channels, 1, bias=bias)
        self.gate = nn.Sigmoid()

    def forward(self, x: Tensor) -> Tensor:
        return x * self.gate(self.fc2(self.relu(self.fc1(self.pool(x)))))


class DeformableConv(nn.Module):
    """Deformable convolution: an offset branch (a k×k conv with bias, as in the DCN papers) feeding
    torchvision.ops.DeformConv2d; v2 adds a sigmoid-modulated mask from the same branch."""

    def __init__(self, cin: int, cout: int, kernel: tuple[int, ...], stride: tuple[int, ...],
                 padding: tuple[int, ...], dilation: tuple[int, ...], groups: int, offset_groups: int,
                 bias: bool, modulated: bool) -> None:
        from torchvision.ops import DeformConv2d

        super().__init__()
        taps = kernel[0] * kernel[1] * offset_groups
        self.n_offsets = 2 * taps
        self.modulated = modulated
        self.offset = nd(2).conv(cin, (3 if modulated else 2) * taps, kernel, stride, padding, dilation,
                                bias=True)
        # zero offsets at initialisation, as the DCN papers start: the regular grid (and no sampling far
        # outside the image from random weights, which torchvision's CPU kernel does not always survive)
        nn.init.zeros_(self.offset.weight)
        nn.init.zeros_(self.offset.bias)
        self.conv = DeformConv2d(cin, cout, kernel, stride, padding, dilation, groups, bias=bias)

    def forward(self, x: Tensor) -> Tensor:
        branch = self.offset(x)
        if not self.modulated:
            return self.conv(x, branch)
        offset, mask = branch[:, : self.n_offsets], branch[:, self.n_offsets:]
        return self.conv(x, offset, torch.sigmoid(mask))


def conv_bn(cin: int, cout: int, kernel: int | tuple[int, ...], stride: int | tuple[int, ...] = 1,
            groups: int = 1, bias: bool = False, relu: bool = True, rank: int = 2) -> nn.Sequential:
    """Conv → BN (→ ReLU), padding 'same' for odd kernels, at any rank."""
    k = (kernel,) * rank if isinstance(kernel, int) else kernel
    n = nd(rank)
    layers: list[nn.Module] = [n.conv(cin, cout, k, stride, tuple(a // 2 for a in k), groups=groups, bias=bias),
                               n.batch_norm(cout)]
    if relu:
        layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class Residual(nn.Module):
    """relu(body(x) + shortcut(x)); the shortcut is the identity unless given (a projection)."""

    def __init__(self, body: nn.Module, shortcut: nn.Module | None = None) -> None:
        super().__init__()
        self.body = body
        self.shortcut = shortcut
        self.relu = nn.ReLU()

    def forward(self, x: Tensor) -> Tensor:
        identity = x if self.shortcut is None else self.shortcut(x)
        return self.relu(self.body(x) + identity)


class ShuffleV1Unit(nn.Module):
    """ShuffleNet v1 unit (Zhang et al., CVPR 2018): GConv1×1 → BN → ReLU → shuffle → DWConv k×k → BN →
    GConv1×1 → BN; add the input (stride 1) or concat a 3×3 average pool of it (stride 2); ReLU."""

    def __init__(self, cin: int, cout: int, mid: int, groups: int, stride: int, kernel: int, bias: bool,
                 first_groups: int | None = None, rank: int = 2) -> None:
        super().__init__()
        self.stride = stride
        main_out = cout if stride == 1 else cout - cin
        self.body = nn.Sequential(
            conv_bn(cin, mid, 1, groups=groups if first_groups is None else first_groups, bias=bias, rank=rank),
            nn.ChannelShuffle(groups),
            conv_bn(mid, mid, kernel, stride, groups=mid, bias=bias, relu=False, rank=rank),
            conv_bn(mid, main_out, 1, groups=groups, bias=bias, relu=False, rank=rank),
        )
        self.pool = nd(rank).avg_pool(3, stride, 1) if stride > 1 else None
        self.relu = nn.ReLU()

    def forward(self, x: Tensor) -> Tensor:
        out = self.body(x)
        if self.pool is None:
            return self.relu(out + x)
        return self.relu(torch.cat([self.pool(x), out], dim=1))


class ShuffleV2Unit(nn.Module):
    """ShuffleNet v2 unit (Ma et al., ECCV 2018), as torchvision's InvertedResidual, with optional bias."""

    def __init__(self, cin: int, cout: int, stride: int, kernel: int, bias: bool, rank: int = 2) -> None:
        super().__init__()
        half = cout // 2
        self.stride = stride
        self.branch1 = nn.Sequential(
            conv_bn(cin, cin, kernel, stride, groups=cin, bias=bias, relu=False, rank=rank),
            conv_bn(cin, half, 1, bias=bias, rank=rank),
        ) if stride > 1 else None
        self.branch2 = nn.Sequential(
            conv_bn(cin if stride > 1 else half, half, 1, bias=bias, rank=rank),
            conv_bn(half, half, kernel, stride, groups=half, bias=bias, relu=False, rank=rank),
            conv_bn(half, half, 1, bias=bias, rank=rank),
        )
        self.shuffle = nn.ChannelShuffle(2)

    def forward(self, x: Tensor) -> Tensor:
        if self.branch1 is None:
            x1, x2 = x.chunk(2, dim=1)
            out = torch.cat([x1, self.branch2(x2)], dim=1)
        else:
            out = torch.cat([self.branch1(x), self.branch2(x)], dim=1)
        return self.shuffle(out)
