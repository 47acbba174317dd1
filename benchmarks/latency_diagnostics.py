"""Eight checks behind docs/prediction.md's account of what limits latency prediction on a CPU.

    python benchmarks/latency_diagnostics.py subnormals swin_t resnet50       # a network with and without them
    python benchmarks/latency_diagnostics.py ops dpn68 --profile dev-cpu-1t   # each op: predicted against timed
    python benchmarks/latency_diagnostics.py cold tf_mixnet_s vgg11 --flush-mib 8   # ops alone, hot and cold
    python benchmarks/latency_diagnostics.py depth P.calls.jsonl conv2d 5 7   # trees' 5-fold error by depth
    python benchmarks/latency_diagnostics.py offsets P.json conv2d max_pool2d # by the work they take off
    python benchmarks/latency_diagnostics.py context P.json                   # the correction on its own networks
    python benchmarks/latency_diagnostics.py forms P.json                     # every form of it, left out
    python benchmarks/latency_diagnostics.py allocator efficientnet_b3 --batch 8   # freed memory kept or not

- `subnormals`: each model (cnncalc's zoo, torchvision's or timm's, random weights, batch 1) timed as
  `benchmarks/predict.py` times it, once as PyTorch runs it by default and once with subnormal floats flushed.
- `ops`: each distinct op call of the model's meta trace, predicted alone by the profile's model of its kind and
  timed alone as calibration times it (`time_call`), the largest first.
- `cold`: what running in a network adds to ops timed alone: each model's forward (timed as `subnormals` times it,
  flushed) against the sum of its ops timed alone, hot (as calibration times them) and after writing a scratch
  buffer before every run that pushes their data out of the caches. The closer the sum is to the network, and the
  more alike that ratio across networks, the less the network correction (`cnncalc.latency.context`) has to do.
- `depth`: the 5-fold held-out error of a kind's model, fitted as calibration fits it but at each tree depth, on
  the measurements file that a calibration wrote beside its profile (`PROFILE.calls.jsonl`); with no profile to
  read the device's balance from, the offset is the kind's at no MACs per byte (MACs alone, a pooling's window).
- `offsets`: each kind's 5-fold error as calibration scores it, on the calls of the calibration that made the
  profile P.json, with the trees fitted on log time less each of two offsets: that of profiles before version 3
  (log MACs for the convolutions and matrix products, none for the poolings) and today's
  (`cnncalc.latency.kinds.offset`: the bytes moved too, at the profile's MACs per byte; a pooling's reads and
  window comparisons). Also time-weighted (Σ |error| · time ÷ Σ time): the large calls weigh most in a network.
- `context`: the network correction (`cnncalc.latency.context`) on the very networks it was fitted on (from the
  profile, which keeps their times; nothing is timed): how many it puts within ±10%, and its error against the
  share of each network's time that its ops, predicted alone, account for. A correction that misses its own
  networks by a share's trend cannot be tuned out of it.
- `forms`: the network correction's leave-one-out error on the calibration's networks in each form it chooses
  between (`cnncalc.latency.context.form_errors`: each per-op cap on bytes, second bound on weight bytes, gate
  threshold, and a_heavy fitted or held at 1), and the one it chooses.
- `allocator`: each model at a batch, timed as `benchmarks/predict.py` times it (subnormals flushed), in a fresh
  process with glibc's malloc defaults and in one with freed memory kept for reuse (`steady_allocator`, as
  calibration, the benchmark and `cnncalc profile --predict` measure).

At one thread, with nothing else running.
"""

from __future__ import annotations

import argparse
import contextlib
import json
from pathlib import Path
from typing import Any

import torch


def _model(name: str) -> tuple[torch.nn.Module, tuple[int, ...]]:
    """cnncalc's zoo model, torchvision's or timm's of that name, and its input shape at batch 1."""
    import torchvision

    from cnncalc.modelzoo.zoo import ZOO

    if name in ZOO:
        return ZOO[name].build().eval(), ZOO[name].input_shape
    if hasattr(torchvision.models, name):  # at the input its weights were trained at, as cnncalc reads it
        from cnncalc.analysis.analyze import subject_for

        shape = subject_for(name, None, None).inputs.positional[0].spec.shape
        return getattr(torchvision.models, name)().eval(), tuple(shape)
    import timm

    if not timm.is_model(name):
        raise SystemExit(f"latency_diagnostics: model {name!r} is none of cnncalc's zoo, torchvision's or timm's")
    model = timm.create_model(name).eval()
    return model, (1, *model.pretrained_cfg.get("input_size", (3, 224, 224)))


