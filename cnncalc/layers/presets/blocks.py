"""Multi-op designs: the 1×1 bottleneck, GoogLeNet's inception module (and its naive form), VGG stacks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cnncalc.errors import CnncalcError
from cnncalc.formulas.cost import Dims
from cnncalc.layers.graph import LayerGraph, Tensor
from cnncalc.layers.presets.convs import kxk
from cnncalc.layers.registry import Config, Preset, register_layer

if TYPE_CHECKING:
    from torch import nn


def bottleneck_mid(c: Config, cout: int) -> int:
    """Bottleneck width: --mid, by default cout/4 (ResNet's expansion of 4)."""
    return c.get("mid", max(1, cout // 4))


@register_layer
class Bottleneck(Preset):
    name = "bottleneck"
    aliases = ("1x1-bottleneck",)
    title = "1×1 bottleneck (reduce → k×k → expand)"
    idea = ("A 1×1 conv shrinks the channels to `mid` before the costly k×k and a 1×1 grows them back.",
            "The trick that makes Inception and deep ResNets affordable; mid defaults to cout/4.")
    symbolic = {"params": "cin·mid + k²·mid² + mid·cout", "MACs": "(cin·mid + k²·mid² + mid·cout)·Ho·Wo·N"}
    paper = "Lin et al., NiN, ICLR 2014; Szegedy et al., GoogLeNet, CVPR 2015; He et al., ResNet, CVPR 2016"
    counterpart = "standard"

    def describe(self, g: LayerGraph, c: Config) -> Tensor:
        k, s, d, cout = c.kernel, c.stride, c.dilation, c.cout
        mid = bottleneck_mid(c, cout)
        x = g.act(g.conv(g.input, mid, c.square(1), label=f"reduce {kxk(c.square(1))}", bias=c.bias))
        x = g.act(g.conv(x, mid, k, s, c.padding(k, d), d, c.get("groups", 1), c.bias, label=f"conv {kxk(k)}"))
        return g.conv(x, cout, c.square(1), bias=c.bias, label=f"expand {kxk(c.square(1))}")

    def build(self, c: Config) -> nn.Module:
        from torch import nn

        from cnncalc.modules import nd

        n = nd(c.rank)
        k, s, d, cout = c.kernel, c.stride, c.dilation, c.cout
        mid = bottleneck_mid(c, cout)
        return nn.Sequential(
            n.conv(c.cin, mid, 1, bias=c.bias), nn.ReLU(),
            n.conv(mid, mid, k, s, c.padding(k, d), d, groups=c.get("groups", 1), bias=c.bias), nn.ReLU(),
            n.conv(mid, cout, 1, bias=c.bias))


#: GoogLeNet's inception (3a) widths (Szegedy et al. 2015, table 1).
INCEPTION_EXTRAS = {
    "b1": (64, "#1×1 branch width"),
    "b3r": (96, "#3×3 reduce width"),
    "b3": (128, "#3×3 branch width"),
    "b5r": (16, "#5×5 reduce width"),
    "b5": (32, "#5×5 branch width"),
    "pp": (32, "pool projection width"),
}


def check_cout(c: Config, cout: int, why: str) -> int:
    """For designs whose width is fixed by other options: a given cout must agree."""
    given = c.get("cout", cout)
    if given != cout:
        raise CnncalcError(f"{c.preset.name} outputs {cout} channels ({why}); got cout={given}")
    return cout


@register_layer
class Inception(Preset):
    name = "inception"
    aliases = ("inception-v1",)
    title = "inception module (GoogLeNet)"
    idea = ("Parallel 1×1, 3×3 and 5×5 convs and a 3×3 max pool, concatenated; 1×1 reductions go first.",
            "Without the reductions (inception-naive) the 3×3 and 5×5 branches cost several times more.")
    symbolic = {"params": "cin·b1 + cin·b3r + 3²·b3r·b3 + cin·b5r + 5²·b5r·b5 + cin·pp",
                "MACs": "params·Ho·Wo·N"}
    paper = "Szegedy et al., 'Going deeper with convolutions', CVPR 2015 (defaults: inception 3a)"
    counterpart = "inception-naive"
    extras = INCEPTION_EXTRAS
    defaults = {"cin": 192}

    def describe(self, g: LayerGraph, c: Config) -> Tensor:
        x, b = g.input, c.bias
        w = {k: c.extra(k) for k in INCEPTION_EXTRAS}
        check_cout(c, w["b1"] + w["b3"] + w["b5"] + w["pp"], "b1 + b3 + b5 + pp")
        one = g.act(g.conv(x, w["b1"], c.square(1), bias=b, label=kxk(c.square(1))))
        three = g.act(g.conv(x, w["b3r"], c.square(1), bias=b, label=f"{kxk(c.square(3))} reduce"))
        three = g.act(g.conv(three, w["b3"], c.square(3), bias=b, label=kxk(c.square(3))))
        five = g.act(g.conv(x, w["b5r"], c.square(1), bias=b, label=f"{kxk(c.square(5))} reduce"))
        five = g.act(g.conv(five, w["b5"], c.square(5), bias=b, label=kxk(c.square(5))))
        pool = g.pool(x, c.square(3), c.square(1), c.square(1))
        pool = g.act(g.conv(pool, w["pp"], c.square(1), bias=b, label=f"pool proj {kxk(c.square(1))}"))
        return g.concat([one, three, five, pool])

    def build(self, c: Config) -> nn.Module:
        from torch import nn

        from cnncalc.modules import Concat, nd

        n = nd(c.rank)
        w = {k: c.extra(k) for k in INCEPTION_EXTRAS}
        check_cout(c, w["b1"] + w["b3"] + w["b5"] + w["pp"], "b1 + b3 + b5 + pp")
        cin, b = c.cin, c.bias
        return Concat(
            nn.Sequential(n.conv(cin, w["b1"], 1, bias=b), nn.ReLU()),
            nn.Sequential(n.conv(cin, w["b3r"], 1, bias=b), nn.ReLU(),
                          n.conv(w["b3r"], w["b3"], 3, padding=1, bias=b), nn.ReLU()),
            nn.Sequential(n.conv(cin, w["b5r"], 1, bias=b), nn.ReLU(),
                          n.conv(w["b5r"], w["b5"], 5, padding=2, bias=b), nn.ReLU()),
            nn.Sequential(n.max_pool(3, 1, 1), n.conv(cin, w["pp"], 1, bias=b), nn.ReLU()),
        )


@register_layer
class InceptionNaive(Preset):
    name = "inception-naive"
    title = "naive inception module (no 1×1 reductions)"
    idea = ("The inception module as first drawn: 1×1, 3×3, 5×5 convs straight on the input, and a pool.",
            "The 3×3 and 5×5 see all cin channels, and the pool passes cin channels on to the next layer.")
    symbolic = {"params": "cin·b1 + 3²·cin·b3 + 5²·cin·b5", "MACs": "params·Ho·Wo·N"}
    paper = "Szegedy et al., 'Going deeper with convolutions', CVPR 2015, figure 2(a)"
    counterpart = "inception"
    extras = {k: INCEPTION_EXTRAS[k] for k in ("b1", "b3", "b5")}
    defaults = {"cin": 192}

    def describe(self, g: LayerGraph, c: Config) -> Tensor:
        x, b, cin = g.input, c.bias, c.cin
        w = {k: c.extra(k) for k in ("b1", "b3", "b5")}
        check_cout(c, w["b1"] + w["b3"] + w["b5"] + cin, "b1 + b3 + b5 + cin")
        one = g.act(g.conv(x, w["b1"], c.square(1), bias=b, label=kxk(c.square(1))))
        three = g.act(g.conv(x, w["b3"], c.square(3), bias=b, label=kxk(c.square(3))))
        five = g.act(g.conv(x, w["b5"], c.square(5), bias=b, label=kxk(c.square(5))))
        pool = g.pool(x, c.square(3), c.square(1), c.square(1))
        return g.concat([one, three, five, pool])

    def build(self, c: Config) -> nn.Module:
        from torch import nn

        from cnncalc.modules import Concat, nd

        n = nd(c.rank)
        cin, b = c.cin, c.bias
        check_cout(c, c.extra("b1") + c.extra("b3") + c.extra("b5") + cin, "b1 + b3 + b5 + cin")
        return Concat(
            nn.Sequential(n.conv(cin, c.extra("b1"), 1, bias=b), nn.ReLU()),
            nn.Sequential(n.conv(cin, c.extra("b3"), 3, padding=1, bias=b), nn.ReLU()),
            nn.Sequential(n.conv(cin, c.extra("b5"), 5, padding=2, bias=b), nn.ReLU()),
            n.max_pool(3, 1, 1),
        )


VGG_EXTRAS = {"n": (2, "number of stacked k×k convolutions")}


def vgg_single_kernel(c: Config) -> Dims:
    n, k = c.extra("n"), c.kernel
    if n < 1:
        raise CnncalcError(f"n={n} is not allowed: a stack needs at least one convolution")
    return tuple(n * (a - 1) + 1 for a in k)


@register_layer
class VggStack(Preset):
    name = "vgg-stack"
    aliases = ("vgg",)
    title = "stack of n k×k convolutions (VGG)"
    idea = ("n stacked 3×3 convs (each with a ReLU) see what one (2n+1)×(2n+1) conv sees.",
            "With C channels, two 3×3 cost 18·C² weights against 25·C² for one 5×5, with an extra ReLU.")
    symbolic = {"params": "k²·cin·cout + (n−1)·k²·cout²", "MACs": "params·Ho·Wo·N", "RF": "n·(k−1)+1"}
    paper = "Simonyan & Zisserman, 'Very deep convolutional networks', ICLR 2015"
    counterpart = "vgg-single"
    extras = VGG_EXTRAS

    def describe(self, g: LayerGraph, c: Config) -> Tensor:
        vgg_single_kernel(c)
        k, cout, x = c.kernel, c.cout, g.input
        for i in range(c.extra("n")):
            x = g.act(g.conv(x, cout, k, padding=c.padding(k), bias=c.bias, label=f"conv {kxk(k)} #{i + 1}"))
        return x

    def build(self, c: Config) -> nn.Module:
        from torch import nn

        from cnncalc.modules import nd

        n = nd(c.rank)
        vgg_single_kernel(c)
        k, cout, layers = c.kernel, c.cout, []
        for i in range(c.extra("n")):
            layers += [n.conv(c.cin if i == 0 else cout, cout, k, padding=c.padding(k), bias=c.bias),
                       nn.ReLU()]
        return nn.Sequential(*layers)


@register_layer
class VggSingle(Preset):
    name = "vgg-single"
    title = "one large kernel with a VGG stack's receptive field"
    idea = ("One conv whose (n·(k−1)+1)² kernel sees what n stacked k×k convs see.",
            "The comparison point for vgg-stack: same receptive field, more weights, one ReLU.")
    symbolic = {"params": "(n·(k−1)+1)²·cin·cout", "MACs": "params·Ho·Wo·N"}
    paper = "Simonyan & Zisserman, 'Very deep convolutional networks', ICLR 2015, section 2.3"
    counterpart = "vgg-stack"
    extras = VGG_EXTRAS

    def describe(self, g: LayerGraph, c: Config) -> Tensor:
        k = vgg_single_kernel(c)
        return g.act(g.conv(g.input, c.cout, k, padding=c.padding(k), bias=c.bias, label=f"conv {kxk(k)}"))

    def build(self, c: Config) -> nn.Module:
        from torch import nn

        from cnncalc.modules import nd

        n = nd(c.rank)
        k = vgg_single_kernel(c)
        return nn.Sequential(n.conv(c.cin, c.cout, k, padding=c.padding(k), bias=c.bias), nn.ReLU())
