"""Model analysis: the zoo against its papers, torchvision's models against their published metadata,
the tracer against FlopCounterMode, fvcore and the layer calculator, and its promises (the user's model
is untouched, shared modules count per call, nothing is dropped silently)."""

from __future__ import annotations

import copy
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
import torch
import torchvision
from samples import case_id, cases
from torch import nn
from torchcount import flop_counter_macs

import cnncalc
from cnncalc.analysis.analyze import analyze, analyze_module
from cnncalc.analysis.checks import Status
from cnncalc.analysis.entries import live_entry
from cnncalc.analysis.validate import validate_model as validate
from cnncalc.errors import CnncalcError
from cnncalc.layers import build_module
from cnncalc.models.catalogue import shipped
from cnncalc.models.sources import load_model, torchvision_names
from cnncalc.models.zoo import ZOO


def half_up(x: float) -> int:
    return int(Decimal(str(x)).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


# --- the zoo against its papers ------------------------------------------------------------------------------
def test_lenet5_by_hand() -> None:
    r = analyze("lenet5")
    # C1 6·(1·25+1) = 156; C3 16·(6·25+1) = 2,416; C5 120·(16·25+1) = 48,120; F6 84·121 = 10,164; out 10·85 = 850
    assert r.total.params == 156 + 2_416 + 48_120 + 10_164 + 850 == 61_706
    # MACs: 150·28·28 = 117,600; 2,400·10·10 = 240,000; 48,000; 10,080; 840 → 416,520
    assert r.total.macs == 117_600 + 240_000 + 48_000 + 10_080 + 840
    # receptive field: 5 → pool 2 (6, jump 2) → 5 (14) → pool 2 (16, jump 4) → 5 (16 + 4·4 = 32)
    assert r.total.receptive_field == (32, 32)


def test_alexnet_grouped_params_by_hand() -> None:
    r = analyze("alexnet_grouped")
    # conv1 96·3·121 + 96 = 34,944; conv2 256·48·25 + 256 = 307,456; conv3 384·256·9 + 384 = 885,120;
    # conv4 384·192·9 + 384 = 663,936; conv5 256·192·9 + 256 = 442,624; fc6 9,216·4,096 + 4,096 = 37,752,832;
    # fc7 4,096² + 4,096 = 16,781,312; fc8 4,096·1,000 + 1,000 = 4,097,000 → 60,965,224 (the published figure)
    assert r.total.params == 60_965_224
    assert r.total.output_shape == (1, 1000)


@pytest.mark.parametrize("name", [n for n, e in ZOO.items() if "params" in e.published])
def test_zoo_params_match_published(name: str) -> None:
    assert analyze(name).total.params == ZOO[name].published["params"]


def test_inception_v1_modules_match_table_1() -> None:
    r = analyze("inception_v1")
    table = ZOO["inception_v1"].published
    modules = {"3a": "7.0", "3b": "7.1", "4a": "9.0", "4b": "9.1", "4c": "9.2", "4d": "9.3", "4e": "9.4",
               "5a": "11.0", "5b": "11.1"}
    for block, path in modules.items():
        row = r.layer(path)
        if block == "5a":
            # the table lists 54M, but its own 5a widths give 832·256 + 832·160 + 9·160·320 + 832·32 +
            # 25·32·128 + 832·128 = 1,042,432 weights, at 7·7 = 51,079,168 MACs (+ 0 for biases)
            assert row.macs == 1_042_432 * 49
            continue
        # the ops column (M = 10⁶ multiply-adds) follows from the widths, truncated or rounded: within 1M
        assert abs(row.macs / 1e6 - table["ops_m"][block]) < 1, block
    # The params column (K = 1,024) does not always follow from the table's own widths: for 4c,
    # 512·128 + 512·128 + 9·128·256 + 512·24 + 25·24·64 + 512·64 = 509,440 weights = 497.5K, listed as 463K.
    # Where it does, it agrees: 3a 163,328 weights + 368 biases = 163,696 = 159.9K (listed 159K).
    assert r.layer("7.0").params == 163_328 + 368


@pytest.mark.parametrize("suffix, macs_m, params_m", [("", 569, 4.2), ("_075", 325, 2.6), ("_05", 149, 1.3),
                                                      ("_025", 41, 0.5)])
def test_mobilenet_v1_matches_table_6(suffix: str, macs_m: int, params_m: float) -> None:
    r = analyze(f"mobilenet_v1{suffix}")
    assert half_up(r.total.macs / 1e6) == macs_m
    assert round(r.total.params / 1e6, 1) == params_m


@pytest.mark.parametrize("groups, mflops", [(1, 143), (2, 140), (3, 137), (4, 133), (8, 137)])
def test_shufflenet_v1_matches_table_1(groups: int, mflops: int) -> None:
    r = analyze(f"shufflenet_v1_g{groups}")
    fc = next(row for row in r.layers if row.type == "Linear").macs
    # the paper's complexity column leaves out the final classifier
    assert half_up((r.total.macs - fc) / 1e6) == mflops


def test_zoo_models_count_every_op() -> None:
    for name in ZOO:
        report = analyze(name)
        assert not report.uncounted, (name, report.uncounted)
        assert shipped(name) == live_entry(name, report)
        assert report.total.output_shape == (ZOO[name].input_shape[0], 10 if name == "lenet5" else 1000)


# --- torchvision's models against their own published metadata ---------------------------------------------
DATA_INDEPENDENT = [n for task in ("classification", "segmentation", "video", "optical_flow")
                    for n in torchvision_names(task)]


@pytest.mark.parametrize("name", DATA_INDEPENDENT)
def test_torchvision_metadata(name: str) -> None:
    """Every torchvision model whose cost does not depend on values, at the input its published figures
    were measured at (classification: the crop of the DEFAULT weights; segmentation 520²; video 16 frames
    at the crop; optical flow two 512² frames), against its DEFAULT weights' metadata."""
    report = analyze(name)
    weights = torchvision.models.get_model_weights(name).DEFAULT
    # built as the released weights are: inception_v3 keeps its auxiliary head (27,161,264 params with it),
    # which the eval forward never calls
    assert report.total.params == weights.meta["num_params"]
    # the 'GFLOPS' column is MACs rounded to 3 decimals
    assert abs(report.total.macs / 1e9 - weights.meta["_ops"]) <= 0.0005 + 1e-9
    assert not report.uncounted, report.uncounted
    assert report.real_run is None
    # `cnncalc models` reads a table shipped with the package: it must say what a live analysis says
    assert shipped(name) == live_entry(name, report)


@pytest.mark.parametrize("name", torchvision_names("detection"))
def test_detector_params_match_metadata(name: str) -> None:
    """Detectors built as released (FrozenBatchNorm2d backbones, the head sized for the weights'
    categories): params are static, so a meta build answers them without a run."""
    loaded = load_model(name)
    weights = torchvision.models.get_model_weights(name).DEFAULT
    assert sum(p.numel() for p in loaded.module.parameters()) == weights.meta["num_params"]
    assert loaded.inputs[0].shape == (1, 3, 224, 224)
    row = shipped(name)
    assert (row["params"], row["task"], row["data_dependent"]) == (weights.meta["num_params"], "detection", True)


# --- the tracer against peers -------------------------------------------------------------------------------
@pytest.mark.parametrize("name", [*ZOO, "resnet50", "vit_b_16", "convnext_tiny", "shufflenet_v2_x1_0",
                                  "efficientnet_b0", "regnet_y_400mf", "swin_t", "googlenet"])
def test_macs_against_flop_counter_mode(name: str) -> None:
    loaded = load_model(name)
    report = analyze_module(loaded.module, loaded.input_shape, name)
    counted = flop_counter_macs(loaded.module, torch.empty(loaded.input_shape, device="meta"))
    # FlopCounterMode does not see torchvision::deform_conv2d
    assert report.total.macs - report.kind("deform_conv").macs == counted


@pytest.mark.parametrize("name", ["lenet5", "alexnet_grouped", "mobilenet_v1_025", "shufflenet_v1_x0_25",
                                  "resnet18", "deform_resnet50", "vit_b_16"])
def test_validate_reconciles_every_peer(name: str) -> None:
    result = validate(name)
    assert result.ok, [c for c in result.checks if not c.agrees]
    assert {c.tool for c in result.checks if c.agrees} >= {"numel (real module)", "FlopCounterMode", "fvcore"}


FIXTURES = Path(__file__).parent / "fixtures" / "user_models.py"


def test_validate_params_row_fails_on_a_parameter_no_op_reads() -> None:
    """conv 3→4 3×3 with bias: 3·4·9 + 4 = 112 params the ops read; numel adds the 5 of `spare`, which belongs
    to the model itself (a module that runs): 117 against 112 is unexplained, so the row differs and validate
    fails."""
    result = validate(f"{FIXTURES}:SpareParameter", inputs=[(1, 3, 8, 8)], fvcore=False)
    row = next(c for c in result.checks if c.quantity == "params")
    assert (row.value, row.expected, row.status) == (117, 112, Status.differs)
    assert "spare" in row.note and not result.ok


def test_validate_params_row_explains_an_uncalled_head() -> None:
    """The same conv, and a Linear(4, 2) the forward never calls: 4·2 + 2 = 10 params no op reads, explained by
    the module never running: 122 = 112 + 10, agrees."""
    result = validate(f"{FIXTURES}:UncalledHead", inputs=[(1, 3, 8, 8)], fvcore=False)
    row = next(c for c in result.checks if c.quantity == "params")
    assert (row.value, row.expected, row.status) == (122, 122, Status.agrees)
    assert "10 params of modules the forward never calls (head)" in row.note and result.ok


def test_validate_a_peer_that_fails_is_not_run_not_agreement(monkeypatch: pytest.MonkeyPatch) -> None:
    """fvcore raising inside its trace: its row says 'not run' and why; validate still passes on the rest."""
    import fvcore.nn

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("planted failure")

    monkeypatch.setattr(fvcore.nn, "FlopCountAnalysis", broken)
    result = validate("lenet5")
    row = next(c for c in result.checks if c.tool == "fvcore")
    assert row.status is Status.not_run and not row.agrees
    assert row.note.startswith("not run: ") and "planted failure" in row.note
    assert result.ok


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


def test_peak_live_activations_by_hand() -> None:
    model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1, bias=False), nn.ReLU(), nn.Conv2d(8, 2, 3, padding=1))
    r = analyze(model, (1, 1, 10, 10))
    # float32: input 100·4 = 400 B; conv1 out 800 el = 3,200 B; relu out 3,200 B (the input is still held by
    # the caller); at the relu both conv1's output and the relu's are live: 400 + 3,200 + 3,200 = 6,800 B
    assert r.total.peak_activation_bytes == 6_800


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


def test_regnet_builds_with_parameters_on_meta() -> None:
    # RegNet's constructor computes tensors; parameters land on meta and the rest still works
    r = analyze("regnet_y_400mf")
    assert r.total.params == 4_344_144


def test_big_input_costs_no_memory() -> None:
    r = analyze("resnet50", (8, 3, 1024, 1024))
    # MACs scale with pixels and batch: 4,089,184,256 at 1×224² → ×8·(1024/224)² for every conv/linear except
    # that the final linear layer stays per-item; checked against FlopCounterMode elsewhere. Here: it ran.
    assert r.total.macs > 8 * 4_089_184_256 * 20
