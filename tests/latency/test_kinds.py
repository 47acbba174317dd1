"""The kinds and features calls are predicted from (`cnncalc.latency.kinds`), and how calibration draws them
(`cnncalc.latency.sampling`)."""

from __future__ import annotations

import math
import random

import pytest

from cnncalc.analysis.calls import Call, TensorArg
from cnncalc.latency import sampling
from cnncalc.latency.kinds import kind_of


def _t(*shape: int) -> TensorArg:
    stride = tuple(math.prod(shape[i + 1:]) for i in range(len(shape)))
    return TensorArg(shape, "float32", stride)


def test_a_deformable_convolution_is_sized_by_its_sampling_and_its_product() -> None:
    # deform_resnet50's first conv5_x 3×3: 256 → 256 channels, 28² → 14² (stride 2), DCN v1 (no mask)
    args = (_t(1, 256, 28, 28), _t(256, 256, 3, 3), _t(1, 18, 14, 14), _t(1, 1), _t(256), 2, 2, 1, 1, 1, 1, 1, 1,
            False)
    kind = kind_of(Call("torchvision.deform_conv2d.default", args, (), (_t(1, 256, 14, 14),), ""))
    assert kind is not None and kind.name == "deform_conv2d"
    log_macs, _, log_columns, log_cout, mask, stride = kind.features
    assert round(math.exp(log_macs)) == 256 * 9 * 256 * 196  # 115,605,504: cin · 3 · 3 · cout · 14²
    assert round(math.exp(log_columns)) == 256 * 9 * 196  # 451,584 sampled values: cin · 3 · 3 · 14²
    assert round(math.exp(log_cout)) == 256 and mask == 0.0 and stride == 2.0


def _grouped_draws(count: int, seed: int) -> list[tuple[int, int, int]]:
    """(input channels, channels per group, output channels) of `count` grouped (not depthwise) convolutions drawn."""
    rng = random.Random(seed)
    out: list[tuple[int, int, int]] = []
    while len(out) < count:
        call = sampling.draw_conv(rng, 2)
        x, w = call.args[0], call.args[1]
        assert isinstance(x, TensorArg) and isinstance(w, TensorArg)
        if 1 < x.shape[1] // w.shape[1] < x.shape[1]:
            out.append((x.shape[1], w.shape[1], call.outputs[0].shape[1]))
    return out


def test_grouped_convolutions_are_drawn_mostly_keeping_their_channels() -> None:
    kept = sum(cout == cin for cin, _, cout in _grouped_draws(400, 0))
    assert 0.65 < kept / 400 < 0.85  # 3 in 4, as ResNeXt, RegNet and DPN build them


def test_grouped_convolutions_are_drawn_mostly_with_the_widths_per_group_networks_use() -> None:
    # ResNeXt-50 32×4d: 32 groups of 4 channels; RegNet: 8 to 232 per group; ShuffleNet v1: 240 / 3 = 80
    aligned = sum(per_group in sampling.GROUP_WIDTHS for _, per_group, _ in _grouped_draws(400, 1))
    assert aligned / 400 > 0.7  # 3 in 4 drawn from GROUP_WIDTHS (the rest may land on one by chance)


def test_a_convolution_says_whether_its_channels_per_group_are_multiples_of_4_8_and_16() -> None:
    from cnncalc.latency.kinds import CONV_FEATURES

    # 64 groups of 10 input and 20 output channels (640 → 1280, 3×3): 10 is even but no multiple of 4
    args = (_t(1, 640, 14, 14), _t(1280, 10, 3, 3), None, (1, 1), (1, 1), (1, 1), False, (0, 0), 64)
    kind = kind_of(Call("aten.convolution.default", args, (), (_t(1, 1280, 14, 14),), ""))
    assert kind is not None
    flags = dict(zip(CONV_FEATURES, kind.features, strict=True))
    assert [flags[f"cin_g_by_{n}"] for n in (4, 8, 16)] == [0.0, 0.0, 0.0]
    assert [flags[f"cout_g_by_{n}"] for n in (4, 8, 16)] == [1.0, 0.0, 0.0]  # 20 = 4 · 5
    # ResNeXt's 32 groups of 8 (256 → 256): multiples of 4 and 8, not of 16
    args = (_t(1, 256, 56, 56), _t(256, 8, 3, 3), None, (1, 1), (1, 1), (1, 1), False, (0, 0), 32)
    kind = kind_of(Call("aten.convolution.default", args, (), (_t(1, 256, 56, 56),), ""))
    assert kind is not None
    flags = dict(zip(CONV_FEATURES, kind.features, strict=True))
    assert [flags[f"cin_g_by_{n}"] for n in (4, 8, 16)] == [1.0, 1.0, 0.0]
    assert [flags[f"cout_g_by_{n}"] for n in (4, 8, 16)] == [1.0, 1.0, 0.0]


