"""Exact integers for the layer designs, each worked out by hand in the comment beside it.

None of the expected values comes from cnncalc; the torch-based tests check the same records a second way.
"""

from __future__ import annotations

from fractions import Fraction

import pytest

import cnncalc


def test_seed_figures_xception_vs_standard() -> None:
    sep, std = cnncalc.compare("xception-dw", "standard", cin=3, cout=256)
    # depthwise 3·3·3 = 27, pointwise 3·1·1·256 = 768: 27 + 768 = 795
    assert sep.params == 795
    # standard 3·3·3·256 = 6,912
    assert std.params == 6_912
    # MACs = weights · 224 · 224: 795 · 50,176 = 39,889,920 and 6,912 · 50,176 = 346,816,512
    assert sep.macs == 39_889_920
    assert std.macs == 346_816_512
    # no bias, no other arithmetic: FLOPs = 2 · MACs
    assert (sep.flops, std.flops) == (79_779_840, 693_633_024)
    assert sep.output_shape == std.output_shape == (1, 256, 224, 224)
    assert std.formulas[0].numeric == "3·3·3·256 = 6,912"
    assert sep.formulas[0].numeric == "3·3·3 + 1·1·3·256 = 27 + 768 = 795"


def test_api_doc_example() -> None:
    assert cnncalc.layer("xception-dw", cin=3, cout=256).params == 795


def test_standard_with_bias_and_batch() -> None:
    r = cnncalc.layer("standard", cin=3, cout=256, bias=True, batch=2, size=32)
    # weights 6,912 + bias 256 = 7,168
    assert (r.weight_params, r.bias_params, r.params) == (6_912, 256, 7_168)
    # MACs 6,912 · 32 · 32 · 2 = 14,155,776; bias adds 256·32·32·2 = 524,288 FLOPs
    assert r.macs == 14_155_776
    assert r.flops == 2 * 14_155_776 + 524_288
    # traffic, float32: input 2·3·32·32 = 6,144 el, weights 6,912 + 256 = 7,168 el, output 2·256·32·32 = 524,288 el
    # (6,144 + 7,168 + 524,288) · 4 = 2,150,400 bytes
    assert r.traffic_bytes == 2_150_400
    assert r.activation_bytes == r.output_bytes == 524_288 * 4


def test_group_conv_divides_weights() -> None:
    r = cnncalc.layer("group:g=4", cin=64, cout=128, size=56)
    # 3·3·(64/4)·128 = 18,432; MACs 18,432 · 56 · 56 = 57,802,752
    assert (r.params, r.macs) == (18_432, 57_802_752)


def test_depthwise_and_multiplier() -> None:
    # 3·3·1·32 = 288; MACs 288 · 112 · 112 = 3,612,672
    r = cnncalc.layer("depthwise", cin=32, size=112)
    assert (r.params, r.macs, r.output_shape) == (288, 3_612_672, (1, 32, 112, 112))
    # channel multiplier 2: 3·3·64 = 576
    assert cnncalc.layer("depthwise", cin=32, cout=64).params == 576


def test_pointwise_ignores_kernel() -> None:
    r = cnncalc.layer("pointwise", cin=64, cout=128, kernel=5)
    # 64·128 = 8,192; kernel stays 1×1 and the record says --kernel was not used
    assert r.params == 8_192 and r.ignored == ("kernel",)


def test_dilated_same_cost_bigger_field() -> None:
    dil, std = cnncalc.compare("dilated:d=2,k=3", "standard", cin=16, cout=16)
    # same weights 3·3·16·16 = 2,304 and MACs; receptive field d·(k−1)+1 = 2·2+1 = 5 against 3
    assert dil.params == std.params == 2_304
    assert dil.macs == std.macs
    assert dil.receptive_field == (5, 5) and std.receptive_field == (3, 3)
    assert dil.output_shape == std.output_shape == (1, 16, 224, 224)  # padding d·(k−1)/2 = 2 keeps the size


def test_transposed_counts_over_input_positions() -> None:
    r = cnncalc.layer("transposed", cin=64, cout=32, kernel=4, padding=1, size=28)
    # k=4, s=2, p=1, output padding s−1=1: (28−1)·2 − 2 + 3 + 1 + 1 = 57
    assert r.output_shape == (1, 32, 57, 57)
    # weights 64·32·4·4 = 32,768; MACs over the 28·28 input positions: 32,768·784 = 25,690,112
    # (over the 57·57 output it would be 106,463,232, the stride² over-count)
    assert (r.params, r.macs) == (32_768, 25_690_112)
    # one output sees taps t ≡ residue (mod 2): {0, 2} or {1, 3}: span (2−0)/2 + 1 = 2 inputs; jump 1/2
    assert r.receptive_field == (2, 2) and r.jump == (Fraction(1, 2), Fraction(1, 2))


