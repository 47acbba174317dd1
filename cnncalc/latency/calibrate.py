"""`calibrate(device, …)`: time single ops on a device, fit one latency model per op kind, write a profile.

The plan gives every op kind CNNs run a share of the time budget (convolutions the largest). Each kind's calls are
drawn (`cnncalc.latency.sampling`), timed one by one (`cnncalc.latency.measure`) and appended to a measurements
file beside the profile (`PROFILE.calls.jsonl`) as they are taken, so an interrupted calibration keeps what it
measured and the same command goes on from there. Multi-feature kinds (convolutions, matrix products, pooling)
spend the second half of their share where the model fitted on the first half misses most (the calls whose
held-out error is highest get neighbours), as nn-Meter does. Then every kind's model is fitted on all its calls,
and its k-fold error recorded with it.

A shared machine does not keep its speed for the eight minutes a calibration takes: the development VM ran the same
networks a tenth slower from one quarter of an hour to the next. So every five seconds calibration times four
fixed calls again (`sampling.reference`: a convolution, a depthwise one, an add, a tiny ReLU), and fits every model
on each time divided by the device's speed when it was taken (`speeds`, `Measurements.steady`): the profile
describes the device at its median speed over the calibration, the op models and the networks they are corrected
on alike. The profile keeps how far the speed went (`calibration.speed`).
"""

from __future__ import annotations

import bisect
import datetime
import json
import math
import platform
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cnncalc.analysis.calls import Call
from cnncalc.errors import CnncalcError
from cnncalc.latency import sampling as S
from cnncalc.latency.context import Context, fit_context
from cnncalc.latency.fitting import fit_model, held_out
from cnncalc.latency.kinds import kind_of, offset
from cnncalc.latency.profile import DeviceInfo, KindModel, Profile

if TYPE_CHECKING:
    from cnncalc.latency.networks import Spec

Drawer = Callable[[random.Random, str, bool], Call]
Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class Plan:
    """One op kind's calibration: how its calls are drawn, its share of the budget, the most calls it takes,
    and whether the second half samples near the worst-predicted calls."""

    kind: str
    draw: Drawer
    share: float
    most: int
    adaptive: bool = False


def _conv(rank: int, transposed: bool = False) -> Drawer:
    return lambda rng, dtype, cl: S.draw_conv(rng, rank, dtype, cl, transposed)


def _conv2d(rng: random.Random, dtype: str, channels_last: bool) -> Call:
    """A 2-D convolution: a third of them layers of random networks (`sampling.network_conv`), the rest drawn
    over the range (`sampling.draw_conv`)."""
    if rng.random() < S.NETWORK_LAYERS:
        return S.network_conv(rng, dtype, channels_last)
    return S.draw_conv(rng, 2, dtype, channels_last)


def _matmul(op: str) -> Drawer:
    return lambda rng, dtype, cl: S.draw_matmul(rng, op, dtype)


def _pool(op: str) -> Drawer:
    return lambda rng, dtype, cl: S.draw_pool(rng, op, dtype, cl)


UNARY = ("relu", "relu_", "hardtanh", "hardtanh_", "gelu", "silu", "silu_", "sigmoid", "sigmoid_", "hardswish",
         "hardswish_", "hardsigmoid", "hardsigmoid_", "tanh", "clamp", "clamp_min", "exp", "clone", "zero_",
         "_softmax", "neg", "pow", "sqrt", "rsqrt", "abs", "leaky_relu", "leaky_relu_", "elu", "mish")
BINARY = ("add", "add_", "mul", "mul_", "sub", "div")
BROADCAST = ("add", "mul", "sub", "div")


def _sized(draw: Drawer, share: float, most: int) -> Plan:
    """A plan for a one-feature kind, named by the kind its calls have."""
    sample = kind_of(draw(random.Random(0), "float32", False))
    assert sample is not None
    return Plan(sample.name, draw, share, most)


