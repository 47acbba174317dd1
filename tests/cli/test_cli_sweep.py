"""`cnncalc sweep`: every format, the plot, and bad input (one line on stderr, exit 2); params by hand."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from commandline import Cli


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown"])
def test_formats(cli: Cli, fmt: str, tmp_path: Path) -> None:
    png = tmp_path / "sweep.png"
    code, out, _ = cli("sweep", "group", "--vary", "groups=1,2,4", "--cin", "16", "--cout", "16",
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


@pytest.mark.parametrize("argv, needle", [
    (["sweep", "group", "--vary", "groups=1,3", "--cin", "16", "--cout", "16"], "--groups 3 must divide"),
    (["sweep", "group", "--vary", "color=1,2", "--cin", "16", "--cout", "16"], "unknown option 'color'"),
    (["sweep", "resnet18", "--vary", "groups=1,2"], "a model sweeps over input or batch"),
    (["sweep", "group", "--vary", "groups", "--cin", "16", "--cout", "16"], "malformed"),
])
def test_bad_sweep_input(cli: Cli, argv: list[str], needle: str) -> None:
    code, out, err = cli(*argv)
    assert code == 2 and out == ""
    assert err.startswith("cnncalc: error: ") and err.count("\n") == 1 and needle in err, err
