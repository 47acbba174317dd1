"""The model commands: analyze, validate, models (by task), compare with models; and their bad input. Figures
by hand and from the papers and torchvision's metadata."""

from __future__ import annotations

import json

import pytest
from commandline import Cli
from locations import USER_MODELS

from cnncalc.modelzoo.sources import torchvision_names


def test_analyze_json_shape(cli: Cli) -> None:
    code, out, err = cli("analyze", "resnet18", "--format", "json")
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert data["model"] == "resnet18" and data["input_shape"] == [1, 3, 224, 224]
    assert data["total"]["params"] == 11_689_512
    assert data["total"]["flops"] == 2 * data["total"]["macs"] + data["total"]["other_flops"]
    assert data["uncounted"] == []
    first = data["layers"][0]
    assert {"name", "type", "output_shape", "params", "macs", "flops"} <= set(first)
    assert first["name"] == "conv1" and first["output_shape"] == [1, 64, 112, 112]
    # the layer rows at depth 1 add up to the total
    assert sum(r["macs"] for r in data["layers"] if r["depth"] == 1) == data["total"]["macs"]


def test_analyze_api_data_is_the_json_object(cli: Cli) -> None:
    import cnncalc
    from cnncalc.serialize import to_data

    data = to_data(cnncalc.analyze("lenet5"))
    assert set(data) >= {"model", "input_shape", "total", "layers", "uncounted"}
    code, out, _ = cli("analyze", "lenet5", "--format", "json")
    assert code == 0
    assert {**data, "convention": json.loads(out)["convention"]} == json.loads(out)


@pytest.mark.parametrize("fmt", ["table", "csv", "markdown"])
def test_analyze_formats(cli: Cli, fmt: str) -> None:
    code, out, _ = cli("analyze", "lenet5", "--format", fmt, "--depth", "1")
    assert code == 0
    assert "61,706" in out or "61706" in out
    assert "ultiply-accumulates" in out


def test_analyze_backward_and_input(cli: Cli) -> None:
    code, out, _ = cli("analyze", "resnet18", "--input", "2x3x64x64", "--backward", "-f", "json")
    assert code == 0
    data = json.loads(out)
    assert data["input_shape"] == [2, 3, 64, 64]
    assert data["backward"]["macs"] > data["total"]["macs"]


def test_analyze_import_paths(cli: Cli) -> None:
    code, out, _ = cli("analyze", f"{USER_MODELS}:Tiny", "--input", "1x3x8x8", "-f", "json")
    assert code == 0
    # 3·3·3·4 = 108 weights at 8·8 = 6,912 MACs
    assert json.loads(out)["total"]["macs"] == 6_912
    # by module name: tests/fixtures is on the path (pyproject.toml's pythonpath), as a user's PYTHONPATH would be
    code, out, _ = cli("analyze", "user_models:make_tiny", "--input", "1x3x8x8", "-f", "json")
    assert code == 0 and json.loads(out)["total"]["params"] == 108


def test_compare_models(cli: Cli) -> None:
    code, out, _ = cli("compare", "resnet50", "se_resnet50", "-f", "json")
    assert code == 0
    data = json.loads(out)
    assert [d["params"] for d in data] == [25_557_032, 28_088_024]
    code, out, _ = cli("compare", "resnet18", "resnet34")
    assert code == 0 and "resnet18 vs resnet34" in out


def test_models_lists_zoo_and_torchvision(cli: Cli) -> None:
    code, out, _ = cli("models", "-f", "json")
    assert code == 0
    entries = {e["name"]: e for e in json.loads(out)}
    assert entries["lenet5"]["params"] == 61_706 and entries["lenet5"]["inputs"] == ["1x1x32x32"]
    assert entries["resnet50"]["macs"] == 4_089_184_256 and entries["resnet50"]["source"] == "torchvision"
    assert "Krizhevsky" in entries["alexnet_grouped"]["paper"]


def test_validate_passes_and_reconciles(cli: Cli) -> None:
    code, out, err = cli("validate", "lenet5", "deform_resnet50", "-f", "json")
    assert code == 0, err
    data = json.loads(out)
    assert all(r["ok"] for r in data)
    notes = " ".join(c["note"] for c in data[1]["checks"])
    assert "deform_conv2d" in notes


BAD = [
    (["analyze", "resnet5"], "did you mean 'resnet50'"),
    (["analyze", "resnet18", "--input", "1x3x224"], "forward pass failed"),
    (["analyze", "resnet18", "--input", "1x1x224x224"], "conv1 (Conv2d)"),
    (["analyze", "resnet18", "--input", "1x3x0x224"], "dimension of 0"),
    (["analyze", "resnet18", "--input", "big"], "--input 'big' is malformed"),
    (["analyze", "resnet18", "--input", "3x"], "malformed"),
    (["analyze", "resnet18", "--input", "3"], "forward pass failed in conv1"),
    (["analyze", "no_such_package.mod:thing"], "cannot import 'no_such_package.mod'"),
    (["analyze", "tests/fixtures/nothing.py:Model"], "does not exist"),
    (["analyze", f"{USER_MODELS}:Tni"], "did you mean Tiny"),
    (["analyze", f"{USER_MODELS}:not_a_module"], "returned int, not a torch.nn.Module"),
    (["analyze", f"{USER_MODELS}:broken"], "this factory is broken"),
    (["analyze", "resnet18", "--depth", "-1"], "--depth"),
    (["compare", "resnet18", "standard"], "not both"),
]


@pytest.mark.parametrize("argv, needle", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_model_input(cli: Cli, argv: list[str], needle: str) -> None:
    code, out, err = cli(*argv)
    assert code == 2
    assert out == ""
    assert err.startswith("cnncalc: error: ") and err.count("\n") == 1, err
    assert needle in err


def test_top_level_api_is_lazy() -> None:
    import subprocess
    import sys

    code = ("import sys, cnncalc\n"
            "assert 'torch' not in sys.modules\n"
            "assert cnncalc.analyze('lenet5').total.params == 61706\n"
            "import cnncalc.profiling.run\n"  # importing the package behind it leaves the function in place
            "assert all(callable(getattr(cnncalc, f)) for f in ('profile', 'fit', 'validate', 'analyze'))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr


def test_models_by_task(cli: Cli) -> None:
    for task in ("classification", "detection", "segmentation", "video", "optical_flow"):
        code, out, err = cli("models", "--task", task, "-f", "json")
        assert (code, err) == (0, "")
        assert sorted(e["name"] for e in json.loads(out)) == torchvision_names(task)
    code, out, _ = cli("models", "--task", "zoo", "--task", "video", "-f", "json")
    tasks = {e["task"] for e in json.loads(out)}
    assert code == 0 and tasks == {"zoo", "video"}
    code, out, err = cli("models", "--task", "quantized")
    assert code == 2 and "'quantized'" in err
