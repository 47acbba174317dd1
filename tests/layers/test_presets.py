"""The layer designs (cnncalc/layers/presets/) at options the samples of tests/helpers/samples.py do not reach: params
against numel of the real module, output shape against its forward pass, MACs against FlopCounterMode on it or on
plain torch convolutions, output sizes by hand, step labels as the papers name the ops, and refusals that name the
value at fault."""

from __future__ import annotations

import re
from typing import Any

import pytest
import torch
from samples import build
from torch import nn
from torchcount import flop_counter_macs, forward_shape

import cnncalc
from cnncalc.errors import CnncalcError


@pytest.mark.parametrize(("spec", "opts"), [
    ("vgg-stack:n=1", dict(cin=4, cout=8)),
    ("vgg-single:n=1", dict(cin=4, cout=8)),
    ("vgg-single", dict(cin=4, cout=8, padding=0)),
    ("vgg-stack", dict(cin=3, cout=4, padding=0)),
    ("transposed:op=0", dict(cin=4, cout=4)),
    ("transposed:op=1", dict(cin=4, cout=4, stride=3)),
    ("deformable", dict(cin=4, cout=8, padding=0)),
    ("deformable", dict(cin=4, cout=8, dilation="2x1")),
    ("deformable:v=2", dict(cin=4, cout=4, kernel="3x5", padding="0x1")),
    ("r2plus1d", dict(cin=4, cout=8, size="5x9x9", dilation=2)),
])
def test_design_against_its_real_module(spec: str, opts: dict[str, Any]) -> None:
    """A stack of one conv, a user's padding on the large-kernel conv and on the deformable offset branch, an
    explicit output padding, non-square dilation: params as numel, output shape as the forward, MACs as
    FlopCounterMode (torchvision's deform_conv2d is a custom op it skips: the offset conv is what it sees)."""
    record, module, x = build(spec, {"size": 9, **opts})
    assert record.params == sum(p.numel() for p in module.parameters())
    assert record.output_shape == forward_shape(module, x)
    seen = sum(s.macs for s in record.steps if s.kind != "deform_conv")
    assert seen == flop_counter_macs(module, x)


@pytest.mark.parametrize(("spec", "stride", "size"), [
    ("transposed", 2, 18),       # op defaults to stride − 1 = 1: (9 − 1)·2 − 2·1 + (3 − 1) + 1 + 1 = 18 = 2·9
    ("transposed:op=0", 2, 17),  # (9 − 1)·2 − 2·1 + (3 − 1) + 0 + 1 = 17
    ("transposed:op=1", 3, 26),  # (9 − 1)·3 − 2·1 + (3 − 1) + 1 + 1 = 26
    ("transposed:op=2", 3, 27),  # (9 − 1)·3 − 2·1 + (3 − 1) + 2 + 1 = 27 = 3·9
])
def test_transposed_output_padding_option(spec: str, stride: int, size: int) -> None:
    """A given output padding `op` is the one applied (nn.ConvTranspose2d's output size, by hand, for a 3×3
    kernel, padding 1, on 9×9); the record's options show it."""
    record = cnncalc.layer(spec, cin=4, cout=4, size=9, stride=stride)
    assert record.output_shape == (1, 4, size, size)
    op = size - ((9 - 1) * stride - 2 + 2 + 1)
    assert dict(record.options)["op"] in (op, [op, op])


def test_vgg_stack_of_one_is_one_conv() -> None:
    """n=1 is a stack of one k×k conv: 3·3·4·8 = 288 weights, as vgg-single with n=1; n=0 is refused."""
    assert cnncalc.layer("vgg-stack:n=1", cin=4, cout=8).params == 288
    assert cnncalc.layer("vgg-single:n=1", cin=4, cout=8).params == 288
    for spec in ("vgg-stack:n=0", "vgg-single:n=0"):
        with pytest.raises(CnncalcError, match="n=0"):
            cnncalc.layer(spec, cin=4, cout=8)


def test_r2plus1d_with_a_single_mid_channel() -> None:
    """mid=1 is one channel between the spatial and the temporal conv (4→1→8, 3×3×3 on 5×9×9): params 3·3·4·1 +
    2·1 (BN) + 3·1·8 = 36 + 2 + 24 = 62, as numel of the real module; MACs (36 + 24)·5·9·9 = 24,300, as
    FlopCounterMode; output shape as the forward."""
    record, module, x = build("r2plus1d", dict(cin=4, cout=8, size="5x9x9", mid=1))
    assert record.params == sum(p.numel() for p in module.parameters()) == 62
    assert record.macs == flop_counter_macs(module, x) == 24300
    assert record.output_shape == forward_shape(module, x)


def test_r2plus1d_same_padding_follows_the_dilation() -> None:
    """r2plus1d, 3×3×3 dilated 2, default padding, on 5×9×9: the output keeps the input's size, as the full 3-D
    conv it factorises with PyTorch's padding='same' (padding 2·(3 − 1)/2 = 2 on every axis)."""
    x = torch.randn(1, 4, 5, 9, 9)
    full = nn.Conv3d(4, 8, 3, dilation=2, padding="same")
    record = cnncalc.layer("r2plus1d", cin=4, cout=8, size="5x9x9", dilation=2)
    assert record.output_shape == forward_shape(full, x) == (1, 8, 5, 9, 9)