def subnormals(models: list[str]) -> None:
    from torch.utils.benchmark import Timer

    from cnncalc.latency.measure import flushed_subnormals

    for name in models:
        model, shape = _model(name)
        x = torch.rand(shape)
        times = []
        for flush in (False, True):
            with torch.inference_mode(), flushed_subnormals() if flush else contextlib.nullcontext():
                model(x)
                times.append(Timer("m(x)", globals={"m": model, "x": x}, num_threads=1).blocked_autorange(
                    min_run_time=1.0).median * 1e3)
        print(f"{name:20s} {times[0]:9.2f} ms as run by default, {times[1]:9.2f} ms with subnormals flushed")


TIME_ONE = """
import sys, torch
sys.path.insert(0, sys.argv[4])
from latency_diagnostics import _model
from cnncalc.latency import measure
torch.set_num_threads(1)
if sys.argv[3] == "kept":
    measure.steady_allocator()
model, shape = _model(sys.argv[1])
print(measure.time_network(model, torch.rand((int(sys.argv[2]), *shape[1:])), 2.0) * 1e3)
"""


def allocator(models: list[str], batch: int) -> None:
    import subprocess
    import sys

    for name in models:
        times = []
        for how in ("default", "kept"):
            done = subprocess.run([sys.executable, "-c", TIME_ONE, name, str(batch), how, str(Path(__file__).parent)],
                                  capture_output=True, text=True)
            if done.returncode:
                raise SystemExit(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else
                                 f"latency_diagnostics: timing {name} failed")
            times.append(float(done.stdout.split()[-1]))
        print(f"{name:20s} batch {batch}: {times[0]:9.2f} ms with glibc's defaults, {times[1]:9.2f} ms with freed "
              f"memory kept ({times[0] / times[1]:.2f}×)")


def distinct_calls(model: torch.nn.Module, shape: tuple[int, ...], dtype: str) -> list[tuple[Any, Any, int]]:
    """The model's distinct op calls with a kernel (views and factories left out): (call, kind, how many times)."""
    from cnncalc.analysis.analyze import subject_for, trace_subject
    from cnncalc.dtypes import parse_dtype
    from cnncalc.latency.context import op_class
    from cnncalc.latency.kinds import kind_of

    _, run, _ = trace_subject(subject_for(model, shape, None, None, None, None), parse_dtype(dtype),
                              worst_case=False, keep_calls=True)
    seen: dict[tuple[str, str, str], list[Any]] = {}
    for call in run.tracer.calls or []:
        kind = kind_of(call)
        if kind is None or op_class(kind.name) == "view":
            continue
        key = (call.op, repr(call.args), repr(call.kwargs))
        seen.setdefault(key, [call, kind, 0])[2] += 1
    return [(call, kind, count) for call, kind, count in seen.values()]


def ops(name: str, profile: str, top: int) -> None:
    from cnncalc.latency.measure import time_call
    from cnncalc.latency.profile import load_profile

    prof = load_profile(profile)
    model, shape = _model(name)
    rows = [(kind, count, prof.kinds[kind.name].model.predict([kind.features])[0], time_call(call, "cpu"))
            for call, kind, count in distinct_calls(model, shape, prof.dtype) if kind.name in prof.kinds]
    rows.sort(key=lambda r: -r[1] * r[3])
    print(f"{name}: ops alone, predicted {sum(r[1] * r[2] for r in rows) * 1e3:.2f} ms, timed "
          f"{sum(r[1] * r[3] for r in rows) * 1e3:.2f} ms")
    for kind, count, predicted, timed in rows[:top]:
        print(f"  {kind.name:18s} ×{count:<3d} predicted {predicted * 1e3:8.3f} ms  timed {timed * 1e3:8.3f} ms  "
              f"({predicted / timed:5.2f}×)  features {[round(f, 2) for f in kind.features]}")


def cold(models: list[str], flush_mib: list[int]) -> None:
    from cnncalc.latency.measure import time_call, time_network

    scratches = [torch.empty(mib << 18) for mib in flush_mib]  # float32: MiB × 2¹⁸ elements
    header = " ".join(f"{f'{mib} MiB':>9s}" for mib in flush_mib)
    print(f"{'model':18s} {'network':>9s} {'hot':>9s} {header}   (ms; ops alone summed, hot and after each flush)")
    for name in models:
        model, shape = _model(name)
        sums = [0.0] * (1 + len(scratches))
        for call, _, count in distinct_calls(model, shape, "float32"):
            times = [time_call(call, "cpu", before=s.zero_ if s is not None else None) for s in (None, *scratches)]
            sums = [total + count * t for total, t in zip(sums, times, strict=True)]
        network = time_network(model, torch.rand(shape), seconds=1.0)
        print(f"{name:18s} {network * 1e3:9.2f} " + " ".join(f"{v * 1e3:9.2f}" for v in sums), flush=True)


