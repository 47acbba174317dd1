"""Squeeze-and-excitation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cnncalc.errors import CnncalcError
from cnncalc.layers.graph import LayerGraph, Tensor
from cnncalc.layers.presets.blocks import check_cout
from cnncalc.layers.registry import Config, Preset, register_layer

if TYPE_CHECKING:
    from torch import nn


def squeeze_width(c: Config) -> int:
    cin, r = c.cin, c.get("reduction", 16)
    if cin // r < 1:
        raise CnncalcError(f"reduction={r} leaves no channels in the squeeze: cin={cin} // {r} = 0; "
                           f"use a reduction ≤ {cin}")
    check_cout(c, cin, "squeeze-and-excitation keeps the channel count")
    return cin // r


@register_layer
class SqueezeExcitation(Preset):
    name = "se"
    aliases = ("squeeze-excitation", "senet")
    title = "squeeze-and-excitation"
    idea = ("Global-average-pool each channel, a two-layer bottleneck MLP (C → C/r → C), a sigmoid gate,",
            "then every element is scaled by its channel's gate: cheap in MACs, a full pass over memory.")
    symbolic = {"params": "2·C·(C/r) (+ C/r + C biases)", "MACs": "2·C·(C/r)·N",
                "other": "pool H·W·C + relu C/r + sigmoid C + scale H·W·C (per item)"}
    paper = "Hu et al., 'Squeeze-and-excitation networks', CVPR 2018"

    def describe(self, g: LayerGraph, c: Config) -> Tensor:
        sq, b, x = squeeze_width(c), c.bias, g.input
        s = g.global_pool(x)
        one = c.square(1)
        s = g.act(g.conv(s, sq, one, bias=b, label="fc reduce (1×1)"))
        s = g.act(g.conv(s, x.channels, one, bias=b, label="fc expand (1×1)"), "sigmoid")
        return g.mul(x, s, label="scale")

    def build(self, c: Config) -> nn.Module:
        from cnncalc.modules import SqueezeExcite

        return SqueezeExcite(c.cin, squeeze_width(c), bias=c.bias, rank=c.rank)
