"""The sizing rules of the layer designs, held against definitions cnncalc did not write: torchvision's own
blocks (SqueezeExcitation, ResNet's BasicBlock and Bottleneck with ResNeXt's groups and base width, ShuffleNet
v2's InvertedResidual, the video ResNets' Conv2Plus1D) and the papers' tables (ShuffleNet v1's table 1,
GoogLeNet's table 1), at widths that do not divide evenly. The check modules are built here from torch and
torchvision classes (the paper-table ones with the plain builders of tests/helpers/plain_designs.py), never through
cnncalc's build or its sizing helpers.
"""

from __future__ import annotations

from typing import Any

import pytest
import torch
from plain_designs import ShuffleV1, one_thread, plain
from torch import nn
from torchcount import flop_counter_macs
from torchvision.models.resnet import BasicBlock, Bottleneck
from torchvision.models.shufflenetv2 import InvertedResidual
from torchvision.models.video.resnet import Conv2Plus1D
from torchvision.ops import SqueezeExcitation

import cnncalc
from cnncalc.errors import CnncalcError
from cnncalc.layers.record import LayerRecord


def numel(module: nn.Module) -> tuple[int, int]:
    return sum(p.numel() for p in module.parameters()), sum(b.numel() for b in module.buffers())


def assert_same(record: LayerRecord, module: nn.Module) -> None:
    """Output shape (a forward pass), params and buffers (numel), MACs (FlopCounterMode)."""
    module.eval()
    torch.manual_seed(0)
    x = torch.rand(record.input_shape)
    with torch.no_grad(), one_thread():
        assert tuple(module(x).shape) == record.output_shape
        assert record.macs == flop_counter_macs(module, x)
    assert (record.params, record.buffers) == numel(module)


# --- squeeze-and-excitation -------------------------------------------------------------------------------------
# Hu et al. 2018, section 3.2: the excitation's bottleneck has C/r units; implementations round down
# (torchvision's SqueezeExcitation takes the width itself). C, r, ⌊C/r⌋ written out:
SE_WIDTHS = [(100, 16, 6), (24, 16, 1), (20, 3, 6), (96, 7, 13), (60, 8, 7), (256, 16, 16), (17, 4, 4)]


@pytest.mark.parametrize("channels, r, squeeze", SE_WIDTHS)
def test_se_squeeze_width_rounds_down(channels: int, r: int, squeeze: int) -> None:
    record = cnncalc.layer("se", cin=channels, reduction=r, bias=True, size="7x5", batch=2)
    assert_same(record, SqueezeExcitation(channels, squeeze))
    # 2·C·s weights + s + C biases; MACs 2·C·s per item (the pooled vector through two 1×1 convs)
    assert record.params == 2 * channels * squeeze + squeeze + channels
    assert record.macs == 2 * 2 * channels * squeeze


def test_se_without_a_squeeze_channel_is_refused_by_both() -> None:
    # C = 8, r = 16: ⌊8/16⌋ = 0 units; torchvision's block with 0 squeeze channels cannot run
    with pytest.raises(RuntimeError):
        SqueezeExcitation(8, 0)(torch.rand(1, 8, 4, 4))
    with pytest.raises(CnncalcError, match="leaves no channels"):
        cnncalc.layer("se", cin=8, reduction=16)


# --- ResNet blocks ----------------------------------------------------------------------------------------------
def projection(cin: int, cout: int, stride: int) -> nn.Sequential:
    """ResNet's option B shortcut as torchvision builds it (resnet.py, _make_layer)."""
    return nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))


@pytest.mark.parametrize("cin, cout, stride, size", [(40, 48, 2, 15), (48, 48, 1, 14), (24, 40, 2, 14),
                                                     (40, 40, 2, 9), (24, 40, 1, 7), (3, 5, 1, 6)])
def test_basic_block_against_torchvision(cin: int, cout: int, stride: int, size: int) -> None:
    shortcut = projection(cin, cout, stride) if (stride, cin) != (1, cout) else None
    record = cnncalc.layer("residual-basic", cin=cin, cout=cout, stride=stride, size=size)
    assert_same(record, BasicBlock(cin, cout, stride, shortcut))


def resnext_width(planes: int, base_width: int, groups: int) -> int:
    """torchvision's Bottleneck (resnet.py): width = int(planes · base_width / 64) · groups."""
    return int(planes * (base_width / 64.0)) * groups