PLANS: tuple[Plan, ...] = (
    Plan("conv2d", _conv2d, 0.50, 6000, adaptive=True),
    Plan("conv1d", _conv(1), 0.03, 300, adaptive=True),
    Plan("conv3d", _conv(3), 0.05, 400, adaptive=True),
    Plan("conv_transpose2d", _conv(2, transposed=True), 0.03, 300, adaptive=True),
    Plan("addmm", _matmul("addmm"), 0.06, 1200, adaptive=True),
    Plan("mm", _matmul("mm"), 0.02, 300),
    Plan("bmm", _matmul("bmm"), 0.04, 500, adaptive=True),
    Plan("max_pool2d", _pool("max_pool2d"), 0.05, 400),
    Plan("avg_pool2d", _pool("avg_pool2d"), 0.02, 200),
    Plan("avg_pool3d", _pool("avg_pool3d"), 0.01, 100),
    *(_sized(S.unary(op), 0.005, 40) for op in UNARY),
    *(_sized(S.binary(op, False), 0.005, 40) for op in BINARY),
    *(_sized(S.binary(op, True), 0.005, 40) for op in BROADCAST),
    *(_sized(draw, 0.005, 40) for draw in (S.batch_norm, S.batch_norm_stats, S.layer_norm, S.cat, S.mean,
                                           S.adaptive_pool, S.interpolate("bilinear"), S.interpolate("nearest"),
                                           S.pad, S.shuffle)),
    *(_sized(draw, 0.003, 30) for draw in (S.compare("eq"), S.compare("ne"), S.masked_fill, S.roll,
                                           S.vector_norm, S.index)),
    Plan("deform_conv2d", S.deform_conv, 0.02, 120),
    _sized(S.factory, 0.002, 32),
    _sized(S.view, 0.001, 16),
)


#: how the calls are drawn: 2 since a third of the 2-D convolutions are layers of random networks, 3 since matrix
#: products are drawn mostly as linear layers lay out their weight (transposed) and half the 3-D average pools as
#: local response norm runs them (a measurements file drawn otherwise is not resumed: its calls are found again by
#: drawing them again)
SAMPLING = 3
#: the share of the budget spent timing whole random networks (`cnncalc.latency.networks`), and the most of them
NETWORK_SHARE, MOST_NETWORKS = 0.22, 140
#: a network whose one forward takes longer than this is left out (it would spend the budget on one point)
LONGEST_NETWORK = 0.25


def _header(device: str, threads: int | None, dtype: str, channels_last: bool, seed: int) -> dict[str, Any]:
    """What a measurements file was measured with: a calibration goes on from a file only if they are the same
    (the random networks' version too: their times are kept by index)."""
    import torch

    from cnncalc.latency.networks import VERSION as NETWORKS_VERSION

    return {"device": device, "threads": threads, "dtype": dtype, "channels_last": channels_last, "seed": seed,
            "torch": torch.__version__, "networks_version": NETWORKS_VERSION, "sampling": SAMPLING}


