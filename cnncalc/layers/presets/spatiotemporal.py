"""(2+1)-D convolution: a 3-D kernel factorised into a spatial and a temporal convolution."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cnncalc.errors import CnncalcError
from cnncalc.formulas.cost import Dims
from cnncalc.layers.graph import LayerGraph, Tensor
from cnncalc.layers.presets.convs import kxk
from cnncalc.layers.registry import Config, Preset, register_layer

if TYPE_CHECKING:
    from torch import nn


def factorised(c: Config) -> tuple[int, tuple[Dims, Dims, Dims, Dims], tuple[Dims, Dims, Dims, Dims]]:
    """mid channels, then (kernel, stride, padding, dilation) of the spatial 1×kh×kw conv and of the
    temporal t×1×1 conv, from the full 3-D kernel's options."""
    (t, kh, kw), (st, sh, sw), (dt, dh, dw) = c.kernel, c.stride, c.dilation
    pt, ph, pw = c.padding((t, kh, kw), (dt, dh, dw))
    cin, cout = c.cin, c.cout
    # Tran et al. 2018, section 3.5: mid = ⌊t·d²·cin·cout / (d²·cin + t·cout)⌋ keeps the params of the
    # full t×d×d convolution
    mid = c.get("mid", t * kh * kw * cin * cout // (kh * kw * cin + t * cout))
    if mid < 1:
        raise CnncalcError(f"mid={mid} leaves no channels between the spatial and the temporal convolution")
    spatial = ((1, kh, kw), (1, sh, sw), (0, ph, pw), (1, dh, dw))
    temporal = ((t, 1, 1), (st, 1, 1), (pt, 0, 0), (dt, 1, 1))
    return mid, spatial, temporal


@register_layer
class R2Plus1D(Preset):
    name = "r2plus1d"
    aliases = ("2plus1d", "r(2+1)d")
    title = "(2+1)-D convolution (spatial 1×d×d, then temporal t×1×1)"
    idea = ("A t×d×d 3-D conv split in two: a 1×d×d spatial conv to `mid` channels, BN and ReLU, then a t×1×1 "
            "temporal conv.", "mid is chosen so the params match the full 3-D conv; the extra ReLU doubles the "
            "non-linearities.")
    symbolic = {"params": "d²·cin·mid + 2·mid + t·mid·cout, mid = ⌊t·d²·cin·cout / (d²·cin + t·cout)⌋",
                "MACs": "d²·cin·mid·T·Ho·Wo·N + t·mid·cout·To·Ho·Wo·N"}
    paper = "Tran et al., 'A closer look at spatiotemporal convolutions for action recognition', CVPR 2018"
    counterpart = "standard"
    ranks = (3,)
    rank_note = "it factorises a 3-D kernel into space and time: give size=TxHxW"

    def describe(self, g: LayerGraph, c: Config) -> Tensor:
        mid, (k1, s1, p1, d1), (k2, s2, p2, d2) = factorised(c)
        x = g.act(g.bn(g.conv(g.input, mid, k1, s1, p1, d1, bias=c.bias, label=f"spatial conv {kxk(k1)}")))
        return g.conv(x, c.cout, k2, s2, p2, d2, bias=c.bias, label=f"temporal conv {kxk(k2)}")

    def build(self, c: Config) -> nn.Module:
        from torch import nn

        from cnncalc.modules import nd

        mid, (k1, s1, p1, d1), (k2, s2, p2, d2) = factorised(c)
        n = nd(3)
        return nn.Sequential(n.conv(c.cin, mid, k1, s1, p1, d1, bias=c.bias), n.batch_norm(mid), nn.ReLU(),
                             n.conv(mid, c.cout, k2, s2, p2, d2, bias=c.bias))