def test_dilated_bottleneck_against_plain_torch() -> None:
    """bottleneck 16→16, dilation 2, mid 16/4 = 4: the 3×3 keeps 16×16 with padding 2. MACs as FlopCounterMode on
    plain torch convolutions: (16·4 + 9·4·4 + 4·16)·256 = 69,632."""
    plain = nn.Sequential(nn.Conv2d(16, 4, 1), nn.Conv2d(4, 4, 3, padding=2, dilation=2), nn.Conv2d(4, 16, 1))
    x = torch.randn(1, 16, 16, 16)
    record = cnncalc.layer("bottleneck", cin=16, cout=16, size=16, dilation=2)
    assert record.output_shape == forward_shape(plain, x) == (1, 16, 16, 16)
    assert record.macs == flop_counter_macs(plain, x) == 69632


def test_group_conv_ignores_dilation_and_says_so() -> None:
    """The group design is AlexNet's undilated grouped conv: a dilation given to it is listed as ignored, and the
    cost is the 3×3 conv's: 3·3·2·8 = 144 weights at 16·16 positions = 36,864 MACs, receptive field 3×3, as
    FlopCounterMode on a plain nn.Conv2d(8, 8, 3, padding=1, groups=4)."""
    plain, x = nn.Conv2d(8, 8, 3, padding=1, groups=4, bias=False), torch.randn(1, 8, 16, 16)
    record = cnncalc.layer("group:g=4", cin=8, cout=8, size=16, dilation=2)
    assert record.ignored == ("dilation",)
    assert record.output_shape == forward_shape(plain, x) == (1, 8, 16, 16)
    assert record.macs == flop_counter_macs(plain, x) == 36864
    assert record.receptive_field == (3, 3)


@pytest.mark.parametrize(("spec", "opts", "labels"), [
    # Szegedy et al. 2015, table 1's columns: #1×1, #3×3 reduce, #3×3, #5×5 reduce, #5×5, pool proj
    ("inception", {}, ["1×1", "relu", "3×3 reduce", "relu", "3×3", "relu", "5×5 reduce", "relu", "5×5", "relu",
                   "max pool 3×3", "pool proj 1×1", "relu", "concat"]),
    # He et al. 2016, figure 5: 1×1 (reduce), 3×3, 1×1 (expand); the projection shortcut
    ("residual-bottleneck", dict(cin=32, cout=64),
     ["reduce 1×1", "batch norm", "relu", "conv 3×3", "batch norm", "relu", "expand 1×1", "batch norm",
      "projection 1×1", "batch norm", "residual add", "relu"]),
    # Hu et al. 2018, figure 1/3: squeeze (global pooling), FC, ReLU, FC, sigmoid, scale
    ("se", dict(cin=32), ["global avg pool", "fc reduce (1×1)", "relu", "fc expand (1×1)", "sigmoid", "scale"]),
    # Zeiler et al. 2010 / Long et al. 2015: the kernel and the upsampling stride
    ("transposed", dict(cin=4, cout=4), ["transposed conv 3×3 s=2×2"]),
    # seed 1 — Lin et al. 2014 / He et al. 2016: the 1×1 that reduces, the k×k, the 1×1 that expands
    ("bottleneck", dict(cin=16, cout=16), ["reduce 1×1", "relu", "conv 3×3", "relu", "expand 1×1"]),
    # Ma et al. 2018, figure 3(d): left 3×3 DWConv (stride 2), 1×1 Conv; right 1×1 Conv, 3×3 DWConv (stride 2),
    # 1×1 Conv; concat; channel shuffle
    ("shuffle:v=2", dict(cin=8, cout=16, stride=2),
     ["depthwise 3×3", "batch norm", "1×1", "batch norm", "relu", "1×1", "batch norm", "relu", "depthwise 3×3",
      "batch norm", "1×1", "batch norm", "relu", "concat", "channel shuffle g=2"]),
])
def test_step_labels_name_the_ops_as_the_papers_do(spec: str, opts: dict[str, Any], labels: list[str]) -> None:
    """Each step of a multi-branch design is labelled with the name its paper gives that op."""
    record = cnncalc.layer(spec, **opts)
    assert [s.label for s in record.steps] == labels


def test_r2plus1d_steps_are_named() -> None:
    """The ops table of `layer r2plus1d` names each step as the paper does: spatial 1×d×d, then temporal t×1×1."""
    record = cnncalc.layer("r2plus1d", cin=4, cout=8, size="5x9x9")
    assert [s.label for s in record.steps] == ["spatial conv 1×3×3", "batch norm", "relu", "temporal conv 3×1×1"]


@pytest.mark.parametrize(("call", "words"), [
    (lambda: cnncalc.layer("standard", cin=0, cout=8), "cin"),
    (lambda: cnncalc.layer("transposed", cin=4, cout=4, size="1x9", stride=1, kernel=1, padding=1), "height"),
    (lambda: cnncalc.layer("transposed", cin=4, cout=4, size="9x1", stride=1, kernel=1, padding=1), "width"),
    (lambda: cnncalc.layer("se", cin=32, cout=16), "squeeze-and-excitation keeps the channel count"),
    (lambda: cnncalc.layer_options(kernel="3x0"), "kernel=0"),
    # a stride-2 v1 unit's main branch makes cout − cin = 49 − 24 = 25 channels, not a multiple of g = 3
    (lambda: cnncalc.layer("shuffle", cin=24, cout=49, stride=2), "main-branch output=25 is not"),
    (lambda: cnncalc.layer("shuffle", cin=24, cout=24, kernel=4), "kernel=4x4 is not allowed here"),
    (lambda: cnncalc.layer("standard", cout=8), "standard needs cin: give cin=N (or standard:cin=N in a spec)"),
    (lambda: cnncalc.layer("standard", cin=3, cout=8, dims=4), "dims=4 is not a spatial rank"),
])
def test_errors_name_the_value_at_fault(call: Any, words: str) -> None:
    """A refused configuration says which option or axis is at fault, in the words the user typed."""
    with pytest.raises(CnncalcError, match=re.escape(words)):
        call()
