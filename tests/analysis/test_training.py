"""The training step (cnncalc/analysis/training.py): predicted peak memory against torch's MemTracker on a real
CPU step (tests/helpers/memtrack.py; steady state: the optimizer's state exists, the second step is measured),
backward MACs by module and by hand."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from memtrack import DeformBlock, demo_cases, measure_training_step, optimizer_kwargs
from torch import nn

from cnncalc.analysis.analyze import analyze

CASES = {name: (make, shape) for name, make, shape in demo_cases()}
TOLERANCE = 0.03  # the bound; the prediction is exact to the byte for fp32 here


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
