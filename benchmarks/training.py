"""Peak memory of a training step: cnncalc's prediction beside PyTorch's MemTracker, torchinfo and the 16 B/param rule.

    python benchmarks/training.py [--markdown docs/training.md] [--models resnet18,vit_b_16] [--batch 8]
                                  [--optimizer adamw] [--amp bf16] [--bf16-row resnet18] [--quick]

The yardstick is PyTorch's own MemTracker (torch.distributed._tools.mem_tracker) run around real CPU training
steps by the independent harness tests/helpers/memtrack.py (it never imports cnncalc): train-mode forward, a scalar loss
(the sum of the outputs in float32), backward, optimizer.step(), zero_grad(set_to_none=True), twice; the peak of
the second step is the steady state, with the optimizer's state (AdamW: two moments and a step count per
parameter) resident. MemTracker counts every op output's storage as it is made and freed, so its peak is the
most tensor storage alive at once: parameters, buffers, the input batch, optimizer state, gradients, saved
activations and the temporaries of backward and of the optimizer step (kernel-internal scratch excluded). For
each model and batch, side by side:
- cnncalc: `cnncalc.analyze(name, train=True, optimizer=…, amp=…, batch=…, foreach=…)` — its predicted peak
  (one traced step on fake tensors) and the wall time of the call, in-process (median of --repeat calls, after
  one warm-up); the optimizer runs in its multi-tensor (foreach) form, cnncalc's default and PyTorch's on CUDA,
  and the MemTracker runs are given the same `foreach` (on the CPU PyTorch would pick the per-parameter loop);
- MemTracker on FakeTensorMode (`measure_training_step_fake`): the same harness without data, its time, and
  how far cnncalc is from it;
- MemTracker on a real CPU step (`measure_training_step`): the measurement, and cnncalc's error against it
  (target: within 3%);
- torchinfo: `summary(model, input_size=…, verbose=0)`, its own "Estimated Total Size" as is (input + the
  "forward/backward pass size", i.e. 2 × the outputs of the leaf layers with parameters, + parameters); it
  knows nothing of the optimizer;
- the constant rule of Hugging Face accelerate's `estimate-memory` for training with Adam: about 4× the
  model's size (1× weights, 1× gradients, 2× optimizer state), i.e. 16 B per fp32 parameter (and buffer);
- `cnncalc.fit(name, "24GiB", train=True, …)`: its wall time in-process and the largest batch it finds.
Then the target of the issue: `cnncalc fit resnet50 --memory 24GiB` as a whole process within 2× of
`cnncalc analyze resnet50` (medians of --process-runs runs each, alternated, after one warm-up of each).
"""

from __future__ import annotations

import argparse
import copy
import importlib
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MiB = 1024**2
#: model → batch at 224² that keeps a real CPU step to seconds on two cores
DEFAULT_MODELS = {"resnet18": 8, "resnet50": 4, "mobilenet_v2": 8, "efficientnet_b0": 8, "vit_b_16": 4,
                  "se_resnet50": 4}
QUICK_MODELS = {"resnet18": 2, "mobilenet_v2": 2}
TARGET_PCT = 3.0
ACCELERATE_RULE = 4  # × the fp32 model size: weights + gradients + Adam's two moments


@dataclass
class Row:
    model: str
    batch: int
    optimizer: str
    amp: str | None
    input_shape: str
    param_bytes: int
    buffer_bytes: int
    cnncalc: int
    cnncalc_phase: str
    cnncalc_s: float
    fake: int
    fake_s: float
    real: int
    real_phase: str
    real_s: float
    torchinfo: int | None
    torchinfo_note: str
    rule: int
    foreach: bool = True
    fit_batch: int | None = None
    fit_s: float | None = None
    fit_note: str = ""

    @property
    def label(self) -> str:
        kind = "" if self.optimizer in ("none", "sgd") else (" foreach" if self.foreach else " for-loop")
        return self.optimizer + kind + (f" + {self.amp} autocast" if self.amp else "")


def pct(value: int | None, ref: int, digits: int = 2) -> str:
    return "–" if value is None else f"{(value - ref) / ref * 100:+.{digits}f}%"


def diff(value: int, ref: int) -> str:
    return "0" if value == ref else f"{value - ref:+,}"


