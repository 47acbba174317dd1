"""Predictions from hand-made profiles (tests/helpers/synthetic_profiles.py) whose answers are known exactly:
the totals are sums of the kinds' times and the module calls' overhead, each op's bound is the larger roofline
term worked out by hand, time grows with the batch as the kinds' curves say, missing kinds are listed."""

from __future__ import annotations

import math
import random

import pytest
import torch
from synthetic_profiles import constant, per_byte, profile
from torch import nn

import cnncalc
from cnncalc.errors import CnncalcError

# conv 64→64, 3×3, padding 1, no bias, on 1×64×16×16 (float32), by hand:
#   MACs = 64·64·9·16·16 = 9,437,184; FLOPs = 2 × MACs = 18,874,368
#   bytes = input 64·256·4 = 65,536 + weight 64·64·9·4 = 147,456 + output 65,536 = 278,528
# relu on the output: 16,384 elements, 65,536 bytes read + 65,536 written = 131,072
# At 1e10 FLOP/s and 1e10 B/s: the conv's compute term 1.887 ms beats its memory term 0.028 ms (compute-bound);
# the relu's memory term 0.0131 ms beats its compute term 0.0016 ms (memory-bound).
SHAPE = (1, 64, 16, 16)
CONV_MS, RELU_MS, CALL_MS = 2.0, 0.1, 0.01


def conv_relu() -> nn.Module:
    return nn.Sequential(nn.Conv2d(64, 64, 3, padding=1, bias=False), nn.ReLU())


def hand_profile(**kwargs: object) -> object:
    kinds = kwargs.pop("kinds", {"conv2d": constant(CONV_MS / 1e3), "relu": constant(RELU_MS / 1e3)})
    return profile(kinds, module_call=CALL_MS / 1e3, **kwargs)  # type: ignore[arg-type]


def test_total_is_the_ops_plus_each_module_call() -> None:
    report = cnncalc.predict(conv_relu(), hand_profile(), SHAPE)
    # 2 ms (conv) + 0.1 ms (relu) + 3 module calls (Sequential, Conv2d, ReLU) × 0.01 ms
    assert report.latency_ms == pytest.approx(2.13, rel=1e-12)
    assert report.module("0").latency_ms == pytest.approx(2.01, rel=1e-12)
    assert report.module("1").latency_ms == pytest.approx(0.11, rel=1e-12)
    assert report.module_overhead_ms == pytest.approx(0.03, rel=1e-12)
    assert not report.partial and report.not_predicted == ()


def test_each_op_is_labelled_by_its_larger_roofline_term() -> None:
    report = cnncalc.predict(conv_relu(), hand_profile(), SHAPE)
    kinds = {k.kind: k for k in report.kinds}
    assert (kinds["conv2d"].calls, kinds["conv2d"].compute_ms, kinds["conv2d"].memory_ms) == (1, 2.0, 0.0)
    assert (kinds["relu"].calls, kinds["relu"].memory_ms, kinds["relu"].compute_ms) == (1, pytest.approx(0.1), 0.0)
    assert report.module("0").bound == "compute" and report.module("1").bound == "memory"


def test_bandwidth_and_peak_swap_the_bounds() -> None:
    """At 1e8 B/s the conv's memory term (2.8 ms) beats its compute term (1.9 ms)."""
    report = cnncalc.predict(conv_relu(), hand_profile(bandwidth=1e8), SHAPE)
    assert report.module("0").bound == "memory"


def test_an_op_within_twice_its_kinds_fixed_cost_is_overhead_bound() -> None:
    report = cnncalc.predict(conv_relu(), hand_profile(overhead=RELU_MS / 1e3), SHAPE)
    # relu takes 0.1 ms, its kind's smallest call 0.1 ms: overhead; the conv's 2 ms is 20× that, still compute
    assert report.module("1").bound == "overhead"
    assert report.module("0").bound == "compute"


def test_time_scales_with_the_batch_as_the_kinds_curve_says() -> None:
    # relu at 1e-9 s per byte: 131,072 bytes → 0.131072 ms at batch 1, eight times that at batch 8
    prof = profile({"relu": per_byte(1e-9)})
    one = cnncalc.predict(nn.Sequential(nn.ReLU()), prof, SHAPE)
    eight = cnncalc.predict(nn.Sequential(nn.ReLU()), prof, SHAPE, batch=8)
    assert one.latency_ms == pytest.approx(0.131072, rel=1e-9)
    assert eight.latency_ms == pytest.approx(8 * 0.131072, rel=1e-9)


