"""`calibrate` with a budget of seconds: it writes a profile that loads and predicts, it keeps what it measured
when interrupted, and the same call goes on from there. No timing is checked: the figures live in
benchmarks/predict.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

import cnncalc
from cnncalc.latency.calibrate import PLANS, measured_so_far, measurements_file
from cnncalc.latency.profile import load_profile

pytest.importorskip("sklearn")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A profile from a 3-second calibration at one thread."""
    threads = torch.get_num_threads()
    path = tmp_path_factory.mktemp("calibrate") / "tiny.json"
    try:
        cnncalc.calibrate(output=path, threads=1, budget=3.0)
    finally:
        torch.set_num_threads(threads)
    return path


def test_a_tiny_calibration_writes_a_profile_that_predicts(tiny: Path) -> None:
    prof = load_profile(tiny)
    assert prof.device.type == "cpu" and prof.device.threads == 1 and prof.dtype == "float32"
    assert prof.torch == torch.__version__
    assert prof.device.peak_flops > 0 and prof.device.bandwidth > 0 and prof.overheads["module_call"] > 0
    # every planned kind got at least its first measured call (the budget cuts each plan short, not off)
    assert {p.kind for p in PLANS} <= set(prof.kinds)
    lines = measurements_file(tiny).read_text().splitlines()
    # every op call and every network timed is a line of the measurements file, after its header
    assert prof.calibration["calls"] + prof.calibration["networks"] == len(lines) - 1 == measured_so_far(tiny)
    # each network timed is kept with its index and seconds, as the file has it (benchmarks/predict.py times some
    # of them again to show the device's drift)
    networks = [json.loads(line) for line in lines[1:] if json.loads(line)["kind"] == "network"]
    assert networks  # 22% of the budget goes to networks: the first (0.03 s) fits in 0.66 s
    assert prof.calibration["network_seconds"] == [[int(n["features"][0]), n["seconds"]] for n in networks]
    report = cnncalc.predict("resnet18", prof)
    assert report.latency_ms > 0 and not report.partial


def test_an_interrupted_calibration_keeps_its_calls_and_goes_on(tmp_path: Path) -> None:
    output = tmp_path / "p.json"
    seen = []

    def stop_after_twenty(label: str, fraction: float) -> None:
        seen.append(label)
        if len(seen) == 20:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        cnncalc.calibrate(output=output, threads=1, budget=2.0, progress=stop_after_twenty)
    assert not output.exists()
    kept = measurements_file(output).read_text().splitlines()
    assert 10 <= measured_so_far(output) == len(kept) - 1
    cnncalc.calibrate(output=output, threads=1, budget=2.0)
    after = measurements_file(output).read_text().splitlines()
    assert after[: len(kept)] == kept  # what was measured is kept, not measured again
    done = load_profile(output).calibration
    assert done["calls"] + done["networks"] == len(after) - 1


def test_measurements_made_otherwise_are_not_mixed_in(tmp_path: Path) -> None:
    output = tmp_path / "p.json"
    stale = measurements_file(output)
    stale.write_text(json.dumps({"device": "cuda:0", "threads": None}) + "\n" +
                     json.dumps({"kind": "conv2d", "features": [1.0], "seconds": 1.0, "stage": "draw"}) + "\n")
    cnncalc.calibrate(output=output, threads=1, budget=1.0)
    header = json.loads(measurements_file(output).read_text().splitlines()[0])
    assert header["device"] == "cpu" and header["threads"] == 1
    assert all(item["features"] != [1.0] for item in map(json.loads, measurements_file(output).read_text()
                                                          .splitlines()[1:]))


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"budget": 0}, "budget=0: the time to calibrate must be > 0 seconds"),
    ({"threads": 0}, "threads=0 must be ≥ 1"),
    ({"output": "/no/such/folder/p.json"}, "the folder '/no/such/folder' does not exist"),
])
def test_bad_arguments_are_refused_before_measuring(tmp_path: Path, kwargs: dict[str, object], message: str) -> None:
    from cnncalc.errors import CnncalcError

    with pytest.raises(CnncalcError, match=message):
        cnncalc.calibrate(**{"output": tmp_path / "p.json", **kwargs})  # type: ignore[arg-type]


def test_the_correction_is_refitted_on_the_network_times_the_profile_keeps(tiny: Path, tmp_path: Path) -> None:
    from dataclasses import replace

    from cnncalc.errors import CnncalcError
    from cnncalc.latency.calibrate import refit_correction

    prof = load_profile(tiny)
    kept = len(prof.calibration["network_seconds"])
    assert kept < 10  # a 3-second calibration times a few networks: too few to fit on, said in one line
    with pytest.raises(CnncalcError, match=rf"keeps the times of {kept} networks; the correction needs 10"):
        refit_correction(tiny, tmp_path / "refit.json")
    # twelve networks kept (their times made up: nothing is timed), written beside, the rest of the profile as it was
    twelve = replace(prof, calibration={**prof.calibration,
                                        "network_seconds": [[i, 0.01 * (i + 1)] for i in range(12)]})
    twelve.save(tmp_path / "twelve.json")
    refitted = refit_correction(tmp_path / "twelve.json", tmp_path / "refit.json")
    assert refitted.context is not None and refitted.context.networks == 12
    assert load_profile(tmp_path / "refit.json").to_data() == refitted.to_data()
    assert {k: v for k, v in refitted.to_data().items() if k != "context"} == \
        {k: v for k, v in twelve.to_data().items() if k != "context"}


def test_a_profile_keeps_the_version_its_networks_were_drawn_in(tiny: Path) -> None:
    from dataclasses import replace

    from cnncalc.errors import CnncalcError
    from cnncalc.latency import networks
    from cnncalc.latency.calibrate import calibration_networks

    prof = load_profile(tiny)
    seed = prof.calibration["seed"]
    assert prof.calibration["networks_version"] == networks.VERSION
    kept = [[6, 0.01], [7, 0.02]]
    now = replace(prof, calibration={**prof.calibration, "network_seconds": kept})
    assert calibration_networks(now) == [(networks.draw(seed, 6), 0.01), (networks.draw(seed, 7), 0.02)]
    # a profile made before versions drew version 1's networks, and is refitted on them
    before = replace(now, calibration={k: v for k, v in now.calibration.items() if k != "networks_version"})
    assert [spec for spec, _ in calibration_networks(before)] == [networks.draw(seed, 6, 1), networks.draw(seed, 7, 1)]
    later = replace(now, calibration={**now.calibration, "networks_version": 3})
    with pytest.raises(CnncalcError, match=r"timed networks of version 3; this cnncalc draws versions 1, 2"):
        calibration_networks(later)
