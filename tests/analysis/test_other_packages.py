"""Models as other people's packages write them (tests/fixtures/other_packages.py): a user's own instance of a
constructor that ran a forward pass is traced and left untouched, positional embeddings made at every forward are
counted as ops on constants and listed, and a real run that would exceed the memory budget stops. Each number is
held against an independent path: FlopCounterMode on a real forward, and hand arithmetic. How these models are
built is checked in tests/modelzoo/test_build.py, what they print in tests/cli/test_cli_output.py."""

from __future__ import annotations

import json

import other_packages as op
import pytest
import torch
from locations import OTHER_PACKAGES
from torchcount import flop_counter_macs

import cnncalc
from cnncalc.cli import main


def test_yolo_style_model_built_by_the_user_is_traced_and_untouched() -> None:
    model = op.TinyYolo().eval()
    stride = model.detect.stride.clone()
    weights = {k: v.clone() for k, v in model.state_dict().items()}
    report = cnncalc.analyze(model, inputs=[(1, 3, 256, 256)])
    assert report.total.macs == 59_449_344
    assert report.built is not None and report.built.way == "given"
    assert torch.equal(model.detect.stride, stride) and model.detect.stride.device.type == "cpu"
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in weights.items())


# ops on constants: counted at every forward, and listed ---------------------------------------------------------
def test_sin_cos_embedding_from_arange_is_counted_and_marked() -> None:
    model = op.SinCosEmbedding().eval()
    report = cnncalc.analyze(model, inputs=[(1, 3, 160, 160)])
    # patches: a 4×4 conv, stride 4, 3 → 64 channels at 40²: 16·3·64·1,600 = 4,915,200; the embedding: two outer
    # products (1,600 positions × 16 frequencies, a matrix product with K = 1): 2·1,600·16 = 51,200
    assert report.total.macs == 4_915_200 + 51_200 == flop_counter_macs(model, torch.rand(1, 3, 160, 160))
    constant = {c.op: c for c in report.constant_ops}
    assert constant["aten.mm.default"].count == 2 and constant["aten.mm.default"].costs.macs == 51_200
    # sin and cos of both 1,600×16 products: 4·25,600 = 102,400 FLOPs
    assert constant["aten.sin.default"].costs.other_flops + constant["aten.cos.default"].costs.other_flops == 102_400
    assert not report.uncounted


def test_constant_ops_are_in_json_and_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", f"{OTHER_PACKAGES}:SinCosEmbedding", "--input", "1x3x160x160", "-f", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert sum(c["macs"] for c in data["constant_ops"]) == 51_200
    assert "constants" in data["convention"]
    assert main(["analyze", f"{OTHER_PACKAGES}:SinCosEmbedding", "--input", "1x3x160x160"]) == 0
    assert "ops on constants" in capsys.readouterr().out


def test_a_real_run_over_the_budget_stops(monkeypatch: pytest.MonkeyPatch) -> None:
    """The budget is checked after every op too, not only at factories: here it is set to 1 MiB (80% of
    1.25 MiB), and a real run of a model making 4 MiB of activations must stop."""
    import cnncalc.resources as resources

    class Branch(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = torch.nn.Conv2d(3, 64, 3, padding=1)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            y = self.conv(x)  # 64·128·128·4 = 4 MiB
            return y if y.sum() > -1e9 else -y

    monkeypatch.setattr(resources, "available_bytes", lambda: 1_310_720)
    with pytest.raises(cnncalc.CnncalcError, match=r"the real run of Branch .* would need 4\.\d+ MiB"):
        cnncalc.analyze(Branch(), inputs=[(1, 3, 128, 128)])