def test_a_kind_without_a_model_is_listed_and_the_total_is_partial() -> None:
    report = cnncalc.predict(conv_relu(), hand_profile(kinds={"conv2d": constant(CONV_MS / 1e3)}), SHAPE)
    assert report.partial
    assert [(n.op, n.kind, n.calls) for n in report.not_predicted] == [("aten.relu.default", "relu", 1)]
    assert report.latency_ms == pytest.approx(2.03, rel=1e-12)  # the conv and three module calls


def test_a_design_is_predicted_as_its_real_module() -> None:
    """With a convolution's time proportional to its MACs (the curve reads a convolution's first feature, log
    MACs), a design made only of convolutions is predicted in proportion to the layer calculator's MACs."""
    prof = profile({"conv2d": per_byte(1e-12)})
    standard = cnncalc.predict("standard", prof, cin=64, cout=128, kernel=3, size=28)
    separable = cnncalc.predict("xception-dw", prof, cin=64, cout=128, kernel=3, size=28)
    macs = {name: cnncalc.layer(name, cin=64, cout=128, kernel=3, size=28).macs for name in ("standard", "xception-dw")}
    # standard: 64·128·9·28·28 MACs; xception-dw: depthwise 64·9·784 + pointwise 64·128·784
    assert macs == {"standard": 64 * 128 * 9 * 784, "xception-dw": 64 * 9 * 784 + 64 * 128 * 784}
    assert standard.latency_ms == pytest.approx(macs["standard"] * 1e-9, rel=1e-9)
    assert separable.latency_ms == pytest.approx(macs["xception-dw"] * 1e-9, rel=1e-9)
    assert standard.model == "standard"


def test_another_gpu_on_paper_scales_each_op_by_its_bound() -> None:
    """H100 SXM → A100 80GB SXM by the datasheets: FP32 67 → 19.5 TFLOPS, 3,350 → 2,039 GB/s."""
    prof = hand_profile(device="cuda", name="NVIDIA H100 80GB HBM3", threads=None)
    report = cnncalc.predict(conv_relu(), prof, SHAPE, device="A100 80GB")
    kinds = {k.kind: k for k in report.kinds}
    assert kinds["conv2d"].latency_ms == pytest.approx(CONV_MS * 67 / 19.5, rel=1e-9)
    assert kinds["relu"].latency_ms == pytest.approx(RELU_MS * 3350 / 2039, rel=1e-9)
    assert report.module_overhead_ms == pytest.approx(0.03, rel=1e-12)  # overhead is not scaled
    assert "A100" in report.device and "Habitat" in report.estimate


def test_scaling_on_paper_needs_a_gpu_profile_and_a_known_gpu() -> None:
    with pytest.raises(CnncalcError, match=r"device=.A100.*profile synthetic is of a cpu"):
        cnncalc.predict(conv_relu(), hand_profile(), SHAPE, device="A100")
    gpu = hand_profile(device="cuda", name="NVIDIA H100 80GB HBM3", threads=None)
    with pytest.raises(CnncalcError, match="device='Voodoo 5' has no datasheet here: known are"):
        cnncalc.predict(conv_relu(), gpu, SHAPE, device="Voodoo 5")


def test_a_dtype_or_layout_the_profile_did_not_measure_is_refused() -> None:
    with pytest.raises(CnncalcError, match="dtype='bfloat16': the profile synthetic was calibrated in float32"):
        cnncalc.predict(conv_relu(), hand_profile(), SHAPE, dtype="bfloat16")
    with pytest.raises(CnncalcError, match="channels_last=True"):
        cnncalc.predict(conv_relu(), hand_profile(), SHAPE, channels_last=True)


def test_another_torch_version_is_a_warning_that_names_both() -> None:
    report = cnncalc.predict(conv_relu(), hand_profile(torch_version="1.0.0"), SHAPE)
    assert report.warnings == (f"the profile was made with torch 1.0.0, this trace with torch {torch.__version__}: "
                               "their kernels may differ",)


def test_predicting_leaves_the_model_as_it_was() -> None:
    model = conv_relu().train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    cnncalc.predict(model, hand_profile(), SHAPE)
    assert model.training and all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert all(p.device.type == "cpu" for p in model.parameters())


