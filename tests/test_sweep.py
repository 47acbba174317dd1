"""Sweeps (cnncalc/sweeps.py): one design or model across the values of one option, the ratios by hand; and the
malformed --vary values it refuses. The `cnncalc sweep` command is checked in tests/cli/test_cli_sweep.py."""

from __future__ import annotations

from fractions import Fraction

import pytest

from cnncalc.errors import CnncalcError
from cnncalc.sweeps import parse_vary, sweep


def test_separable_saving_tends_to_the_textbook_ratio() -> None:
    points = sweep("xception-dw", "cout=16,64,256,1024", cin=64, size=56)
    for p in points:
        cout = int(p.value)
        # separable / standard = (9·64 + 64·cout) / (9·64·cout) = 1/cout + 1/9
        assert Fraction(p.record.params, p.counterpart.params) == Fraction(1, cout) + Fraction(1, 9)


def test_se_params_follow_the_reduction() -> None:
    points = sweep("se", "reduction=2,4,8,16,32", cin=256, size=56)
    # 2·C²/r with C = 256: 131,072 / r
    assert [p.record.params for p in points] == [131_072 // r for r in (2, 4, 8, 16, 32)]


def test_dilation_grows_the_field_not_the_cost() -> None:
    points = sweep("dilated", "dilation=1,2,4,8", cin=8, cout=8, size=40)
    # d·(3−1)+1 = 3, 5, 9, 17
    assert [p.record.receptive_field[0] for p in points] == [3, 5, 9, 17]
    assert len({p.record.macs for p in points}) == 1


def test_model_sweep_over_input() -> None:
    points = sweep("resnet18", "input=128,256")  # multiples of the total stride 32: every map doubles
    assert points[0].record.params == points[1].record.params == 11_689_512
    # every conv's output positions grow 4×; the linear layer's 512·1,000 MACs do not
    assert points[1].record.macs - 512_000 == 4 * (points[0].record.macs - 512_000)
    assert points[1].peak_activation_bytes > points[0].peak_activation_bytes


@pytest.mark.parametrize("vary", ["groups", "groups=", "=1,2", "groups=1,,2"])
def test_malformed_vary(vary: str) -> None:
    with pytest.raises(CnncalcError, match="malformed"):
        parse_vary(vary)
