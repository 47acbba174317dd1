"""Designs held against blocks cnncalc did not write: torchvision's own ResNet, ResNeXt, ShuffleNet v2 and
squeeze-and-excitation modules, as they are built inside torchvision's models."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from torch import nn
from torchcount import flop_counter_macs
from torchvision.models.resnet import BasicBlock, Bottleneck
from torchvision.models.shufflenetv2 import InvertedResidual
from torchvision.ops import SqueezeExcitation

import cnncalc


def projection(cin: int, cout: int, stride: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))


BLOCKS: list[tuple[str, dict[str, Any], Any]] = [
    # resnet18 layer1.0 and layer2.0
    ("residual-basic", dict(cin=64), lambda: BasicBlock(64, 64)),
    ("residual-basic", dict(cin=64, cout=128, stride=2), lambda: BasicBlock(64, 128, 2, projection(64, 128, 2))),
    # resnet50 layer1.0 (planes 64 → 256 out) and layer2.0 (stride on the 3×3, as torchvision's v1.5)
    ("residual-bottleneck", dict(cin=64, cout=256, mid=64),
     lambda: Bottleneck(64, 64, downsample=projection(64, 256, 1))),
    ("residual-bottleneck", dict(cin=256, cout=512, mid=128, stride=2),
     lambda: Bottleneck(256, 128, 2, projection(256, 512, 2))),
    # resnext50_32x4d layer1.0: width int(64·4/64)·32 = 128, groups 32
    ("residual-bottleneck", dict(cin=64, cout=256, mid=128, groups=32),
     lambda: Bottleneck(64, 64, downsample=projection(64, 256, 1), groups=32, base_width=4)),
    # shufflenet_v2_x1_0 stage 2: a stride-2 unit 24 → 116, then stride-1 units
    ("shuffle:v=2", dict(cin=24, cout=116, stride=2), lambda: InvertedResidual(24, 116, 2)),
    ("shuffle:v=2", dict(cin=116, cout=116), lambda: InvertedResidual(116, 116, 1)),
    # torchvision's SE has FC biases
    ("se", dict(cin=64, reduction=4, bias=True), lambda: SqueezeExcitation(64, 16)),
]


@pytest.mark.parametrize("spec, opts, make", BLOCKS, ids=[f"{s}{o}" for s, o, _ in BLOCKS])
def test_design_matches_torchvision_block(spec: str, opts: dict[str, Any], make: Any) -> None:
    record = cnncalc.layer(spec, size=14, **opts)
    block = make().eval()
    x = torch.randn(record.input_shape)
    with torch.inference_mode():
        assert tuple(block(x).shape) == record.output_shape
    assert record.params == sum(p.numel() for p in block.parameters())
    assert record.buffers == sum(b.numel() for b in block.buffers())
    assert record.macs == flop_counter_macs(block, x)