def test_deformable_convolutions_are_drawn_with_and_without_a_mask_at_strides_1_and_2() -> None:
    rng = random.Random(0)
    seen = {(kind.features[4], kind.features[5]) for kind in
            (kind_of(sampling.deform_conv(rng, "float32", False)) for _ in range(60)) if kind is not None}
    assert seen == {(0.0, 1.0), (0.0, 2.0), (1.0, 1.0), (1.0, 2.0)}


def test_a_convolution_says_whether_it_adds_a_bias() -> None:
    from cnncalc.latency.kinds import CONV_FEATURES

    # a 1×1 convolution of a small batch runs as a matrix product, and its bias is a second pass over the output
    x, w, y = _t(1, 3, 224, 224), _t(256, 3, 1, 1), _t(1, 256, 224, 224)
    rows = []
    for bias in (None, _t(256)):
        kind = kind_of(Call("aten.convolution.default", (x, w, bias, (1, 1), (0, 0), (1, 1), False, (0, 0), 1), (),
                            (y,), ""))
        assert kind is not None
        rows.append(dict(zip(CONV_FEATURES, kind.features, strict=True)))
    without, with_bias = rows
    assert (without["bias"], with_bias["bias"]) == (0.0, 1.0)
    assert {k: v for k, v in without.items() if k != "bias"} == {k: v for k, v in with_bias.items() if k != "bias"}


def test_linear_layers_are_drawn_up_to_vggs_classifier() -> None:
    # VGG's first classifier layer: 25,088 → 4,096 features, a weight of 25,088 · 4,096 · 4 B = 411,041,792 B
    rng = random.Random(0)
    drawn = [sampling.draw_matmul(rng, "addmm") for _ in range(1000)]
    weights = [call.args[2] for call in drawn]
    assert all(isinstance(w, TensorArg) for w in weights)
    assert max(w.shape[0] for w in weights) > 25_088  # type: ignore[union-attr]
    assert max(w.nbytes for w in weights) > 411_041_792  # type: ignore[union-attr]
    assert all(sum(t.nbytes for t in (*call.tensors(), *call.outputs)) <= sampling.MATMUL_BYTES for call in drawn)


def test_batch_norm_that_computes_its_statistics_is_a_kind_of_its_own() -> None:
    """NF-ResNet standardizes each convolution's weight with a batch norm in training form (F.batch_norm(...,
    training=True)): two passes for the mean and variance, then one to normalize, where eval's batch norm makes one
    pass with stored statistics. Traced on the meta device, both are aten.native_batch_norm; the flag tells them
    apart, and calibration draws both forms."""
    import torch
    from torch import nn

    from cnncalc.analysis.analyze import subject_for, trace_subject
    from cnncalc.dtypes import parse_dtype
    from cnncalc.latency.calibrate import PLANS

    class Standardized(nn.Conv2d):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            w = nn.functional.batch_norm(self.weight.reshape(1, self.out_channels, -1), None, None,
                                         training=True, momentum=0.0).reshape_as(self.weight)
            return self._conv_forward(x, w, self.bias)

    model = nn.Sequential(Standardized(3, 8, 3), nn.BatchNorm2d(8)).eval()
    _, run, _ = trace_subject(subject_for(model, (1, 3, 16, 16), None, None, None, None), parse_dtype("float32"),
                              worst_case=False, keep_calls=True)
    kinds = [kind_of(c) for c in run.tracer.calls or [] if "batch_norm" in c.op]
    assert [k.name for k in kinds if k is not None] == ["batch_norm_stats", "native_batch_norm"]
    assert {"batch_norm_stats", "native_batch_norm"} <= {plan.kind for plan in PLANS}
    rng = random.Random(0)
    drawn = [sampling.batch_norm_stats(rng, "float32", False) for _ in range(40)]
    assert {kind.name for kind in map(kind_of, drawn) if kind is not None} == {"batch_norm_stats"}
    assert {len(call.args[0].shape) for call in drawn} == {3, 4}  # type: ignore[union-attr]