def test_default_transposed_doubles_size() -> None:
    # k=3, s=2, p=1, output padding 1: (224−1)·2 − 2 + 2 + 1 + 1 = 448
    assert cnncalc.layer("transposed", cin=8, cout=8).output_shape == (1, 8, 448, 448)


def test_bottleneck() -> None:
    r = cnncalc.layer("bottleneck", cin=256, cout=256, size=56)
    # mid = 256/4 = 64: 256·64 + 9·64·64 + 64·256 = 16,384 + 36,864 + 16,384 = 69,632
    assert r.params == 69_632
    # against one 3×3 256→256: 9·256·256 = 589,824
    assert cnncalc.layer("standard", cin=256, cout=256).params == 589_824
    # MACs 69,632 · 56·56 = 218,365,952; two ReLUs on 64·56·56 = 200,704 elements each
    assert r.macs == 218_365_952
    assert r.other_flops == 2 * 200_704


def test_inception_3a_matches_googlenet_table() -> None:
    r = cnncalc.layer("inception", size=28)
    # cin 192: 192·64 + 192·96 + 9·96·128 + 192·16 + 25·16·32 + 192·32
    #        = 12,288 + 18,432 + 110,592 + 3,072 + 12,800 + 6,144 = 163,328
    # (the paper's table 1 says 159K params with K = 1024: 163,328 / 1,024 = 159.5)
    assert r.params == 163_328
    # MACs 163,328 · 28 · 28 = 128,049,152 (the paper: 128M ops)
    assert r.macs == 128_049_152
    assert r.output_shape == (1, 256, 28, 28)  # 64 + 128 + 32 + 32
    # receptive field: the 5×5 branch after a 1×1
    assert r.receptive_field == (5, 5)


def test_inception_naive_costs_more() -> None:
    r = cnncalc.layer("inception-naive", size=28)
    # 192·64 + 9·192·128 + 25·192·32 = 12,288 + 221,184 + 153,600 = 387,072
    assert r.params == 387_072
    assert r.output_shape == (1, 64 + 128 + 32 + 192, 28, 28)


def test_vgg_stack_versus_single_kernel() -> None:
    stack, single = cnncalc.compare("vgg-stack", "vgg-single", cin=64, cout=64)
    # two 3×3: 2·9·64² = 18·4,096 = 73,728; one 5×5: 25·64² = 102,400
    assert (stack.params, single.params) == (73_728, 102_400)
    # same receptive field 2·(3−1)+1 = 5
    assert stack.receptive_field == single.receptive_field == (5, 5)
    # three 3×3 (n=3) see 7×7: 27·C² against 49·C²
    s3, one7 = cnncalc.compare("vgg-stack:n=3", "vgg-single:n=3", cin=8, cout=8)
    assert (s3.params, one7.params) == (27 * 64, 49 * 64)
    assert s3.receptive_field == one7.receptive_field == (7, 7)


def test_residual_basic_matches_resnet18_layer1_block() -> None:
    r = cnncalc.layer("residual-basic", cin=64, cout=64, size=56)
    # two 3×3 64→64: 2·36,864 = 73,728; two BN with γ, β: 2·2·64 = 256 → 73,984
    assert r.params == 73_984
    # buffers: per BN running mean and var 2·64 + num_batches_tracked 1 = 129; two BN → 258
    assert r.buffers == 258
    # receptive field of two 3×3: 5
    assert r.receptive_field == (5, 5)


def test_residual_basic_projection() -> None:
    r = cnncalc.layer("residual-basic", cin=64, cout=128, stride=2, size=56)
    # 9·64·128 + 9·128·128 + projection 64·128 = 73,728 + 147,456 + 8,192 = 229,376; BN 3·2·128 = 768
    assert r.params == 229_376 + 768
    assert r.output_shape == (1, 128, 28, 28)


def test_residual_bottleneck_matches_resnet50_layer1_block() -> None:
    r = cnncalc.layer("residual-bottleneck", cin=64, cout=256, mid=64, size=56)
    # 64·64 + 9·64·64 + 64·256 + projection 64·256 = 4,096 + 36,864 + 16,384 + 16,384 = 73,728
    # BN γ, β: 2·(64 + 64 + 256 + 256) = 1,280 → 75,008
    assert r.params == 75_008
    # MACs: (4,096 + 36,864 + 16,384 + 16,384) · 56·56 = 73,728 · 3,136 = 231,211,008
    assert r.macs == 231_211_008


