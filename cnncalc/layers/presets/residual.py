"""ResNet's residual blocks: basic (two k×k) and bottleneck (1×1 → k×k → 1×1), with BN and projection."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cnncalc.errors import CnncalcError
from cnncalc.formulas.cost import Pair
from cnncalc.layers.graph import LayerGraph, Tensor, same_padding
from cnncalc.layers.presets.blocks import bottleneck_mid
from cnncalc.layers.presets.convs import kxk
from cnncalc.layers.registry import Config, Preset, register_layer

if TYPE_CHECKING:
    from torch import nn


def block_args(c: Config) -> tuple[Pair, Pair, int]:
    """kernel, stride, cout of a residual block. Padding is always 'same' (k//2), so the kernel must be odd:
    the body's output must match the shortcut's shape for the add."""
    k = c.kernel
    if k[0] % 2 == 0 or k[1] % 2 == 0:
        raise CnncalcError(f"kernel={k[0]}x{k[1]} cannot keep the feature map's size for the residual add: "
                           f"a residual block needs an odd kernel (1, 3, 5, …)")
    return k, c.stride, c.get("cout", c.cin)


def shortcut(g: LayerGraph, c: Config, x: Tensor, cout: int) -> Tensor:
    """Identity, or a 1×1 projection with BN when the block changes shape (ResNet option B)."""
    if c.stride == (1, 1) and c.cin == cout:
        return x
    return g.bn(g.conv(x, cout, (1, 1), c.stride, (0, 0), bias=c.bias, label="projection 1×1"))


def build_shortcut(c: Config, cout: int) -> nn.Module | None:
    from torch import nn

    if c.stride == (1, 1) and c.cin == cout:
        return None
    return nn.Sequential(nn.Conv2d(c.cin, cout, 1, c.stride, bias=c.bias), nn.BatchNorm2d(cout))


@register_layer
class ResidualBasic(Preset):
    name = "residual-basic"
    aliases = ("basic-block", "resnet-basic")
    title = "ResNet basic block"
    idea = ("Two k×k conv-BN layers whose output is added to the input: y = relu(F(x) + x).",
            "The shortcut costs one add per element, or a 1×1 projection when the shape changes.")
    symbolic = {"params": "k²·cin·cout + k²·cout² + 4·cout (+ cin·cout + 2·cout projection)",
                "MACs": "(k²·cin·cout + k²·cout²)·Ho·Wo·N (+ projection)"}
    paper = "He et al., 'Deep residual learning for image recognition', CVPR 2016"

    def describe(self, g: LayerGraph, c: Config) -> Tensor:
        k, s, cout = block_args(c)
        x = g.act(g.bn(g.conv(g.input, cout, k, s, same_padding(k), bias=c.bias, label=f"conv {kxk(k)} #1")))
        x = g.bn(g.conv(x, cout, k, (1, 1), same_padding(k), bias=c.bias, label=f"conv {kxk(k)} #2"))
        return g.act(g.add(x, shortcut(g, c, g.input, cout)))

    def build(self, c: Config) -> nn.Module:
        from torch import nn

        from cnncalc.modules import Residual

        k, s, cout = block_args(c)
        body = nn.Sequential(nn.Conv2d(c.cin, cout, k, s, same_padding(k), bias=c.bias), nn.BatchNorm2d(cout),
                             nn.ReLU(), nn.Conv2d(cout, cout, k, 1, same_padding(k), bias=c.bias),
                             nn.BatchNorm2d(cout))
        return Residual(body, build_shortcut(c, cout))


@register_layer
class ResidualBottleneck(Preset):
    name = "residual-bottleneck"
    aliases = ("bottleneck-block", "resnet-bottleneck")
    title = "ResNet bottleneck block"
    idea = ("1×1 reduce → k×k (stride here, as torchvision) → 1×1 expand, each with BN, plus the shortcut.",
            "mid defaults to cout/4; --groups on the k×k gives the ResNeXt block.")
    symbolic = {"params": "cin·mid + k²·mid²/g + mid·cout + 2·(2·mid + cout) (+ projection)",
                "MACs": "(cin·mid + k²·mid²/g + mid·cout)·Ho·Wo·N (+ projection)"}
    paper = "He et al., CVPR 2016; Xie et al., 'Aggregated residual transformations' (ResNeXt), CVPR 2017"

    def describe(self, g: LayerGraph, c: Config) -> Tensor:
        k, s, cout = block_args(c)
        mid = bottleneck_mid(c, cout)
        x = g.act(g.bn(g.conv(g.input, mid, (1, 1), bias=c.bias, label="reduce 1×1")))
        x = g.act(g.bn(g.conv(x, mid, k, s, same_padding(k), (1, 1), c.get("groups", 1), c.bias,
                              label=f"conv {kxk(k)}")))
        x = g.bn(g.conv(x, cout, (1, 1), bias=c.bias, label="expand 1×1"))
        return g.act(g.add(x, shortcut(g, c, g.input, cout)))

    def build(self, c: Config) -> nn.Module:
        from torch import nn

        from cnncalc.modules import Residual

        k, s, cout = block_args(c)
        mid = bottleneck_mid(c, cout)
        body = nn.Sequential(
            nn.Conv2d(c.cin, mid, 1, bias=c.bias), nn.BatchNorm2d(mid), nn.ReLU(),
            nn.Conv2d(mid, mid, k, s, same_padding(k), groups=c.get("groups", 1), bias=c.bias),
            nn.BatchNorm2d(mid), nn.ReLU(),
            nn.Conv2d(mid, cout, 1, bias=c.bias), nn.BatchNorm2d(cout))
        return Residual(body, build_shortcut(c, cout))
