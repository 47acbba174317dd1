"""The command line's inputs: shapes with dtypes, keyword inputs, an image file, a model that runs on real tensors;
and their bad input (one line on stderr, exit 2, no source locations). Figures by hand (tests/analysis/
test_user_models.py checks the same models against FlopCounterMode)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import torch
from commandline import Cli
from locations import USER_MODELS


def test_cli_inputs(cli: Cli) -> None:
    code, out, err = cli("analyze", f"{USER_MODELS}:TextCNN", "--input", "2x50:int64", "-f", "json")
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert data["total"]["macs"] == 7_194_800  # by hand in test_text_cnn_on_token_ids
    assert data["inputs"] == [{"name": "tokens", "shape": [2, 50], "dtype": "int64"}]
    assert data["input_shape"] == [2, 50]
    code, out, _ = cli("analyze", f"{USER_MODELS}:Masked", "-i", "1x3x32x32", "-i", "mask=1x1x32x32", "-f", "json")
    assert code == 0 and json.loads(out)["total"]["other_flops"] == 8_192
    code, out, _ = cli("analyze", f"{USER_MODELS}:Sparse", "-i", "1x3x8x8", "-f", "json")
    data = json.loads(out)
    assert code == 0 and data["real_run"]["forced_by"]["op"] == "aten.nonzero.default"
    assert "seeded" in data["real_run"]["data"]


def test_image_input(cli: Cli, tmp_path: Path) -> None:
    import warnings

    import torchvision.io

    photo = tmp_path / "photo.png"
    with warnings.catch_warnings():  # torchvision 0.29 marks its codecs deprecated in favour of torchcodec
        warnings.simplefilter("ignore", DeprecationWarning)
        torchvision.io.write_png((torch.rand(3, 40, 60) * 255).to(torch.uint8), str(photo))
    code, out, err = cli("analyze", "resnet18", "--image", str(photo), "-f", "json")
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert data["inputs"][0]["shape"] == [1, 3, 40, 60]
    assert "photo.png" in data["input_note"]


BAD = [
    (["analyze", f"{USER_MODELS}:Siamese", "--input", "1x3x8x8"], "cannot take 1 positional input"),
    (["analyze", f"{USER_MODELS}:Siamese", "--input", "1x3x8x8"], "forward(left, right)"),
    (["analyze", f"{USER_MODELS}:Masked", "-i", "1x3x8x8", "-i", "gate=1x1x8x8"], "unexpected keyword argument 'gate'"),
    (["analyze", f"{USER_MODELS}:TextCNN", "--input", "2x50:int65"], "unknown dtype 'int65'"),
    (["analyze", f"{USER_MODELS}:TextCNN", "--input", "2x50:"], "unknown dtype ''"),
    (["analyze", f"{USER_MODELS}:Masked", "-i", "1x3x8x8", "-i", "9mask=1x1x8x8"], "'9mask' is not a keyword"),
    (["analyze", f"{USER_MODELS}:Masked", "-i", "1x3x8x8", "-i", "mask=1x1x8x8", "-i", "mask=1x1x8x8"], "given twice"),
    (["analyze", "r3d_18", "--input", "1x3x112x112"], "r3d_18 is a video model: its input is N×C×T×H×W"),
    (["analyze", "resnet18", "--image", "no/such/photo.png"], "--image 'no/such/photo.png' does not exist"),
    (["analyze", "resnet18", "--image", str(USER_MODELS)], "is not an image torchvision can read"),
    (["analyze", f"{USER_MODELS}:WrongAfterBranch", "-i", "1x3x8x8"], "the real run (needed for "
                                                                  "aten._local_scalar_dense.default"),
    (["analyze", f"{USER_MODELS}:WrongAfterBranch", "-i", "1x3x8x8"], "failed in head (Conv2d)"),
    (["analyze", "quantized_resnet18"], "quantized_resnet18 is a quantized model"),
    (["analyze", "timm/no_such_model"], "unknown timm model"),
]


@pytest.mark.parametrize("argv, needle", BAD, ids=[" ".join(a[1:]).replace(str(USER_MODELS), "F") for a, _ in BAD])
def test_bad_input(cli: Cli, argv: list[str], needle: str) -> None:
    code, out, err = cli(*argv)
    assert code == 2
    assert out == ""
    assert err.startswith("cnncalc: error: ") and err.count("\n") == 1, err
    assert needle in err
    assert not re.search(r"\.(cpp|h|py):\d+", err), err  # no source locations: they are not the user's to read
