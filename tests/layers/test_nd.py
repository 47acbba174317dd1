"""Every layer design at every spatial rank (1-D, 2-D, 3-D) against PyTorch's own modules, built from the papers'
definitions with torch.nn classes (and torchvision.ops.DeformConv2d) in tests/helpers/plain_designs.py, never
through cnncalc's build or its sizing helpers; hand arithmetic; (2+1)-D convolution against torchvision's
Conv2Plus1D.

Hypothesis draws configurations of each design; cnncalc must accept exactly what PyTorch accepts, and where
both do, agree with it on the output shape, params and buffers (numel) and MACs (FlopCounterMode). Each
(design, rank) compares at least MIN_COMPARED accepted examples in every run.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from plain_designs import DESIGNS, RANKS, configs, expected_channels, hand_macs, one_thread, options, plain
from torch import nn
from torchcount import flop_counter_macs

import cnncalc
from cnncalc.errors import CnncalcError

# ---------------------------------------------------------------------------------------------------------
# hand arithmetic


def test_standard_3d_by_hand() -> None:
    r = cnncalc.layer("standard", cin=64, cout=64, size="8x56x56")
    # 3·3·3·64·64 = 110,592 weights; at 8·56·56 = 25,088 positions: 2,774,532,096 MACs
    assert (r.params, r.macs) == (110_592, 2_774_532_096)
    assert r.output_shape == (1, 64, 8, 56, 56)
    assert r.receptive_field == (3, 3, 3)


def test_r2plus1d_by_hand_and_against_torchvision() -> None:
    from torchvision.models.video.resnet import Conv2Plus1D

    r2, r3 = cnncalc.compare("r2plus1d", "standard", cin=64, cout=64, size="8x56x56")
    # Tran et al. 2018: mid = ⌊t·d²·cin·cout / (d²·cin + t·cout)⌋ = ⌊27·64·64 / (9·64 + 3·64)⌋ = ⌊110,592 / 768⌋
    mid = 144
    # spatial 1×3×3: 9·64·144 = 82,944; BN 2·144 = 288; temporal 3×1×1: 3·144·64 = 27,648
    assert r2.params == 82_944 + 288 + 27_648 == 110_880
    assert r2.macs == (82_944 + 27_648) * 8 * 56 * 56 == r3.macs  # mid·768 = 110,592: the same MACs exactly
    # torchvision's VideoResNet sizes the block with the same rule, written its own way
    tv_mid = (64 * 64 * 3 * 3 * 3) // (64 * 3 * 3 + 3 * 64)
    block = Conv2Plus1D(64, 64, tv_mid)
    assert tv_mid == mid
    assert sum(p.numel() for p in block.parameters()) == r2.params
    x = torch.rand(1, 64, 8, 56, 56)
    assert flop_counter_macs(block.eval(), x) == r2.macs
    assert tuple(block.eval()(x).shape) == r2.output_shape


def test_one_d_by_hand() -> None:
    r = cnncalc.layer("standard", cin=16, cout=32, size=1000, dims=1, kernel=5)
    # 5·16·32 = 2,560 weights at 1,000 positions ('same' padding 2)
    assert (r.params, r.macs, r.output_shape) == (2_560, 2_560_000, (1, 32, 1000))
    assert r.formulas[0].symbolic == "k·cin·cout"


# ---------------------------------------------------------------------------------------------------------
# the designs against PyTorch, at every rank

MIN_COMPARED = 10


@pytest.mark.parametrize("design, rank", [(d, r) for d in DESIGNS for r in RANKS[d]])
def test_designs_against_pytorch(design: str, rank: int) -> None:
    """cnncalc accepts exactly the configurations PyTorch accepts, and where both do, the output shape,
    params, buffers and MACs are PyTorch's (numel, FlopCounterMode on a real forward)."""
    seen: Counter[str] = Counter()

    @settings(max_examples=40, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    @given(configs(design, rank))
    def check(cfg: dict[str, Any]) -> None:
        spec, opts = options(design, rank, cfg)
        try:
            record = cnncalc.layer(spec, **opts)
        except CnncalcError as err:
            ours: str | None = str(err)
        else:
            ours = None
        try:
            module = plain(design, rank, cfg).eval()
            x = torch.rand(cfg["batch"], cfg["cin"], *cfg["size"])
            with torch.no_grad():
                out = module(x)
        except (RuntimeError, ValueError, ZeroDivisionError) as err:
            theirs: str | None = str(err)
        else:
            # a transposed convolution padded beyond its output returns an empty tensor instead of raising;
            # a module that cannot give the width asked for (broadcast adds, halves of an odd width) does not
            # build the layer asked for
            channels = expected_channels(design, cfg)
            theirs = ("an empty output" if out.numel() == 0 else
                      f"{out.shape[1]} output channels, not {channels}" if channels not in (None, out.shape[1])
                      else None)
        assert (ours is None) == (theirs is None), f"{spec} {opts}: cnncalc: {ours!r}; PyTorch: {theirs!r}"
        if ours is not None:
            seen["rejected"] += 1
            return
        seen["compared"] += 1
        assert record.output_shape == tuple(out.shape)
        assert record.params == sum(p.numel() for p in module.parameters())
        assert record.buffers == sum(b.numel() for b in module.buffers())
        assert record.macs == flop_counter_macs(module, x) + hand_macs(design, cfg, out)

    with one_thread():
        # a design that refuses most draws (shuffle v1 in 3-D: groups, widths and avg_pool3d's window must all fit)
        # draws again until MIN_COMPARED were compared: 40 draws leave it short about one run in 33
        for _ in range(5):
            check()
            if seen["compared"] >= MIN_COMPARED:
                break
    assert seen["compared"] >= MIN_COMPARED, seen


def test_rank_errors_are_one_line() -> None:
    with pytest.raises(CnncalcError, match="deformable has no 1-D form"):
        cnncalc.layer("deformable", cin=4, cout=4, size=16, dims=1)
    with pytest.raises(CnncalcError, match=r"dims=1 with size=8x8 \(2 numbers\)"):
        cnncalc.layer("standard", cin=4, cout=4, size="8x8", dims=1)
    with pytest.raises(CnncalcError, match="kernel=3x3 has 2 values but the layer is 3-D"):
        cnncalc.layer("standard", cin=4, cout=4, size="4x8x8", kernel="3x3")


def test_avg_pool_3d_refuses_a_map_smaller_than_its_window() -> None:
    with pytest.raises(RuntimeError, match="smaller than kernel size"):
        nn.AvgPool3d(3, 2, 1)(torch.rand(1, 3, 2, 2, 2))
    # a stride-2 v1 unit concatenates a 3×3×3 average pool (stride 2, padding 1) of its 2×2×2 input
    with pytest.raises(CnncalcError):
        cnncalc.layer("shuffle", cin=3, cout=6, stride=2, groups=3, mid=3, size="2x2x2")


def test_residual_bottleneck_with_an_even_strided_kernel() -> None:
    cfg = {"cin": 8, "cout": 8, "mid": 2, "groups": 1, "kernel": (2, 2), "stride": (2, 2), "dilation": (1, 1),
           "padding": None, "bias": False}
    module = plain("residual-bottleneck", 2, cfg).eval()
    x = torch.rand(1, 8, 4, 4)
    # the 2×2 conv, stride 2, padding 0: ⌊(4 − 2)/2⌋ + 1 = 2; the 1×1 projection, stride 2: ⌊(4 − 1)/2⌋ + 1 = 2
    assert tuple(module(x).shape) == (1, 8, 2, 2)
    record = cnncalc.layer("residual-bottleneck", cin=8, cout=8, mid=2, kernel=2, stride=2, size=4)
    assert record.output_shape == (1, 8, 2, 2)
    assert record.macs == flop_counter_macs(module, x)
