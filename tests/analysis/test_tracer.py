"""The model tracer (cnncalc/analysis/tracer.py, through analyze): its counts against FlopCounterMode on the zoo
and torchvision's models and against the layer calculator on every layer sample, exact integers by hand, and its
promises (the user's model is untouched, hooks go when a forward fails, shared modules count per call, ops without a
formula are listed, not dropped)."""

from __future__ import annotations

import copy

import pytest
import torch
import torchvision
from samples import case_id, cases
from torch import nn
from torchcount import flop_counter_macs

import cnncalc
from cnncalc.analysis.analyze import analyze, analyze_module
from cnncalc.errors import CnncalcError
from cnncalc.layers import build_module
from cnncalc.modelzoo.sources import load_model
from cnncalc.modelzoo.zoo import ZOO


# --- the tracer against peers -------------------------------------------------------------------------------
@pytest.mark.parametrize("name", [*ZOO, "resnet50", "vit_b_16", "convnext_tiny", "shufflenet_v2_x1_0",
                                  "efficientnet_b0", "regnet_y_400mf", "swin_t", "googlenet"])
def test_macs_against_flop_counter_mode(name: str) -> None:
    loaded = load_model(name)
    report = analyze_module(loaded.module, loaded.input_shape, name)
    counted = flop_counter_macs(loaded.module, torch.empty(loaded.input_shape, device="meta"))
    # FlopCounterMode does not see torchvision::deform_conv2d
    assert report.total.macs - report.kind("deform_conv").macs == counted


@pytest.mark.parametrize("case", cases(size=12), ids=case_id)
def test_tracer_agrees_with_the_layer_calculator(case: tuple[str, dict]) -> None:
    spec, opts = case
    record = cnncalc.layer(spec, **opts)
    module, shape = build_module(spec, cnncalc.layer_options(**opts))
    report = analyze_module(module, shape, spec)
    t = report.total
    assert (t.params, t.buffers, t.output_shape) == (record.params, record.buffers, record.output_shape)
    assert (t.macs, t.costs.other_flops) == (record.macs, record.other_flops)
    assert t.costs.traffic_bytes == record.traffic_bytes
    assert t.receptive_field == record.receptive_field


def test_backward_by_hand() -> None:
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.ReLU(), nn.Conv2d(8, 8, 3, padding=1,
                                                                                          bias=False))
    r = analyze(model, (1, 3, 8, 8), backward=True)
    # forward: 3·3·3·8 = 216 and 3·3·8·8 = 576 weights at 8·8: 13,824 + 36,864 = 50,688 MACs
    assert r.total.macs == 50_688
    # backward: conv2 input and weight gradients 2·36,864; conv1 only its weight gradient 13,824 (the input
    # needs no gradient) → 87,552 MACs; the ReLU gradient is 8·8·8 = 512 element-wise FLOPs
    assert r.backward is not None
    assert r.backward.macs == 87_552
    assert r.backward.other_flops == 512


def test_big_input_costs_no_memory() -> None:
    r = analyze("resnet50", (8, 3, 1024, 1024))
    # MACs scale with pixels and batch: 4,089,184,256 at 1×224² → ×8·(1024/224)² for every conv/linear except
    # that the final linear layer stays per-item; checked against FlopCounterMode elsewhere. Here: it ran.
    assert r.total.macs > 8 * 4_089_184_256 * 20


# --- the tracer's promises ----------------------------------------------------------------------------------
def test_user_model_is_not_modified() -> None:
    model = torchvision.models.resnet18()
    model.train()
    before = copy.deepcopy(model.state_dict())
    attrs = set(vars(model))
    hooks = (dict(nn.modules.module._global_forward_hooks), dict(nn.modules.module._global_forward_pre_hooks))
    report = analyze(model, (2, 3, 64, 64))
    assert report.total.params == 11_689_512
    assert model.training and set(vars(model)) == attrs
    assert all(p.device.type == "cpu" for p in model.parameters())
    after = model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert (dict(nn.modules.module._global_forward_hooks), dict(nn.modules.module._global_forward_pre_hooks)) == hooks


def test_hooks_removed_when_the_forward_fails() -> None:
    hooks = (len(nn.modules.module._global_forward_hooks), len(nn.modules.module._global_forward_pre_hooks))
    with pytest.raises(CnncalcError, match=r"conv1 \(Conv2d\)"):
        analyze(torchvision.models.resnet18(), (1, 1, 64, 64))
    assert (len(nn.modules.module._global_forward_hooks), len(nn.modules.module._global_forward_pre_hooks)) == hooks


class Twice(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 3, padding=1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(self.conv(x))


def test_shared_module_counted_per_call_shown_once() -> None:
    r = analyze(Twice(), (1, 4, 8, 8))
    # one conv: 3·3·4·4 = 144 weights; two calls at 8·8: 2·144·64 = 18,432 MACs
    assert r.total.params == 144
    assert r.total.macs == 18_432
    rows = [row for row in r.layers if row.name == "conv"]
    assert len(rows) == 1 and rows[0].calls == 2
    # two 3×3 windows in a row: 5×5
    assert r.total.receptive_field == (5, 5)


class Unusual(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cumprod(x, dim=1) + torch.kthvalue(x, 2, dim=1, keepdim=True).values


def test_ops_without_formula_are_listed_not_dropped() -> None:
    r = analyze(Unusual(), (1, 2, 4, 4))
    ops = {u.op for u in r.uncounted}
    assert any("cumprod" in op for op in ops) and any("kthvalue" in op for op in ops)
