"""The training step: predicted peak memory against torch's MemTracker on a real CPU step (steady state:
the optimizer's state exists, the second step is measured), backward MACs by module and by hand, `fit`'s
batch checked by measurement, and the command line's training options and their bad input."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import torch
import torchvision
from memtrack import DeformBlock, demo_cases, measure_training_step
from torch import nn

from cnncalc.analysis.analyze import analyze
from cnncalc.analysis.fit import fit, parse_bytes, search
from cnncalc.cli import main
from cnncalc.errors import CnncalcError

CASES = {name: (make, shape) for name, make, shape in demo_cases()}
TOLERANCE = 0.03  # the bound; the prediction is exact to the byte for fp32 here


def optimizer_kwargs(optimizer: str, foreach: bool) -> dict[str, Any] | None:
    """The implementation cnncalc traced, asked of torch.optim explicitly (its CPU default is the for-loop)."""
    return None if optimizer == "none" else {"foreach": foreach}


def predicted_and_measured(name: str, optimizer: str, amp: str | None = None, foreach: bool = True
                           ) -> tuple[Any, Any]:
    make, shape = CASES[name]
    torch.manual_seed(0)
    model = make()
    report = analyze(model, shape, train=True, optimizer=optimizer, amp=amp, foreach=foreach)
    measured = measure_training_step(model, [torch.rand(shape)], optimizer=optimizer, amp=amp,
                                     optimizer_kwargs=optimizer_kwargs(optimizer, foreach))
    return report.training, measured


@pytest.mark.parametrize("foreach", [True, False], ids=["foreach", "for-loop"])
@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam", "adamw", "none"])
def test_resnet18_peak_against_memtracker_every_optimizer(optimizer: str, foreach: bool) -> None:
    training, measured = predicted_and_measured("resnet18", optimizer, foreach=foreach)
    assert abs(training.peak_bytes - measured.peak_bytes) <= TOLERANCE * measured.peak_bytes
    assert training.peak_phase == measured.phase
    # what is resident: params and optimizer state, byte for byte (state: none, 1×, 2× params + step scalars)
    assert training.bytes_of("params") == measured.params == 46_758_048  # 11,689,512 float32 params
    assert training.bytes_of("optimizer_state") == measured.optimizer_state


@pytest.mark.parametrize("name, optimizer", [("mobilenet_v2", "adamw"), ("mobilenet_v2", "sgd"),
                                             ("vit-tiny", "adam"), ("vit-tiny", "momentum"), ("deform", "sgd"),
                                             ("deform", "adamw"), ("conv+se", "momentum"), ("conv+se", "adam")])
def test_peak_against_memtracker(name: str, optimizer: str) -> None:
    training, measured = predicted_and_measured(name, optimizer)
    assert abs(training.peak_bytes - measured.peak_bytes) <= TOLERANCE * measured.peak_bytes
    assert training.peak_phase == measured.phase


@pytest.mark.parametrize("name", ["resnet18", "vit-tiny"])
def test_autocast_bf16_against_memtracker(name: str) -> None:
    training, measured = predicted_and_measured(name, "momentum", "bf16")
    # to the byte: batch norm's saved statistics are counted in float32, as the real kernel keeps them
    assert training.peak_bytes == measured.peak_bytes
    # the low-precision copies autocast makes are there, as a category of their own
    assert training.bytes_of("autocast_copies") >= measured.weight_casts > 0


@pytest.mark.parametrize("foreach", [True, False], ids=["foreach", "for-loop"])
def test_backward_by_hand_and_by_module(foreach: bool) -> None:
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.ReLU(), nn.Conv2d(8, 8, 3, padding=1,
                                                                                          bias=False))
    r = analyze(model, (1, 3, 8, 8), train=True, optimizer="sgd", foreach=foreach)
    assert not r.uncounted  # _foreach_add_ is counted as the add_ it does on each parameter
    t = r.training
    assert t is not None
    # forward 3·3·3·8·64 = 13,824 and 3·3·8·8·64 = 36,864 MACs; backward: the second conv's input and weight
    # gradients (2·36,864), the first's weight gradient only (its input needs none): 87,552
    assert t.forward.macs == 13_824 + 36_864
    assert t.backward.macs == 2 * 36_864 + 13_824 == 87_552
    assert [row.backward.macs for row in r.layers if row.depth == 1] == [13_824, 0, 73_728]
    # SGD without momentum: p.add_(grad, alpha=-lr), one element-wise op per parameter (the convention's 1 FLOP
    # per element of other arithmetic): 216 + 576 FLOPs
    assert t.step.flops == 216 + 576
    # the ReLU's gradient: one element-wise op per element, 8·8·8 = 512
    assert t.backward.other_flops == 512


@pytest.mark.parametrize("name", ["resnet18", "mobilenet_v2"])
def test_backward_sums_to_the_whole(name: str) -> None:
    make, shape = CASES[name]
    r = analyze(make(), shape, train=True, optimizer="none")
    t = r.training
    assert t is not None
    top = [row for row in r.layers if row.depth == 1]
    assert sum(row.backward.macs for row in top) == t.backward.macs == r.backward.macs
    # every convolution's backward is twice its forward, but the first (no gradient for the image)
    convs = [row for row in r.layers if row.type == "Conv2d"]
    assert convs[0].backward.macs == convs[0].macs
    assert all(row.backward.macs == 2 * row.macs for row in convs[1:])


def test_deformable_backward_is_counted() -> None:
    r = analyze(DeformBlock(), (2, 8, 16, 16), train=True, optimizer="sgd")
    assert not r.uncounted
    deform = r.layer("deform")
    assert deform.backward is not None and deform.backward.macs == 2 * deform.macs


def test_fit_against_measurement() -> None:
    """The batch fit picks fits and the next one up does not, measured by MemTracker on real steps."""
    model = torchvision.models.resnet18(num_classes=10)
    budget = 230 * 2**20
    r = fit(model, budget, optimizer="adam", inputs=[(1, 3, 32, 32)])
    assert r.max_batch > 1 and r.at is not None
    foreach = optimizer_kwargs("adam", True)  # fit's default, as on CUDA
    at = measure_training_step(model, [torch.rand(r.max_batch, 3, 32, 32)], optimizer="adam",
                               optimizer_kwargs=foreach)
    above = measure_training_step(model, [torch.rand(r.max_batch + 1, 3, 32, 32)], optimizer="adam",
                                  optimizer_kwargs=foreach)
    assert at.peak_bytes <= budget < above.peak_bytes
    assert (r.at.peak_bytes, r.next.peak_bytes) == (at.peak_bytes, above.peak_bytes)


def test_fit_search_on_a_bent_curve() -> None:
    """The search on a convex peak made of two lines (a phase taking over at 40): exact, and short."""
    def peaks(b: int) -> dict[str, int]:
        return {"backward": 1_000 + 30 * b, "optimizer": 2_000 + 5 * b if b < 40 else 900 + 50 * b}

    for budget in (2_004, 2_600, 5_000, 100_000):
        best, tried = search(peaks, budget)
        assert max(peaks(best).values()) <= budget < max(peaks(best + 1).values())
        assert len(tried) <= 10
    assert search(peaks, 1_000)[0] == 0


def test_parse_bytes() -> None:
    assert parse_bytes("24GiB") == 24 * 2**30 == parse_bytes("24G")
    assert parse_bytes("16GB") == 16 * 10**9
    assert parse_bytes("1.5MiB") == 1_572_864
    # the accepted forms: 24GB = 24·10⁹ = 24000MB = 24e9 bytes
    assert parse_bytes("24000MB") == parse_bytes("24e9") == 24_000_000_000 == parse_bytes("2.4E10B")
    for bad in ("abc", "0", "-1GiB", "-24e9", "1e", "e9"):
        with pytest.raises(CnncalcError, match=re.escape(repr(bad))):
            parse_bytes(bad)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_train_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "analyze", "resnet18", "--input", "2x3x64x64", "--train", "--optimizer", "adam",
                         "-f", "json")
    assert (code, err) == (0, "")
    t = json.loads(out)["training"]
    assert set(t["memory"]) >= {"params", "buffers", "grads", "optimizer_state", "activations", "temporaries"}
    assert t["peak_bytes"] == sum(t["memory"].values())
    assert t["peak_at"]["phase"] == "optimizer" and t["optimizer"] == "adam" and t["optimizer_foreach"] is True
    assert t["flops"] == t["forward"]["flops"] + t["backward"]["flops"] + t["optimizer_step"]["flops"]
    code, out, _ = run(capsys, "analyze", "resnet18", "--input", "2x3x64x64", "--backward", "-f", "json")
    data = json.loads(out)
    assert code == 0 and data["backward"]["macs"] == data["training"]["backward"]["macs"] > 0


def test_cli_fit_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "fit", "resnet18", "--memory", "1GiB", "--input", "1x3x64x64", "-f", "json")
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
def test_bad_input(capsys: pytest.CaptureFixture[str], argv: list[str], needle: str) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith("cnncalc: error: ") and err.count("\n") == 1, err
    assert needle in err


def test_profile_train_measures_beside_the_prediction() -> None:
    from cnncalc.profiling.run import profile

    report = profile("lenet5", device="cpu", batch=[4], min_time=0.05, warmup=1, train=True, optimizer="adam")
    run_ = report.runs[0]
    assert report.mode == "training" and run_.latency is not None
    assert run_.peak_memory_bytes is not None and run_.predicted_peak_bytes is not None
    assert abs(run_.peak_memory_bytes - run_.predicted_peak_bytes) <= TOLERANCE * run_.peak_memory_bytes
    assert "MemTracker" in run_.peak_source


def test_amp_mode_the_device_cannot_run(monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    """A device without bf16 autocast (an older GPU): profile --train --amp bf16 names the mode it can run."""
    from cnncalc import devices

    real = devices.runs_amp
    assert real(torch.device("cpu"), "bf16")  # this CPU runs both modes
    monkeypatch.setattr(devices, "runs_amp", lambda device, amp: amp != "bf16")
    code, out, err = run(capsys, "profile", "lenet5", "--train", "--amp", "bf16")
    assert (code, out) == (2, "")
    assert err == "cnncalc: error: --amp 'bf16' cannot run on cpu: it can run fp16\n"


class NoisyResidual(nn.Module):
    """Residual blocks with stochastic depth (EfficientNet's): each makes its random keep-mask from nothing
    (torch.empty(...).bernoulli_()), a tensor factory that still holds memory while autograd keeps it."""

    def __init__(self) -> None:
        super().__init__()
        from torchvision.ops import StochasticDepth

        self.convs = nn.ModuleList(nn.Conv2d(8, 8, 3, padding=1) for _ in range(4))
        self.drop = StochasticDepth(0.2, "row")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for conv in self.convs:
            x = x + self.drop(torch.relu(conv(x)))
        return x


def test_tensor_factories_hold_memory_too() -> None:
    torch.manual_seed(0)
    model = NoisyResidual()
    shape = (4, 8, 16, 16)
    report = analyze(model, shape, train=True, optimizer="sgd")
    measured = measure_training_step(model, [torch.rand(shape)], optimizer="sgd",
                                     optimizer_kwargs=optimizer_kwargs("sgd", True))
    assert report.training is not None
    assert report.training.peak_bytes == measured.peak_bytes  # the four 4×1×1×1 masks (16 B each) included
