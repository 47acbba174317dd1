"""Every layer design's record, held against the real PyTorch module it describes.

Params against `numel`, output shape against a forward pass, conv/linear MACs against FlopCounterMode
and fvcore, bytes against the aten ops a forward pass really runs, receptive field against gradients.
"""

from __future__ import annotations

from typing import Any

import pytest
import torch
from samples import SAMPLES, build, case_id, cases
from torchcount import count_traffic, flop_counter_macs, fvcore_macs, gradient_extent

import cnncalc
from cnncalc.layers import PRESETS, build_module, get_preset
from cnncalc.layers.record import LayerRecord

CASES = cases(size=9)


def test_every_design_has_samples() -> None:
    covered = {get_preset(spec.split(":")[0]).name for spec in SAMPLES}
    assert covered == set(PRESETS), f"designs without test samples: {set(PRESETS) - covered}"


def test_build_leaves_module_in_eval_mode() -> None:
    module, _ = build_module("residual-basic", cnncalc.layer_options(cin=4))
    assert not module.training


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_params_and_buffers_against_numel(case: tuple[str, dict[str, Any]]) -> None:
    record, module, _ = build(*case)
    weights = sum(p.numel() for n, p in module.named_parameters() if not n.endswith("bias"))
    biases = sum(p.numel() for n, p in module.named_parameters() if n.endswith("bias"))
    assert (record.weight_params, record.bias_params) == (weights, biases)
    assert record.params == sum(p.numel() for p in module.parameters())
    assert record.buffers == sum(b.numel() for b in module.buffers())


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_output_shape_against_forward(case: tuple[str, dict[str, Any]]) -> None:
    record, module, x = build(*case)
    with torch.inference_mode():
        assert tuple(module(x).shape) == record.output_shape
    assert tuple(x.shape) == record.input_shape


def _counted_by_peers(record: LayerRecord) -> int:
    """MACs the peers can see: torchvision's deform_conv2d is a custom op they skip (its sampling and
    convolution are checked against a reference implementation in tests/formulas/test_deform_reference.py)."""
    return sum(s.macs for s in record.steps if s.kind != "deform_conv")


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_macs_against_flop_counter_mode(case: tuple[str, dict[str, Any]]) -> None:
    record, module, x = build(*case)
    assert _counted_by_peers(record) == flop_counter_macs(module, x)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_macs_against_fvcore(case: tuple[str, dict[str, Any]]) -> None:
    record, module, x = build(*case)
    assert _counted_by_peers(record) == fvcore_macs(module, x)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_bytes_against_aten_ops(case: tuple[str, dict[str, Any]]) -> None:
    record, module, x = build(*case)
    counter = count_traffic(module, x)
    assert record.traffic_bytes == counter.read + counter.written, counter.ops
    assert record.activation_bytes == counter.written, counter.ops


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float64])
def test_bytes_follow_dtype(dtype: torch.dtype) -> None:
    name = str(dtype).removeprefix("torch.")
    record = cnncalc.layer("residual-basic", cin=8, size=9, dtype=name)
    module, shape = build_module("residual-basic", cnncalc.layer_options(cin=8, size=9))
    module = module.to(dtype)
    counter = count_traffic(module, torch.randn(shape, dtype=dtype))
    # BN's num_batches_tracked stays int64 and is never read in inference
    assert record.traffic_bytes == counter.read + counter.written


def _positive(module: torch.nn.Module, spec: str) -> torch.nn.Module:
    """Weights > 0 so that ReLUs pass gradient everywhere; deformable offsets fixed at zero."""
    module = module.double()
    with torch.no_grad():
        for name, p in module.named_parameters():
            p.copy_(p.abs() + 0.1)
            if spec.startswith("deformable") and name.startswith("offset"):
                p.zero_()
    return module


@pytest.mark.parametrize("case", cases(size=19), ids=case_id)
def test_receptive_field_against_gradients(case: tuple[str, dict[str, Any]]) -> None:
    spec, opts = case
    record, module, x = build(spec, opts)
    module = _positive(module, spec)
    x = x.double().abs() + 0.1
    middle = [size // 2 for size in record.output_shape[2:]]
    # a transposed conv's outputs see different numbers of inputs by their phase: try every phase
    phases = int(1 / min(record.jump)) if min(record.jump) < 1 else 1
    positions = [tuple(m + i for m in middle) for i in range(phases)]
    measured = gradient_extent(module, x, positions)
    # fields wider than the input are cut at its border (the SE block sees the whole input)
    expected = tuple(min(int(f), s) for f, s in zip(record.receptive_field, x.shape[2:], strict=True))
    assert measured == expected
