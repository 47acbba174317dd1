"""The profile file: it round-trips, its tree models predict as scikit-learn does, and every way a file can be
wrong gives one clear error."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import pytest
from synthetic_profiles import per_byte, profile

from cnncalc.errors import CnncalcError
from cnncalc.latency.fitting import Constant, HeldOut, Trees, held_out
from cnncalc.latency.profile import FORMAT, load_profile


def three_models() -> object:
    # one tree: feature 0 ≤ 5 → leaf value 0.5, else 1.5; base −7, rate 0.1
    tree = ((0, -1, -1), (5.0, -2.0, -2.0), (1, -1, -1), (2, -1, -1), (0.0, 0.5, 1.5))
    from dataclasses import replace

    from cnncalc.latency.context import Context

    prof = profile({"view": Constant(3e-6), "relu": per_byte(1e-9), "conv2d": Trees(-7.0, 0.1, (tree,))})
    return replace(prof, context=Context(1.25, 0.5, 2.0, 1e-6, 3e-6, 2e-11, 1e-11, networks=40,
                                         held_out=HeldOut(0.04, 0.1, 40), cap_bytes=2**21, gate_bytes=2**23,
                                         per_mid_byte=4e-12, mid_bytes=2**26))


def test_a_profile_round_trips(tmp_path: Path) -> None:
    prof = three_models()
    path = tmp_path / "p.json"
    prof.save(path)  # type: ignore[attr-defined]
    loaded = load_profile(path)
    assert loaded.to_data() == prof.to_data()  # type: ignore[attr-defined]
    assert loaded.context == prof.context  # type: ignore[attr-defined]
    assert json.loads(path.read_text())["format"] == FORMAT
    rows = [[4.0], [6.0]]
    assert loaded.kinds["conv2d"].model.predict(rows) == [math.exp(-7.0 + 0.1 * 0.5), math.exp(-7.0 + 0.1 * 1.5)]
    assert loaded.kinds["relu"].model.predict([[math.log(1000)]]) == pytest.approx([1e-6])
    assert loaded.kinds["view"].model.predict([[], []]) == [3e-6, 3e-6]


def test_a_gzipped_profile_round_trips(tmp_path: Path) -> None:
    prof = three_models()
    prof.save(tmp_path / "p.json.gz")  # type: ignore[attr-defined]
    assert load_profile(tmp_path / "p.json.gz").to_data() == prof.to_data()  # type: ignore[attr-defined]
    (tmp_path / "bad.json.gz").write_bytes(b"not gzip")
    with pytest.raises(CnncalcError, match="cannot be read"):
        load_profile(tmp_path / "bad.json.gz")


def test_exported_trees_predict_as_scikit_learn_does() -> None:
    pytest.importorskip("sklearn")
    from sklearn.ensemble import GradientBoostingRegressor

    rng = random.Random(0)
    rows = [[rng.uniform(0, 10), rng.uniform(0, 3), float(rng.randint(1, 7))] for _ in range(300)]
    times = [math.exp(-9 + 0.8 * a + 0.3 * b * c) * rng.uniform(0.95, 1.05) for a, b, c in rows]
    ours = Trees.fit(rows, times, trees=60, depth=3, seed=1)
    theirs = GradientBoostingRegressor(n_estimators=60, max_depth=3, learning_rate=0.05, subsample=0.8,
                                       random_state=1).fit(rows, [math.log(t) for t in times])
    probe = [[rng.uniform(-1, 11), rng.uniform(0, 3), float(rng.randint(1, 7))] for _ in range(50)]
    assert ours.predict(probe) == pytest.approx([math.exp(v) for v in theirs.predict(probe)], rel=1e-9)


def test_held_out_error_is_measured_on_calls_the_model_did_not_see() -> None:
    # times exactly proportional to bytes: a curve fitted on four folds predicts the fifth within the bins' width
    rows = [[math.log(b)] for b in range(1000, 101000, 1000)]
    times = [math.exp(r[0]) * 1e-9 for r in rows]
    error, each = held_out(rows, times)
    assert error.samples == 100 and len(each) == 100
    assert error.median < 0.02
    # a kind whose time does not depend on its feature at all is predicted perfectly by its curve's flat line
    flat, _ = held_out(rows, [1e-5] * 100)
    assert flat.median == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize(("text", "message"), [
    ('{"format": "cnncalc-latency-profile", "version": 1, "dev', "is not a complete JSON document \\(truncated"),
    ('{"format": "something else"}', "is not a cnncalc latency profile"),
    ('{"format": "cnncalc-latency-profile", "version": 99}',
     "is version 99; this cnncalc reads versions 1, 2, 3 and 4"),
    ('{"format": "cnncalc-latency-profile", "version": 1, "device": {}}', "is malformed \\(KeyError"),
    ("[1, 2]", "is not a cnncalc latency profile"),
])
def test_a_bad_file_is_one_clear_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(CnncalcError, match=message):
        load_profile(path)


def test_an_unknown_model_type_is_named(tmp_path: Path) -> None:
    data = three_models().to_data()  # type: ignore[attr-defined]
    data["kinds"]["relu"]["model"]["type"] = "neural"
    path = tmp_path / "p.json"
    path.write_text(json.dumps(data))
    with pytest.raises(CnncalcError, match="unknown model type 'neural': accepted are constant, curve, trees"):
        load_profile(path)


def test_a_missing_profile_names_the_shipped_ones(tmp_path: Path) -> None:
    with pytest.raises(CnncalcError, match=r"profile='nowhere\.json' is not a file or a shipped profile \(shipped: "):
        load_profile("nowhere.json")



def test_the_shipped_profile_loads_by_name_and_predicts_a_whole_cnn() -> None:
    """`--profile dev-cpu-1t` ships with the package (cnncalc/latency/profiles/): it loads by name, it is what
    docs/prediction.md says (a CPU at one thread, float32, contiguous, with a network correction fitted on whole
    networks), and it has a model for every op resnet18 and mobilenet_v3_large run: nothing 'not predicted'."""
    import cnncalc
    from cnncalc.latency.profile import shipped_profiles

    assert "dev-cpu-1t" in shipped_profiles()
    prof = load_profile("dev-cpu-1t")
    assert (prof.device.type, prof.device.threads, prof.dtype, prof.channels_last) == ("cpu", 1, "float32", False)
    assert prof.context is not None and prof.context.networks >= 10 and prof.context.held_out is not None
    for name in ("resnet18", "mobilenet_v3_large"):
        report = cnncalc.predict(name, prof)
        assert not report.partial and not report.not_predicted, report.not_predicted
        assert report.latency_ms > 0


def test_a_correction_saved_before_its_cap_and_gate_counts_every_byte() -> None:
    """A profile's correction written before the cap and the gate existed has neither key: it loads uncapped and
    ungated, so it predicts as it did (and the uncapped cap is written as null, JSON having no infinity)."""
    from cnncalc.latency.context import Context

    old = {"heavy": 1.1, "light": 0.9, "view": 2.0, "per_op": 0.0, "per_module": 1e-6, "per_output_byte": 3e-11,
           "per_weight_byte": 3e-11, "networks": 109}
    ctx = Context.of(old)
    assert math.isinf(ctx.cap_bytes) and ctx.gate_bytes == 0.0 and ctx.gate(1.0) == 1.0
    assert ctx.mid_bytes == 0.0 and ctx.per_mid_byte == 0.0  # nor a second bound
    # 1 × (10⁹ bytes written × 3e-11 s + 10⁹ weight bytes × 3e-11 s) = 0.06 s
    assert ctx.fetched("heavy", 1e9, 1e9) == pytest.approx(0.06)
    assert ctx.to_data()["cap_bytes"] is None and Context.of(ctx.to_data()) == ctx


def test_a_version_1_profile_still_loads() -> None:
    """Version 2 added the correction's second bound; a version 1 file has none and loads as it did."""
    from cnncalc.latency.profile import profile_from

    data = three_models().to_data()  # type: ignore[attr-defined]
    data["version"] = 1
    for key in ("per_mid_byte", "mid_bytes"):
        del data["context"][key]
    loaded = profile_from(data, "old.json")
    assert loaded.context is not None and loaded.context.mid_bytes == 0.0 and loaded.context.per_mid_byte == 0.0