# inplanes, planes, stride, groups, base_width, size; the block outputs planes·4 (the expansion)
BOTTLENECKS = [
    (96, 24, 1, 1, 64, 14),    # identity shortcut, width 24 = 96/4
    (64, 40, 2, 1, 64, 15),    # width 40, out 160, projection with stride 2 on an odd map
    (160, 48, 2, 1, 64, 14),   # width 48, out 192
    (64, 40, 1, 32, 4, 9),     # ResNeXt: int(40·4/64) = int(2.5) = 2 per group · 32 = 64
    (96, 24, 2, 8, 24, 10),    # int(24·24/64) = 9 · 8 = 72
    (100, 25, 2, 4, 14, 11),   # int(25·14/64) = int(5.47) = 5 · 4 = 20, out 100
    (64, 48, 1, 1, 128, 7),    # wide ResNet: int(48·128/64) = 96, out 192
]


@pytest.mark.parametrize("inplanes, planes, stride, groups, base_width, size", BOTTLENECKS)
def test_bottleneck_block_against_torchvision(inplanes: int, planes: int, stride: int, groups: int,
                                              base_width: int, size: int) -> None:
    cout = planes * 4
    shortcut = projection(inplanes, cout, stride) if (stride, inplanes) != (1, cout) else None
    block = Bottleneck(inplanes, planes, stride, shortcut, groups=groups, base_width=base_width)
    opts: dict[str, Any] = {"cin": inplanes, "cout": cout, "stride": stride, "size": size, "groups": groups}
    if (groups, base_width) != (1, 64):  # ResNet's own blocks: cnncalc's default mid (cout/4) must be planes
        opts["mid"] = resnext_width(planes, base_width, groups)
    assert_same(cnncalc.layer("residual-bottleneck", **opts), block)


def test_resnext_width_rule_by_hand() -> None:
    # resnext50_32x4d layer1: int(64·4/64)·32 = 128; resnext101_32x8d layer1: int(64·8/64)·32 = 256;
    # wide_resnet50_2 layer1: int(64·128/64) = 128
    assert [resnext_width(64, 4, 32), resnext_width(64, 8, 32), resnext_width(64, 128, 1)] == [128, 256, 128]


# --- ShuffleNet -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("cin, cout, stride", [(24, 116, 2), (25, 50, 2), (7, 14, 2), (29, 58, 2), (58, 58, 1),
                                               (116, 116, 1), (48, 48, 1), (3, 4, 2)])
def test_shufflenet_v2_unit_against_torchvision(cin: int, cout: int, stride: int) -> None:
    record = cnncalc.layer("shuffle:v=2", cin=cin, cout=cout, stride=stride, size=13)
    assert_same(record, InvertedResidual(cin, cout, stride))


@pytest.mark.parametrize("cin, cout, stride", [(58, 57, 2), (57, 57, 1), (58, 56, 1)])
def test_shufflenet_v2_widths_torchvision_cannot_build(cin: int, cout: int, stride: int) -> None:
    # the unit concatenates two halves of cout // 2 channels; a stride-1 unit passes half its input through
    try:
        out_channels = InvertedResidual(cin, cout, stride).eval()(torch.rand(1, cin, 8, 8)).shape[1]
    except ValueError:
        out_channels = None
    assert out_channels != cout
    with pytest.raises(CnncalcError):
        cnncalc.layer("shuffle:v=2", cin=cin, cout=cout, stride=stride, size=8)


# Zhang et al. 2018, table 1 (1×): output channels of stages 2, 3 and 4 for g groups; maps 28², 14², 7²;
# "we set the number of bottleneck channels to 1/4 of the output channels for each ShuffleNet unit".
SHUFFLENET_V1_STAGES = {1: (144, 288, 576), 2: (200, 400, 800), 3: (240, 480, 960), 4: (272, 544, 1088),
                        8: (384, 768, 1536)}
#: the units of stages 2 to 4 cnncalc's design describes: (name, stage of the input (None: its repeats), stage
#: of the output, input map). Stage 2's first unit is left out: the paper does not group its first 1×1 (the
#: input has only 24 channels), which the design always does (the zoo's shufflenet_v1 builds it).
UNITS = [("stage 2 unit", 0, 0, 28), ("stage 3 first", 0, 1, 28), ("stage 3 unit", 1, 1, 14),
         ("stage 4 first", 1, 2, 14), ("stage 4 unit", 2, 2, 7)]