def mib(value: int | None) -> str:
    return "–" if value is None else f"{value / MiB:,.1f}"


def machine() -> str:
    import torch
    import torchinfo
    import torchvision

    cpu = platform.processor() or platform.machine()
    try:
        names = [ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                 if ln.startswith("model name")]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return (f"{cpu}, {os.cpu_count()} cores ({torch.get_num_threads()} torch threads), {platform.machine()}, "
            f"Python {platform.python_version()}, torch {torch.__version__}, torchvision {torchvision.__version__}, "
            f"torchinfo {torchinfo.__version__}; load average at the start {load} (the machine is shared: timings "
            f"are noisy, bytes are exact)")


def timed(fn: Any, repeat: int) -> tuple[Any, float]:
    """fn()'s result and the median wall time of `repeat` calls."""
    times, result = [], None
    for _ in range(max(repeat, 1)):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return result, statistics.median(times)


def torchinfo_total(model: Any, shapes: list[tuple[int, ...]]) -> tuple[int | None, str]:
    """torchinfo's Estimated Total Size, in bytes: input + forward/backward pass (2 × leaf outputs) + params."""
    import torchinfo

    try:
        stats = torchinfo.summary(copy.deepcopy(model), input_size=shapes if len(shapes) > 1 else shapes[0],
                                  verbose=0, device="cpu")
    except Exception as err:  # a model torchinfo cannot summarise: say so in the table
        return None, f"torchinfo failed: {str(err).strip().splitlines()[0][:60] if str(err).strip() else err}"
    total = int(stats.total_input) + int(stats.total_output_bytes) + int(stats.total_param_bytes)
    return total, ""


def measure(name: str, batch: int, optimizer: str, amp: str | None, foreach: bool, repeat: int, memory: str,
            do_fit: bool) -> Row:
    import torch

    import cnncalc
    from cnncalc.analysis.analyze import subject_for
    from cnncalc.analysis.inputs import materialize

    memtrack = importlib.import_module("memtrack")

    report, cnncalc_s = timed(lambda: cnncalc.analyze(name, train=True, optimizer=optimizer, amp=amp, batch=batch,
                                                      foreach=foreach), repeat)
    training = report.training
    subject = subject_for(name, batch=batch)
    args, kwargs = materialize(subject.inputs, "cpu", torch.float32, 0)
    if kwargs:
        raise SystemExit(f"{name}: keyword inputs are not supported by this benchmark")
    model = subject.real(0)
    shapes = [tuple(int(d) for d in a.shape) for a in args]
    params = sum(p.numel() * p.element_size() for p in model.parameters())
    buffers = sum(b.numel() * b.element_size() for b in model.buffers())

    opt_kwargs: dict[str, Any] = {"foreach": foreach} if optimizer != "none" else {}
    fake, fake_s = timed(lambda: memtrack.measure_training_step_fake(model, args, optimizer=optimizer, amp=amp,
                                                                     optimizer_kwargs=opt_kwargs), repeat)
    real = memtrack.measure_training_step(model, args, optimizer=optimizer, amp=amp, optimizer_kwargs=opt_kwargs)
    info, info_note = torchinfo_total(model, shapes)
    row = Row(name, batch, optimizer, amp, " + ".join("x".join(map(str, s)) for s in shapes), params, buffers,
              training.peak_bytes, training.peak_phase, cnncalc_s, fake.peak_bytes, fake_s, real.peak_bytes,
              real.phase, real.seconds, info, info_note, ACCELERATE_RULE * (params + buffers), foreach)
    if do_fit:
        start = time.perf_counter()
        try:
            fitted = cnncalc.fit(name, memory, train=True, optimizer=optimizer, amp=amp, foreach=foreach)
            row.fit_batch, row.fit_s = fitted.max_batch, time.perf_counter() - start
            row.fit_note = "traced batches " + ", ".join(str(b) for b, _ in fitted.searched)
        except cnncalc.CnncalcError as err:
            row.fit_s, row.fit_note = time.perf_counter() - start, str(err)[:80]
    return row


