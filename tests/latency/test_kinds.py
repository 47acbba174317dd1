"""The kinds and features calls are predicted from (`cnncalc.latency.kinds`), and how calibration draws them
(`cnncalc.latency.sampling`)."""

from __future__ import annotations

import math
import random

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


def test_grouped_convolutions_are_drawn_mostly_keeping_their_channels() -> None:
    rng = random.Random(0)
    kept = total = 0
    while total < 400:
        call = sampling.draw_conv(rng, 2)
        x, w = call.args[0], call.args[1]
        assert isinstance(x, TensorArg) and isinstance(w, TensorArg)
        cin, groups = x.shape[1], x.shape[1] // w.shape[1]
        if 1 < groups < cin:  # grouped, not depthwise
            total += 1
            kept += call.outputs[0].shape[1] == cin
    assert 0.65 < kept / total < 0.85  # 3 in 4, as ResNeXt, RegNet and DPN build them


def test_deformable_convolutions_are_drawn_with_and_without_a_mask_at_strides_1_and_2() -> None:
    rng = random.Random(0)
    seen = {(kind.features[4], kind.features[5]) for kind in
            (kind_of(sampling.deform_conv(rng, "float32", False)) for _ in range(60)) if kind is not None}
    assert seen == {(0.0, 1.0), (0.0, 2.0), (1.0, 1.0), (1.0, 2.0)}
