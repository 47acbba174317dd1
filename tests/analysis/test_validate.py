"""`validate` (cnncalc/analysis/validate.py): every peer it runs (numel of the real module, FlopCounterMode, fvcore)
agrees with the tracer on the zoo and torchvision's models; its params row explains or flags parameters no op reads
(hand arithmetic); a peer that fails is 'not run', not agreement; a recurrent model counted on a real run agrees
with FlopCounterMode run with oneDNN off."""

from __future__ import annotations

import json

import pytest
from locations import OTHER_PACKAGES, USER_MODELS

from cnncalc.analysis.checks import Status
from cnncalc.analysis.validate import validate_model as validate
from cnncalc.cli import main


@pytest.mark.parametrize("name", ["lenet5", "alexnet_grouped", "mobilenet_v1_025", "shufflenet_v1_x0_25",
                                  "resnet18", "deform_resnet50", "vit_b_16"])
def test_validate_reconciles_every_peer(name: str) -> None:
    result = validate(name)
    assert result.ok, [c for c in result.checks if not c.agrees]
    assert {c.tool for c in result.checks if c.agrees} >= {"numel (real module)", "FlopCounterMode", "fvcore"}


def test_validate_params_row_fails_on_a_parameter_no_op_reads() -> None:
    """conv 3→4 3×3 with bias: 3·4·9 + 4 = 112 params the ops read; numel adds the 5 of `spare`, which belongs
    to the model itself (a module that runs): 117 against 112 is unexplained, so the row differs and validate
    fails."""
    result = validate(f"{USER_MODELS}:SpareParameter", inputs=[(1, 3, 8, 8)], fvcore=False)
    row = next(c for c in result.checks if c.quantity == "params")
    assert (row.value, row.expected, row.status) == (117, 112, Status.differs)
    assert "spare" in row.note and not result.ok


def test_validate_params_row_explains_an_uncalled_head() -> None:
    """The same conv, and a Linear(4, 2) the forward never calls: 4·2 + 2 = 10 params no op reads, explained by
    the module never running: 122 = 112 + 10, agrees."""
    result = validate(f"{USER_MODELS}:UncalledHead", inputs=[(1, 3, 8, 8)], fvcore=False)
    row = next(c for c in result.checks if c.quantity == "params")
    assert (row.value, row.expected, row.status) == (122, 122, Status.agrees)
    assert "10 params of modules the forward never calls (head)" in row.note and result.ok


def test_validate_a_peer_that_fails_is_not_run_not_agreement(monkeypatch: pytest.MonkeyPatch) -> None:
    """fvcore raising inside its trace: its row says 'not run' and why; validate still passes on the rest."""
    import fvcore.nn

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("planted failure")

    monkeypatch.setattr(fvcore.nn, "FlopCountAnalysis", broken)
    result = validate("lenet5")
    row = next(c for c in result.checks if c.tool == "fvcore")
    assert row.status is Status.not_run and not row.agrees
    assert row.note.startswith("not run: ") and "planted failure" in row.note
    assert result.ok


# recurrent layers on a real run, through validate ---------------------------------------------------------------
def test_validate_a_crnn_counted_on_a_real_run(capsys: pytest.CaptureFixture[str]) -> None:
    """Through a branch on a value the CRNN is counted on a real CPU run, where its LSTM is oneDNN's fused kernel;
    validate's FlopCounterMode (which does not count that kernel) runs it with oneDNN off, and agrees."""
    code = main(["validate", f"{OTHER_PACKAGES}:branchy_crnn", "--input", "2x1x32x80", "--no-fvcore", "-f", "json"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    checks = json.loads(out)[0]["checks"]
    assert [c["status"] for c in checks] == ["agrees", "agrees"]
    flop_counter = next(c for c in checks if c["tool"] == "FlopCounterMode")
    assert "oneDNN off" in flop_counter["note"]
