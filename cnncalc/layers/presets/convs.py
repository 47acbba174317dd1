"""Single convolutions: standard, group, depthwise, pointwise, depthwise-separable, dilated, transposed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cnncalc.errors import CnncalcError
from cnncalc.formulas.cost import Dims
from cnncalc.layers.graph import LayerGraph, Tensor, dims_label, ones
from cnncalc.layers.registry import Config, Preset, register_layer

if TYPE_CHECKING:
    from torch import nn


kxk = dims_label


def geometry(c: Config, dilation: Dims | None = None) -> tuple[Dims, Dims, Dims, Dims]:
    """kernel, stride, padding ('same' by default), dilation."""
    k = c.kernel
    d = c.dilation if dilation is None else dilation
    return k, c.stride, c.padding(k, d), d


@register_layer
class Standard(Preset):
    name = "standard"
    aliases = ("conv",)
    title = "standard convolution"
    idea = ("Every output channel sees every input channel through a k×k window.",
            "The baseline the other designs are measured against: cost grows as k²·cin·cout.")
    symbolic = {"params": "k²·cin·cout", "MACs": "k²·cin·cout·Ho·Wo·N"}
    paper = "LeCun et al., 'Gradient-based learning applied to document recognition', 1998"

    def describe(self, g: LayerGraph, c: Config) -> Tensor:
        k, s, p, d = geometry(c, dilation=ones(c.rank))
        return g.conv(g.input, c.cout, k, s, p, d, 1, c.bias, label=f"conv {kxk(k)}")

    def build(self, c: Config) -> nn.Module:
        from cnncalc.modules import nd

        k, s, p, d = geometry(c, dilation=ones(c.rank))
        return nd(c.rank).conv(c.cin, c.cout, k, s, p, d, bias=c.bias)


@register_layer
class Group(Preset):
    name = "group"
    aliases = ("grouped",)
    title = "group convolution"
    idea = ("Channels split into g groups, each convolved on its own, outputs concatenated (AlexNet's "
            "two-GPU split).", "Weights and MACs fall by g; no channel sees across groups.")
    symbolic = {"params": "k²·(cin/g)·cout", "MACs": "k²·(cin/g)·cout·Ho·Wo·N"}
    paper = "Krizhevsky et al., 'ImageNet classification with deep CNNs', NeurIPS 2012"
    counterpart = "standard"

    def describe(self, g: LayerGraph, c: Config) -> Tensor:
        k, s, p, d = geometry(c, dilation=ones(c.rank))
        groups = c.get("groups", 2)
        return g.conv(g.input, c.cout, k, s, p, d, groups, c.bias, label=f"group conv {kxk(k)} g={groups}")

    def build(self, c: Config) -> nn.Module:
        from cnncalc.modules import nd

        k, s, p, d = geometry(c, dilation=ones(c.rank))
        return nd(c.rank).conv(c.cin, c.cout, k, s, p, d, groups=c.get("groups", 2), bias=c.bias)


def depthwise_cout(c: Config) -> int:
    cin = c.cin
    cout = c.get("cout", cin)
    if cout % cin:
        raise CnncalcError(f"depthwise needs cout to be a multiple of cin={cin} (the channel multiplier); "
                           f"got cout={cout}")
    return cout


@register_layer
class Depthwise(Preset):
    name = "depthwise"
    aliases = ("dw",)
    title = "depthwise convolution"
    idea = ("One k×k filter per input channel (groups = cin): spatial filtering with no channel mixing.",
            "Weights k²·cout instead of k²·cin·cout; cout defaults to cin (channel multiplier 1).")
    symbolic = {"params": "k²·cout", "MACs": "k²·cout·Ho·Wo·N"}
    paper = "Sifre, 'Rigid-motion scattering for image classification', 2014; Chollet, Xception, CVPR 2017"
    counterpart = "standard"

    def describe(self, g: LayerGraph, c: Config) -> Tensor:
        k, s, p, d = geometry(c)
        cout = depthwise_cout(c)
        return g.conv(g.input, cout, k, s, p, d, c.cin, c.bias, label=f"depthwise {kxk(k)}")

    def build(self, c: Config) -> nn.Module:
        from cnncalc.modules import nd

        k, s, p, d = geometry(c)
        return nd(c.rank).conv(c.cin, depthwise_cout(c), k, s, p, d, groups=c.cin, bias=c.bias)


@register_layer
class Pointwise(Preset):
    name = "pointwise"
    aliases = ("1x1",)
    title = "pointwise (1×1) convolution"
    idea = ("A 1×1 kernel: a per-pixel linear map across channels, no spatial context.",
            "The channel-mixing half of a separable conv, and the reduction in bottlenecks.")
    symbolic = {"params": "cin·cout", "MACs": "cin·cout·Ho·Wo·N"}
    paper = "Lin et al., 'Network in network', ICLR 2014"

    def describe(self, g: LayerGraph, c: Config) -> Tensor:
        return g.conv(g.input, c.cout, ones(c.rank), c.stride, (0,) * c.rank, ones(c.rank), 1, c.bias,
                      label=f"pointwise {kxk(ones(c.rank))}")

    def build(self, c: Config) -> nn.Module:
        from cnncalc.modules import nd

        return nd(c.rank).conv(c.cin, c.cout, 1, c.stride, 0, bias=c.bias)


@register_layer
class XceptionSeparable(Preset):
    name = "xception-dw"
    aliases = ("depthwise-separable", "separable")
    title = "depthwise-separable convolution"
    idea = ("A depthwise k×k filter per channel, then a pointwise 1×1 that mixes channels (Xception).",
            "k²·cin + cin·cout weights instead of k²·cin·cout: about 1/cout + 1/k² of the cost.")
    symbolic = {"params": "k²·cin + cin·cout", "MACs": "(k²·cin + cin·cout)·Ho·Wo·N"}
    paper = "Chollet, 'Xception: deep learning with depthwise separable convolutions', CVPR 2017"
    counterpart = "standard"

    def describe(self, g: LayerGraph, c: Config) -> Tensor:
        k, s, p, d = geometry(c)
        x = g.conv(g.input, c.cin, k, s, p, d, c.cin, c.bias, label=f"depthwise {kxk(k)}")
        one = ones(c.rank)
        return g.conv(x, c.cout, one, one, (0,) * c.rank, one, 1, c.bias, label=f"pointwise {kxk(one)}")

    def build(self, c: Config) -> nn.Module:
        from torch import nn

        from cnncalc.modules import nd

        k, s, p, d = geometry(c)
        n = nd(c.rank)
        return nn.Sequential(n.conv(c.cin, c.cin, k, s, p, d, groups=c.cin, bias=c.bias),
                             n.conv(c.cin, c.cout, 1, bias=c.bias))


@register_layer
class Dilated(Preset):
    name = "dilated"
    aliases = ("atrous",)
    title = "dilated convolution"
    idea = ("The k×k taps spread d pixels apart: the window spans d·(k−1)+1 pixels.",
            "Same weights and MACs as the standard conv; the receptive field grows, the cost does not.")
    symbolic = {"params": "k²·cin·cout", "MACs": "k²·cin·cout·Ho·Wo·N", "RF": "d·(k−1)+1"}
    paper = "Yu & Koltun, 'Multi-scale context aggregation by dilated convolutions', ICLR 2016"
    counterpart = "standard"

    def describe(self, g: LayerGraph, c: Config) -> Tensor:
        k, s, p, d = geometry(c, dilation=c.dims("dilation", 2))
        return g.conv(g.input, c.cout, k, s, p, d, 1, c.bias, label=f"conv {kxk(k)} d={kxk(d)}")

    def build(self, c: Config) -> nn.Module:
        from cnncalc.modules import nd

        k, s, p, d = geometry(c, dilation=c.dims("dilation", 2))
        return nd(c.rank).conv(c.cin, c.cout, k, s, p, d, bias=c.bias)


def transposed_args(c: Config) -> tuple[Dims, Dims, Dims, Dims, Dims]:
    """kernel, stride (default 2), padding, output padding (default stride−1: output = stride × input), dilation."""
    k, d = c.kernel, c.dilation
    s = c.dims("stride", 2)
    p = c.padding(k, d)
    if "op" in c.opts.extra:
        op = (c.extra("op"),) * c.rank
    else:
        op = tuple(min(sa - 1, max(sa, da) - 1) for sa, da in zip(s, d, strict=True))
        c.used["op"] = list(op)
    return k, s, p, op, d


@register_layer
class Transposed(Preset):
    name = "transposed"
    aliases = ("deconv", "conv-transpose")
    title = "transposed convolution"
    idea = ("Each input pixel scatters a k×k×cout patch into an output stride× larger (upsampling).",
            "MACs run over the input positions: k²·cin·cout·H·W, not over the stride²-larger output.")
    symbolic = {"params": "k²·cin·cout", "MACs": "k²·cin·cout·H·W·N (input positions)"}
    paper = "Zeiler et al., 'Deconvolutional networks', CVPR 2010; Long et al., FCN, CVPR 2015"
    extras = {"op": ("stride−1", "output padding (by default stride − 1, so that the output is stride × the input)")}

    def describe(self, g: LayerGraph, c: Config) -> Tensor:
        k, s, p, op, d = transposed_args(c)
        groups = c.get("groups", 1)
        return g.conv_transpose(g.input, c.cout, k, s, p, op, d, groups, c.bias,
                                label=f"transposed conv {kxk(k)} s={kxk(s)}")

    def build(self, c: Config) -> nn.Module:
        from cnncalc.modules import nd

        k, s, p, op, d = transposed_args(c)
        return nd(c.rank).conv_transpose(c.cin, c.cout, k, s, p, op, groups=c.get("groups", 1), bias=c.bias,
                                         dilation=d)
