"""`cnncalc predict`, `calibrate` and the --predict of compare, sweep and profile on the command line: the
documents they write, and one line on stderr with exit 2 for every bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from commandline import in_process
from synthetic_profiles import constant, per_byte, profile


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("COLUMNS", "200")
    return lambda *argv: in_process(capsys, *argv)


def every_kind() -> dict[str, object]:
    """Every kind resnet18 runs, each a constant 0.1 ms, convolutions 1e-12 s per MAC."""
    kinds: dict[str, object] = {k: constant(1e-4) for k in ("relu_", "add_", "max_pool2d", "mean", "view",
                                                             "factory", "native_batch_norm", "addmm")}
    kinds["conv2d"] = per_byte(1e-12)
    return kinds


@pytest.fixture
def profile_file(tmp_path: Path) -> Path:
    path = tmp_path / "cpu.json"
    profile(every_kind(), module_call=1e-6).save(path)  # type: ignore[arg-type]
    return path


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cnncalc: error: ") and "Traceback" not in err
    return lines[0]


def test_predict_writes_latency_at_the_top_and_on_every_row(cli, profile_file: Path) -> None:  # type: ignore
    code, out, _ = cli("predict", "resnet18", "--profile", str(profile_file), "-f", "json")
    assert code == 0
    data = json.loads(out)
    assert data["latency_ms"] > 0 and data["partial"] is False
    assert data["profile"]["source"] == str(profile_file) and data["profile"]["device"] == "Test CPU"
    assert data["layers"] and all("latency_ms" in row for row in data["layers"])
    assert data["layers"][0]["latency_ms"] == data["latency_ms"]
    # resnet18's 20 convolutions hold nearly all of its 1.81 G MACs (torchvision's weights metadata: 1.81 GFLOPS,
    # counted as MACs); at 1e-12 s per MAC that is 1.81 ms
    conv = next(k for k in data["kinds"] if k["kind"] == "conv2d")
    assert conv["calls"] == 20 and conv["latency_ms"] == pytest.approx(1.81, rel=3e-3)


@pytest.mark.parametrize("fmt", ["table", "csv", "markdown", "html"])
def test_predict_in_every_format(cli, profile_file: Path, fmt: str) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli("predict", "resnet18", "--profile", str(profile_file), "-f", fmt)
    assert code == 0, err
    assert "latency" in out.lower()


def test_a_kind_without_a_model_is_listed_not_an_error(cli, tmp_path: Path) -> None:  # type: ignore
    kinds = every_kind()
    del kinds["max_pool2d"]
    path = tmp_path / "partial.json"
    profile(kinds).save(path)  # type: ignore[arg-type]
    code, out, _ = cli("predict", "resnet18", "--profile", str(path))
    assert code == 0
    assert "not predicted" in out and "aten.max_pool2d_with_indices.default" in out and "partial" in out


@pytest.mark.parametrize(("make", "message"), [
    (lambda p: None, "--profile '{p}' is not a file or a shipped profile"),
    (lambda p: p.write_text('{"format": "cnncalc-latency-profile", "vers'), "is not a complete JSON document"),
    (lambda p: p.write_text('{"format": "x"}'), "is not a cnncalc latency profile"),
])
def test_a_missing_or_broken_profile_is_one_line(cli, tmp_path: Path, make, message: str) -> None:  # type: ignore
    path = tmp_path / "p.json"
    make(path)
    code, out, err = cli("predict", "resnet18", "--profile", str(path))
    assert code == 2 and out == ""
    assert message.format(p=path) in one_error_line(err)


def test_calibrate_on_cuda_without_cuda_is_one_line(cli, tmp_path: Path) -> None:  # type: ignore
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    code, _, err = cli("calibrate", "--device", "cuda", "-o", str(tmp_path / "gpu.json"))
    assert code == 2 and "cuda" in one_error_line(err)


def test_profile_refuses_a_profile_of_another_kind_of_device(cli, tmp_path: Path) -> None:  # type: ignore
    path = tmp_path / "gpu.json"
    profile(every_kind(), device="cuda", name="NVIDIA H100 80GB HBM3", threads=None).save(path)  # type: ignore
    code, _, err = cli("profile", "resnet18", "--predict", str(path), "--min-time", "0.01")
    assert code == 2
    line = one_error_line(err)
    assert f"--predict '{path}' is a profile of a cuda (NVIDIA H100 80GB HBM3); the runs here are on a cpu" in line


@pytest.mark.parametrize("argv", [
    ("compare", "xception-dw", "standard", "--cin", "8", "--cout", "8"),
    ("sweep", "group", "--vary", "groups=1,2", "--cin", "8", "--cout", "8"),
    ("profile", "resnet18", "--min-time", "0.01"),
])
def test_a_bad_predict_profile_is_named_by_its_flag(cli, tmp_path: Path, argv: tuple[str, ...]) -> None:  # type: ignore
    """compare, sweep and profile take the profile as --predict: the one error line names that flag."""
    missing = tmp_path / "nowhere.json"
    code, out, err = cli(*argv, "--predict", str(missing))
    line = one_error_line(err)
    assert code == 2 and out == ""
    assert f"--predict '{missing}' is not a file or a shipped profile" in line and "--profile" not in line


def test_profile_sets_the_prediction_beside_the_measurement(cli, tmp_path: Path) -> None:  # type: ignore
    path = tmp_path / "cpu.json"
    profile(every_kind(), threads=3).save(path)  # type: ignore[arg-type]
    code, out, err = cli("profile", "resnet18", "--predict", str(path), "--threads", "1", "--min-time", "0.01",
                         "--warmup", "0", "-f", "json")
    assert code == 0, err
    data = json.loads(out)
    run = data["runs"][0]
    assert run["prediction_error"] == pytest.approx(run["predicted_ms"] / run["latency_ms"]["median"] - 1)
    assert data["predicted_with"]["source"] == str(path)
    assert any("calibrated at 3 CPU threads, the runs here use 1" in n for n in data["prediction_notes"])


def test_compare_adds_the_predicted_speed_up(cli, profile_file: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("compare", "standard", "xception-dw", "--cin", "64", "--cout", "128", "--size", "28",
                       "--predict", str(profile_file))
    assert code == 0
    assert "predicted latency" in out and "predicted speed-up" in out
    # convolutions at 1e-12 s per MAC: the speed-up is the MAC ratio, 9·64·128 / (9·64 + 64·128) = 8.41×
    assert "8.41×" in out


def test_compare_predicted_in_markdown_and_html(cli, profile_file: Path,  # type: ignore[no-untyped-def]
                                                tmp_path: Path) -> None:
    argv = ("compare", "xception-dw", "standard", "--cin", "64", "--cout", "128", "--size", "28", "--predict",
            str(profile_file))
    code, out, _ = cli(*argv, "-f", "markdown")
    assert code == 0
    header = next(line for line in out.splitlines() if line.startswith("| name"))
    assert header.rstrip(" |").endswith("predicted_latency_ms")
    # 1e-12 s per MAC and 0.001 ms per module call: xception-dw's 28²·(9·64 + 64·128) = 6,874,112 MACs take
    # 6.874112e-3 ms, plus three calls (the design's module and its two Conv2d); standard's 28²·9·64·128 =
    # 57,802,752 take 57.802752e-3 ms, plus one call: 58.802752 / 9.874112 = 5.955…, 5.96× faster
    assert "xception-dw vs standard:" in out and "5.96× faster (predicted)" in out
    assert "predicted on " in out
    page = tmp_path / "c.html"
    assert cli(*argv, "-f", "html", "-o", str(page))[0] == 0
    html = page.read_text()
    assert 'id="predicted"' in html and "5.96× faster (predicted)" in html


def test_sweep_adds_the_predicted_latency(cli, profile_file: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("sweep", "group", "--vary", "groups=1,2,4", "--cin", "64", "--cout", "64", "--size", "16",
                       "--predict", str(profile_file), "-f", "json")
    assert code == 0
    points = json.loads(out)
    # 64→64 3×3 on 16×16: 9·64·64·256 / groups MACs at 1e-12 s each, and the Conv2d's call (0.001 ms)
    assert [p["predicted_latency_ms"] for p in points] == pytest.approx(
        [9 * 64 * 64 * 256 / g * 1e-9 + 0.001 for g in (1, 2, 4)], rel=1e-9)


def test_an_interrupted_calibrate_says_what_it_kept(cli, tmp_path: Path, monkeypatch) -> None:  # type: ignore
    from cnncalc.latency import measure

    real = measure.time_call
    calls = []

    def interrupt_at_twelve(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 12:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(measure, "time_call", interrupt_at_twelve)
    output = tmp_path / "p.json"
    code, _, err = cli("calibrate", "-o", str(output), "--threads", "1", "--budget", "1")
    assert code == 130
    # eleven calls timed before the twelfth is interrupted: the first four read the device's speed (the four
    # reference calls of cnncalc.latency.sampling.reference), seven are measured calls
    assert (f"cnncalc: interrupted: the 7 calls measured so far are kept in {tmp_path / 'p.calls.jsonl'}; the "
            "same command goes on from there") in err