def _measured(calls: str) -> dict[str, tuple[list[list[float]], list[float]]]:
    """A measurements file's calls by kind: their features and seconds (as measured)."""
    by_kind: dict[str, tuple[list[list[float]], list[float]]] = {}
    with open(calls, encoding="utf-8") as f:
        for line in f.read().splitlines()[1:]:
            if line.strip():
                m = json.loads(line)
                rows, times = by_kind.setdefault(m["kind"], ([], []))
                rows.append(m["features"])
                times.append(m["seconds"])
    return by_kind


def depth(calls: str, kind: str, depths: list[int]) -> None:
    from sklearn.model_selection import KFold

    from cnncalc.latency.fitting import Trees
    from cnncalc.latency.kinds import offset

    rows, times = _measured(calls).get(kind, ([], []))
    print(f"{kind}: {len(rows)} calls")
    for d in depths:
        errors = [0.0] * len(rows)
        for train, test in KFold(5, shuffle=True, random_state=0).split(rows):
            model = Trees.fit([rows[i] for i in train], [times[i] for i in train], trees=600, depth=d,
                              offset=offset(kind))
            for i, p in zip(test, model.predict([rows[i] for i in test]), strict=True):
                errors[i] = abs(p / times[i] - 1)
        errors.sort()
        print(f"  depth {d}: 5-fold |error| median {errors[len(errors) // 2]:.1%}, "
              f"p90 {errors[min(len(errors) - 1, int(0.9 * len(errors)))]:.1%}")


def offsets(profile: str, kinds: list[str]) -> None:
    """Each kind's 5-fold error as calibration scores it (`held_out`; on the calls as measured, where calibration
    fits them as at the device's median speed), with the offset of
    profiles before version 3 (a convolution's or matrix product's MACs; none for a pooling) and with today's
    (`cnncalc.latency.kinds.offset`, bytes at the profile's MACs per byte); time-weighted: Σ |error| · time ÷ Σ
    time."""
    from cnncalc.latency import fitting
    from cnncalc.latency.kinds import ARITHMETIC, offset
    from cnncalc.latency.profile import load_profile

    prof = load_profile(profile)
    balance = prof.device.macs_per_byte
    if "measurements" not in prof.calibration:
        raise SystemExit(f"latency_diagnostics: profile={profile!r} names no measurements file (made before they "
                         "were kept): calibrate again")
    calls = Path(profile).with_name(str(prof.calibration["measurements"]))
    measured = _measured(str(calls))
    print(f"{calls}: bytes at {balance:.2f} MACs per byte")
    for kind in kinds:
        rows, times = measured.get(kind, ([], []))
        if len(rows) < 10:
            print(f"  {kind:12s} {len(rows):5d} calls: too few to score")
            continue
        cells = []
        for label, terms in (("before", fitting.FIRST_FEATURE if kind in ARITHMETIC else ()),
                             ("now", offset(kind, balance))):
            error, each = fitting.held_out(rows, times, offset=terms)
            weighted = sum(e * t for e, t in zip(each, times, strict=True)) / sum(times)
            cells.append(f"{label} {error.median:.1%} (p90 {error.p90:.1%}, time-weighted {weighted:.1%})")
        print(f"  {kind:12s} {len(rows):5d} calls  " + "  ".join(cells), flush=True)


def _calibration(path: str) -> tuple[Any, list[tuple[Any, float]]]:
    """The profile at `path` and its calibration's random networks (their specs) with their measured seconds."""
    from cnncalc.latency.calibrate import calibration_networks
    from cnncalc.latency.profile import load_profile

    prof = load_profile(path)
    if prof.context is None:
        raise SystemExit(f"latency_diagnostics: {path} has no network correction")
    return prof, calibration_networks(prof)