def test_every_module_has_a_row_and_the_root_sums_its_children() -> None:
    model = nn.Sequential(conv_relu(), conv_relu())
    report = cnncalc.predict(model, hand_profile(), SHAPE)
    assert [m.name for m in report.modules] == ["(model)", "0", "0.0", "0.1", "1", "1.0", "1.1"]
    children = report.module("0").latency_ms + report.module("1").latency_ms
    assert report.latency_ms == pytest.approx(children + CALL_MS, rel=1e-12)  # and the root's own call
    assert math.isclose(report.latency_ms, 2 * (CONV_MS + RELU_MS) + 7 * CALL_MS, rel_tol=1e-12)


def test_the_network_correction_applies_op_by_op() -> None:
    from dataclasses import replace

    from cnncalc.latency.context import Context

    correction = Context(heavy=2.0, light=1.0, view=1.0, per_op=1e-5, per_module=2e-5, per_output_byte=1e-10,
                         per_weight_byte=1e-9)
    report = cnncalc.predict(conv_relu(), replace(hand_profile(), context=correction), SHAPE)
    # conv: 2 × 2 ms + 0.01 ms + 65,536 bytes written × 1e-10 s (0.0065536 ms) + its 147,456-byte weight × 1e-9 s
    # (0.147456 ms); relu: 0.1 ms + 0.01 ms + 65,536 × 1e-10 s; three module calls × 0.02 ms
    conv = 4.0 + 0.01 + 0.0065536 + 0.147456
    relu = 0.1 + 0.01 + 0.0065536
    assert report.module("0").latency_ms == pytest.approx(conv + 0.02, rel=1e-12)
    assert report.module("1").latency_ms == pytest.approx(relu + 0.02, rel=1e-12)
    assert report.latency_ms == pytest.approx(conv + relu + 0.06, rel=1e-12)
    kinds = {k.kind: k for k in report.kinds}
    assert kinds["conv2d"].compute_ms == pytest.approx(4.0)
    # the fixed cost per op is overhead; fetching the bytes written and the weight is memory traffic
    assert kinds["conv2d"].overhead_ms == pytest.approx(0.01)
    assert kinds["conv2d"].memory_ms == pytest.approx(0.0065536 + 0.147456)


def test_a_capped_gated_correction_counts_each_ops_bytes_up_to_the_cap_times_the_gate() -> None:
    from dataclasses import replace

    from cnncalc.latency.context import Context

    correction = Context(per_op=1e-5, per_module=1e-5, per_output_byte=1e-10, per_weight_byte=1e-9,
                         cap_bytes=100_000, gate_bytes=262_144)
    report = cnncalc.predict(conv_relu(), replace(hand_profile(), context=correction), SHAPE)
    # the network writes 65,536 + 65,536 = 131,072 bytes: gate 131,072 ÷ 262,144 = 0.5. conv: 2 ms + 0.01 ms +
    # 0.5 × (65,536 × 1e-10 s + its 147,456-byte weight capped at 100,000 × 1e-9 s) = 2.01 + 0.5 × 0.1065536 ms;
    # relu: 0.1 ms + 0.01 ms + 0.5 × 65,536 × 1e-10 s; three module calls × 0.01 ms (per_module)
    conv = 2.01 + 0.5 * (0.0065536 + 0.1)
    relu = 0.11 + 0.5 * 0.0065536
    assert report.module("0").latency_ms == pytest.approx(conv + 0.01, rel=1e-12)
    assert report.module("1").latency_ms == pytest.approx(relu + 0.01, rel=1e-12)
    assert report.latency_ms == pytest.approx(conv + relu + 0.03, rel=1e-12)


def test_a_second_bound_charges_the_weight_bytes_between_the_cap_and_it() -> None:
    from dataclasses import replace

    from cnncalc.latency.context import Context

    correction = Context(per_weight_byte=1e-9, cap_bytes=100_000, per_mid_byte=2e-9, mid_bytes=120_000,
                         gate_bytes=262_144)
    report = cnncalc.predict(conv_relu(), replace(hand_profile(), context=correction), SHAPE)
    # the network writes 131,072 bytes: gate 0.5. The conv pays 0.5 × its 147,456-byte weight up to the cap,
    # 100,000 × 1e-9 s = 0.1 ms, and 0.5 × the 20,000 bytes between the cap and the second bound (120,000) ×
    # 2e-9 s = 0.04 ms; the 27,456 bytes past that, nothing
    assert report.module("0").latency_ms == pytest.approx(2.0 + 0.5 * (0.1 + 0.04), rel=1e-12)
    assert report.module("1").latency_ms == pytest.approx(0.1, rel=1e-12)


