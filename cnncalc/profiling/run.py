"""`profile(model, device=…, batch=…)`: timed forward passes beside the analytic cost and the roofline."""

from __future__ import annotations

import contextlib
import resource
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from functools import partial
from typing import Any

import torch
from torch import nn

from cnncalc.analysis.analyze import make_report, op_costs, subject_for, trace_subject
from cnncalc.analysis.inputs import materialize
from cnncalc.analysis.report import Costs
from cnncalc.devices import TORCH_DTYPES, check_amp, check_dtype, device_peaks, resolve_device
from cnncalc.dtypes import DType, parse_dtype
from cnncalc.errors import CnncalcError
from cnncalc.latency import measure
from cnncalc.profiling.report import LayerTime, ProfileReport, Run, Settings
from cnncalc.profiling.roofline import bound_ms, op_bound
from cnncalc.profiling.timing import synchronize, time_calls

Progress = Callable[[str, float], None]


def parse_batches(text: str | Sequence[int]) -> tuple[int, ...]:
    """'1,8,32' → (1, 8, 32); every batch ≥ 1."""
    items = [str(b).strip() for b in (text.split(",") if isinstance(text, str) else text)]
    try:
        batches = tuple(int(b) for b in items)
    except ValueError:
        raise CnncalcError(f"batch={text!r} is malformed: expected sizes joined by commas, e.g. 1,8,32") from None
    if not batches or any(b < 1 for b in batches):
        raise CnncalcError(f"batch={text!r}: every batch size must be ≥ 1")
    return batches


def _status_bytes(field: str) -> int:
    """A size from /proc/self/status (VmRSS, VmHWM) in bytes; the peak from getrusage elsewhere."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            fields = dict(line.split(":", 1) for line in f if ":" in line)
        return int(fields[field].split()[0]) * 1024
    except (OSError, KeyError, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _rss_reset() -> int:
    """Reset the peak resident set (Linux: /proc/self/clear_refs) and return the current one, in bytes."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
            f.write("5")
    except OSError:
        pass
    return _status_bytes("VmRSS")


def _rss_peak() -> int:
    return _status_bytes("VmHWM")


@contextmanager
def _cudnn_benchmark(on: bool) -> Any:
    before = torch.backends.cudnn.benchmark
    torch.backends.cudnn.benchmark = on
    try:
        yield
    finally:
        torch.backends.cudnn.benchmark = before


def _is_oom(err: BaseException) -> bool:
    return isinstance(err, torch.cuda.OutOfMemoryError) or "out of memory" in str(err).lower() or \
        "can't allocate memory" in str(err).lower()