def test_the_legit_batch_norm_op_is_named_by_its_training_flag() -> None:
    # _native_batch_norm_legit(input, weight, bias, running_mean, running_var, training, momentum, eps)
    x, c = _t(2, 8, 4, 4), _t(8)
    names = [kind_of(Call("aten._native_batch_norm_legit.default", (x, c, c, c, c, flag, 0.1, 1e-5), (),
                          (x, c, c), "")) for flag in (False, True)]
    assert [k.name for k in names if k is not None] == ["native_batch_norm", "batch_norm_stats"]


def test_network_layers_are_every_convolution_a_random_network_runs_with_its_output_shape() -> None:
    import torch

    from cnncalc.latency import networks

    for index in (0, 1, 2, 7):  # a plain, a basic, a bottleneck and a mobile-or-other network of LAYER_SEED
        spec = networks.draw(sampling.LAYER_SEED, index)
        layers = sampling._network_layers(index)
        module = networks.build(spec)
        # every Conv2d of these networks runs once a forward: as many layers as modules
        assert len(layers) == sum(isinstance(m, torch.nn.Conv2d) for m in module.modules())
        seen: list[tuple[int, ...]] = []
        hooks = [m.register_forward_hook(lambda _m, _a, out, into=seen: into.append(tuple(out.shape)))
                 for m in module.modules() if isinstance(m, torch.nn.Conv2d)]
        with torch.inference_mode():
            module(torch.randn(spec.input_shape))
        for h in hooks:
            h.remove()
        # each layer made again as a call has the output shape the real forward gave
        made = []
        for batch, cin, cout, spatial, kernel, stride, padding, dilation, groups, bias in layers:
            call = sampling.conv_call(batch, cin, cout, spatial, kernel, stride, dilation, groups, bias,
                                      padding=padding)
            assert call is not None
            made.append(call.outputs[0].shape)
        assert made == seen


def test_a_third_of_the_2d_convolutions_are_layers_of_random_networks(monkeypatch) -> None:  # type: ignore
    from cnncalc.latency.calibrate import PLANS

    draw = next(p.draw for p in PLANS if p.kind == "conv2d")
    taken: list[Call] = []
    real = sampling.network_conv
    monkeypatch.setattr(sampling, "network_conv", lambda *a: taken.append(real(*a)) or taken[-1])
    rng = random.Random(3)
    drawn = [draw(rng, "float32", False) for _ in range(300)]
    # a third by design: 100 of 300, within the binomial's spread (sd 8.2)
    assert 75 <= len(taken) <= 125
    assert all(any(c is t for c in drawn) for t in taken)


def _offset_of(call: Call, macs_per_byte: float) -> float:
    from cnncalc.latency.fitting import offset_values
    from cnncalc.latency.kinds import offset

    kind = kind_of(call)
    assert kind is not None
    return math.exp(float(offset_values([kind.features], offset(kind.name, macs_per_byte))[0]))


def test_a_convolutions_offset_is_its_macs_and_its_bytes_at_the_devices_balance() -> None:
    # VGG-16's second conv: 64 → 64 channels, 3×3, 224², batch 1, float32, with a bias
    x, w, b, y = _t(1, 64, 224, 224), _t(64, 64, 3, 3), _t(64), _t(1, 64, 224, 224)
    call = Call("aten.convolution.default", (x, w, b, (1, 1), (1, 1), (1, 1), False, (0, 0), 1), (), (y,), "")
    macs = 64 * 9 * 64 * 224 * 224  # 1,849,688,064
    moved = 4 * (64 * 224 * 224) * 2 + 4 * 64 * 64 * 9  # input 12,845,056 + output 12,845,056 + weight 147,456 bytes
    assert _offset_of(call, 0.0) == pytest.approx(macs, rel=1e-9)  # no balance: MACs alone
    assert _offset_of(call, 5.5) == pytest.approx(macs + 5.5 * moved, rel=1e-9)


def test_a_poolings_offset_is_its_reads_and_its_windows_comparisons() -> None:
    # VGG's first max pool: 2×2, stride 2, on 64 × 224² → 112², float32
    call = Call("aten.max_pool2d_with_indices.default", (_t(1, 64, 224, 224), (2, 2), (2, 2)), (),
                (_t(1, 64, 112, 112), _t(1, 64, 112, 112)), "")
    reads = 4 * 64 * 224 * 224  # 12,845,056 bytes
    compared = 4 * 64 * 112 * 112 * 4  # the values' bytes (the indices are not counted), 4 window cells each
    assert _offset_of(call, 5.5) == pytest.approx(reads + compared, rel=1e-9)  # the balance is not the pool's


