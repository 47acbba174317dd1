"""`--ops FILE.py` on the command line: a user's formula for a torch.library custom op counts it exactly, and a
missing file, a file that raises, or one that registers nothing is one line on stderr and exit 2. Each run is a
fresh process (registrations last for the process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from locations import CUSTOM_OP_FORMULA, FIXTURES

MODEL = f"{FIXTURES / 'custom_op.py'}:PointwiseNet"


def cnncalc(*argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(FIXTURES), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-c", "from cnncalc.cli import run; run()", *argv], capture_output=True,
                          text=True, env=env, timeout=300)


def one_line(err: str) -> str:
    lines = [line for line in err.strip().splitlines() if "cpp_extension" not in line]
    assert len(lines) == 1 and lines[0].startswith("cnncalc: error: ") and "Traceback" not in err, err
    return lines[0]


def test_a_custom_op_is_counted_once_its_formula_is_loaded() -> None:
    without = cnncalc("analyze", MODEL, "--input", "1x4x8x8", "-f", "json")
    assert without.returncode == 0, without.stderr
    assert json.loads(without.stdout)["total"]["macs"] == 0
    assert [u["op"] for u in json.loads(without.stdout)["uncounted"]] == ["cnncalc_test.pointwise_relu.default"]
    counted = cnncalc("analyze", MODEL, "--input", "1x4x8x8", "--ops", str(CUSTOM_OP_FORMULA), "-f", "json")
    assert counted.returncode == 0, counted.stderr
    # a 1×1 convolution of 4 to 8 channels at 1·8·8 positions: 1·8·8·8·4 = 2,048 MACs, and 512 ReLU FLOPs
    total = json.loads(counted.stdout)["total"]
    assert total["macs"] == 2048 and total["flops"] == 2 * 2048 + 512


@pytest.mark.parametrize(("body", "message"), [
    (None, "op formula file '{path}' does not exist"),
    ("raise RuntimeError('broken on purpose')\n", "broken on purpose"),
    ("x = 1\n", "op formula file '{path}' registered no formula"),
])
def test_a_bad_ops_file_is_one_line(tmp_path: Path, body: str | None, message: str) -> None:
    path = tmp_path / "formulas.py"
    if body is not None:
        path.write_text(body)
    result = cnncalc("analyze", "resnet18", "--ops", str(path))
    assert result.returncode == 2 and result.stdout == ""
    line = one_line(result.stderr)
    assert message.format(path=path) in line
