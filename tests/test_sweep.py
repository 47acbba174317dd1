"""`cnncalc sweep`: one design or model across the values of one option."""

from __future__ import annotations

import csv
import io
import json
from fractions import Fraction
from pathlib import Path

import pytest

from cnncalc.cli import main
from cnncalc.errors import CnncalcError
from cnncalc.sweeps import parse_vary, sweep


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


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


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown"])
def test_formats(capsys: pytest.CaptureFixture[str], fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    png = tmp_path / "sweep.png"
    code, out, _ = run(capsys, "sweep", "group", "--vary", "groups=1,2,4", "--cin", "16", "--cout", "16",
                       "--plot", str(png), "-f", fmt)
    assert code == 0
    assert png.read_bytes()[:4] == b"\x89PNG"
    if fmt == "json":
        # 3·3·16·16 / g
        assert [d["params"] for d in json.loads(out)] == [2_304, 1_152, 576]
    elif fmt == "csv":
        assert [int(r["params"]) for r in csv.DictReader(io.StringIO(out))] == [2_304, 1_152, 576]
    else:
        assert "1,152" in out or "1152" in out


@pytest.mark.parametrize("vary", ["groups", "groups=", "=1,2", "groups=1,,2"])
def test_malformed_vary(vary: str) -> None:
    with pytest.raises(CnncalcError, match="malformed"):
        parse_vary(vary)


@pytest.mark.parametrize("argv, needle", [
    (["sweep", "group", "--vary", "groups=1,3", "--cin", "16", "--cout", "16"], "--groups 3 must divide"),
    (["sweep", "group", "--vary", "color=1,2", "--cin", "16", "--cout", "16"], "unknown option 'color'"),
    (["sweep", "resnet18", "--vary", "groups=1,2"], "a model sweeps over input or batch"),
    (["sweep", "group", "--vary", "groups", "--cin", "16", "--cout", "16"], "malformed"),
])
def test_bad_sweep_input(capsys: pytest.CaptureFixture[str], argv: list[str], needle: str) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith("cnncalc: error: ") and err.count("\n") == 1 and needle in err, err