class Measurements:
    """The calls measured so far, by kind, kept in a JSON-lines file as they are taken, in the order they were taken
    (`order`: each one's line), with the device's speed read between them (`tick`, `steady`)."""

    def __init__(self, path: Path, header: dict[str, Any], reader: Callable[[], tuple[float, ...]] | None = None,
                 every: float = 5.0) -> None:
        self.path = path
        self.by_kind: dict[str, list[tuple[tuple[float, ...], float, str]]] = {}
        self.order: dict[str, list[int]] = {}
        self.lines = 0
        self.reader, self.every, self.last = reader, every, -math.inf
        if path.is_file():
            lines = path.read_text(encoding="utf-8").splitlines()
            try:
                old = json.loads(lines[0]) if lines else None
            except json.JSONDecodeError:
                old = None
            if old != header:  # measured elsewhere or otherwise: start again
                path.unlink()
            else:
                for line in lines[1:]:
                    try:
                        item = json.loads(line)
                    except json.JSONDecodeError:  # the line an interruption cut short
                        continue
                    self._keep(item["kind"], tuple(item["features"]), item["seconds"], item["stage"])
        if not path.is_file():
            path.write_text(json.dumps(header) + "\n", encoding="utf-8")
        self._file = path.open("a", encoding="utf-8")

    def _keep(self, kind: str, features: tuple[float, ...], seconds: float, stage: str) -> None:
        self.by_kind.setdefault(kind, []).append((features, seconds, stage))
        self.order.setdefault(kind, []).append(self.lines)
        self.lines += 1

    def count(self, kind: str, stage: str) -> int:
        return sum(1 for *_, s in self.by_kind.get(kind, ()) if s == stage)

    def add(self, kind: str, features: tuple[float, ...], seconds: float, stage: str) -> None:
        self._keep(kind, features, seconds, stage)
        self._file.write(json.dumps({"kind": kind, "features": list(features), "seconds": seconds,
                                     "stage": stage}) + "\n")
        self._file.flush()

    def tick(self, force: bool = False) -> None:
        """Read the device's speed (the reference calls' seconds, kept as kind `REFERENCE`) if `every` seconds
        have passed since the last reading, or `force`."""
        if self.reader is not None and (force or time.perf_counter() - self.last >= self.every):
            self.add(REFERENCE, self.reader(), 0.0, REFERENCE)
            self.last = time.perf_counter()

    def steady(self, kind: str) -> list[tuple[tuple[float, ...], float, str]]:
        """The kind's measurements, each time divided by the device's speed when it was taken (`speeds`): as if
        the device had run at its median speed over the calibration throughout."""
        factors = speeds(self._readings(), self.order.get(kind, []))
        return [(features, seconds / f, stage)
                for (features, seconds, stage), f in zip(self.by_kind.get(kind, []), factors, strict=True)]

    def _readings(self) -> list[tuple[int, tuple[float, ...]]]:
        return [(line, features) for line, (features, _, _) in
                zip(self.order.get(REFERENCE, []), self.by_kind.get(REFERENCE, []), strict=True)]

    def speed_range(self) -> dict[str, float | int]:
        """How steady the device was: the number of readings and the slowest and fastest speed they gave (the
        smoothed speeds of `speeds`, 1 the median)."""
        readings = self._readings()
        at = speeds(readings, [line for line, _ in readings]) or [1.0]
        return {"readings": len(readings), "low": round(min(at), 4), "high": round(max(at), 4)}

    def close(self) -> None:
        self._file.close()


#: the kind (and stage) the reference calls' readings are kept as in a measurements file
REFERENCE = "reference"
#: fewer readings than this and `speeds` leaves the times as measured
FEWEST_READINGS = 3


def speeds(readings: list[tuple[int, tuple[float, ...]]], lines: list[int]) -> list[float]:
    """The device's speed at each of `lines` (> 1: slower than its median over the calibration), from `readings`
    (each one's line and the reference calls' seconds, `sampling.reference`): a reading's speed is the median over
    the calls of its time ÷ that call's median time; speeds are smoothed by a running median of three (a step stays
    a step, one stray reading goes) and joined linearly between the readings' lines (the first and the last held
    beyond them). All 1 with fewer than `FEWEST_READINGS` readings."""
    if len(readings) < FEWEST_READINGS:
        return [1.0] * len(lines)
    calls = len(readings[0][1])
    typical = [statistics.median(times[c] for _, times in readings) for c in range(calls)]
    raw = [statistics.median(times[c] / typical[c] for c in range(calls)) for _, times in readings]
    smooth = [statistics.median(raw[max(0, i - 1): i + 2]) for i in range(len(raw))]
    return joined([line for line, _ in readings], smooth, lines)


def joined(at: list[int], values: list[float], lines: list[int]) -> list[float]:
    """`values`, read at the increasing positions `at`, joined linearly at each of `lines`; the first and the last
    held beyond them."""
    out = []
    for line in lines:
        hi = bisect.bisect_left(at, line)
        if hi == 0:
            out.append(values[0])
        elif hi == len(at):
            out.append(values[-1])
        else:
            t = (line - at[hi - 1]) / (at[hi] - at[hi - 1])
            out.append(values[hi - 1] + t * (values[hi] - values[hi - 1]))
    return out


def measurements_file(output: str | Path) -> Path:
    """Where calibrate keeps the calls it measured for the profile `output`."""
    return Path(output).expanduser().with_suffix(".calls.jsonl")


