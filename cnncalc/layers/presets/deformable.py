"""Deformable convolution, DCN v1 and v2."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cnncalc.errors import CnncalcError
from cnncalc.formulas.deform import offset_channels
from cnncalc.layers.graph import LayerGraph, Tensor
from cnncalc.layers.presets.convs import geometry, kxk
from cnncalc.layers.registry import Config, Preset, register_layer

if TYPE_CHECKING:
    from torch import nn


def version(c: Config) -> int:
    v = c.extra("v")
    if v not in (1, 2):
        raise CnncalcError(f"deformable v={v} is not a version: accepted are 1 (DCN) and 2 (DCNv2, with mask)")
    return v


@register_layer
class Deformable(Preset):
    name = "deformable"
    aliases = ("dcn", "deform")
    title = "deformable convolution"
    idea = ("An offset conv predicts where each of the k² taps samples (2·k² channels; v2 adds k² mask "
            "channels);", "the input is bilinearly sampled there, then convolved: offset conv + sampling + "
            "the k×k conv.")
    symbolic = {"params": "offset conv k²·cin·2k²G + 2k²G (v2: 3k²G) + k²·(cin/g)·cout",
                "MACs": "offset conv + k²·cin·cout·Ho·Wo·N",
                "other": "sampling (12, v2 16)·N·G·k²·Ho·Wo + 7·N·cin·k²·Ho·Wo"}
    paper = ("Dai et al., 'Deformable convolutional networks', ICCV 2017; Zhu et al., 'Deformable ConvNets "
             "v2', CVPR 2019")
    counterpart = "standard"
    ranks = (2,)
    rank_note = "torchvision's deform_conv2d samples 2-D maps"
    extras = {"v": (1, "version: 1 (offsets) or 2 (offsets and modulation mask)"),
              "og": (1, "offset groups: channel groups that share one set of offsets")}

    def describe(self, g: LayerGraph, c: Config) -> Tensor:
        k, s, p, d = geometry(c)
        v, og, x = version(c), c.extra("og"), g.input
        modulated = v == 2
        branch = g.conv(x, offset_channels(k, og, modulated), k, s, p, d, bias=True,
                        label=f"offset conv {kxk(k)}")
        mask = None
        offset = branch
        if modulated:
            offset, mask = g.split(branch, [offset_channels(k, og, False), k[0] * k[1] * og])
            mask = g.act(mask, "sigmoid")
        return g.deform_conv(x, offset, mask, c.cout, k, s, p, d, c.get("groups", 1), og, c.bias,
                             label=f"deformable conv {kxk(k)} v{v}")

    def build(self, c: Config) -> nn.Module:
        from cnncalc.modules import DeformableConv

        k, s, p, d = geometry(c)
        return DeformableConv(c.cin, c.cout, k, s, p, d, c.get("groups", 1), c.extra("og"), c.bias,
                              modulated=version(c) == 2)