def test_the_fit_and_the_prediction_count_the_same_features() -> None:
    """The coefficients times a network's features, as the fit builds them (`features`, gated by `gate` on
    `written`), are the time `predict` gives that network with the same coefficients: the two sides agree."""
    from dataclasses import replace

    from cnncalc.latency.context import Context, features, gate, written
    from cnncalc.latency.predict import op_times

    model = nn.Sequential(conv_relu(), nn.Flatten(), nn.Unflatten(1, (64, 16, 16)), conv_relu())
    correction = Context(1.0, 0.7, 2.0, 1e-5, 2e-5, 1e-10, 1e-9, cap_bytes=100_000, gate_bytes=524_288,
                         per_mid_byte=2e-9, mid_bytes=120_000)
    prof = replace(hand_profile(kinds={"conv2d": constant(CONV_MS / 1e3), "relu": constant(RELU_MS / 1e3),
                                       "view": constant(1e-6)}), context=correction)
    ops, calls = op_times(model, SHAPE, prof)
    row = features(ops, calls, correction.cap_bytes, correction.mid_bytes)
    g = gate(written(ops), correction.gate_bytes)
    coefficients = (1.0, 0.7, 2.0, 1e-5, 2e-5, 1e-10, 1e-9, 2e-9)
    fitted = sum(c * f for c, f in zip(coefficients, [*row[:5], *(g * b for b in row[5:])], strict=True))
    assert 0 < g < 1 and row[7] > 0  # the gate and the second bound both bite
    assert cnncalc.predict(model, prof, SHAPE).latency_ms == pytest.approx(fitted * 1e3, rel=1e-12)


def _networks(rng: random.Random, count: int) -> list[tuple[list[tuple[str, float, float, float]], int]]:
    """Random networks as the correction sees them: ops (kind, seconds alone, bytes written, weight bytes) and
    module calls. Ops write 10 kB to 12 MB and read weights of 1 kB to 200 MB, so caps of 1 to 8 MiB and second
    bounds of 16 to 256 MiB all bite, and networks write 0.1 to 100 MB in all, so every gate does."""
    out = []
    for _ in range(count):
        ops = []
        for _ in range(rng.randint(3, 60)):
            kind = rng.choice(("conv2d", "conv2d", "relu", "add", "view"))
            weights = 10 ** rng.uniform(3, 8.3) if kind == "conv2d" else 0.0
            ops.append((kind, rng.uniform(1e-6, 1e-2), 10 ** rng.uniform(4, 7.08), weights))
        out.append((ops, rng.randint(5, 400)))
    return out


def test_the_correction_is_recovered_from_networks_that_follow_it() -> None:
    """Networks whose time is exactly H + 0.8·L + 2·V + 3 µs per op + 1 µs per module call + g · (20 ps per
    byte written + 10 ps per weight byte + 5 ps per weight byte between 2 and 64 MiB), each op's bytes capped at
    2 MiB and g = min(1, written ÷ 8 MiB), give back that form and those coefficients, and no error on networks
    left out."""
    from cnncalc.latency.context import fit_context

    nets = _networks(random.Random(0), 40)
    times = []
    for ops, calls in nets:  # the formula written out by hand, apart from the code under test
        heavy = sum(t for k, t, _, _ in ops if k == "conv2d")
        light = sum(t for k, t, _, _ in ops if k in ("relu", "add"))
        view = sum(t for k, t, _, _ in ops if k == "view")
        kernels = [op for op in ops if op[0] != "view"]
        gate = min(1.0, sum(o for _, _, o, _ in kernels) / 2**23)
        times.append(heavy + 0.8 * light + 2 * view + 3e-6 * len(kernels) + 1e-6 * calls
                     + gate * sum(2e-11 * min(o, 2**21) + 1e-11 * min(w, 2**21)
                                  + 5e-12 * max(0.0, min(w, 2**26) - 2**21) for _, _, o, w in kernels))
    ctx = fit_context(nets, times)
    assert (ctx.cap_bytes, ctx.gate_bytes, ctx.mid_bytes) == (2**21, 2**23, 2**26)
    got = (ctx.heavy, ctx.light, ctx.view, ctx.per_op, ctx.per_module, ctx.per_output_byte, ctx.per_weight_byte,
           ctx.per_mid_byte)
    assert got == pytest.approx((1.0, 0.8, 2.0, 3e-6, 1e-6, 2e-11, 1e-11, 5e-12), rel=1e-6)
    assert ctx.networks == 40 and ctx.held_out is not None and ctx.held_out.median < 1e-9


