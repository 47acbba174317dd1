"""What user code prints goes to stderr, so stdout stays the document (tests/fixtures/chatty.py prints at import, in
its constructor and in its forward), in a fresh process as a user runs it and in this one; and a model that cannot
be built or run here gets one line on stderr and exit 2 (tests/fixtures/other_packages.py). MACs by hand."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from locations import CHATTY, OTHER_PACKAGES, ROOT

from cnncalc.cli import main


def fresh_process(*argv: str) -> subprocess.CompletedProcess[str]:
    """The command line in a fresh process, as a user runs it (so that what C code and imports print is real)."""
    return subprocess.run([sys.executable, "-m", "cnncalc", *argv], capture_output=True, text=True, timeout=300,
                          cwd=ROOT)


# output isolation: what user code prints goes to stderr --------------------------------------------------------
@pytest.mark.parametrize("fmt", ["json", "csv", "markdown", "html"])
def test_a_chatty_package_leaves_stdout_to_the_document(fmt: str) -> None:
    result = fresh_process("analyze", f"{CHATTY}:Chatty", "--input", "1x3x8x8", "-f", fmt)
    assert result.returncode == 0, result.stderr
    assert "chatty:" not in result.stdout
    # printed at import, in the constructor and in the forward: all on stderr
    for line in ("importing", "building the model", "forward of (1, 3, 8, 8)"):
        assert f"chatty: {line}" in result.stderr
    if fmt == "json":
        # a 3×3 conv, 3 → 8 channels at 8×8: 9·3·8·64 = 13,824 MACs
        assert json.loads(result.stdout)["total"]["macs"] == 13_824
    elif fmt == "csv":
        assert result.stdout.startswith("name,type,")
    elif fmt == "markdown":
        assert result.stdout.startswith("**")
    else:
        assert result.stdout.lower().startswith("<!doctype html>")


def test_output_dash_is_stdout_and_stays_clean() -> None:
    result = fresh_process("analyze", f"{CHATTY}:Chatty", "--input", "1x3x8x8", "-f", "json", "-o", "-")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["total"]["macs"] == 13_824
    assert not (ROOT / "-").exists()


def test_prints_go_to_stderr_in_process_too(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", f"{CHATTY}:Chatty", "--input", "1x3x8x8", "-f", "json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["total"]["macs"] == 13_824
    assert "chatty: forward of (1, 3, 8, 8)" in err
    print("after the command, stdout is stdout again")
    assert capsys.readouterr().out == "after the command, stdout is stdout again\n"


# bad input: one line, exit 2, nothing on stdout ------------------------------------------------------------------
@pytest.mark.parametrize(("name", "words"), [
    ("HugeAfterItem", "would need 4 TiB of memory"),
    ("BrokenEverywhere", "failed on the meta device, with its parameters on meta, and on the CPU: RuntimeError: "
                         "this constructor always fails"),
    ("HungryRealRun", "the real run of"),
])
def test_what_cannot_be_built_or_run_here_gets_one_line(capsys: pytest.CaptureFixture[str], name: str,
                                                       words: str) -> None:
    code = main(["analyze", f"{OTHER_PACKAGES}:{name}", "--input", "1x3x8x8", "-f", "json"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.startswith("cnncalc: error: ") and err.count("\n") == 1 and words in err
    assert "Traceback" not in err and ".cpp" not in err
