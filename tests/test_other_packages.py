"""Models as other people's packages write them (tests/fixtures/other_packages.py, chatty.py): constructors that
run a forward pass and initialise from its values, packages that print on stdout, positional embeddings made at
every forward, forwards that slice their input, and models too large for this machine. Each number is held
against an independent path: numel of the real module, FlopCounterMode on a real forward, MemTracker on a real
forward, and hand arithmetic."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from memtrack import measure_inference
from torch.utils.flop_counter import FlopCounterMode

import cnncalc
from cnncalc.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
sys.path.insert(0, str(FIXTURES))
import other_packages as op  # noqa: E402

PACKAGES = FIXTURES / "other_packages.py"
CHATTY = FIXTURES / "chatty.py"


def real_macs(model: torch.nn.Module, x: torch.Tensor) -> int:
    with torch.no_grad(), FlopCounterMode(display=False) as mode:
        model(x)
    return mode.get_total_flops() // 2


def cli(*argv: str) -> subprocess.CompletedProcess[str]:
    """The command line in a fresh process, as a user runs it (so that what C code and imports print is real)."""
    return subprocess.run([sys.executable, "-m", "cnncalc", *argv], capture_output=True, text=True, timeout=300,
                          cwd=Path(__file__).parents[1])


# building: a constructor that runs a forward and initialises biases from its values --------------------------
def test_yolo_style_constructor_builds_on_the_cpu_from_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["analyze", f"{PACKAGES}:TinyYolo", "--input", "1x3x256x256", "-f", "json"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert data["built"]["way"] == "cpu"
    # the meta build stops at .item() (math.log of a tensor), the second runs its forward on meta weights
    assert "item()" in data["built"]["why"][0]
    model = op.TinyYolo().eval()
    assert data["total"]["params"] == sum(p.numel() for p in model.parameters())
    # 3×3 convs, stride 2: stem 3→16 at 128²: 9·3·16·16,384 = 7,077,888; 16→32 at 64²: 9·16·32·4,096 = 18,874,368;
    # 32→32 at 32²: 9·32·32·1,024 = 9,437,184; 32→64 at 16²: 9·32·64·256 = 4,718,592; 64→128 at 8²:
    # 9·64·128·64 = 4,718,592; the head's 1×1 convs to 3·85 = 255: 32·255·1,024 = 8,355,840,
    # 64·255·256 = 4,177,920, 128·255·64 = 2,088,960; in all 59,449,344
    assert data["total"]["macs"] == 59_449_344 == real_macs(model, torch.rand(1, 3, 256, 256))
    assert [o["shape"] for o in data["outputs"]] == [[1, 3, 32, 32, 85], [1, 3, 16, 16, 85], [1, 3, 8, 8, 85]]


def test_yolo_style_model_built_by_the_user_is_traced_and_untouched() -> None:
    model = op.TinyYolo().eval()
    stride = model.detect.stride.clone()
    weights = {k: v.clone() for k, v in model.state_dict().items()}
    report = cnncalc.analyze(model, inputs=[(1, 3, 256, 256)])
    assert report.total.macs == 59_449_344
    assert report.built is not None and report.built.way == "given"
    assert torch.equal(model.detect.stride, stride) and model.detect.stride.device.type == "cpu"
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in weights.items())


def test_the_table_says_how_the_model_was_built(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", f"{PACKAGES}:TinyYolo", "--input", "1x3x256x256"]) == 0
    out = capsys.readouterr().out
    assert "built on the CPU with real weights, then moved to the meta device" in out


# output isolation: what user code prints goes to stderr --------------------------------------------------------
@pytest.mark.parametrize("fmt", ["json", "csv", "markdown", "html"])
def test_a_chatty_package_leaves_stdout_to_the_document(fmt: str) -> None:
    result = cli("analyze", f"{CHATTY}:Chatty", "--input", "1x3x8x8", "-f", fmt)
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
    result = cli("analyze", f"{CHATTY}:Chatty", "--input", "1x3x8x8", "-f", "json", "-o", "-")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["total"]["macs"] == 13_824
    assert not Path(FIXTURES.parents[1] / "-").exists()


def test_prints_go_to_stderr_in_process_too(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", f"{CHATTY}:Chatty", "--input", "1x3x8x8", "-f", "json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["total"]["macs"] == 13_824
    assert "chatty: forward of (1, 3, 8, 8)" in err
    print("after the command, stdout is stdout again")
    assert capsys.readouterr().out == "after the command, stdout is stdout again\n"


# ops on constants: counted at every forward, and listed ---------------------------------------------------------
def test_sin_cos_embedding_from_arange_is_counted_and_marked() -> None:
    model = op.SinCosEmbedding().eval()
    report = cnncalc.analyze(model, inputs=[(1, 3, 160, 160)])
    # patches: a 4×4 conv, stride 4, 3 → 64 channels at 40²: 16·3·64·1,600 = 4,915,200; the embedding: two outer
    # products (1,600 positions × 16 frequencies, a matrix product with K = 1): 2·1,600·16 = 51,200
    assert report.total.macs == 4_915_200 + 51_200 == real_macs(model, torch.rand(1, 3, 160, 160))
    constant = {c.op: c for c in report.constant_ops}
    assert constant["aten.mm.default"].count == 2 and constant["aten.mm.default"].costs.macs == 51_200
    # sin and cos of both 1,600×16 products: 4·25,600 = 102,400 FLOPs
    assert constant["aten.sin.default"].costs.other_flops + constant["aten.cos.default"].costs.other_flops == 102_400
    assert not report.uncounted


def test_constant_ops_are_in_json_and_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", f"{PACKAGES}:SinCosEmbedding", "--input", "1x3x160x160", "-f", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert sum(c["macs"] for c in data["constant_ops"]) == 51_200
    assert "constants" in data["convention"]
    assert main(["analyze", f"{PACKAGES}:SinCosEmbedding", "--input", "1x3x160x160"]) == 0
    assert "ops on constants" in capsys.readouterr().out


# the caller's input stays live through the forward ---------------------------------------------------------------
def test_slicing_model_peak_equals_memtracker() -> None:
    model = op.SliceInput().eval()
    x = torch.rand(2, 3, 64, 64)
    report = cnncalc.analyze(model, inputs=[x])
    # input 2·3·64·64·4 = 98,304 B, alive throughout; three scaled slices of 32,768 B each, then their concat,
    # 98,304 B: 294,912 B at the concat; MemTracker adds the 3-element parameter (12 B)
    assert report.total.peak_activation_bytes == 294_912
    assert measure_inference(model, x) == 294_912 + 12


@pytest.mark.slow
def test_googlenet_as_released_peak_equals_memtracker() -> None:
    from cnncalc.models.sources import load_model

    model = load_model("googlenet").real()
    assert model.transform_input  # as released: the input is re-normalised channel by channel first
    x = torch.rand(2, 3, 224, 224)
    report = cnncalc.analyze("googlenet", batch=2)
    measured = measure_inference(model, x)
    resident = report.total.param_bytes + sum(b.untyped_storage().nbytes() for b in model.buffers())
    assert report.total.peak_activation_bytes + resident == measured


# bad input: one line, exit 2, nothing on stdout ------------------------------------------------------------------
@pytest.mark.parametrize(("name", "words"), [
    ("HugeAfterItem", "would need 4 TiB of memory"),
    ("BrokenEverywhere", "failed on the meta device, with its parameters on meta, and on the CPU: RuntimeError: "
                         "this constructor always fails"),
    ("HungryRealRun", "the real run of"),
])
def test_what_cannot_be_built_or_run_here_gets_one_line(capsys: pytest.CaptureFixture[str], name: str,
                                                       words: str) -> None:
    code = main(["analyze", f"{PACKAGES}:{name}", "--input", "1x3x8x8", "-f", "json"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.startswith("cnncalc: error: ") and err.count("\n") == 1 and words in err
    assert "Traceback" not in err and ".cpp" not in err


def test_a_real_run_over_the_budget_stops(monkeypatch: pytest.MonkeyPatch) -> None:
    """The budget is checked after every op too, not only at factories: here it is set to 1 MiB (80% of
    1.25 MiB), and a real run of a model making 4 MiB of activations must stop."""
    import cnncalc.resources as resources

    class Branch(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = torch.nn.Conv2d(3, 64, 3, padding=1)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            y = self.conv(x)  # 64·128·128·4 = 4 MiB
            return y if y.sum() > -1e9 else -y

    monkeypatch.setattr(resources, "available_bytes", lambda: 1_310_720)
    with pytest.raises(cnncalc.CnncalcError, match=r"the real run of Branch .* would need 4\.\d+ MiB"):
        cnncalc.analyze(Branch(), inputs=[(1, 3, 128, 128)])


# recurrent layers on a real run, through validate ---------------------------------------------------------------
def test_validate_a_crnn_counted_on_a_real_run(capsys: pytest.CaptureFixture[str]) -> None:
    """Through a branch on a value the CRNN is counted on a real CPU run, where its LSTM is oneDNN's fused kernel;
    validate's FlopCounterMode (which does not count that kernel) runs it with oneDNN off, and agrees."""
    code = main(["validate", f"{PACKAGES}:branchy_crnn", "--input", "2x1x32x80", "--no-fvcore", "-f", "json"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    checks = json.loads(out)[0]["checks"]
    assert [c["status"] for c in checks] == ["agrees", "agrees"]
    flop_counter = next(c for c in checks if c["tool"] == "FlopCounterMode")
    assert "oneDNN off" in flop_counter["note"]