def test_se_counts_pool_activations_and_scale() -> None:
    r = cnncalc.layer("se", cin=256, reduction=16, size=56)
    # squeeze 256/16 = 16: FCs 256·16 + 16·256 = 8,192 params (the paper's 2·C²/r), no bias by default
    assert r.params == 8_192
    # MACs: the two FCs on a 1×1 map, 8,192
    assert r.macs == 8_192
    # other: pool 256·56·56 = 802,816; ReLU 16; sigmoid 256; scale 802,816 → 1,605,904
    assert r.other_flops == 802_816 + 16 + 256 + 802_816
    assert r.flops == 2 * 8_192 + 1_605_904
    assert r.receptive_field == (56, 56)  # the global pool sees the whole input


def test_deformable_v1_and_v2() -> None:
    v1 = cnncalc.layer("deformable", cin=64, cout=64, size=28)
    # offset conv 64 → 2·9 = 18 channels, 3×3, with bias: 3·3·64·18 + 18 = 10,368 + 18 = 10,386
    # deformable 3×3 64→64: 36,864 → 47,250
    assert v1.params == 47_250
    # MACs: (10,368 + 36,864) · 28·28 = 47,232 · 784 = 37,029,888
    assert v1.macs == 37_029_888
    # other: offset bias 18·784 = 14,112; sampling 12 per point · 9·784 points = 84,672,
    #        7 per value · 64·9·784 values = 3,161,088 → 3,259,872
    assert v1.other_flops == 14_112 + 84_672 + 3_161_088
    v2 = cnncalc.layer("deformable:v=2", cin=64, cout=64, size=28)
    # offset branch 27 channels: 3·3·64·27 + 27 = 15,552 + 27 = 15,579; + 36,864 = 52,443
    assert v2.params == 52_443
    # other: bias 27·784 = 21,168; sigmoid 9·784 = 7,056; 16 per point · 7,056 = 112,896; 3,161,088
    assert v2.other_flops == 21_168 + 7_056 + 112_896 + 3_161_088


def test_shuffle_v1_unit() -> None:
    r = cnncalc.layer("shuffle", cin=240, cout=240, size=28)
    # g=3, mid=60: grouped 1×1 240·60/3 = 4,800; depthwise 9·60 = 540; grouped 1×1 60·240/3 = 4,800
    # BN γ, β: 2·(60 + 60 + 240) = 720 → 10,860
    assert r.params == 10_860
    # MACs: (4,800 + 540 + 4,800) · 28·28 = 10,140 · 784 = 7,949,760
    assert r.macs == 7_949_760
    shuffle = [s for s in r.steps if s.kind == "channel_shuffle"]
    # the shuffle: no MACs, no FLOPs, 60·28·28 = 47,040 elements read and written: 2·47,040·4 = 376,320 B
    assert [(s.macs, s.flops, s.traffic_bytes) for s in shuffle] == [(0, 0, 376_320)]


def test_shuffle_v1_stride2_concat() -> None:
    r = cnncalc.layer("shuffle:s=2", cin=240, cout=480, size=28)
    # main branch gives 480 − 240 = 240 channels at 14×14, concatenated with the 3×3 avg-pooled input
    assert r.output_shape == (1, 480, 14, 14)
    # mid = 480/4 = 120: 240·120/3 + 9·120 + 120·240/3 = 9,600 + 1,080 + 9,600 = 20,280; BN 2·(120+120+240)
    assert r.params == 20_280 + 960


def test_shuffle_v2_unit_matches_paper_block() -> None:
    r = cnncalc.layer("shuffle:v=2", cin=116, cout=116, size=28)
    # half 58: 1×1 58·58 = 3,364 twice, depthwise 9·58 = 522; BN 3·2·58 = 348 → 7,598
    assert r.params == 2 * 3_364 + 522 + 348


def test_fractional_and_rectangular_kernels() -> None:
    r = cnncalc.layer("standard", cin=8, cout=8, kernel="1x7", size="17x17")
    # 1·7·8·8 = 448; padding (0, 3) keeps 17×17
    assert r.params == 448 and r.output_shape == (1, 8, 17, 17)
    assert r.receptive_field == (1, 7)


@pytest.mark.parametrize("dtype, itemsize", [("float32", 4), ("bf16", 2), ("float16", 2), ("float64", 8)])
def test_dtype_scales_bytes_only(dtype: str, itemsize: int) -> None:
    r = cnncalc.layer("standard", cin=3, cout=8, size=10, dtype=dtype)
    # input 3·10·10 = 300, weights 3·3·3·8 = 216, output 8·10·10 = 800 elements: 1,316
    assert r.traffic_bytes == 1_316 * itemsize
    assert r.macs == 216 * 100
