"""How a model is built (cnncalc/modelzoo/build.py): on the meta device when it can be, with its parameters on meta
when its constructor computes tensors, and on the CPU with real weights when the constructor runs a forward pass
and initialises from its values (tests/fixtures/other_packages.py); the table says which. Counts held against
numel of the real module, FlopCounterMode on a real forward, and hand arithmetic."""

from __future__ import annotations

import json

import other_packages as op
import pytest
import torch
from locations import OTHER_PACKAGES
from torchcount import flop_counter_macs

from cnncalc.analysis.analyze import analyze
from cnncalc.cli import main


def test_regnet_builds_with_parameters_on_meta() -> None:
    # RegNet's constructor computes tensors; parameters land on meta and the rest still works
    r = analyze("regnet_y_400mf")
    assert r.total.params == 4_344_144


# building: a constructor that runs a forward and initialises biases from its values --------------------------
def test_yolo_style_constructor_builds_on_the_cpu_from_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["analyze", f"{OTHER_PACKAGES}:TinyYolo", "--input", "1x3x256x256", "-f", "json"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert data["built"]["way"] == "cpu"
    # the meta build stops at .item() (math.log of a tensor), the second runs its forward on meta weights
    assert "item()" in data["built"]["why"][0]
    model = op.TinyYolo().eval()
    assert data["total"]["params"] == sum(p.numel() for p in model.parameters())
    # 3×3 convs, stride 2: stem 3→16 at 128²: 9·3·16·16,384 = 7,077,888; 16→32 at 64²: 9·16·32·4,096 = 18,874,368;
    # 32→32 at 32²: 9·32·32·1,024 = 9,437,184; 32→64 at 16²: 9·32·64·256 = 4,718,592; 64→128 at 8²:
    # 9·64·128·64 = 4,718,592; the head's 1×1 convs to 3·85 = 255: 32·255·1,024 = 8,355,840,
    # 64·255·256 = 4,177,920, 128·255·64 = 2,088,960; in all 59,449,344
    assert data["total"]["macs"] == 59_449_344 == flop_counter_macs(model, torch.rand(1, 3, 256, 256))
    assert [o["shape"] for o in data["outputs"]] == [[1, 3, 32, 32, 85], [1, 3, 16, 16, 85], [1, 3, 8, 8, 85]]


def test_the_table_says_how_the_model_was_built(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", f"{OTHER_PACKAGES}:TinyYolo", "--input", "1x3x256x256"]) == 0
    out = capsys.readouterr().out
    assert "built on the CPU with real weights, then moved to the meta device" in out
