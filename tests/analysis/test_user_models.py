"""Models written the way users write them: token ids, two inputs, a keyword input, dict outputs, a 3-D
U-Net, a 1-D audio net, a branch on a tensor's value, a nonzero. Each is held against independent paths:
numel of the real module, FlopCounterMode on real tensors (the same ones), the shapes of a real forward,
the receptive field measured from gradients, and hand arithmetic."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import torch
import user_models as um
from locations import USER_MODELS
from torch import nn
from torchcount import flop_counter_macs, gradient_extent

from cnncalc.analysis.analyze import analyze
from cnncalc.analysis.pytree import named_tensors
from cnncalc.serialize import to_data


def seeded(model: nn.Module) -> nn.Module:
    torch.manual_seed(0)
    for p in model.parameters():
        nn.init.normal_(p, std=0.1)
    return model.eval()


def real_shapes(model: nn.Module, *args: Any, **kwargs: Any) -> list[tuple[str, tuple[int, ...]]]:
    with torch.no_grad():
        out = model(*args, **kwargs)
    return [(path, tuple(t.shape)) for path, t in named_tensors(out)]


def report_shapes(report: Any) -> list[tuple[str, tuple[int, ...]]]:
    return [(o.name, o.shape) for o in report.outputs]


def test_text_cnn_on_token_ids() -> None:
    model = seeded(um.TextCNN())
    report = analyze(model, inputs=["2x50:int64"])
    # convs of widths 3, 4, 5 over 64 channels to 100, at 48, 47, 46 positions, batch 2:
    # 3·64·100·48·2 = 1,843,200; 4·64·100·47·2 = 2,406,400; 5·64·100·46·2 = 2,944,000; fc 300·2·2 = 1,200
    assert report.total.macs == 1_843_200 + 2_406_400 + 2_944_000 + 1_200 == 7_194_800
    # embedding 1,000·64 = 64,000; convs 19,300 + 25,700 + 32,100; fc 602
    assert report.total.params == 64_000 + 19_300 + 25_700 + 32_100 + 602 == sum(p.numel() for p in model.parameters())
    tokens = torch.zeros(2, 50, dtype=torch.int64)
    assert report.total.macs == flop_counter_macs(model, tokens)
    assert to_data(report.inputs[0]) == {"name": "tokens", "shape": [2, 50], "dtype": "int64"}
    assert report_shapes(report) == real_shapes(model, tokens) == [("output", (2, 2))]
    assert report.total.receptive_field == (50,)  # max over time: every output sees the whole sequence
    assert not report.uncounted and report.real_run is None


def test_two_inputs() -> None:
    model = seeded(um.Siamese())
    report = analyze(model, inputs=[(1, 3, 32, 32), (1, 3, 32, 32)])
    # the shared encoder twice: 3·3·3·8 = 216 weights at 32·32 positions, ×2 = 442,368; head 16
    assert report.total.macs == 2 * 216 * 1024 + 16 == 442_384
    assert report.total.params == 224 + 17 == sum(p.numel() for p in model.parameters())
    x = torch.rand(1, 3, 32, 32)
    assert report.total.macs == flop_counter_macs(model, x, x)
    assert [i.name for i in report.inputs] == ["left", "right"]
    assert report.layer("encoder").calls == 2


def test_keyword_input() -> None:
    model = seeded(um.Masked())
    report = analyze(model, inputs=["1x3x32x32", "mask=1x1x32x32"])
    # conv 216 weights · 1,024 positions; the mask scales 8·32·32 = 8,192 elements (1 FLOP each)
    assert report.total.macs == 221_184
    assert report.total.costs.other_flops == 8_192
    assert to_data(report.inputs[1]) == {"name": "mask", "shape": [1, 1, 32, 32], "dtype": "float32"}
    without = analyze(model, (1, 3, 32, 32))
    assert without.total.costs.other_flops == 0  # the mask is optional: without it nothing is scaled
    same = analyze(model, inputs=[(1, 3, 32, 32)], kwargs={"mask": (1, 1, 32, 32)})
    assert same.total.flops == report.total.flops


def test_dict_outputs() -> None:
    model = seeded(um.TwoHeads())
    report = analyze(model, (2, 3, 8, 8))
    x = torch.rand(2, 3, 8, 8)
    assert report_shapes(report) == real_shapes(model, x) == [
        ("logits", (2, 10)), ("maps[0]", (2, 4, 8, 8)), ("maps[1]", (2, 8, 8))]
    assert report.total.macs == flop_counter_macs(model, x)


def test_unet_3d() -> None:
    model = seeded(um.UNet3D())
    report = analyze(model, (1, 1, 8, 16, 16))
    x = torch.rand(1, 1, 8, 16, 16)
    assert report.total.macs == flop_counter_macs(model, x)
    assert report.total.params == sum(p.numel() for p in model.parameters())
    assert report_shapes(report) == real_shapes(model, x) == [("output", (1, 2, 8, 16, 16))]
    assert not report.uncounted
    # the field measured from gradients at two neighbouring outputs (the transposed conv has two phases)
    positive = seeded(um.UNet3D()).double()
    with torch.no_grad():
        for p in positive.parameters():
            p.copy_(p.abs() + 0.1)
    measured = gradient_extent(positive, x.double() + 0.1, [(4, 8, 8), (3, 7, 7)])
    # fields are cut at the input's border (8 frames deep)
    assert measured == tuple(min(int(f), s) for f, s in zip(report.total.receptive_field, x.shape[2:], strict=True))
    assert report.total.receptive_field == (10, 10, 10)  # 3 → pool 2 → 3 (8) → up 2/2 (8, jump 1) → 3 → 10


def test_audio_net_1d() -> None:
    model = seeded(um.AudioNet())
    report = analyze(model, (1, 1, 16_000))
    x = torch.rand(1, 1, 16_000)
    assert report.total.macs == flop_counter_macs(model, x)
    assert report.total.params == sum(p.numel() for p in model.parameters())
    assert not report.uncounted
    # conv 80/16 → 80 (jump 16); pool 4 → 128 (64); conv 3 → 256; pool 4 → 448 (256); conv 3 → 960;
    # the adaptive pool over the 59 remaining positions → 960 + 58·256 = 15,808
    assert report.layer("features").receptive_field == (15_808,)
    positive = seeded(um.AudioNet()).double()
    with torch.no_grad():
        for p in positive.parameters():
            p.copy_(p.abs() + 0.1)
    # a max pool passes gradient to one element of its window: measure through average pools of the same
    # windows, which reach every element
    positive.features[3], positive.features[7] = nn.AvgPool1d(4), nn.AvgPool1d(4)
    assert gradient_extent(positive.features, x.double() + 0.1, [(0,)]) == (15_808,)


def test_branch_on_a_value_runs_on_real_tensors() -> None:
    model = seeded(um.Branchy())
    x = torch.rand(1, 3, 16, 16)  # mean > 0: the 3×3 branch runs
    report = analyze(model, inputs=[x])
    run = report.real_run
    assert run is not None and run.op == "aten._local_scalar_dense.default"
    assert report.total.macs == flop_counter_macs(model, x) == 3 * 3 * 3 * 8 * 16 * 16
    dark = analyze(model, inputs=[-x])
    assert dark.total.macs == flop_counter_macs(model, -x) == 5 * 5 * 3 * 8 * 16 * 16


def test_nonzero_runs_on_real_tensors_and_reports_what_flowed() -> None:
    model = seeded(um.Sparse())
    x = torch.rand(2, 3, 8, 8) - 0.5
    report = analyze(model, inputs=[x])
    run = report.real_run
    assert run is not None and "nonzero" in run.op
    with torch.no_grad():
        kept = int((model.conv(x)[:, 0] > 0).sum())
    assert 0 < kept < 2 * 8 * 8
    # conv 3·3·3·16 = 432 weights at 2·8·8 positions; the head 16·4 = 64 weights for each kept position
    assert report.total.macs == flop_counter_macs(model, x) == 432 * 128 + 64 * kept
    flow = next(f for f in run.flows if "nonzero" in f.op)
    assert (flow.offered, flow.kept) == (2 * 8 * 8, kept)
    assert report_shapes(report) == [("output", (kept, 4))]


def test_plain_torch_model_does_not_import_torchvision() -> None:
    code = ("import sys\n"
            "from cnncalc.analysis.analyze import analyze\n"
            f"r = analyze({str(USER_MODELS)!r} + ':UNet3D', (1, 1, 8, 8, 8))\n"
            "assert r.total.macs > 0 and not r.uncounted\n"
            "assert 'torchvision' not in sys.modules, 'torchvision was imported'\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
