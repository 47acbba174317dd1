"""The command line (cnncalc/cli.py): every command and format works, --columns and --wide pick the columns,
and bad input gets one line on stderr and exit 2; expected figures by hand."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest
from commandline import Cli

from cnncalc.cli import Format, app, main
from cnncalc.conventions import CONVENTION

COMMANDS = [c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands]


def test_commands_are_the_expected_ones() -> None:
    assert set(COMMANDS) == {"compare", "layer", "designs", "analyze", "fit", "models", "validate", "profile",
                             "sweep", "calibrate", "predict"}


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(cli: Cli, command: str) -> None:
    code, out, _ = cli(command, "--help")
    assert code == 0
    assert "Usage" in out and command in out


def test_headline_comparison(cli: Cli) -> None:
    code, out, err = cli("compare", "xception-dw", "standard", "--cin", "3", "--cout", "256")
    assert (code, err) == (0, "")
    assert "795" in out and "6,912" in out
    # 6,912 / 795 = 8.69…
    assert "8.69× fewer params" in out
    assert "3·3·3 + 1·1·3·256 = 27 + 768 = 795" in out and "3·3·3·256 = 6,912" in out
    assert "MACs = multiply-accumulates" in out


def test_layer_shows_formula_idea_and_counterpart(cli: Cli) -> None:
    code, out, _ = cli("layer", "dilated", "--cin", "8", "--cout", "8")
    assert code == 0
    assert "dilated" in out and "d·(k−1)+1" in out
    assert "dilated vs standard: same params, same MACs" in out
    assert "receptive field 5×5 vs 3×3" in out


def test_ignored_options_are_named(cli: Cli) -> None:
    code, out, _ = cli("compare", "standard", "group", "--cin", "8", "--cout", "8", "--groups", "4")
    assert code == 0 and "standard does not use: --groups" in out


@pytest.mark.parametrize("fmt", [f.value for f in Format])
@pytest.mark.parametrize("command", ["compare", "layer"])
def test_every_format(cli: Cli, command: str, fmt: str) -> None:
    designs = ["xception-dw", "standard"] if command == "compare" else ["xception-dw"]
    code, out, err = cli(command, *designs, "--cin", "3", "--cout", "256", "--format", fmt)
    assert (code, err) == (0, "")
    if fmt == "json":
        data = json.loads(out)
        objects = data if command == "compare" else [data]
        assert isinstance(data, list if command == "compare" else dict)
        assert [o["params"] for o in objects] == [795, 6_912][: len(objects)]
        for o in objects:
            assert {"name", "params", "macs", "flops", "output_shape", "convention"} <= set(o)
            assert o["flops"] == 2 * o["macs"] + o["other_flops"]
            assert o["output_shape"] == [1, 256, 224, 224]
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(out)))
        assert [int(r["params"]) for r in rows] == [795, 6_912][: len(rows)]
        assert "macs (multiply-accumulates)" in rows[0] and "flops (2*macs + other)" in rows[0]
    elif fmt == "markdown":
        assert out.startswith("| name |") and "795" in out and CONVENTION.macs in out
    elif fmt == "html":
        assert out.lstrip().lower().startswith("<!doctype html>") and out.rstrip().endswith("</html>")
        assert "795" in out and "multiply-accumulates" in out
        assert "cnncalc " + command in out  # the command line that made the page, in its footer
    else:
        assert "795" in out and "MACs = multiply-accumulates" in out


@pytest.mark.parametrize("fmt", [f.value for f in Format if f is not Format.html])
def test_designs_lists_every_design(cli: Cli, fmt: str) -> None:
    from cnncalc.layers import PRESETS

    code, out, _ = cli("designs", "--format", fmt)
    assert code == 0
    for name in PRESETS:
        assert name in out
    if fmt == "json":
        assert [d["name"] for d in json.loads(out)] == list(PRESETS)


BAD = [
    (["compare", "xceptoin", "standard", "--cin", "3", "--cout", "8"],
     "'xceptoin': did you mean 'xception', 'xception-dw'"),
    (["layer", "standard", "--cin", "0", "--cout", "3"], "--cin 0"),
    (["layer", "standard", "--cin", "-3", "--cout", "3"], "--cin -3"),
    (["layer", "standard", "--cin", "abc", "--cout", "3"], "--cin 'abc'"),
    (["layer", "group", "--cin", "6", "--cout", "8", "--groups", "4"],
     "--groups 4 must divide both --cin 6 and --cout 8"),
    (["layer", "standard", "--cin", "3", "--cout", "8", "--kernel", "9", "--padding", "0", "--size", "4"],
     "kernel span 9"),
    (["layer", "standard", "--cin", "3", "--cout", "8", "--stride", "0"], "--stride 0"),
    (["layer", "dilated:d=0", "--cin", "3", "--cout", "8"], "d=0 is not allowed"),
    (["layer", "group:g", "--cin", "4", "--cout", "4"], "'g' is not key=value"),
    (["layer", "group:x=3", "--cin", "4", "--cout", "4"], "unknown option 'x'"),
    (["layer", "group:", "--cin", "4", "--cout", "4"], "nothing after ':'"),
    (["layer", ":g=2", "--cin", "4", "--cout", "4"], "no design name"),
    (["layer", "group:g=2,g=3", "--cin", "4", "--cout", "4"], "sets 'g' twice"),
    (["layer", "standard", "--cin", "3"], "standard needs cout"),
    (["layer", "standard", "--cin", "3", "--cout", "3", "--size", "0"], "--size 0"),
    (["layer", "standard", "--cin", "3", "--cout", "3", "--size", "12x"], "--size '12x'"),
    (["layer", "standard", "--cin", "3", "--cout", "3", "--kernel", "3x3x3"],
     "--kernel 3x3x3 has 3 values but the layer is 2-D"),
    (["layer", "standard", "--cin", "3", "--cout", "3", "--kernel", "3x3x3x3"], "--kernel '3x3x3x3' is malformed"),
    (["layer", "standard", "--cin", "3", "--cout", "3", "--dims", "1", "--size", "8x8"],
     "--dims 1 with --size 8x8 (2 numbers)"),
    (["layer", "standard", "--cin", "3", "--cout", "3", "--dims", "4"], "--dims 4 is not a spatial rank"),
    (["layer", "deformable", "--cin", "4", "--cout", "4", "--size", "4x8x8"], "deformable has no 3-D form"),
    (["layer", "r2plus1d", "--cin", "4", "--cout", "4"], "r2plus1d has no 2-D form"),
    (["compare", "r2plus1d", "standard", "--cin", "4", "--cout", "4", "--size", "8x8x8", "--kernel", "3x3"],
     "--kernel 3x3 has 2 values but the layer is 3-D"),
    (["layer", "standard", "--cin", "3", "--cout", "3", "--dtype", "int4"], "dtype 'int4'"),
    (["layer", "standard", "--cin", "3", "--cout", "3", "--format", "xml"], "'xml'"),
    (["layer", "standard", "--cin", "3", "--cout", "3", "--bogus", "1"], "--bogus"),
    (["layer", "se", "--cin", "8", "--reduction", "16"], "--reduction 16"),
    (["layer", "se", "--cin", "32", "--cout", "16"], "got --cout 16"),
    (["layer", "depthwise", "--cin", "3", "--cout", "256"], "--cout 256"),
    (["layer", "deformable:v=3", "--cin", "4", "--cout", "4"], "v=3"),
    (["layer", "deformable:og=3", "--cin", "4", "--cout", "4"], "offset_groups=3"),
    (["layer", "shuffle", "--cin", "10", "--cout", "10"], "--cin 10"),
    (["layer", "shuffle", "--cin", "24", "--cout", "48"], "cout must equal --cin 24"),
    (["layer", "shuffle", "--cin", "24", "--cout", "24", "--stride", "3"], "--stride 3x3"),
    (["layer", "transposed:op=3", "--cin", "4", "--cout", "4"], "output_padding=3"),
    (["layer", "residual-basic", "--cin", "4", "--kernel", "2"], "--kernel 2x2"),
    (["layer", "inception", "--cout", "100"], "got --cout 100"),
    (["layer", "vgg-stack:n=0", "--cin", "4", "--cout", "4"], "n=0"),
    (["models", "--format", "html"], "models has no HTML view"),
    (["designs", "-f", "html"], "designs has no HTML view"),
    (["layer", "standard", "--cin", "4", "--cout", "4", "-o", "/nonexistent-folder/x.html"],
     "the folder '/nonexistent-folder' does not exist"),
    (["layer", "standard", "--cin", "4", "--cout", "4", "-o", "/"], "is a folder"),
    (["compare"], "Missing argument"),
    (["layer"], "Missing argument"),
    (["frobnicate"], "frobnicate"),
]


@pytest.mark.parametrize("argv, needle", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_input_is_one_line_on_stderr(cli: Cli, argv: list[str], needle: str) -> None:
    code, out, err = cli(*argv)
    assert code == 2
    assert out == ""
    assert err.startswith("cnncalc: error: ") and err.count("\n") == 1, err
    assert needle in err
    assert "Traceback" not in err


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)


def test_layer_calculator_never_imports_torch() -> None:
    code = (
        "import sys, io, contextlib\n"
        "from cnncalc.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    for fmt in ('table', 'json', 'csv', 'markdown', 'html'):\n"
        "        assert main(['compare', 'xception-dw', 'standard', 'deformable', 'shuffle:v=2', 'se',\n"
        "                     '--cin', '32', '--cout', '32', '-f', fmt]) == 0\n"
        "        assert main(['layer', 'inception', '-f', fmt]) == 0\n"
        "    assert main(['designs']) == 0\n"
        "heavy = sorted(m for m in ('torch', 'torchvision', 'fvcore', 'numpy') if m in sys.modules)\n"
        "print(heavy)\n"
    )
    result = _python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_python_dash_m_runs() -> None:
    result = subprocess.run([sys.executable, "-m", "cnncalc", "compare", "xception-dw", "standard", "--cin", "3",
                             "--cout", "256", "-f", "json"], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert [r["params"] for r in json.loads(result.stdout)] == [795, 6_912]


def test_bad_input_exit_code_from_a_real_process() -> None:
    result = subprocess.run([sys.executable, "-m", "cnncalc", "layer", "standard", "--cin", "3"],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 2
    assert result.stderr == "cnncalc: error: standard needs cout: give --cout N (or standard:cout=N in a spec)\n"


@pytest.mark.parametrize("fmt, start", [("table", "standard — standard convolution"), ("json", "{"),
                                        ("csv", "name,"), ("markdown", "| name |"), ("html", "<!doctype html>")])
def test_output_writes_the_file_not_stdout(cli: Cli, tmp_path: pytest.TempPathFactory, fmt: str, start: str) -> None:
    target = tmp_path / f"out.{fmt}"  # type: ignore[operator]
    code, out, err = cli("layer", "standard", "--cin", "8", "--cout", "8", "-f", fmt, "-o", str(target))
    assert (code, out) == (0, "")
    assert err == f"cnncalc: wrote {target}\n"
    text = target.read_text(encoding="utf-8")
    assert text.startswith(start) and text.endswith("\n")
    assert "576" in text  # params 3·3·8·8 = 576
    assert "\x1b[" not in text  # no terminal colour codes in a file


def test_output_table_is_whole_whatever_the_terminal(cli: Cli, monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: pytest.TempPathFactory) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    target = tmp_path / "wide.txt"  # type: ignore[operator]
    assert cli("compare", "standard", "group", "xception-dw", "--cin", "32", "--cout", "64",
               "-o", str(target))[0] == 0
    text = target.read_text(encoding="utf-8")
    assert max(len(line) for line in text.splitlines()) > 40  # nothing cut to fit 40 columns
    _, piped, _ = cli("compare", "standard", "group", "xception-dw", "--cin", "32", "--cout", "64", "--wide")
    assert text == piped


def test_output_that_fails_to_write_is_one_line(cli: Cli) -> None:
    # /dev/full takes the open and fails the write (ENOSPC), even for root, as a full disk would
    code, out, err = cli("layer", "standard", "--cin", "8", "--cout", "8", "-o", "/dev/full")
    assert (code, out) == (2, "")
    assert err.startswith("cnncalc: error: --output '/dev/full' cannot be written") and err.count("\n") == 1


@pytest.mark.parametrize("argv, suggestions, listing", [
    (["analyze", "resnet5"], ["'resnet50'"], "'cnncalc models' lists all"),
    (["analyze", "zzzqqq"], [], "'cnncalc models' lists all"),
    (["layer", "xceptoin", "--cin", "4", "--cout", "4"], ["'xception-dw'"], "'cnncalc designs' lists all"),
    (["compare", "resnt18", "alexnet"], ["'resnet18'"], "'cnncalc designs' and 'cnncalc models' list them all"),
])
def test_unknown_name_is_one_short_line(cli: Cli, argv: list[str], suggestions: list[str], listing: str) -> None:
    code, out, err = cli(*argv)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and len(err) < 200, err  # not a hundred names
    assert listing in err
    assert ("did you mean" in err) == bool(suggestions)
    hint = err.partition("did you mean ")[2].partition("?")[0]
    assert all(s in hint for s in suggestions) and hint.count("'") <= 6  # at most three suggestions


def test_cli_columns_and_wide(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    assert main(["analyze", "resnet18", "--depth", "1", "--columns", "module,MACs"]) == 0
    out = capsys.readouterr().out
    header = next(line for line in out.splitlines() if "module" in line)
    assert "MACs" in header and "params" not in header and "RF" not in header
    assert "118,013,952" in out  # conv1: 7·7·3·64 = 9,408 weights at 112·112 = 12,544 positions
    assert main(["designs", "--wide"]) == 0
    assert "spec keys" in capsys.readouterr().out


@pytest.mark.parametrize("argv, needle", [
    (["analyze", "lenet5", "--columns", "module,bogus"], "unknown column 'bogus'"),
    (["validate", "lenet5", "--columns", "nope"], "unknown column 'nope'"),
    (["profile", "lenet5", "--columns", "nope"], "unknown column 'nope'"),
])
def test_cli_bad_columns(capsys: pytest.CaptureFixture[str], argv: list[str], needle: str) -> None:
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and needle in err
