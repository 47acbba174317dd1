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
    # every op call and every network timed is a line of the measurements file, after its header, and so is every
    # reading of the device's speed: one before the first call and one after the last network at least
    readings = sum(json.loads(line)["kind"] == "reference" for line in lines[1:])
    assert readings >= 2 and prof.calibration["speed"]["readings"] == readings
    assert prof.calibration["calls"] + prof.calibration["networks"] == len(lines) - 1 - readings == \
        measured_so_far(tiny)
    # each network timed is kept with its index and seconds, as the file has it (benchmarks/predict.py times some
    # of them again to show the device's drift)
    networks = [json.loads(line) for line in lines[1:] if json.loads(line)["kind"] == "network"]
    assert networks  # 22% of the budget goes to networks: the first (0.03 s) fits in 0.66 s
    # divided by the device's speed when each was timed: a speed within the range the readings gave
    speed = prof.calibration["speed"]
    kept = prof.calibration["network_seconds"]
    assert [index for index, _ in kept] == [int(n["features"][0]) for n in networks]
    for (_, steady), n in zip(kept, networks, strict=True):
        assert speed["low"] - 1e-3 <= n["seconds"] / steady <= speed["high"] + 1e-3
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
    # the calls measured, the readings of the device's speed aside
    assert 10 <= measured_so_far(output) == len(kept) - 1 - sum('"kind": "reference"' in line for line in kept)
    cnncalc.calibrate(output=output, threads=1, budget=2.0)
    after = measurements_file(output).read_text().splitlines()
    assert after[: len(kept)] == kept  # what was measured is kept, not measured again
    done = load_profile(output).calibration
    assert done["calls"] + done["networks"] + done["speed"]["readings"] == len(after) - 1


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


def test_the_device_speed_is_read_from_the_reference_calls_by_hand() -> None:
    from cnncalc.latency.calibrate import speeds

    # three readings of two calls, at lines 0, 10 and 20, the device 10% and 20% slower at the second and third:
    # each call's median time is the second reading's (1.1, 2.2), so the readings' speeds are 1/1.1 = 0.90909,
    # 1 and 1.2/1.1 = 1.090909; a running median of three (two at the ends: their mean) gives 0.954545, 1 and
    # 1.045455; line 5 lies half-way between the first two (0.977273); line 25 holds the last
    readings = [(0, (1.0, 2.0)), (10, (1.1, 2.2)), (20, (1.2, 2.4))]
    assert speeds(readings, [0, 5, 10, 25]) == pytest.approx([0.954545, 0.977273, 1.0, 1.045455], abs=1e-6)
    # a stray reading between steady ones is dropped by the running median: all at the median speed
    stray = [(i, (1.0, 1.0)) for i in range(5)]
    stray[2] = (2, (1.5, 1.5))
    assert speeds(stray, [0, 2, 4]) == [1.0, 1.0, 1.0]
    # fewer than three readings: the times stay as measured
    assert speeds(readings[:2], [0, 5]) == [1.0, 1.0]


def test_calls_are_fitted_on_their_times_over_the_speed_when_they_were_taken(tmp_path: Path) -> None:
    from cnncalc.latency.calibrate import Measurements

    path = tmp_path / "p.calls.jsonl"
    header = {"device": "cpu"}
    lines = [header]
    for i, speed in enumerate((1.0, 1.0, 1.25, 1.25, 1.25)):  # the device a quarter slower from the third reading
        lines.append({"kind": "reference", "features": [0.002 * speed, 0.0001 * speed], "seconds": 0.0,
                      "stage": "reference"})
        lines.append({"kind": "conv2d", "features": [float(i)], "seconds": 0.01 * speed, "stage": "draw"})
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    store = Measurements(path, header)
    try:
        # the median speed is 1.25: the readings give 0.8, 0.8, 1, 1, 1 of it (lines 0, 2, 4, 6, 8 of the file,
        # the calls lines 1, 3, 5, 7, 9). The first call (0.01 s) lies between two readings of 0.8: 0.01 ÷ 0.8 =
        # 0.0125 s at the median speed; the second between 0.8 and 1, where the step is not seen: half-way, 0.9,
        # 0.01 ÷ 0.9 = 0.011111 s; the rest at 1 (the last after the last reading, which holds)
        assert [t for _, t, _ in store.steady("conv2d")] == pytest.approx([0.0125, 0.01 / 0.9, 0.0125, 0.0125,
                                                                           0.0125])
        assert [t for _, t, _ in store.by_kind["conv2d"]] == pytest.approx([0.01, 0.01, 0.0125, 0.0125, 0.0125])
        assert store.speed_range() == {"readings": 5, "low": 0.8, "high": 1.0}
    finally:
        store.close()
