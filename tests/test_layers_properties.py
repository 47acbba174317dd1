"""Hypothesis explores random configurations of every layer design.

1. Against PyTorch on the meta device: cnncalc rejects exactly the configurations PyTorch (or the
   design's own shape rules) rejects, and where both accept, params, output shape and MACs agree.
2. Invariants of the arithmetic alone (no torch, thousands of cases): totals are the sums of the ops,
   FLOPs = 2·MACs + other, params do not depend on H×W, costs are linear in the batch, bytes in the dtype.
"""

from __future__ import annotations

from typing import Any

import pytest
import torch
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from samples import SAMPLES
from torchcount import flop_counter_macs

import cnncalc
from cnncalc.errors import CnncalcError
from cnncalc.layers import build_module

SPECS = sorted(SAMPLES)


@st.composite
def layer_options(draw: st.DrawFn) -> dict[str, Any]:
    pair = st.one_of(st.integers(1, 5), st.tuples(st.integers(1, 5), st.integers(1, 5)))
    opts: dict[str, Any] = {
        "cin": draw(st.sampled_from([1, 2, 3, 4, 6, 8, 12, 16, 24, 32])),
        "cout": draw(st.none() | st.sampled_from([1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48])),
        "kernel": draw(st.none() | pair),
        "stride": draw(st.none() | st.integers(1, 3)),
        "padding": draw(st.none() | st.integers(0, 3)),
        "dilation": draw(st.none() | st.integers(1, 3)),
        "groups": draw(st.none() | st.integers(1, 4)),
        "reduction": draw(st.none() | st.integers(1, 8)),
        "mid": draw(st.none() | st.sampled_from([1, 2, 4, 6, 8, 12])),
        "size": draw(st.one_of(st.integers(1, 20), st.tuples(st.integers(1, 20), st.integers(1, 20)))),
        "batch": draw(st.integers(1, 3)),
        "bias": draw(st.booleans()),
    }
    return {k: v for k, v in opts.items() if v is not None}


def _record(spec: str, opts: dict[str, Any]) -> cnncalc.LayerRecord | None:
    try:
        return cnncalc.layer(spec, **opts)
    except CnncalcError:
        return None


@pytest.mark.parametrize("spec", SPECS)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(opts=layer_options())
def test_agrees_with_pytorch_on_meta(spec: str, opts: dict[str, Any]) -> None:
    record = _record(spec, opts)
    # torchvision's meta kernel for deform_conv2d skips the CPU kernel's checks: run those on the CPU
    device = "cpu" if spec.startswith("deformable") else "meta"
    try:
        with torch.device(device):
            module, shape = build_module(spec, cnncalc.layer_options(**opts))
            x = torch.randn(shape)  # real values on the CPU: garbage offsets can crash torchvision's kernel
            y = module(x)
            if 0 in y.shape:  # meta kernels return empty outputs where the CPU kernels raise "too small"
                raise RuntimeError(f"empty output {tuple(y.shape)}")
    except (CnncalcError, RuntimeError, ValueError) as err:
        assert record is None, f"PyTorch rejects what cnncalc accepts: {err}"
        return
    assert record is not None, "cnncalc rejects what PyTorch accepts"
    assert record.params == sum(p.numel() for p in module.parameters())
    assert record.buffers == sum(b.numel() for b in module.buffers())
    assert record.output_shape == tuple(y.shape)
    assert sum(s.macs for s in record.steps if s.kind != "deform_conv") == flop_counter_macs(module, x)


@settings(max_examples=1500, deadline=None)
@given(spec=st.sampled_from(SPECS), opts=layer_options())
def test_arithmetic_invariants(spec: str, opts: dict[str, Any]) -> None:
    r = _record(spec, opts)
    assume(r is not None)
    assert r is not None
    # totals are the sums of the ops
    assert r.params == sum(s.params for s in r.steps)
    assert r.macs == sum(s.macs for s in r.steps)
    assert r.flops == sum(s.flops for s in r.steps) == 2 * r.macs + r.other_flops
    assert r.traffic_bytes == sum(s.traffic_bytes for s in r.steps)
    assert r.output_shape[0] == r.input_shape[0] == opts["batch"]
    # bytes scale with the element size, counts do not
    half = cnncalc.layer(spec, **{**opts, "dtype": "bfloat16"})
    assert (half.traffic_bytes * 2, half.activation_bytes * 2) == (r.traffic_bytes, r.activation_bytes)
    assert (half.macs, half.flops, half.params) == (r.macs, r.flops, r.params)
    # per-item costs are linear in the batch; params are not
    one = cnncalc.layer(spec, **{**opts, "batch": 1})
    b = opts["batch"]
    assert (r.macs, r.other_flops, r.activation_bytes) == (b * one.macs, b * one.other_flops, b * one.activation_bytes)
    assert (r.params, r.buffers) == (one.params, one.buffers)


@settings(max_examples=500, deadline=None)
@given(spec=st.sampled_from(SPECS), opts=layer_options(), grow=st.integers(1, 8))
def test_params_do_not_depend_on_input_size(spec: str, opts: dict[str, Any], grow: int) -> None:
    small = _record(spec, opts)
    assume(small is not None)
    assert small is not None
    h, w = small.input_shape[2:]
    large = cnncalc.layer(spec, **{**opts, "size": (h + grow, w + grow)})
    assert (large.params, large.buffers) == (small.params, small.buffers)
    assert large.macs >= small.macs


@settings(max_examples=500, deadline=None)
@given(cin=st.integers(1, 512), cout=st.integers(1, 1024), k=st.integers(1, 7))
def test_separable_saving_is_the_textbook_ratio(cin: int, cout: int, k: int) -> None:
    sep, std = cnncalc.compare("xception-dw", "standard", cin=cin, cout=cout, kernel=k, size=k)
    # standard / separable = k²·cin·cout / (k²·cin + cin·cout) = 1 / (1/cout + 1/k²)
    assert std.params * (k * k + cout) == sep.params * k * k * cout
    assert std.macs * (k * k + cout) == sep.macs * k * k * cout


@settings(max_examples=300, deadline=None)
@given(half=st.integers(0, 3), d=st.integers(1, 6), c=st.integers(1, 16))
def test_dilation_grows_field_not_cost(half: int, d: int, c: int) -> None:
    k = 2 * half + 1  # odd kernels: 'same' padding keeps the size for both
    size = d * (k - 1) + 1
    dil, std = cnncalc.compare(f"dilated:d={d}", "standard", cin=c, cout=c, kernel=k, size=size)
    assert (dil.params, dil.macs) == (std.params, std.macs)
    assert dil.receptive_field == (d * (k - 1) + 1,) * 2
