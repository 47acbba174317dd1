"""Invariants of the layer records that hold whatever the formulas are, and fail when one of them is wrong.

Hypothesis draws configurations of every design (the strategies of tests/helpers/plain_designs.py, with which
test_nd.py holds the same designs against plain PyTorch modules at every rank) and checks, without torch:

- MACs, other FLOPs and activation bytes are exactly linear in the batch; params and buffers are not;
- params and buffers do not depend on the input's size (and MACs do not fall as it grows);
- the dtype changes every byte count by the itemsize ratio and nothing else;
- a 3-D design on a depth-1 input with a 1×… kernel (stride, dilation 1 and padding 0 along depth) costs
  exactly what the 2-D design costs, and a 1-D design on L samples exactly what the 2-D design costs on a
  1×L map with a 1×k kernel: three ranks, one formula each;
- the textbook ratios: separable against standard, dilated against undilated.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from plain_designs import DESIGNS, RANKS, configs, options

import cnncalc
from cnncalc.errors import CnncalcError
from cnncalc.layers.record import LayerRecord
from cnncalc.serialize import to_data

FAST = settings(max_examples=25, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
#: designs whose kernel, stride, padding and dilation are options along every axis (inception's 3×3 and 5×5
#: branches and the ShuffleNet units' square kernels are fixed at every rank; deformable is 2-D only and
#: r2plus1d 3-D only)
PER_AXIS = ["standard", "group", "depthwise", "pointwise", "dilated", "xception-dw", "transposed", "bottleneck",
            "vgg-stack", "vgg-single", "se", "residual-basic", "residual-bottleneck"]
BYTES = ("activation_bytes", "output_bytes", "traffic_bytes")


def record(spec: str, opts: dict[str, Any]) -> LayerRecord | None:
    try:
        return cnncalc.layer(spec, **opts)
    except CnncalcError:
        return None


def drawn(data: st.DataObject, design: str, rank: int | None = None) -> tuple[str, dict[str, Any], LayerRecord]:
    """A configuration cnncalc accepts."""
    rank = rank or data.draw(st.sampled_from(RANKS[design]), label="rank")
    spec, opts = options(design, rank, data.draw(configs(design, rank), label="cfg"))
    r = record(spec, opts)
    assume(r is not None)
    assert r is not None
    return spec, opts, r


@pytest.mark.parametrize("design", DESIGNS)
@FAST
@given(data=st.data())
def test_batch_size_and_dtype(design: str, data: st.DataObject) -> None:
    spec, opts, one = drawn(data, design)
    opts = {**opts, "batch": 1}
    one = cnncalc.layer(spec, **opts)
    # per-item costs are exactly linear in the batch; params and buffers are not
    b = data.draw(st.integers(2, 5), label="batch")
    many = cnncalc.layer(spec, **{**opts, "batch": b})
    assert (many.macs, many.other_flops) == (b * one.macs, b * one.other_flops)
    assert (many.activation_bytes, many.output_bytes) == (b * one.activation_bytes, b * one.output_bytes)
    assert (many.params, many.buffers) == (one.params, one.buffers)
    assert many.output_shape == (b, *one.output_shape[1:])
    # params and buffers do not depend on the map's size; MACs do not fall as it grows (by whole strides, which
    # keep what a strided even kernel needs to meet a residual shortcut: the size modulo the stride)
    spatial = one.input_shape[2:]
    strides = tuple(int(v) for v in str(opts.get("stride") or 1).split("x"))
    strides = strides * len(spatial) if len(strides) == 1 else strides
    grown = tuple(a + s * data.draw(st.integers(0, 3), label="grow") for a, s in zip(spatial, strides, strict=True))
    large = cnncalc.layer(spec, **{**opts, "size": "x".join(map(str, grown))})
    assert (large.params, large.buffers, large.output_shape[:2]) == (one.params, one.buffers, one.output_shape[:2])
    assert large.macs >= one.macs
    # the dtype scales every byte count by the itemsize ratio and changes nothing else
    dtype, itemsize = data.draw(st.sampled_from([("float16", 2), ("bfloat16", 2), ("float64", 8)]), label="dtype")
    other = cnncalc.layer(spec, **{**opts, "dtype": dtype})
    assert all(getattr(other, f) * 4 == getattr(one, f) * itemsize for f in BYTES)
    assert other.intensity == pytest.approx(one.intensity * 4 / itemsize)
    assert comparable(to_data(other), 4) == comparable(to_data(one), itemsize)


def comparable(d: dict[str, Any], scale: int) -> dict[str, Any]:
    """A record's JSON with its bytes scaled and its dtype (and what follows from it) left out."""
    d = {k: v * scale if k in BYTES else v for k, v in d.items() if k not in ("dtype", "arithmetic_intensity")}
    d["options"] = {k: v for k, v in d["options"].items() if k != "dtype"}
    d["steps"] = [{**s, "traffic_bytes": s["traffic_bytes"] * scale} for s in d["steps"]]
    return d