def measured_so_far(output: str | Path) -> int:
    """How many calls (and networks) the measurements file of `output` holds, its readings of the device's speed
    aside (after an interruption: what the next run keeps)."""
    path = measurements_file(output)
    if not path.is_file():
        return 0
    lines = [line for line in path.read_text(encoding="utf-8").splitlines()[1:] if line.strip()]
    return sum(1 for line in lines if f'"kind": "{REFERENCE}"' not in line)


def _device_name(device: str) -> str:
    import torch

    if device.startswith("cuda"):
        return str(torch.cuda.get_device_name(torch.device(device)))
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "CPU"


def calibrate(device: str = "cpu", output: str | Path = "profile.json", threads: int | None = None,
              dtype: str = "float32", channels_last: bool = False, budget: float = 480.0, seed: int = 0,
              progress: Progress | None = None) -> Profile:
    """Time single ops on `device` (at `threads` CPU threads; default: torch's) for about `budget` seconds, fit one
    latency model per op kind, and write the profile to `output` (see the module's docstring). Resumes from the
    measurements file beside `output`; an interruption keeps what was measured."""
    import torch

    from cnncalc.devices import resolve_device
    from cnncalc.dtypes import parse_dtype
    from cnncalc.latency import measure, networks

    dev = resolve_device(device)
    name = str(dev)
    dt = parse_dtype(dtype).value
    if budget <= 0:
        raise CnncalcError(f"budget={budget}: the time to calibrate must be > 0 seconds")
    if threads is not None and threads < 1:
        raise CnncalcError(f"threads={threads} must be ≥ 1")
    out = Path(output).expanduser()
    if not out.parent.is_dir():
        raise CnncalcError(f"output={str(output)!r}: the folder {str(out.parent)!r} does not exist")
    before = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    if dev.type == "cpu" and measure.steady_allocator():
        measure.warm_heap()
    used_threads = torch.get_num_threads() if dev.type == "cpu" else None
    started = time.perf_counter()
    references = S.reference(dt, channels_last)
    store = Measurements(measurements_file(out), _header(name, used_threads, dt, channels_last, seed),
                         lambda: tuple(measure.time_call(call, name, seconds=0.01) for call in references))
    try:
        _report(progress, "peaks and overheads", 0.0)
        peak = measure.peak_flops(name, getattr(torch, dt))
        bw = measure.bandwidth(name)
        info = DeviceInfo(dev.type, _device_name(name), used_threads, peak, bw)
        module_call = measure.time_module_call(name)
        _report(progress, "peaks and overheads", 1.0)
        store.tick(force=True)
        ops = budget * (1 - NETWORK_SHARE) / sum(plan.share for plan in PLANS)
        for plan in PLANS:
            _run_plan(plan, store, name, dt, channels_last, ops * plan.share, seed, info.macs_per_byte, progress)
        _run_networks(store, name, dt, channels_last, budget * NETWORK_SHARE, seed, progress)
        store.tick(force=True)
        kinds = fit_kinds(store, seed, macs_per_byte=info.macs_per_byte)
        profile = Profile(
            info, torch.__version__, dt, channels_last, kinds, {"module_call": module_call},
            datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            {"seconds": round(time.perf_counter() - started, 1), "budget": budget, "seed": seed,
             "calls": sum(len(v) for k, v in store.by_kind.items() if k not in ("network", REFERENCE)),
             "networks": len(store.by_kind.get("network", [])), "networks_version": networks.VERSION,
             "sampling": SAMPLING, "measurements": store.path.name, "speed": store.speed_range(),
             # each network's index and measured seconds: timing some again later shows how far the device drifted
             "network_seconds": [[int(f[0]), t] for f, t, _ in store.steady("network")]},
            str(out))
        _report(progress, "networks: fitting", 0.0)
        profile = replace(profile, context=_fit_networks(profile))
    finally:
        store.close()
        torch.set_num_threads(before)
    profile.save(out)
    return profile


