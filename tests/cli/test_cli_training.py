"""The command line's training options (`analyze --train`, `fit`): their JSON, and their bad input (one line on
stderr, exit 2); the predictions themselves are checked against MemTracker in tests/analysis/test_training.py and
test_fit.py."""

from __future__ import annotations

import json

import pytest
from commandline import Cli


def test_cli_train_json(cli: Cli) -> None:
    code, out, err = cli("analyze", "resnet18", "--input", "2x3x64x64", "--train", "--optimizer", "adam",
                         "-f", "json")
    assert (code, err) == (0, "")
    t = json.loads(out)["training"]
    assert set(t["memory"]) >= {"params", "buffers", "grads", "optimizer_state", "activations", "temporaries"}
    assert t["peak_bytes"] == sum(t["memory"].values())
    assert t["peak_at"]["phase"] == "optimizer" and t["optimizer"] == "adam" and t["optimizer_foreach"] is True
    assert t["flops"] == t["forward"]["flops"] + t["backward"]["flops"] + t["optimizer_step"]["flops"]
    code, out, _ = cli("analyze", "resnet18", "--input", "2x3x64x64", "--backward", "-f", "json")
    data = json.loads(out)
    assert code == 0 and data["backward"]["macs"] == data["training"]["backward"]["macs"] > 0


def test_cli_fit_json(cli: Cli) -> None:
    code, out, err = cli("fit", "resnet18", "--memory", "1GiB", "--input", "1x3x64x64", "-f", "json")
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert data["peak_bytes"] <= data["memory_bytes"] == 2**30 < data["next_peak_bytes"]
    assert data["next"]["batch"] == data["max_batch"] + 1


BAD = [
    (["analyze", "resnet18", "--optimizer", "adam"], "add --train"),
    (["analyze", "resnet18", "--train", "--optimizer", "lion"], "unknown optimizer 'lion'"),
    (["analyze", "resnet18", "--train", "--amp", "fp8"], "unknown --amp 'fp8'"),
    (["fit", "resnet18"], "give the budget as --memory (a size"),
    (["fit", "resnet18", "--memory", "24GiB", "--device", "h100"], "one of them"),
    (["fit", "resnet18", "--memory", "lots"], "--memory 'lots' is malformed"),
    (["fit", "resnet18", "--memory", "0GiB"], "must be positive"),
    (["fit", "resnet18", "--memory", "abc"], "--memory 'abc' is malformed"),
    (["fit", "resnet18", "--memory", "-2GiB"], "--memory '-2GiB' is malformed"),
    (["fit", "resnet18", "--device", "h1000"], "unknown --device 'h1000'"),
    (["fit", "resnet18", "--memory", "1GiB", "--inference", "--optimizer", "sgd"], "drop --inference"),
    (["fit", "tests/fixtures/user_models.py:Sparse", "--memory", "1GiB", "-i", "1x3x8x8"], "depends on values"),
    (["profile", "lenet5", "--amp", "bf16"], "add --train"),
    (["analyze", "resnet18", "--for-loop"], "add --train"),
    (["fit", "lenet5", "--memory", "1KiB"], "lenet5: even batch 1 needs"),
    (["analyze", "tests/fixtures/user_models.py:ArgMax", "-i", "1x3x8x8", "--train"],
     "nothing to train: the loss sums the floating-point outputs that depend on a parameter, and the outputs are "
     "output (int64)"),
    (["fit", "resnet18", "--memory", "1GiB", "--inference", "--foreach"], "drop --inference"),
]


@pytest.mark.parametrize("argv, needle", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_input(cli: Cli, argv: list[str], needle: str) -> None:
    code, out, err = cli(*argv)
    assert code == 2 and out == ""
    assert err.startswith("cnncalc: error: ") and err.count("\n") == 1, err
    assert needle in err