def whole_process(runs: int, memory: str) -> tuple[float, float, list[float], list[float]]:
    """Medians of `cnncalc fit resnet50 --memory M` and `cnncalc analyze resnet50`, each a fresh process."""
    exe = Path(sys.executable).with_name("cnncalc")
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "cnncalc"]
    fit_cmd = [*command, "fit", "resnet50", "--memory", memory]
    analyze_cmd = [*command, "analyze", "resnet50"]

    def wall(cmd: list[str]) -> float:
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
        return time.perf_counter() - start

    wall(fit_cmd)  # warm the file cache (imports, the catalogue) for both
    wall(analyze_cmd)
    fits, analyses = [], []
    for _ in range(runs):  # alternated, so that a burst of load on the shared machine hits both
        fits.append(wall(fit_cmd))
        analyses.append(wall(analyze_cmd))
    return statistics.median(fits), statistics.median(analyses), fits, analyses


def tables(rows: list[Row], memory: str) -> list[str]:
    out = ["**Peak memory of the steady-state training step** (MiB = 2²⁰ B; the error is against the real step "
           "measured by MemTracker)", "",
           "| model | input | optimizer | MemTracker, real step (B) | MiB | cnncalc (B) | MiB | cnncalc − real (B) "
           f"| cnncalc error | within {TARGET_PCT:g}% | peak phase (cnncalc / real) |",
           "|---|---|---|---:|---:|---:|---:|---:|---:|:-:|---|"]
    for r in rows:
        ok = "yes" if abs(r.cnncalc - r.real) <= TARGET_PCT / 100 * r.real else "**no**"
        out.append(f"| `{r.model}` | {r.input_shape} | {r.label} | {r.real:,} | {mib(r.real)} | {r.cnncalc:,} | "
                   f"{mib(r.cnncalc)} | {diff(r.cnncalc, r.real)} | {pct(r.cnncalc, r.real, 3)} | {ok} | "
                   f"{r.cnncalc_phase} / {r.real_phase} |")
    worst = max(rows, key=lambda r: abs(r.cnncalc - r.real) / r.real)
    within = sum(abs(r.cnncalc - r.real) <= TARGET_PCT / 100 * r.real for r in rows)
    off = [f"`{r.model}` {r.label} {r.cnncalc - r.real:+,} B" for r in rows if r.cnncalc != r.real]
    fake_off = [f"`{r.model}` {r.label} {r.fake - r.real:+,} B" for r in rows if r.fake != r.real]
    out += ["", f"cnncalc is within {TARGET_PCT:g}% of the measurement on {within} of {len(rows)} rows; the largest "
            f"error is {pct(worst.cnncalc, worst.real, 3)} (`{worst.model}`, {worst.label}). Byte-exact on "
            f"{sum(r.cnncalc == r.real for r in rows)} rows; off by: {'; '.join(off) or 'none'}. MemTracker's fake "
            f"run differs from its real run on: {'; '.join(fake_off) or 'none'}."]
    out += ["", "**Time to get the figure, and the other estimates** (seconds of wall time in-process — cnncalc and "
            "the fake run: median of the calls, the real step: one measurement of its two steps under MemTracker, "
            "model copy included; MiB; errors against the real step)", "",
            "| model | optimizer | cnncalc s | MemTracker fake MiB | fake − cnncalc (B) | fake s | real step s "
            "| torchinfo MiB | torchinfo error | 16 B/param MiB | rule error |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        info = mib(r.torchinfo) if r.torchinfo is not None else r.torchinfo_note
        out.append(f"| `{r.model}` | {r.label} | {r.cnncalc_s:.2f} | {mib(r.fake)} | {diff(r.fake, r.cnncalc)} | "
                   f"{r.fake_s:.2f} | {r.real_s:.2f} | {info} | {pct(r.torchinfo, r.real)} | {mib(r.rule)} | "
                   f"{pct(r.rule, r.real)} |")
    fitted = [r for r in rows if r.fit_s is not None]
    if fitted:
        out += ["", f"**`cnncalc.fit(name, {memory!r}, train=True, …)`** in-process (one call each)", "",
                "| model | optimizer | input at batch 1 | largest batch | seconds | note |",
                "|---|---|---|---:|---:|---|"]
        for r in fitted:
            shape = "x".join(["1", *r.input_shape.split("x")[1:]]) if "+" not in r.input_shape else r.input_shape
            batch = "–" if r.fit_batch is None else f"{r.fit_batch:,}"
            out.append(f"| `{r.model}` | {r.label} | {shape} | {batch} | {r.fit_s:.2f} | {r.fit_note} |")
    return out


NOTES = """## Where the tools differ

- **MemTracker** is the measurement: it sees every op output's storage from the moment it is made to the
  moment it is freed, so its peak is exact for tensor storage. It does not see memory allocated inside a kernel
  while it runs (oneDNN workspaces, im2col buffers): neither does cnncalc, which reports storage as
  `torch.cuda.max_memory_allocated` counts it. On a GPU the CUDA context, the caching allocator's slack and
  cuDNN workspaces come on top of all the figures here.
- **MemTracker on FakeTensorMode** is the same harness without data: fake storages have the real sizes, so it
  gives the real run's bytes at a fraction of its time, with one known exception: under autocast torch's meta
  kernel of batch norm returns its saved mean and inverse std in bf16 where the CPU kernel keeps them in fp32,
  so the fake run is low by 2 B per channel per such tensor alive at the peak. It needs the model built with
  real-shaped parameters in Python, and gives a total and categories, not a per-module breakdown.
- **torchinfo** runs one eval-mode forward and adds up the input, twice the outputs of the leaf layers that
  have parameters ("forward/backward pass size": each output and its gradient) and the parameters once. It has
  no optimizer state and no weight gradients, counts no output of parameter-free layers (ReLU, pooling,
  residual adds, attention's matmuls), treats every output as kept to the end, and knows nothing of what is
  freed when, of the backward's temporaries or of the optimizer step's. It does not apply autocast either.
  Its figure is reported as it prints it; it is not meant as a training peak, and its errors go both ways
  (over on CNNs whose every conv output it counts twice, far under on a ViT whose attention it does not see).
- **The 16 B/param rule** (accelerate `estimate-memory`: when training with Adam expect about 4× the model's
  size — 1× weights, 1× gradients, 2× optimizer state; here 4 × the fp32 bytes of parameters and buffers)
  counts no activation at all and no optimizer temporaries (AdamW's `sqrt`/`div`: with foreach, one more
  copy of every parameter at once; with the for-loop, a few copies of the largest parameter). It is a lower
  bound: nearest where the parameters dominate and the peak is in the optimizer step, far off where
  activations dominate (large inputs or batches, small models such as mobilenet_v2 and efficientnet_b0).
  Under autocast the master weights, gradients and optimizer state stay fp32, so the fp32 rule still applies.
- **cnncalc** traces one steady-state step on fake tensors (the CPU's kernels and autocast casts, the
  optimizer in the form asked: foreach by default, `foreach=False` / `--for-loop` for the per-parameter
  loop; the MemTracker runs here are given the same) and counts storage op by op like MemTracker, so it
  should agree with it to the byte or nearly. `cnncalc fit` traces batches 1 and 2, takes the live bytes
  after every op as lines in the batch, and confirms the answer and the batch above it with two more traces.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", help="comma-separated names, NAME or NAME=BATCH (default: "
                        + ",".join(f"{k}={v}" for k, v in DEFAULT_MODELS.items()) + ")")
    parser.add_argument("--batch", type=int, help="one batch for every model (overrides the defaults)")
    parser.add_argument("--optimizer", default="adamw", help="sgd, momentum, adam, adamw or none (default adamw)")
    parser.add_argument("--foreach", action=argparse.BooleanOptionalAction, default=True,
                        help="the optimizer's multi-tensor form, cnncalc's default (PyTorch's on CUDA); "
                        "--no-foreach: the for-loop, PyTorch's default on the CPU. Both sides run the same one")
    parser.add_argument("--amp", choices=["bf16", "fp16"], help="CPU autocast for every row")
    parser.add_argument("--bf16-row", default="resnet18", help="also one bf16 autocast row of this model "
                        "(default resnet18; 'none' to skip; skipped when --amp is given)")
    parser.add_argument("--memory", default="24GiB", help="the budget of the fit timings (default 24GiB)")
    parser.add_argument("--repeat", type=int, default=3, help="calls per in-process timing, median (default 3)")
    parser.add_argument("--process-runs", type=int, default=3, help="runs of each whole-process command (default 3)")
    parser.add_argument("--no-fit", action="store_true", help="skip the fit timings and the whole-process target")
    parser.add_argument("--quick", action="store_true",
                        help="resnet18 and mobilenet_v2 at batch 2, one call per timing, no bf16 row")
    parser.add_argument("--markdown", type=Path, help="also write the document here")
    args = parser.parse_args()

    warnings.simplefilter("ignore")
    sys.path.insert(0, str(ROOT / "tests" / "helpers"))
    sys.path.insert(0, str(ROOT))
    if args.quick:
        args.repeat, args.process_runs, args.bf16_row = 1, 1, "none"
    models = dict(QUICK_MODELS if args.quick else DEFAULT_MODELS)
    if args.models:
        models = {}
        for item in args.models.split(","):
            name, _, batch = item.partition("=")
            models[name.strip()] = int(batch) if batch else DEFAULT_MODELS.get(name.strip(), 4)
    if args.batch:
        models = dict.fromkeys(models, args.batch)
    runs: list[tuple[str, int, str | None]] = [(n, b, args.amp) for n, b in models.items()]
    if not args.amp and args.bf16_row.lower() != "none":
        runs.append((args.bf16_row, models.get(args.bf16_row, DEFAULT_MODELS.get(args.bf16_row, 4)), "bf16"))
    command = " ".join(["python benchmarks/training.py", *map(shlex.quote, sys.argv[1:])])

    info = machine()
    print(f"# {info}\n# {command}", flush=True)
    import cnncalc

    start = time.perf_counter()
    # warm-up: imports, dispatch caches
    cnncalc.analyze("resnet18", train=True, optimizer=args.optimizer, batch=1, foreach=args.foreach)
    print(f"# warm-up analyze(resnet18, train=True): {time.perf_counter() - start:.2f} s", flush=True)

    rows: list[Row] = []
    for name, batch, amp in runs:
        row = measure(name, batch, args.optimizer, amp, args.foreach, args.repeat, args.memory, not args.no_fit)
        rows.append(row)
        print(f"{name:<16} {row.input_shape:<14} {row.label:<20} real {row.real:>14,}  cnncalc {row.cnncalc:>14,} "
              f"({pct(row.cnncalc, row.real)}, {row.cnncalc_s:.2f} s)  fake {row.fake:>14,} ({row.fake_s:.2f} s)  "
              f"real step {row.real_s:.2f} s  torchinfo {row.torchinfo or 0:>14,} ({pct(row.torchinfo, row.real)})  "
              f"16B/param {row.rule:>14,} ({pct(row.rule, row.real)})  "
              + (f"  fit {row.fit_batch} in {row.fit_s:.2f} s" if row.fit_s is not None else ""), flush=True)

    lines = tables(rows, args.memory)
    target = ""
    if not args.no_fit:
        fit_s, analyze_s, fits, analyses = whole_process(args.process_runs, args.memory)
        ratio = fit_s / analyze_s
        target = (f"**Whole process** (fresh interpreter each, median of {args.process_runs}, alternated, after one "
                  f"warm-up of each): `cnncalc fit resnet50 --memory {args.memory}` {fit_s:.2f} s "
                  f"({', '.join(f'{t:.2f}' for t in fits)}), `cnncalc analyze resnet50` {analyze_s:.2f} s "
                  f"({', '.join(f'{t:.2f}' for t in analyses)}): ratio **{ratio:.2f}×** (target ≤ 2×: "
                  f"{'met' if ratio <= 2 else 'NOT met'}).")
        lines += ["", target]
    print("\n" + "\n".join(lines), flush=True)

    if args.markdown:
        intro = __doc__.split("\n\n", 2)[2].strip()
        text = "\n".join([
            "# Training-step memory: cnncalc against MemTracker, torchinfo and the 16 B/param rule", "",
            "How close cnncalc's predicted training peak comes to the measured one, and what the other ways of "
            "getting a number cost and leave out.", "",
            intro, "",
            f"Machine: {info}.", "",
            f"Regenerate with: `{command}` (from the repository root, with the project's virtual environment).", "",
            *lines, "",
            NOTES,
        ])
        args.markdown.write_text(text, encoding="utf-8")
        print(f"# wrote {args.markdown}", flush=True)


if __name__ == "__main__":
    main()
