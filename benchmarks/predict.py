"""How well `cnncalc predict` knows a model's latency before it runs: predicted against measured, on models the
calibration never ran as a whole.

    python benchmarks/predict.py --profile PROFILE.json [--min-time 1] [--write-docs]
    python benchmarks/predict.py --calibrate --threads 2 --budget 540      # calibrate first (≤ 10 minutes)
    python benchmarks/predict.py --profile P.json --set dev                 # the timm models tuning looked at
    python benchmarks/predict.py --profile P.json --set timm                # 40 other timm models, held out
    python benchmarks/predict.py --profile P.json --resume                  # go on after an interruption
    python benchmarks/predict.py --profile NEW.json --measured out/predict-report-OLD.rows.jsonl  # rescore

The reported set (`--set report`, the default): every torchvision classification model at batch 1, every third of them
(by name) at batch 8, cnncalc's zoo, and the backbones of torchvision's detection and segmentation models. The dev set
(`--set dev`) is timm models, none of them in the reported set: the only models anything was tuned on. The timm set
(`--set timm`) is 40 other timm models, held out like the reported set. Each model is measured with
torch.utils.benchmark's Timer.blocked_autorange at the profile's thread count, eval, under inference_mode, random
weights with subnormal floats flushed to zero (`cnncalc.latency.measure.flushed_subnormals`), and predicted from its
meta trace. Beside cnncalc's prediction, two baselines: the roofline bound with the peaks the calibration measured (Σ
over ops of max(FLOPs ÷ peak, bytes ÷ bandwidth)), and a MACs-proportional rule, time = a · MACs, with `a` fitted to
these very measurements (the median of measured ÷ MACs: its best case). For each: the share of models within ±10% and
±5%, the median and 90th-percentile |error|, Spearman's rank correlation; and each measurement's own spread
(interquartile range ÷ median) beside them. Then the seed's design pairs: predicted speed-up against measured.
Run it with nothing else on the machine.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import random
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
import torch.utils.benchmark as tb

OUT = Path(__file__).with_name("out")
DOC = Path(__file__).resolve().parent.parent / "docs" / "prediction.md"
BEGIN, END = "<!-- predict-benchmark:begin -->", "<!-- predict-benchmark:end -->"

#: timm models for the dev set: architectures torchvision does not have (none is in the reported set)
DEV = ("resnet26d", "mixnet_s", "ghostnet_100", "rexnet_100", "dla34", "cspresnet50", "hrnet_w18_small",
       "tinynet_a", "lcnet_050", "semnasnet_075", "fbnetc_100", "repvgg_a0", "res2net50_14w_8s", "selecsls42b",
       "dpn68", "convnext_atto", "efficientvit_b0", "mobileone_s0", "tf_mixnet_s", "hardcorenas_a")
#: the timm set: timm models outside the dev set, held out like the reported set (none is in either)
TIMM = ("resnet50d", "seresnext26d_32x4d", "regnety_016", "efficientnet_b1", "mobilenetv3_large_100",
        "ghostnetv2_100", "rexnet_150", "mnasnet_100", "spnasnet_100", "dla60", "ese_vovnet19b_dw", "cspdarknet53",
        "darknet53", "resnest14d", "skresnet18", "gernet_s", "nf_resnet26", "hrnet_w18", "xception41", "resnetv2_50",
        "regnetz_b16", "mobilevit_xs", "poolformer_s12", "gcresnet33ts", "lambda_resnet26t", "botnet26t_256",
        "tinynet_b", "fbnetv3_b", "lcnet_100", "mixnet_m", "ecaresnet26t", "cs3darknet_s", "legacy_seresnet18",
        "convnext_nano", "efficientvit_m0", "repghostnet_100", "edgenext_x_small", "mobilenetv4_conv_small",
        "efficientnet_lite0", "res2next50")
#: the GPU set (benchmarks/gpu_calibrate.py): 30 torchvision classification models across the families
GPU30 = ("alexnet", "vgg11", "vgg16_bn", "resnet18", "resnet50", "resnet101", "wide_resnet50_2", "resnext50_32x4d",
         "densenet121", "googlenet", "inception_v3", "squeezenet1_1", "mobilenet_v2", "mobilenet_v3_small",
         "mobilenet_v3_large", "shufflenet_v2_x1_0", "mnasnet1_0", "efficientnet_b0", "efficientnet_b3",
         "efficientnet_v2_s", "regnet_x_400mf", "regnet_y_1_6gf", "regnet_y_8gf", "convnext_tiny", "convnext_small",
         "vit_b_16", "vit_b_32", "swin_t", "maxvit_t", "resnet152")
#: (design, baseline, options): the seed's comparisons, at the headline's size and deeper in a network
#: (a grouped convolution of 3 input channels has no groups but 1: 'group' is compared at 64 → 256 only)
PAIRS = tuple((design, "standard", opts) for opts in ({"cin": 3, "cout": 256, "size": 224},
                                                      {"cin": 64, "cout": 256, "size": 56})
              for design in ("xception-dw", "bottleneck", "group", "dilated")
              if not (design == "group" and opts["cin"] == 3))


@dataclass
class Row:
    model: str
    batch: int
    measured_ms: float
    spread: float  # (p75 − p25) ÷ median of the blocked measurements; NaN with fewer than four blocks
    predicted_ms: float
    roofline_ms: float
    macs: int
    partial: bool
    #: the device's speed against calibration (`Reference.read`, now ÷ then) read just before this model, every
    #: `REFERENCE_EVERY` models; None between readings and on rows measured before readings were taken
    drift: float | None = None

    @property
    def error(self) -> float:
        return self.predicted_ms / self.measured_ms - 1


#: (label, model name or module, input shape or None for its default, batch)
Target = tuple[str, Any, tuple[int, ...] | None, int]
#: the seed of the report set's measuring order (`targets`)
ORDER_SEED = "report-order"


def targets(which: str) -> list[Target]:
    """(label, model name or module, input shape or None for its default, batch), in the order they are measured:
    the report set shuffled once with a fixed seed, so that the machine's drift during a run falls on every family
    alike (measured family by family, the zoo and the backbones came last and took the slowing of the 23:11 sitting
    of 6 December: 33% within ±10% against 84% for torchvision's models at batch 1)."""
    from cnncalc.modelzoo.sources import torchvision_names
    from cnncalc.modelzoo.zoo import ZOO  # the package that registers the zoo's models

    if which in ("dev", "timm"):
        return [(f"timm/{n}", f"timm/{n}", None, 1) for n in (DEV if which == "dev" else TIMM)]
    if which == "gpu":
        return [(n, n, None, b) for b in (1, 64) for n in GPU30]
    names = torchvision_names("classification")
    out: list[Target] = [(n, n, None, 1) for n in names]
    out += [(n, n, None, 8) for n in names[::3]]
    out += [(n, n, None, 1) for n in ZOO]
    out += backbones()
    random.Random(ORDER_SEED).shuffle(out)
    return out


def in_measured_order(listed: list[Target], taken: dict[tuple[str, int], Row]) -> list[Target]:
    """The targets in the order an earlier run measured them (the order of its rows file; the others after): a
    rescored run's readings are placed by row, and that run may have measured in another order."""
    position = {key: i for i, key in enumerate(taken)}
    return sorted(listed, key=lambda t: position.get((t[0], t[3]), len(position)))


def backbones() -> list[Target]:
    """The backbones of torchvision's detection and segmentation models (random weights), at 1×3×320×320."""
    import torchvision.models.detection as det
    import torchvision.models.segmentation as seg

    shape = (1, 3, 320, 320)
    out: list[Target] = []
    for name in ("fasterrcnn_resnet50_fpn", "fasterrcnn_mobilenet_v3_large_fpn", "retinanet_resnet50_fpn_v2",
                 "fcos_resnet50_fpn", "ssdlite320_mobilenet_v3_large", "maskrcnn_resnet50_fpn_v2"):
        out.append((f"{name}.backbone", lambda n=name: getattr(det, n)(weights=None, weights_backbone=None).backbone,
                    shape, 1))
    for name in ("fcn_resnet50", "deeplabv3_resnet50", "deeplabv3_mobilenet_v3_large", "lraspp_mobilenet_v3_large"):
        out.append((f"{name}.backbone", lambda n=name: getattr(seg, n)(weights=None, weights_backbone=None,
                                                                      aux_loss=False).backbone, shape, 1))
    return out


def spread_text(spread: float) -> str:
    return "spread n/a" if math.isnan(spread) else f"±{spread:5.1%}"


def measure(module: torch.nn.Module, args: list[Any], kwargs: dict[str, Any], threads: int,
            min_time: float) -> tuple[float, float]:
    """The median ms of one forward and its spread (Timer synchronizes CUDA around its blocks), with subnormal
    floats flushed to zero as calibration times its networks (random weights make them; trained ones rarely do)."""
    from cnncalc.latency.measure import flushed_subnormals

    with torch.inference_mode(), flushed_subnormals():
        module(*args, **kwargs)
        m = tb.Timer("m(*a, **k)", globals={"m": module, "a": args, "k": kwargs},
                     num_threads=threads).blocked_autorange(min_run_time=min_time)
    # a forward longer than about min_time / 4 gets fewer than four blocks: no spread to speak of
    spread = (m._p75 - m._p25) / m.median if m.median and len(m.times) >= 4 else math.nan
    return m.median * 1e3, spread


def read_rows(path: Path) -> dict[tuple[str, int], Row]:
    """The rows an earlier run kept (`predict-SET-PROFILE.rows.jsonl`), by model and batch."""
    return {(r["model"], r["batch"]): Row(**r) for r in map(json.loads, path.read_text().splitlines())}


def one(label: str, target: Any, shape: tuple[int, ...] | None, batch: int, prof: Any, threads: int,
        min_time: float, device: str = "cpu", taken: Row | None = None) -> Row:
    """The model predicted, its roofline bound, and its time measured (or, given `taken`, that row's)."""
    from cnncalc.analysis.analyze import make_report, subject_for, trace_subject
    from cnncalc.analysis.inputs import materialize
    from cnncalc.dtypes import parse_dtype
    from cnncalc.latency.kinds import kind_of
    from cnncalc.latency.predict import from_trace, roofline_terms

    model = target() if callable(target) and not isinstance(target, torch.nn.Module) else target
    subject = subject_for(model, shape, None, None, None, batch if batch != 1 else None)
    dt = parse_dtype(prof.dtype)
    meta, run, _ = trace_subject(subject, dt, worst_case=False, keep_calls=True)
    report = make_report(meta, run, subject, dt)
    prediction = from_trace(meta, run, report, prof, prof.dtype)
    roofline = 0.0
    for call in run.tracer.calls or []:
        kind = kind_of(call)
        if kind is not None:
            roofline += max(roofline_terms(kind, prof))
    if taken is not None:
        measured, spread = taken.measured_ms, taken.spread
    else:
        real = subject.real(0).eval().to(device=device, dtype=getattr(torch, prof.dtype))
        args, kwargs = materialize(subject.inputs, device, getattr(torch, prof.dtype))
        measured, spread = measure(real, args, kwargs, threads, min_time)
        del real, args, kwargs
        if device.startswith("cuda"):
            torch.cuda.empty_cache()
    return Row(label, batch, measured, spread, prediction.latency_ms, roofline * 1e3, report.total.macs,
               prediction.partial)


def drift(prof: Any, device: str, most: int = 12) -> dict[str, Any] | None:
    """How much slower (> 1) or faster the device runs now than when it was calibrated: the calibration's own random
    networks (up to `most` of them, those under 50 ms) timed again as calibration timed them, now ÷ then. None when
    the profile kept no network times (made before they were kept) or has another device."""
    ratios = sorted(Reference(prof, device, most, shortest=0.0).ratios())
    if not ratios:
        return None
    return {"networks": len(ratios), "median": statistics.median(ratios), "low": ratios[0], "high": ratios[-1]}


#: a reference reading every this many models: 137 models take about 16 readings of about 2 s each
REFERENCE_EVERY = 8


class Reference:
    """A few of the calibration's own random networks (the first `count` it timed at `shortest` to 50 ms), built
    once and timed again as calibration timed them: now ÷ then is the device's speed against calibration at that
    point of the run, so that the run can tell the machine's drift from the prediction's error. None are kept for a
    profile of another device."""

    def __init__(self, prof: Any, device: str, count: int = 4, shortest: float = 0.005) -> None:
        from cnncalc.latency import networks
        from cnncalc.latency.calibrate import calibration_networks

        self.kept = []
        if device == prof.device.type:
            for spec, then in calibration_networks(prof):
                if shortest <= then < 0.05 and len(self.kept) < count:
                    self.kept.append((*networks.instance(spec, device, prof.dtype, prof.channels_last), then))

    def ratios(self) -> list[float]:
        """Each network's time now ÷ its time during calibration."""
        from cnncalc.latency.measure import time_network

        return [time_network(module, x, seconds=0.4) / then for module, x, then in self.kept]

    def read(self) -> float | None:
        """The median of `ratios` (None: no network to time)."""
        return statistics.median(self.ratios()) if self.kept else None


def drift_factors(rows: list[Row], after: float | None) -> list[float] | None:
    """Each row's device speed against calibration: its readings (`Row.drift`) joined linearly in measuring order,
    the end of the run at `after` (None: no readings to join)."""
    from cnncalc.latency.calibrate import joined

    points: list[tuple[int, float]] = [(i, r.drift) for i, r in enumerate(rows) if r.drift is not None]
    if after is not None:
        points.append((len(rows), after))
    if not points:
        return None
    return joined([i for i, _ in points], [v for _, v in points], list(range(len(rows))))


def earlier_drift_after(rows_file: Path) -> dict[str, Any] | None:
    """The drift check after the models of the run that kept `rows_file` (its JSON beside it), if it had one."""
    try:
        meta = json.loads(rows_file.with_name(rows_file.name.replace(".rows.jsonl", ".json")).read_text())["meta"]
    except (OSError, ValueError, KeyError):
        return None
    after = meta.get("drift_after")
    return after if isinstance(after, dict) else None


def drift_text(before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    """One sentence on the device's drift since calibration (see `drift`), or nothing without a measurement."""
    parts = [f"{d['median']:.2f}× as long as during calibration {when} (median; {d['low']:.2f}–{d['high']:.2f}×)"
             for when, d in (("before the models", before), ("after them", after)) if d is not None]
    if not parts:
        return ""
    n = (before or after or {}).get("networks", 0)
    return (f"The device's drift: {n} of the calibration's own random networks, timed again, ran "
            f"{' and '.join(parts)}.")


def spearman(a: list[float], b: list[float]) -> float:
    from scipy.stats import spearmanr

    return float(spearmanr(a, b).statistic)


def scores(guess: list[float], measured: list[float]) -> dict[str, float]:
    """How well `guess` predicts `measured`: the share within ±10% and ±5%, the median and 90th-percentile |error|
    (|guess ÷ measured − 1|), Spearman's rank correlation."""
    errors = sorted(abs(g / m - 1) for g, m in zip(guess, measured, strict=True))
    n = len(errors)
    return {"within_10": sum(e <= 0.10 for e in errors) / n, "within_5": sum(e <= 0.05 for e in errors) / n,
            "median": errors[n // 2], "p90": errors[min(n - 1, int(0.9 * n))], "spearman": spearman(guess, measured)}


#: the name of the drift-adjusted line (`summary`): a reading of the machine, not a method one could use elsewhere
ADJUSTED = "cnncalc predict × the device's drift"


def summary(rows: list[Row], factors: list[float] | None = None) -> dict[str, dict[str, float]]:
    """Each method's scores on `rows`; with `factors` (each row's device speed against calibration,
    `drift_factors`), also cnncalc's prediction scaled by them: how it would score had the device kept its speed."""
    measured = [r.measured_ms for r in rows]
    scale = statistics.median(r.measured_ms / r.macs for r in rows if r.macs)
    methods = {"cnncalc predict": [r.predicted_ms for r in rows], "roofline bound": [r.roofline_ms for r in rows],
               "MACs-proportional (fitted here)": [r.macs * scale for r in rows]}
    if factors is not None:
        methods[ADJUSTED] = [r.predicted_ms * f for r, f in zip(rows, factors, strict=True)]
    out: dict[str, dict[str, float]] = {name: scores(guess, measured) for name, guess in methods.items()}
    spreads = sorted(r.spread for r in rows if not math.isnan(r.spread)) or [math.nan]
    out["measurement spread"] = {"median": spreads[len(spreads) // 2],
                                 "p90": spreads[min(len(spreads) - 1, int(0.9 * len(spreads)))],
                                 "models": sum(not math.isnan(r.spread) for r in rows)}
    return out


def pairs(prof: Any, threads: int, min_time: float, device: str = "cpu") -> list[dict[str, Any]]:
    from cnncalc.latency.api import predict
    from cnncalc.layers.options import make_options
    from cnncalc.layers.registry import all_extra_keys, build_module

    out = []
    for design, base, opts in PAIRS:
        times = {}
        for name in (design, base):
            module, shape = build_module(name, make_options(all_extra_keys(), **opts))
            dt = getattr(torch, prof.dtype)
            x = torch.randn(shape, device=device, dtype=dt)
            times[name] = (measure(module.eval().to(device=device, dtype=dt), [x], {}, threads, min_time)[0],
                           predict(name, prof, **opts).latency_ms)
        measured, predicted = times[base][0] / times[design][0], times[base][1] / times[design][1]
        out.append({"design": design, "vs": base, **opts, "measured_speedup": measured,
                    "predicted_speedup": predicted, "error": predicted / measured - 1})
    return out


def stats_table(stats: dict[str, Any]) -> list[str]:
    lines = ["| method | within ±10% | within ±5% | median abs. error | p90 abs. error | Spearman |",
             "|---|---:|---:|---:|---:|---:|"]
    for name, s in stats.items():
        if name != "measurement spread":
            lines.append(f"| {name} | {s['within_10']:.0%} | {s['within_5']:.0%} | {s['median']:.1%} | "
                         f"{s['p90']:.1%} | {s['spearman']:.3f} |")
    return lines


def markdown(meta: dict[str, Any], rows: list[Row], stats: dict[str, Any], pair_rows: list[dict[str, Any]],
             factors: list[float] | None = None) -> str:
    at = (f" at {meta['threads']} thread{'s' if meta['threads'] != 1 else ''}" if meta["threads"] else "")
    how = (f"Scored on the times an earlier run measured (`{meta['measured']}`, not timed again)"
           if meta.get("measured") else "Measured")
    lines = [f"{how} on {meta['device']}{at}, {meta['dtype']}, torch "
             f"{meta['torch']}, with the profile `{meta['profile']}` (calibrated in {meta['calibration_s']:.0f} s); "
             f"{len(rows)} models ({meta['set']} set), {meta['seconds']:.0f} s. Reproduce: `{meta['command']}`.", "",
             *stats_table(stats)]
    batches = sorted({r.batch for r in rows})
    for batch in batches if len(batches) > 1 else ():
        lines += ["", f"At batch {batch} ({sum(r.batch == batch for r in rows)} models):", "",
                  *stats_table(summary([r for r in rows if r.batch == batch],
                                       [f for r, f in zip(rows, factors, strict=True) if r.batch == batch]
                                       if factors is not None else None))]
    spread = stats["measurement spread"]
    lines += ["", f"Each measurement's own spread (interquartile range ÷ median of its blocks): median "
              f"{spread['median']:.1%}, p90 {spread['p90']:.1%}, over the {spread['models']} models measured in four "
              f"blocks or more (a forward longer than a quarter of `--min-time` gets fewer).", ""]
    clock = drift_text(meta.get("drift_before"), meta.get("drift_after"))
    if clock:
        lines += [clock, ""]
    if factors is not None:
        lines += [f"The line \"{ADJUSTED}\" is not a method: it reads the machine. Every {REFERENCE_EVERY} models, "
                  f"{meta['reference_networks']} of the calibration's random networks were timed again; their median "
                  f"now ÷ then, joined linearly between readings ({min(factors):.2f}× to {max(factors):.2f}× over "
                  "this run), scales each prediction to the speed the device had when the model was measured. The "
                  "gap between that line and cnncalc's is the machine's drift since calibration, not the "
                  "prediction's; the targets are judged on cnncalc's line.", ""]
    if pair_rows:
        lines += ["| design vs standard | cin→cout, size | measured speed-up | predicted | error |",
                  "|---|---|---:|---:|---:|"]
        lines += [f"| {p['design']} | {p['cin']}→{p['cout']}, {p['size']}² | {p['measured_speedup']:.2f}× | "
                  f"{p['predicted_speedup']:.2f}× | {p['error']:+.1%} |" for p in pair_rows]
        lines.append("")
    worst = sorted(rows, key=lambda r: -abs(r.error))[:10]
    lines += ["The ten largest errors:", "", "| model | batch | measured ms | predicted ms | error |",
              "|---|---:|---:|---:|---:|"]
    lines += [f"| {r.model} | {r.batch} | {r.measured_ms:.2f} | {r.predicted_ms:.2f} | {r.error:+.1%} |"
              for r in worst]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", help="a profile to use (default: calibrate one with --calibrate)")
    parser.add_argument("--calibrate", action="store_true", help="calibrate first, into benchmarks/out/")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads (default: the profile's)")
    parser.add_argument("--budget", type=float, default=540.0, help="calibration seconds")
    parser.add_argument("--min-time", type=float, default=1.0, help="seconds of blocked_autorange per model")
    parser.add_argument("--set", choices=("report", "dev", "timm", "gpu"), default="report")
    parser.add_argument("--device", default=None, help="where to measure (default: the profile's kind: cpu or cuda)")
    parser.add_argument("--only", help="comma-separated labels to run (a quick look)")
    parser.add_argument("--resume", action="store_true", help="keep the rows an interrupted run measured")
    parser.add_argument("--write-docs", action="store_true", help="put the tables in docs/prediction.md")
    parser.add_argument("--measured", help="an earlier run's ROWS.jsonl: score the profile on its measurements "
                        "instead of timing the models again (no drift check, no design pairs)")
    args = parser.parse_args()

    import cnncalc
    from cnncalc.latency.measure import steady_allocator
    from cnncalc.latency.profile import load_profile

    steady_allocator()  # as calibrate measures its networks: freed memory kept for reuse (see docs/prediction.md)
    OUT.mkdir(exist_ok=True)
    if args.calibrate:
        threads = args.threads or torch.get_num_threads()
        path = OUT / f"cpu-{threads}t.json"
        cnncalc.calibrate(output=path, threads=threads, budget=args.budget,
                          progress=lambda label, f: print(f"\rcalibrating {label:24s} {f:4.0%}", end="",
                                                          file=sys.stderr))
        print(file=sys.stderr)
        args.profile = str(path)
    if not args.profile:
        parser.error("give --profile PROFILE.json or --calibrate")
    if args.measured and (args.write_docs or args.resume):
        parser.error("--measured scores an earlier run's measurements: not with --write-docs or --resume")
    taken = None
    if args.measured:
        try:
            taken = read_rows(Path(args.measured))
        except (OSError, ValueError, TypeError, KeyError) as err:
            parser.error(f"--measured {args.measured}: not the rows of an earlier run ({type(err).__name__}: {err})")
    prof = load_profile(args.profile)
    threads = args.threads or prof.device.threads or torch.get_num_threads()
    torch.set_num_threads(threads)
    device = args.device or prof.device.type
    started = time.perf_counter()
    rows = []
    wanted = set(args.only.split(",")) if args.only else None
    timed = not wanted and taken is None
    before = drift(prof, device) if timed else None
    # every row is kept as it is measured: a run that stops (Ctrl-C, a crash) goes on from there with --resume
    name = f"predict-{args.set}-{Path(args.profile).stem}{'-rescored' if taken is not None else ''}"
    kept = OUT / f"{name}.rows.jsonl"
    done = {}
    if args.resume and kept.is_file():
        done = read_rows(kept)
    elif kept.is_file() and not wanted:
        kept.unlink()
    reference = Reference(prof, device) if timed else None
    fresh = 0
    listed = targets(args.set) if taken is None else in_measured_order(targets(args.set), taken)
    for label, target, shape, batch in listed:
        if wanted and label not in wanted:
            continue
        if (label, batch) in done:
            rows.append(done[(label, batch)])
            continue
        if taken is not None and (label, batch) not in taken:
            print(f"{label} batch {batch}: skipped (not in {args.measured})", file=sys.stderr)
            continue
        reading = reference.read() if reference is not None and fresh % REFERENCE_EVERY == 0 else None
        try:
            row = one(label, target, shape, batch, prof, threads, args.min_time, device,
                      taken[(label, batch)] if taken is not None else None)
        except Exception as err:  # a model that cannot be built or run here is said, not hidden
            print(f"{label} batch {batch}: skipped ({type(err).__name__}: {str(err).splitlines()[0][:100]})",
                  file=sys.stderr)
            continue
        row.drift = reading if taken is None else taken[(label, batch)].drift  # rescored: the readings taken then
        fresh += 1
        rows.append(row)
        if not wanted:
            with kept.open("a") as f:
                f.write(json.dumps(asdict(row)) + "\n")
        print(f"{label:40s} b{batch:<2d} measured {row.measured_ms:9.2f} ms ({spread_text(row.spread)})  predicted "
              f"{row.predicted_ms:9.2f} ({row.error:+6.1%})  roofline {row.roofline_ms:8.2f}", file=sys.stderr,
              flush=True)
    pair_rows = pairs(prof, threads, args.min_time, device) if args.set in ("report", "gpu") and timed else []
    after = drift(prof, device) if timed else None
    if taken is not None:  # the readings of the run rescored, closed by its drift check after the models
        after = earlier_drift_after(Path(args.measured))
    # a rescored run's readings are placed by row: only when every row of the run it rescores is there
    whole = taken is not None and not wanted and len(rows) == len(taken)
    factors = drift_factors(rows, after["median"] if after else None) if timed or whole else None
    stats = summary(rows, factors)
    meta = {"device": prof.device.name, "threads": threads if device == "cpu" else None, "dtype": prof.dtype,
            "torch": torch.__version__, "profile": args.profile, "calibration_s": prof.calibration.get("seconds", 0.0),
            "set": args.set, "python": platform.python_version(), "seconds": time.perf_counter() - started,
            "command": "python benchmarks/predict.py " + " ".join(sys.argv[1:]), "drift_before": before,
            "drift_after": after, "measured": args.measured,
            "reference_networks": len(reference.kept) if reference is not None else 0}
    row_factors: list[float | None] = list(factors) if factors is not None else [None] * len(rows)
    result = {"meta": meta, "summary": stats, "pairs": pair_rows,
              "rows": [{**asdict(r), "spread": None if math.isnan(r.spread) else r.spread, "error": r.error,
                        "drift_factor": f} for r, f in zip(rows, row_factors, strict=True)]}
    (OUT / f"{name}.json").write_text(json.dumps(result, indent=1) + "\n")
    text = markdown(meta, rows, stats, pair_rows, factors)
    print(text)
    if args.write_docs and args.set == "report" and not wanted:
        doc = DOC.read_text(encoding="utf-8")
        head, _, rest = doc.partition(BEGIN)
        _, _, tail = rest.partition(END)
        DOC.write_text(f"{head}{BEGIN}\n{text}{END}{tail}", encoding="utf-8")
    if any(math.isnan(s.get("spearman", 0.0)) for s in stats.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
