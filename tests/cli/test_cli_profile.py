"""`cnncalc profile` and `compare --time` on the CPU (no timing thresholds): the JSON, every format, the roofline
plot, and bad input (one line on stderr, exit 2), among it an autocast mode the device cannot run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from commandline import Cli


def test_profile_json_and_plot(cli: Cli, tmp_path: Path) -> None:
    png = tmp_path / "roof.png"
    code, out, err = cli("profile", "lenet5", "--batch", "1,2", "--min-time", "0.05", "--warmup", "1",
                         "--plot", str(png), "-f", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["model"] == "lenet5" and data["device"]["device"] == "cpu"
    run0 = data["runs"][0]
    keys = {"batch", "dtype", "latency_ms", "throughput", "flops_per_s", "peak_memory_bytes", "roofline_ms"}
    assert keys <= set(run0)
    assert set(run0["latency_ms"]) == {"median", "p10", "p90", "min", "cold"}
    assert "hook overhead" in data["per_layer_note"]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("fmt", ["table", "csv", "markdown"])
def test_profile_formats(cli: Cli, fmt: str) -> None:
    code, out, _ = cli("profile", "lenet5", "--min-time", "0.05", "--warmup", "1", "-f", fmt)
    assert code == 0
    assert "ultiply-accumulates" in out or "macs" in out


def test_compare_time(cli: Cli) -> None:
    code, out, _ = cli("compare", "xception-dw", "standard", "--cin", "16", "--cout", "64", "--size", "32",
                       "--time", "--min-time", "0.05", "--warmup", "1", "-f", "json")
    assert code == 0
    data = json.loads(out)
    assert all(d["timing"]["latency_ms"]["median"] > 0 for d in data)
    code, out, _ = cli("compare", "xception-dw", "standard", "--cin", "16", "--cout", "64", "--size", "32",
                       "--time", "--min-time", "0.05", "--warmup", "1")
    assert code == 0 and "speed-up" in out and "MAC ratio" in out


BAD = [
    (["profile", "lenet5", "--device", "tpu"], "unknown --device 'tpu'"),
    (["profile", "lenet5", "--device", "cuda:x"], "cuda"),
    (["profile", "lenet5", "--batch", "0"], "--batch '0'"),
    (["profile", "lenet5", "--batch", "1,,2"], "malformed"),
    (["profile", "lenet5", "--dtype", "int8"], "dtype 'int8'"),
    (["profile", "lenet5", "--min-time", "0"], "min-time"),
    (["profile", "nosuchmodel"], "unknown model"),
    (["compare", "resnet18", "resnet34", "--time"], "for models use profile(MODEL)"),
]
if not torch.cuda.is_available():
    BAD += [(["profile", "lenet5", "--device", "cuda"], "CUDA is not available on this machine; available: cpu"),
            (["profile", "lenet5", "--device", "cuda:7"], "CUDA is not available")]
else:
    BAD += [(["profile", "lenet5", "--device", f"cuda:{torch.cuda.device_count()}"], "CUDA devices")]


@pytest.mark.parametrize("argv, needle", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_profile_input(cli: Cli, argv: list[str], needle: str) -> None:
    code, out, err = cli(*argv)
    assert code == 2 and out == ""
    assert err.startswith("cnncalc: error: ") and err.count("\n") == 1, err
    assert needle in err


def test_amp_mode_the_device_cannot_run(monkeypatch: pytest.MonkeyPatch, cli: Cli) -> None:
    """A device without bf16 autocast (an older GPU): profile --train --amp bf16 names the mode it can run."""
    from cnncalc import devices

    real = devices.runs_amp
    assert real(torch.device("cpu"), "bf16")  # this CPU runs both modes
    monkeypatch.setattr(devices, "runs_amp", lambda device, amp: amp != "bf16")
    code, out, err = cli("profile", "lenet5", "--train", "--amp", "bf16")
    assert (code, out) == (2, "")
    assert err == "cnncalc: error: --amp 'bf16' cannot run on cpu: it can run fp16\n"