def profile(model: nn.Module | str, device: str = "cpu", batch: str | Sequence[int] = (1,),
            dtype: DType | str = DType.float32, input_shape: Sequence[int] | None = None,
            inputs: Sequence[Any] | None = None,
            channels_last: bool = False, compile: bool = False, warmup: int = 10, min_time: float = 1.0,
            per_layer: bool = False, peak_tflops: float | None = None, peak_bandwidth: float | None = None,
            progress: Progress | None = None, train: bool = False, optimizer: str | None = None,
            amp: str | None = None, threads: int | None = None, predict: Any = None) -> ProfileReport:
    """Time the model's forward pass at each batch size and set it beside its cost and roofline bound; with
    `train`, whole training steps (forward, backward, the `optimizer`'s step under `amp`) beside the traced
    step's cost, roofline and predicted peak memory. `threads`: CPU threads (torch.set_num_threads; default:
    torch's). `predict` (a latency profile of this kind of device, a file
    or a shipped name) sets each forward's predicted latency beside the measured one, per layer too. On the CPU the
    runs are timed with subnormal floats flushed to zero, and beside a prediction with freed memory kept for reuse
    as calibration measures (glibc's malloc thresholds at 1 GiB, for the rest of the process: later runs in it are
    measured so too, and say so); the heap's free memory is handed back before each batch (malloc_trim), so that
    the resident set's growth is that batch's peak."""
    from cnncalc.analysis.analyze import StepSpec, trace_training
    from cnncalc.analysis.training import DEFAULT_OPTIMIZER, parse_amp, parse_optimizer
    from cnncalc.profiling.training import make_step, measured_peak

    dev = resolve_device(device)
    dt = parse_dtype(dtype)
    batches = parse_batches(batch)
    if threads is not None:
        if threads < 1:
            raise CnncalcError(f"threads={threads} must be ≥ 1")
        torch.set_num_threads(threads)
    if warmup < 0 or min_time <= 0:
        raise CnncalcError(f"warmup={warmup}, min_time={min_time}: warmup must be ≥ 0 and min_time > 0")
    check_dtype(dev, dt)
    subject = subject_for(model, input_shape, inputs)
    name = subject.name
    shape = subject.inputs.positional[0].spec.shape if subject.inputs.positional else ()
    torch_dtype = TORCH_DTYPES[dt]
    memory_format = torch.channels_last if channels_last else torch.contiguous_format
    # the prediction uses the optimizer implementation PyTorch picks on this device, as the timed steps do
    spec = StepSpec(parse_optimizer(optimizer or DEFAULT_OPTIMIZER), parse_amp(amp),
                    foreach=dev.type == "cuda") if train else None
    if (optimizer or amp) and not train:
        raise CnncalcError("optimizer= and amp= describe a training step: add train=True")
    if spec is not None and spec.amp is not None:
        check_amp(dev, spec.amp)
    if spec is not None and (compile or per_layer):
        raise CnncalcError("train=True times whole training steps: compile=True and per_layer=True time inference only")
    prof, notes = _prediction(predict, dev, dt, channels_last, spec is not None)
    on_cpu = dev.type == "cpu"
    # beside a prediction, the runs are measured as calibration measured the profile: freed memory kept for reuse
    if on_cpu and prof is not None:
        measure.steady_allocator()
    with measure.flushed_subnormals() as flushes:  # whether this CPU can: said in the settings
        pass
    real = subject.real(0).eval().to(device=dev, dtype=torch_dtype)
    if spec is not None:
        real.train()
    if channels_last:
        real = real.to(memory_format=memory_format)
    runner: Any = torch.compile(real) if compile else real
    peaks = device_peaks(dev, peak_tflops, peak_bandwidth)
    on_cuda = dev.type == "cuda"
    settings = Settings(
        device=str(dev), threads=torch.get_num_threads() if dev.type == "cpu" else None,
        cudnn_benchmark=True if on_cuda else None,
        tf32_conv=torch.backends.cudnn.allow_tf32 if on_cuda else None,
        tf32_matmul=torch.backends.cuda.matmul.allow_tf32 if on_cuda else None,
        channels_last=channels_last, compiled=compile, warmup=warmup, min_time=min_time,
        flush_subnormals=flushes if on_cpu else None, steady_heap=measure.steady_heap() if on_cpu else None)
    runs = []
    layers: tuple[LayerTime, ...] = ()
    grad_mode = torch.inference_mode() if spec is None else contextlib.nullcontext()
    flushed = measure.flushed_subnormals() if on_cpu and flushes else contextlib.nullcontext()
    with _cudnn_benchmark(on_cuda), grad_mode, flushed:
        for b in batches:
            batch_subject = subject_for(model, input_shape, inputs, batch=b)
            with torch.inference_mode(False):
                traced, run, _ = trace_subject(batch_subject, dt, keep_calls=prof is not None)
                step_run = trace_training(batch_subject, traced, dt, spec) if spec is not None else None
            tracer = step_run.run.tracer if step_run is not None else run.tracer
            prediction = None
            if step_run is not None:
                costs = sum((op_costs(op) for op in tracer.ops), Costs())
            else:
                model_report = make_report(traced, run, batch_subject, dt)
                costs = model_report.total.costs
                if prof is not None:
                    from cnncalc.latency.predict import from_trace

                    prediction = from_trace(traced, run, model_report, prof, dt.value)
                    notes += _not_predicted(prediction, b, notes)
            predicted = step_run.run.tracer.memory.peak if step_run is not None else None
            roofline = bound_ms(tracer.ops, dt, peaks, on_cuda)
            label = f"{name} batch {b}"
            try:
                args, kwargs = materialize(batch_subject.inputs, str(dev), torch_dtype)
                if channels_last:
                    args = [a.contiguous(memory_format=memory_format) if isinstance(a, torch.Tensor) and a.dim() == 4
                            else a for a in args]
                report_progress = partial(progress, label) if progress else None
                if spec is not None:
                    step, opt = make_step(real, args, kwargs, spec.optimizer, spec.amp, dev)
                    stats = time_calls(step, dev, warmup, min_time, progress=report_progress)
                    peak, source = measured_peak(step, real, opt, args, kwargs, dev)
                    runs.append(Run(b, dt.value, stats, costs.macs, costs.flops, costs.traffic_bytes, peak, roofline,
                                    predicted_peak_bytes=predicted, peak_source=source))
                    continue
                if on_cuda:
                    torch.cuda.reset_peak_memory_stats(dev)
                    base = torch.cuda.memory_allocated(dev)
                else:
                    measure.release_heap()  # what earlier batches freed, so that the resident set grows by this one's
                    base = _rss_reset()
                stats = time_calls(partial(runner, *args, **kwargs), dev, warmup, min_time, progress=report_progress)
                peak = (torch.cuda.max_memory_allocated(dev) - base) if on_cuda else max(0, _rss_peak() - base)
                runs.append(Run(b, dt.value, stats, costs.macs, costs.flops, costs.traffic_bytes, peak, roofline,
                                predicted_ms=prediction.latency_ms if prediction else None))
                if per_layer and not layers:
                    layers = time_layers(real, args, kwargs, dev, tracer, dt, peaks, prediction)
            except Exception as err:  # an out-of-memory batch is reported and the others go on
                if not _is_oom(err):
                    raise CnncalcError(f"{name} batch {b} on {dev} failed: {str(err).splitlines()[0]}") from err
                runs.append(Run(b, dt.value, None, costs.macs, costs.flops, costs.traffic_bytes, None, roofline,
                                error="out of memory", predicted_ms=prediction.latency_ms if prediction else None))
                if on_cuda:
                    torch.cuda.empty_cache()
            finally:
                if progress:
                    progress(label, 1.0)
    if all(r.error for r in runs):
        raise CnncalcError(f"{name} on {dev}: no batch size fitted in memory ({', '.join(map(str, batches))})")
    from cnncalc.latency.predict import profile_info

    return ProfileReport(name, shape, peaks, settings, tuple(runs), layers, "training" if spec else "inference",
                         spec.optimizer.value if spec else None, spec.amp if spec else None,
                         profile_info(prof) if prof else None, notes if prof else None)


