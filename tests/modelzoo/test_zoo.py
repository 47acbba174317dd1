"""The zoo (cnncalc/modelzoo/zoo/) against its papers: params and MACs by hand and against the published tables, and
every zoo model counted op for op, as the catalogue `cnncalc models` ships says."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest

from cnncalc.analysis.analyze import analyze
from cnncalc.analysis.entries import live_entry
from cnncalc.modelzoo.catalogue import shipped
from cnncalc.modelzoo.zoo import ZOO


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