def test_trees_take_their_offset_off_log_time_and_keep_it_in_the_file(tmp_path: Path) -> None:
    # one tree: feature 0 ≤ 5 → 0.5, else 1.5; base −7, rate 0.1; offset log(e^{x0} + e^{ln 2 + x1 + x2})
    tree = ((0, -1, -1), (5.0, -2.0, -2.0), (1, -1, -1), (2, -1, -1), (0.0, 0.5, 1.5))
    terms = ((0.0, (0,)), (math.log(2.0), (1, 2)))
    prof = profile({"max_pool2d": Trees(-7.0, 0.1, (tree,), terms)})
    prof.save(tmp_path / "p.json")
    loaded = load_profile(tmp_path / "p.json").kinds["max_pool2d"].model
    assert isinstance(loaded, Trees) and loaded.offset == terms
    row = [math.log(1000), math.log(30), math.log(4)]  # x0 = 6.9 > 5: leaf 1.5; offset 1,000 + 2 · 30 · 4 = 1,240
    assert loaded.predict([row]) == pytest.approx([math.exp(-7.0 + 0.1 * 1.5) * 1240], rel=1e-12)


@pytest.mark.parametrize(("stored", "terms"), [(True, ((0.0, (0,)),)), (False, ())])
def test_a_version_2_trees_offset_is_read_as_the_first_feature_or_none(stored: bool, terms: object) -> None:
    from cnncalc.latency.fitting import model_from

    tree = [[0, -1, -1], [5.0, -2.0, -2.0], [1, -1, -1], [2, -1, -1], [0.0, 0.5, 1.5]]
    data = {"type": "trees", "base": -7.0, "rate": 0.1, "offset": stored, "trees": [tree]}
    model = model_from(data)
    assert isinstance(model, Trees) and model.offset == terms
    # x0 = 3 ≤ 5: leaf 0.5; times e^{x0} when the first feature was the offset
    expected = math.exp(-7.0 + 0.1 * 0.5) * (math.exp(3.0) if stored else 1.0)
    assert model.predict([[3.0, 1.0]]) == pytest.approx([expected], rel=1e-12)