def _prediction(predict: Any, device: torch.device, dtype: DType, channels_last: bool,
                train: bool) -> tuple[Any, tuple[str, ...]]:
    """The latency profile to predict the runs with (None without one) and its warnings."""
    if predict is None:
        return None, ()
    if train:
        raise CnncalcError("predict= predicts forward passes in eval: it does not go with train=True")
    from cnncalc.latency.predict import beside_measurement

    threads = torch.get_num_threads() if device.type == "cpu" else None
    return beside_measurement(predict, device.type, threads, dtype.value, channels_last)


def _not_predicted(prediction: Any, batch: int, notes: tuple[str, ...]) -> tuple[str, ...]:
    """A note for ops the profile has no model for (once: every batch has the same ops)."""
    if not prediction.not_predicted or any(n.startswith("not predicted") for n in notes):
        return ()
    listed = ", ".join(f"{n.op} ×{n.calls}" for n in prediction.not_predicted)
    return (f"not predicted (no model in the profile; the predictions leave them out): {listed}",)


def time_layers(model: nn.Module, args: list[Any], kwargs: dict[str, Any], device: torch.device, tracer: Any,
                dtype: DType, peaks: Any, prediction: Any = None, iterations: int = 20) -> tuple[LayerTime, ...]:
    """Each leaf module's time from hooks (CUDA events, no synchronize in the hooks; perf_counter on the
    CPU), median over iterations; beside its FLOPs, bytes and roofline bound from the trace, and its predicted
    time from `prediction` (a LatencyReport) when given."""
    import time

    on_cuda = device.type == "cuda"
    leaves = {m: n for n, m in model.named_modules() if n and not any(m.children())}
    marks: dict[str, list[Any]] = {n: [] for n in leaves.values()}
    pending: dict[int, Any] = {}

    def stamp() -> Any:
        if on_cuda:
            event = torch.cuda.Event(enable_timing=True)
            event.record()
            return event
        return time.perf_counter()

    def pre(module: nn.Module, _: Any) -> None:
        pending[id(module)] = stamp()

    def post(module: nn.Module, _: Any, __: Any) -> None:
        marks[leaves[module]].append((pending.pop(id(module)), stamp()))

    handles = [m.register_forward_pre_hook(pre) for m in leaves] + [m.register_forward_hook(post) for m in leaves]
    try:
        for _ in range(3):
            model(*args, **kwargs)
        for n in marks:
            marks[n].clear()
        for _ in range(iterations):
            model(*args, **kwargs)
        synchronize(device)
    finally:
        for h in handles:
            h.remove()
    predicted = {m.name: m.latency_ms for m in prediction.modules} if prediction is not None else {}
    per_module: dict[str, list[Any]] = {}
    for op in tracer.ops:
        per_module.setdefault(op.module, []).append(op)
    rows = []
    types = {n: type(m).__name__ for m, n in leaves.items()}
    for n, pairs in marks.items():
        if not pairs:
            continue
        elapsed = [(s.elapsed_time(e) if on_cuda else (e - s) * 1e3) for s, e in pairs]
        ms = sum(elapsed) / iterations
        ops = [op for key, group in per_module.items() if key == n or key.startswith(n + ".") for op in group]
        bounds = [op_bound(op, dtype, peaks, on_cuda) for op in ops]
        roofline = sum(b for b in bounds if b is not None) * 1e3 if bounds and None not in bounds else None
        rows.append(LayerTime(n, types[n], ms, sum(op.cost.flops for op in ops),
                              sum(op.traffic_bytes for op in ops), roofline,
                              predicted.get(n) if prediction is not None else None))
    return tuple(rows)
