"""ResNet's residual blocks: basic (two k×k) and bottleneck (1×1 → k×k → 1×1), with BN and projection."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cnncalc.errors import CnncalcError
from cnncalc.formulas.cost import Dims, axis_names
from cnncalc.layers.graph import LayerGraph, Tensor, ones, same_padding
from cnncalc.layers.presets.blocks import bottleneck_mid
from cnncalc.layers.presets.convs import kxk
from cnncalc.layers.registry import Config, Preset, register_layer

if TYPE_CHECKING:
    from torch import nn


def block_args(c: Config, convs: int) -> tuple[Dims, Dims, int]:
    """kernel, stride, cout of a residual block whose body has `convs` k×k convs (the first strided), each padded
    (k−1)//2. The body's output must have the shortcut's size for the add: an odd kernel always keeps it; an even
    one shrinks a stride-1 conv by one, which only a strided conv on a suitable size absorbs."""
    k, s = c.kernel, c.stride
    for axis, n, ka, sa in zip(axis_names(c.rank), c.opts.spatial, k, s, strict=True):
        if ka % 2:
            continue
        body = n
        for i in range(convs):
            body = (body + 2 * ((ka - 1) // 2) - ka) // (sa if i == 0 else 1) + 1
        short = (n - 1) // sa + 1
        if body != short:
            raise CnncalcError(f"kernel={'x'.join(map(str, k))} cannot keep the feature map's size for the "
                               f"residual add: along {axis} the body gives {body} and the shortcut {short} "
                               f"(an odd kernel, 1, 3, 5, …, always fits)")
    return k, s, c.get("cout", c.cin)


def shortcut(g: LayerGraph, c: Config, x: Tensor, cout: int) -> Tensor:
    """Identity, or a 1×1 projection with BN when the block changes shape (ResNet option B)."""
    if c.stride == ones(c.rank) and c.cin == cout:
        return x
    return g.bn(g.conv(x, cout, ones(c.rank), c.stride, (0,) * c.rank, bias=c.bias,
                       label=f"projection {kxk(ones(c.rank))}"))


def build_shortcut(c: Config, cout: int) -> nn.Module | None:
    from torch import nn

    from cnncalc.modules import nd

    if c.stride == ones(c.rank) and c.cin == cout:
        return None
    n = nd(c.rank)
    return nn.Sequential(n.conv(c.cin, cout, 1, c.stride, bias=c.bias), n.batch_norm(cout))


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
        k, s, cout = block_args(c, 2)
        x = g.act(g.bn(g.conv(g.input, cout, k, s, same_padding(k), bias=c.bias, label=f"conv {kxk(k)} #1")))
        x = g.bn(g.conv(x, cout, k, ones(c.rank), same_padding(k), bias=c.bias, label=f"conv {kxk(k)} #2"))
        return g.act(g.add(x, shortcut(g, c, g.input, cout)))

    def build(self, c: Config) -> nn.Module:
        from torch import nn

        from cnncalc.modules import Residual, nd

        k, s, cout = block_args(c, 2)
        n = nd(c.rank)
        body = nn.Sequential(n.conv(c.cin, cout, k, s, same_padding(k), bias=c.bias), n.batch_norm(cout),
                             nn.ReLU(), n.conv(cout, cout, k, 1, same_padding(k), bias=c.bias),
                             n.batch_norm(cout))
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
        k, s, cout = block_args(c, 1)
        mid = bottleneck_mid(c, cout)
        one = ones(c.rank)
        x = g.act(g.bn(g.conv(g.input, mid, one, bias=c.bias, label=f"reduce {kxk(one)}")))
        x = g.act(g.bn(g.conv(x, mid, k, s, same_padding(k), one, c.get("groups", 1), c.bias,
                              label=f"conv {kxk(k)}")))
        x = g.bn(g.conv(x, cout, one, bias=c.bias, label=f"expand {kxk(one)}"))
        return g.act(g.add(x, shortcut(g, c, g.input, cout)))

    def build(self, c: Config) -> nn.Module:
        from torch import nn

        from cnncalc.modules import Residual, nd

        k, s, cout = block_args(c, 1)
        mid = bottleneck_mid(c, cout)
        n = nd(c.rank)
        body = nn.Sequential(
            n.conv(c.cin, mid, 1, bias=c.bias), n.batch_norm(mid), nn.ReLU(),
            n.conv(mid, mid, k, s, same_padding(k), groups=c.get("groups", 1), bias=c.bias),
            n.batch_norm(mid), nn.ReLU(),
            n.conv(mid, cout, 1, bias=c.bias), n.batch_norm(cout))
        return Residual(body, build_shortcut(c, cout))