def test_the_correction_holds_the_heavy_scale_at_one() -> None:
    """Holding a_heavy at 1 fits the other coefficients alone: on networks whose heavy ops take exactly their time
    alone it gives them back. On networks whose heavy ops take 1.5 times that, a fitted scale would err less on
    networks left out (the `forms` diagnostic shows both), but the correction holds it at 1 all the same."""
    from cnncalc.latency.context import _solve, choose_form, features, fit_context, form_errors

    nets = _networks(random.Random(1), 30)

    def seconds(ops: list[tuple[str, float, float, float]], calls: int, heavy: float) -> float:
        return (heavy * sum(t for k, t, _, _ in ops if k == "conv2d") + 0.5 * sum(t for k, t, _, _ in ops
                if k in ("relu", "add")) + 2 * sum(t for k, t, _, _ in ops if k == "view") + 4e-6 * calls)

    rows = [features(ops, calls) for ops, calls in nets]
    held = _solve(rows, [seconds(ops, calls, 1.0) for ops, calls in nets], heavy_fixed=True)
    assert held == pytest.approx([1.0, 0.5, 2.0, 0.0, 4e-6, 0.0, 0.0, 0.0], abs=1e-9)
    slower = [seconds(ops, calls, 1.5) for ops, calls in nets]
    errors = form_errors(nets, slower, heavy=(False, True))
    assert min(f.held_out.median for f in errors if f.form[2]) > 0.01  # held at 1, it cannot fit 1.5
    assert max(f.held_out.median for f in errors if not f.form[2]) < 1e-9
    assert all(f.form[2] for f in form_errors(nets, slower))  # calibration scores only the held forms
    assert choose_form(errors).form[2]  # and of all forms, the diagnostic marks a held one
    ctx = fit_context(nets, slower)
    assert ctx.heavy == 1.0 and ctx.held_out is not None and ctx.held_out.median > 0.01


def test_a_profile_made_before_batch_norm_stats_predicts_it_as_batch_norm() -> None:
    """Instance norm computes its statistics (kind batch_norm_stats). A profile made before that kind existed
    models it as batch norm, as it did then, rather than leaving it out; a profile with the kind uses it."""
    model = nn.Sequential(nn.Conv2d(64, 64, 3, padding=1), nn.InstanceNorm2d(64)).eval()
    free = {"conv2d": constant(CONV_MS / 1e3), "view": constant(0.0), "factory": constant(0.0)}  # its reshapes
    old = hand_profile(kinds={**free, "native_batch_norm": constant(0.3e-3)})
    report = cnncalc.predict(model, old, SHAPE)
    assert not report.partial and "native_batch_norm" in {k.kind for k in report.kinds}
    # 2 ms (conv) + 0.3 ms (instance norm as batch norm) + 3 module calls × 0.01 ms
    assert report.latency_ms == pytest.approx(2.33, rel=1e-12)
    new = hand_profile(kinds={**free, "native_batch_norm": constant(0.3e-3), "batch_norm_stats": constant(0.5e-3)})
    assert cnncalc.predict(model, new, SHAPE).latency_ms == pytest.approx(2.53, rel=1e-12)


def test_the_summary_names_the_module_calls_overhead_only_when_there_is_one() -> None:
    from dataclasses import replace

    from cnncalc.latency.context import Context
    from cnncalc.rendering.views.latency import notes

    # three module calls × 0.01 ms (the profile's cost of one module call, no correction): 0.03 ms
    assert "module calls' overhead 0.030 ms" in notes(cnncalc.predict(conv_relu(), hand_profile(), SHAPE))[0]
    # a correction that fits no cost per module call apart from its ops' has none to name
    none = cnncalc.predict(conv_relu(), replace(hand_profile(), context=Context(per_module=0.0)), SHAPE)
    assert none.module_overhead_ms == 0 and "module calls" not in notes(none)[0]