def test_a_deformable_convolutions_offset_is_its_macs_alone() -> None:
    args = (_t(1, 256, 28, 28), _t(256, 256, 3, 3), _t(1, 18, 14, 14), _t(1, 1), _t(256), 2, 2, 1, 1, 1, 1, 1, 1,
            False)
    call = Call("torchvision.deform_conv2d.default", args, (), (_t(1, 256, 14, 14),), "")
    assert _offset_of(call, 5.5) == pytest.approx(256 * 9 * 256 * 196, rel=1e-9)


def _traced(module: object, shape: tuple[int, ...], kind: str) -> list[Call]:
    """The calls of one kind in a module's trace on the meta device (the path `predict` takes)."""
    from cnncalc.analysis.analyze import subject_for, trace_subject
    from cnncalc.dtypes import parse_dtype

    _, run, _ = trace_subject(subject_for(module, shape, None, None, None, None), parse_dtype("float32"),
                              worst_case=False, keep_calls=True)
    return [c for c in run.tracer.calls or [] if (k := kind_of(c)) is not None and k.name == kind]


def test_a_linear_layer_reads_its_weight_transposed_and_a_plain_product_does_not() -> None:
    import torch

    (linear,) = _traced(torch.nn.Linear(512, 1000), (8, 512), "addmm")
    features = dict(zip(("log_macs", "log_m", "log_k", "log_n", "log_batch", "log_bytes", "bias", "b_transposed"),
                        kind_of(linear).features, strict=True))  # type: ignore[union-attr]
    # the weight (1000, 512) seen as weight.t(): shape (512, 1000), strides (1, 512)
    assert linear.args[2] == TensorArg((512, 1000), "float32", (1, 512))
    assert features["b_transposed"] == 1.0 and features["log_m"] == pytest.approx(math.log(8))
    plain = Call("aten.mm.default", (_t(8, 512), _t(512, 1000)), (), (_t(8, 1000),), "")
    assert kind_of(plain).features[-1] == 0.0  # type: ignore[union-attr]
    # a drawn linear layer is laid out as the traced one
    drawn = sampling.matmul_call("addmm", (8, 512, 1000), True)
    assert drawn.args[2] == linear.args[2] and kind_of(drawn) == kind_of(linear)


def test_products_are_drawn_mostly_transposed_and_with_the_widths_networks_use() -> None:
    rng = random.Random(3)
    drawn = [sampling.draw_matmul(rng, op) for op in ("addmm", "mm", "bmm") for _ in range(400)]
    flipped = [kind_of(c).features[-1] for c in drawn]  # type: ignore[union-attr]
    assert 0.65 < sum(flipped) / len(flipped) < 0.85  # three in four
    ks = [c.args[-1].shape[-2] for c in drawn]  # type: ignore[union-attr]
    assert sum(k in sampling.MATMUL_WIDTHS for k in ks) / len(ks) > 0.6
    assert sum(c.args[-1].shape[-1] == 1000 for c in drawn) > 60  # type: ignore[union-attr]  # one in ten


def test_a_product_drawn_near_another_keeps_its_layout_and_scales_its_sizes() -> None:
    rng = random.Random(0)
    call = sampling.matmul_call("bmm", (12, 50, 64, 50), True)
    for _ in range(20):
        moved = sampling.near(call, rng)
        a, b = moved.args
        assert moved.name == "bmm" and a.shape[0] == 12 and b.order == (0, 2, 1)  # type: ignore[union-attr]
        for old, new in zip((50, 64, 50), (a.shape[1], a.shape[2], b.shape[2]), strict=True):  # type: ignore
            assert old // 2 <= new <= old * 2


def test_local_response_norms_pool_is_drawn_as_the_op_runs_it() -> None:
    import torch

    # GoogLeNet's first LRN: 64 channels on 56², size 5: avg_pool3d over (1, 1, 68, 56, 56), window (5, 1, 1)
    (traced,) = _traced(torch.nn.LocalResponseNorm(5), (1, 64, 56, 56), "avg_pool3d")
    drawn = sampling.lrn_pool(1, 64, 56, 5)
    assert kind_of(drawn) == kind_of(traced)
    assert traced.args[0].shape == (1, 1, 68, 56, 56)  # type: ignore[union-attr]
    rng = random.Random(1)
    windows = [kind_of(sampling.draw_pool(rng, "avg_pool3d")).features[2] for _ in range(200)]  # type: ignore
    assert 0.35 < sum(w <= math.log(5) + 1e-9 for w in windows) / 200 < 0.65  # half of them LRN's (3 or 5 planes)