@pytest.mark.parametrize("groups", sorted(SHUFFLENET_V1_STAGES))
@pytest.mark.parametrize("unit, stage_in, stage_out, size", UNITS, ids=[u[0] for u in UNITS])
def test_shufflenet_v1_units_of_table_1(groups: int, unit: str, stage_in: int, stage_out: int, size: int) -> None:
    cin, cout = SHUFFLENET_V1_STAGES[groups][stage_in], SHUFFLENET_V1_STAGES[groups][stage_out]
    stride = 1 if stage_in == stage_out else 2
    record = cnncalc.layer("shuffle:v=1", cin=cin, cout=cout, groups=groups, stride=stride, size=size)
    assert_same(record, ShuffleV1(2, cin, cout, cout // 4, groups, stride, 3, False))
    # the output map halves at each stage's first unit, the width is the table's
    assert record.output_shape == (1, cout, size // stride, size // stride)


# --- GoogLeNet's inception modules ------------------------------------------------------------------------------
# Szegedy et al. 2015, table 1: input channels, #1×1, #3×3 reduce, #3×3, #5×5 reduce, #5×5, pool proj, the map
# size, the output depth and the "ops" column (millions of multiply-adds).
INCEPTION_TABLE_1 = {
    "3a": (192, 64, 96, 128, 16, 32, 32, 28, 256, 128),
    "3b": (256, 128, 128, 192, 32, 96, 64, 28, 480, 304),
    "4a": (480, 192, 96, 208, 16, 48, 64, 14, 512, 73),
    "4e": (528, 256, 160, 320, 32, 128, 128, 14, 832, 170),
    "5b": (832, 384, 192, 384, 48, 128, 128, 7, 1024, 71),
}


@pytest.mark.parametrize("name", sorted(INCEPTION_TABLE_1))
def test_inception_modules_of_table_1(name: str) -> None:
    cin, b1, b3r, b3, b5r, b5, pp, size, depth, ops_m = INCEPTION_TABLE_1[name]
    widths = {"b1": b1, "b3r": b3r, "b3": b3, "b5r": b5r, "b5": b5, "pp": pp}
    spec = "inception:" + ",".join(f"{k}={v}" for k, v in widths.items())
    record = cnncalc.layer(spec, cin=cin, size=size)
    module = plain("inception", 2, {"cin": cin, "cout": None, "kernel": (3, 3), "stride": (1, 1), "padding": None,
                                    "dilation": (1, 1), "bias": False, "widths": widths})
    assert_same(record, module)
    assert record.output_shape == (1, depth, size, size)
    # the ops column, truncated or rounded to millions: within one million
    assert abs(record.macs / 1e6 - ops_m) < 1


def test_inception_3a_by_hand() -> None:
    record = cnncalc.layer("inception", size=28)
    # 192·64 + 192·96 + 9·96·128 + 192·16 + 25·16·32 + 192·32 = 12,288 + 18,432 + 110,592 + 3,072 + 12,800 + 6,144
    assert record.params == 163_328
    assert record.macs == 163_328 * 28 * 28 == 128_049_152


# --- (2+1)-D convolution ----------------------------------------------------------------------------------------
def torchvision_midplanes(inplanes: int, planes: int) -> int:
    """torchvision's VideoResNet (video/resnet.py, BasicBlock): the params of a full 3×3×3 convolution."""
    return (inplanes * planes * 3 * 3 * 3) // (inplanes * 3 * 3 + 3 * planes)


@pytest.mark.parametrize("cin, cout, stride, mid", [(24, 40, 1, 77), (24, 40, 2, 77), (40, 40, 1, 90),
                                                    (64, 128, 2, 230), (17, 29, 2, 55), (5, 3, 1, 7)])
def test_r2plus1d_against_torchvision(cin: int, cout: int, stride: int, mid: int) -> None:
    # e.g. ⌊24·40·27 / (24·9 + 3·40)⌋ = ⌊25,920 / 336⌋ = 77; r2plus1d_18's layer2: ⌊64·128·27 / 960⌋ = 230;
    # ⌊5·3·27 / (45 + 9)⌋ = ⌊7.5⌋ = 7
    assert torchvision_midplanes(cin, cout) == mid
    record = cnncalc.layer("r2plus1d", cin=cin, cout=cout, stride=stride, size="5x9x9")
    assert_same(record, Conv2Plus1D(cin, cout, mid, stride))
    # spatial 9·cin·mid, BN 2·mid, temporal 3·mid·cout
    assert record.params == 9 * cin * mid + 2 * mid + 3 * mid * cout


def test_r2plus1d_second_conv_of_a_torchvision_block() -> None:
    # torchvision's BasicBlock sizes its second (planes → planes) convolution with the first's midplanes
    # (from inplanes), not with the rule for planes → planes: cnncalc gives that width through --mid
    inplanes, planes = 64, 128
    mid = torchvision_midplanes(inplanes, planes)
    record = cnncalc.layer("r2plus1d", cin=planes, cout=planes, mid=mid, size="4x7x7")
    assert_same(record, Conv2Plus1D(planes, planes, mid))