def lifted(cfg: dict[str, Any], extra: int) -> dict[str, Any]:
    """The same configuration with one more leading axis of size 1: kernel, stride, dilation 1, padding 0."""
    out = {**cfg, "size": (1, *cfg["size"]), "kernel": (1, *cfg["kernel"]), "stride": (1, *cfg["stride"]),
           "dilation": (1, *cfg["dilation"])}
    out["padding"] = None if cfg["padding"] is None else (0, *cfg["padding"])
    out.pop("op", None)  # the default output padding (stride − 1 along each axis): 0 along the new one
    assert len(out["size"]) == extra
    return out


def same_costs(low: LayerRecord | None, high: LayerRecord | None) -> None:
    """`high` has one more leading spatial axis, of size 1, than `low`: every count is the same."""
    assert (low is None) == (high is None), "one rank accepts what the other refuses"
    if low is None or high is None:
        return
    n, c, *rest = low.output_shape
    assert high.output_shape == (n, c, 1, *rest)
    assert (high.params, high.buffers, high.macs, high.other_flops) == (low.params, low.buffers, low.macs,
                                                                         low.other_flops)
    assert (high.activation_bytes, high.traffic_bytes) == (low.activation_bytes, low.traffic_bytes)
    assert (high.receptive_field, high.jump) == ((1, *low.receptive_field), (1, *low.jump))


@pytest.mark.parametrize("rank", [1, 2], ids=["1d-is-2d-on-one-row", "2d-is-3d-at-depth-one"])
@pytest.mark.parametrize("design", PER_AXIS)
@FAST
@given(data=st.data())
def test_one_more_axis_of_size_one_changes_nothing(design: str, rank: int, data: st.DataObject) -> None:
    cfg = data.draw(configs(design, rank), label="cfg")
    cfg.pop("op", None)
    low = record(*options(design, rank, cfg))
    assume(low is not None)
    same_costs(low, record(*options(design, rank + 1, lifted(cfg, rank + 1))))


@settings(max_examples=100, deadline=None)
@given(cin=st.integers(1, 512), cout=st.integers(1, 1024), k=st.integers(1, 7))
def test_separable_saving_is_the_textbook_ratio(cin: int, cout: int, k: int) -> None:
    sep, std = cnncalc.compare("xception-dw", "standard", cin=cin, cout=cout, kernel=k, size=k)
    # standard / separable = k²·cin·cout / (k²·cin + cin·cout) = 1 / (1/cout + 1/k²)
    assert std.params * (k * k + cout) == sep.params * k * k * cout
    assert std.macs * (k * k + cout) == sep.macs * k * k * cout


@settings(max_examples=100, deadline=None)
@given(half=st.integers(0, 3), d=st.integers(1, 6), c=st.integers(1, 16))
def test_dilation_grows_field_not_cost(half: int, d: int, c: int) -> None:
    k = 2 * half + 1  # odd kernels: 'same' padding keeps the size for both
    size = d * (k - 1) + 1
    dil, std = cnncalc.compare(f"dilated:d={d}", "standard", cin=c, cout=c, kernel=k, size=size)
    assert (dil.params, dil.macs) == (std.params, std.macs)
    assert dil.receptive_field == (d * (k - 1) + 1,) * 2