def fit_kinds(store: Measurements, seed: int = 0, steady: bool = True,
              macs_per_byte: float = 0.0) -> dict[str, KindModel]:
    """One latency model per op kind the store measured, with its k-fold error, fitted on the times as if the
    device had kept its median speed (`Measurements.steady`; `steady=False`: as measured), less each kind's offset
    (`kinds.offset`, a byte moved counted as `macs_per_byte` MACs: the device's balance)."""
    kinds: dict[str, KindModel] = {}
    for plan in PLANS:
        measured = store.steady(plan.kind) if steady else store.by_kind.get(plan.kind, [])
        if not measured:
            continue
        rows = [f for f, _, _ in measured]
        times = [t for _, t, _ in measured]
        terms = offset(plan.kind, macs_per_byte)
        error, _ = held_out(rows, times, seed=seed, offset=terms)
        kinds[plan.kind] = KindModel(fit_model(rows, times, terms), error, min(times))
    return kinds


def _run_networks(store: Measurements, device: str, dtype: str, channels_last: bool, seconds: float, seed: int,
                  progress: Progress | None) -> None:
    """Time random networks whole (`cnncalc.latency.networks`) within `seconds`, skipping those measured already
    and those too long for the budget."""
    import torch

    from cnncalc.latency import networks
    from cnncalc.latency.measure import time_network

    done = {int(f[0]) for f, _, _ in store.by_kind.get("network", [])}
    began = time.perf_counter()
    for index in range(MOST_NETWORKS):
        elapsed = time.perf_counter() - began
        if elapsed >= seconds:
            break
        _report(progress, "networks", min(1.0, elapsed / seconds))
        if index in done:
            continue
        module, x = networks.instance(networks.draw(seed, index), device, dtype, channels_last)
        once = time.perf_counter()
        with torch.inference_mode():
            module(x)
        if time.perf_counter() - once > LONGEST_NETWORK:
            continue
        store.add("network", (float(index),), time_network(module, x, seconds=0.4), "network")
        store.tick()
    _report(progress, "networks", 1.0)


def _fit_networks(profile: Profile) -> Context | None:
    """The network correction from the networks the profile keeps the times of (None with fewer than ten)."""
    if len(profile.calibration.get("network_seconds", [])) < 10:
        return None
    return fit_context(*traced_networks(profile))


def traced_networks(profile: Profile) -> tuple[list[tuple[list[tuple[str, float, float, float]], int]], list[float]]:
    """The calibration's random networks as the correction is fitted on them: each one's ops (predicted alone by
    the profile) and module calls (`predict.op_times`), and the seconds each took."""
    from cnncalc.latency import networks
    from cnncalc.latency.predict import op_times

    measured = calibration_networks(profile)
    return ([op_times(networks.build(spec), spec.input_shape, profile) for spec, _ in measured],
            [seconds for _, seconds in measured])


def calibration_networks(profile: Profile) -> list[tuple[Spec, float]]:
    """The calibration's random networks, as the profile keeps them (each one's index and measured seconds), drawn
    again from its seed in the version it drew them with (a profile made before versions: 1)."""
    from cnncalc.latency import networks

    version = int(profile.calibration.get("networks_version", 1))
    if version not in networks.FAMILIES_OF:
        raise CnncalcError(f"profile={profile.source!r} timed networks of version {version}; this cnncalc draws "
                           f"versions {', '.join(map(str, networks.FAMILIES_OF))}: upgrade cnncalc")
    seed = int(profile.calibration.get("seed", 0))
    return [(networks.draw(seed, int(index), version), float(seconds))
            for index, seconds in profile.calibration.get("network_seconds", [])]


def refit_correction(path: str | Path, output: str | Path | None = None, kinds: str | None = None) -> Profile:
    """The profile at `path` with its network correction fitted again, by this version's `fit_context`, on the
    network times the profile keeps (`calibration_networks`); nothing is timed. With `kinds` ('steady' or
    'measured'), the per-kind models and the networks' times are first taken again from the measurements file
    beside the profile (`fit_kinds`), as if the device had kept its speed or as measured. Written to `output`
    (default: over `path`)."""
    from cnncalc.latency.profile import load_profile

    profile = load_profile(str(path))
    if kinds is not None:
        profile = _refit_kinds(profile, Path(path), kinds == "steady")
    context = _fit_networks(profile)
    if context is None:
        raise CnncalcError(f"profile={str(path)!r} keeps the times of "
                           f"{len(profile.calibration.get('network_seconds', []))} networks; the correction needs 10")
    profile = replace(profile, context=context)
    profile.save(Path(output) if output is not None else Path(path))
    return profile