def context(path: str) -> None:
    import statistics

    from cnncalc.latency import networks
    from cnncalc.latency.predict import op_times, predict

    prof, measured = _calibration(path)
    correction = prof.context
    rows = []
    for spec, seconds in measured:
        module = networks.build(spec)
        alone, _ = op_times(module, spec.input_shape, prof)
        predicted = predict(module, prof, spec.input_shape).latency_ms / 1e3  # as `cnncalc predict` gives it
        rows.append((spec.family, sum(t for _, t, _, _ in alone) / seconds, predicted / seconds - 1))
    errors = [abs(e) for *_, e in rows]
    print(f"{len(rows)} networks: within ±10% {sum(e < 0.1 for e in errors) / len(rows):.0%}, median |error| "
          f"{statistics.median(errors):.1%} (fitted on these very networks); leave-one-out median "
          f"{correction.held_out.median if correction.held_out else float('nan'):.1%}")
    print("ops alone ÷ network    networks  mean error  within ±10%")
    for lo, hi in ((0.0, 0.6), (0.6, 0.7), (0.7, 0.8), (0.8, 9.0)):
        band = [e for _, share, e in rows if lo <= share < hi]
        if band:
            label = f"{lo:.1f}–{min(hi, 1.0):.1f}{'+' if hi > 1 else ''}"
            print(f"  {label:20s} {len(band):9d}  {statistics.mean(band):+10.1%}  "
                  f"{sum(abs(e) < 0.1 for e in band) / len(band):11.0%}")


def forms(path: str) -> None:
    from cnncalc.latency.calibrate import traced_networks
    from cnncalc.latency.context import CAPS, GATES, MIDS, choose_form, form_errors

    prof, measured = _calibration(path)
    every = form_errors(*traced_networks(prof), heavy=(False, True))
    errors = {f.form: f.held_out for f in every}
    chosen = choose_form(every).form
    mib = 2**20
    print(f"{len(measured)} networks: the correction's leave-one-out median |error| in each form, a_heavy fitted / "
          "held at 1 (* the form fit_context chooses; it holds a_heavy at 1)")
    for mid in MIDS:
        print(f"second bound on weight bytes: {f'{mid / mib:g} MiB' if mid else 'none'}")
        print("cap \\ gate " + "".join(f"{'none' if not g else f'{g / mib:g} MiB':>16s}" for g in GATES))
        for cap in CAPS:
            cells = []
            for gate in GATES:
                pair = [f"{errors[(cap, gate, held, mid)].median:.1%}{'*' if (cap, gate, held, mid) == chosen else ''}"
                        for held in (False, True)]
                cells.append(f"{' / '.join(pair):>16s}")
            print(f"{cap / mib:g} MiB".ljust(11) + "".join(cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="check", required=True)
    s = sub.add_parser("subnormals")
    s.add_argument("models", nargs="+")
    o = sub.add_parser("ops")
    o.add_argument("model")
    o.add_argument("--profile", default="dev-cpu-1t")
    o.add_argument("--top", type=int, default=10)
    c = sub.add_parser("cold")
    c.add_argument("models", nargs="+")
    c.add_argument("--flush-mib", type=int, nargs="*", default=[2, 8], help="scratch sizes to write, MiB")
    t = sub.add_parser("offsets")
    t.add_argument("profile", help="a profile whose measurements file is beside it")
    t.add_argument("kinds", nargs="*", default=["conv2d", "conv1d", "addmm", "bmm", "max_pool2d", "avg_pool2d"])
    d = sub.add_parser("depth")
    d.add_argument("calls")
    d.add_argument("kind")
    d.add_argument("depths", type=int, nargs="+")
    x = sub.add_parser("context")
    x.add_argument("profile")
    f = sub.add_parser("forms")
    f.add_argument("profile")
    a = sub.add_parser("allocator")
    a.add_argument("models", nargs="+")
    a.add_argument("--batch", type=int, default=1)
    args = parser.parse_args()

    from cnncalc.errors import CnncalcError
    from cnncalc.latency.measure import steady_allocator

    torch.set_num_threads(1)
    steady_allocator()
    try:
        if args.check == "subnormals":
            subnormals(args.models)
        elif args.check == "ops":
            ops(args.model, args.profile, args.top)
        elif args.check == "cold":
            cold(args.models, args.flush_mib)
        elif args.check == "depth":
            depth(args.calls, args.kind, args.depths)
        elif args.check == "offsets":
            offsets(args.profile, args.kinds)
        elif args.check == "forms":
            forms(args.profile)
        elif args.check == "allocator":
            allocator(args.models, args.batch)
        else:
            context(args.profile)
    except (CnncalcError, OSError) as e:  # a missing or malformed profile or measurements file
        raise SystemExit(f"latency_diagnostics: {e}") from None


if __name__ == "__main__":
    main()