def _refit_kinds(profile: Profile, path: Path, steady: bool) -> Profile:
    """`profile` with its per-kind models and network times fitted again from its measurements file."""
    calls = path.with_name(str(profile.calibration.get("measurements", measurements_file(path).name)))
    try:
        header = json.loads(calls.read_text(encoding="utf-8").splitlines()[0])
    except (OSError, IndexError, json.JSONDecodeError):
        raise CnncalcError(f"profile={str(path)!r}: its measurements file {str(calls)!r} is missing or empty") from None
    store = Measurements(calls, header)
    try:
        seed = int(profile.calibration.get("seed", 0))
        networks = store.steady("network") if steady else store.by_kind.get("network", [])
        calibration = {**profile.calibration, "speed": store.speed_range(),
                       "network_seconds": [[int(f[0]), t] for f, t, _ in networks]}
        return replace(profile, kinds=fit_kinds(store, seed, steady, profile.device.macs_per_byte),
                       calibration=calibration)
    finally:
        store.close()


def _report(progress: Progress | None, label: str, fraction: float) -> None:
    if progress is not None:
        progress(label, fraction)


def _run_plan(plan: Plan, store: Measurements, device: str, dtype: str, channels_last: bool, seconds: float,
              seed: int, macs_per_byte: float, progress: Progress | None) -> None:
    """Draw and time the plan's calls until its share of the budget or its most calls are spent; an adaptive
    plan spends its second half near the calls the first half's model predicted worst."""
    rng = random.Random(f"{seed}:{plan.kind}")
    first = plan.most // 2 if plan.adaptive else plan.most
    spent = _stage(plan, store, "draw", lambda: plan.draw(rng, dtype, channels_last), first,
                   seconds / 2 if plan.adaptive else seconds, device, progress, 0.0)
    if not plan.adaptive:
        return
    measured = [m for m in store.steady(plan.kind) if m[2] == "draw"]
    if len(measured) < 10:  # too few to know where the model misses: the plan ends here
        _report(progress, plan.kind, 1.0)
        return
    replay = random.Random(f"{seed}:{plan.kind}")  # the draw stage's calls again, to find the worst ones' configs
    calls = [plan.draw(replay, dtype, channels_last) for _ in measured]
    _, errors = held_out([f for f, _, _ in measured], [t for _, t, _ in measured], seed=seed,
                         offset=offset(plan.kind, macs_per_byte))
    ranked = [c for _, c in sorted(zip(errors, calls, strict=True), key=lambda pair: -pair[0])]
    worst = ranked[: max(1, len(ranked) // 5)]
    near = random.Random(f"{seed}:{plan.kind}:near")
    _stage(plan, store, "near", lambda: S.near(near.choice(worst), near), plan.most - first, seconds - spent, device,
           progress, 0.5)


def _stage(plan: Plan, store: Measurements, stage: str, draw: Callable[[], Call], count: int, seconds: float,
           device: str, progress: Progress | None, start: float) -> float:
    """Time `count` drawn calls (skipping those the measurements file has already), within `seconds`."""
    from cnncalc.latency.measure import time_call

    done = store.count(plan.kind, stage)
    began = time.perf_counter()
    for i in range(count):
        call = draw()
        if i < done:
            continue  # measured by an earlier run: the same draw, already in the file
        kind = kind_of(call)
        if kind is None:
            continue
        try:
            seconds_taken = time_call(call, device, seconds=0.01, seed=i)
        except (RuntimeError, ValueError, NotImplementedError):  # a call the kernel refuses (a window too large…)
            continue
        except (AttributeError, ImportError):  # an op this install lacks (torchvision's): the kind is left out
            break
        store.add(plan.kind, kind.features, seconds_taken, stage)
        store.tick()
        elapsed = time.perf_counter() - began
        _report(progress, plan.kind, start + (0.5 if plan.adaptive else 1.0) * min(1.0, (i + 1) / count))
        if elapsed >= seconds:
            break
    _report(progress, plan.kind, 1.0 if stage == "near" or not plan.adaptive else 0.5)
    return time.perf_counter() - began


__all__ = ["PLANS", "Plan", "calibrate", "measured_so_far", "measurements_file"]
