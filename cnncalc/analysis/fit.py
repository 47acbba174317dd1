"""`fit(model, memory)`: the largest batch whose predicted peak memory fits a budget.

The peak of a training step (or of inference) is traced, not estimated: each batch size tried is one more
trace without data (well under a second, whatever the batch). After every op the live bytes are a sum of
tensors whose sizes are linear in the batch, so two traces (batches 1 and 2) give each op's live bytes as a
line, and the peak at any batch is the largest of those lines: the answer follows in closed form. The batch
it names and the next one up are then traced to confirm it (and for their breakdowns); where a model's ops
change with the batch and the lines are off, a search on traced points takes over (lines through the two
traced batches nearest the answer, phase by phase, and bisection when they stall).

Peaks count tensor storage, as torch.cuda.max_memory_allocated does: the CUDA context, the caching
allocator's slack and kernels' internal workspaces come on top.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from cnncalc.analysis.analyze import (
    StepSpec,
    Subject,
    subject_for,
    trace_subject,
    trace_training,
)
from cnncalc.analysis.memory import CATEGORIES
from cnncalc.analysis.report import FitPoint, FitReport, fit_summary
from cnncalc.dtypes import DType, parse_dtype
from cnncalc.errors import CnncalcError
from cnncalc.inputs import InputSpec

#: the largest batch the search tries when memory does not grow with the batch
MAX_BATCH = 1 << 20
_UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4, "kib": 1024, "mib": 1024**2,
          "gib": 1024**3, "tib": 1024**4, "kb": 1000, "mb": 1000**2, "gb": 1000**3, "tb": 1000**4}


def parse_bytes(text: str | int) -> int:
    """'24GiB' → 25,769,803,776; GiB/MiB/KiB and the bare G/M/K are binary, GB/MB/KB decimal; '24e9' is bytes."""
    if isinstance(text, int) and not isinstance(text, bool):
        if text < 1:
            raise CnncalcError(f"memory {text} is not allowed: it must be positive")
        return text
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([a-zA-Z]*)\s*", str(text))
    unit = match.group(2).lower() if match else ""
    if not match or unit not in _UNITS:
        raise CnncalcError(f"memory={text!r} is malformed: expected a size such as 24GiB, 16GB, 80G, 512MiB or 24e9 "
                           f"(GiB, MiB, KiB and the bare G, M, K are binary; GB, MB, KB decimal)")
    value = int(float(match.group(1)) * _UNITS[unit])
    if value < 1:
        raise CnncalcError(f"memory={text!r} is not allowed: it must be positive")
    return value


def _batched(subject: Subject, batch: int) -> Subject:
    def resized(item: Any) -> Any:
        return replace(item, spec=replace(item.spec, shape=(batch, *item.spec.shape[1:]))) if item.value is None \
            else item

    return replace(subject, inputs=replace(subject.inputs, positional=tuple(map(resized, subject.inputs.positional)),
                                           keywords=tuple(map(resized, subject.inputs.keywords))))


def _point(subject: Subject, batch: int, dt: DType, spec: StepSpec | None) -> tuple[FitPoint, list[int]]:
    """Trace one batch size: a training step (memory only), or inference (parameters and buffers
    resident). Also the live bytes after every op."""
    batched = _batched(subject, batch)
    if spec is not None:
        step = trace_training(batched, batched.module, dt, spec, counting=False, record=True)
        memory = step.run.tracer.memory
        breakdown = {k: memory.peak_by_category.get(k, 0) for k in CATEGORIES}
        at = memory.peak_at
        return FitPoint(batch, memory.peak, tuple((k, v) for k, v in breakdown.items() if v),
                        at.op if at else "", at.module if at else "", at.phase if at else "",
                        tuple(memory.phase_peaks.items())), memory.samples
    model, run, _ = trace_subject(batched, dt, worst_case=False)
    led = run.tracer.memory
    params = sum(int(p.numel()) * p.element_size() for p in model.parameters())
    buffers = sum(int(b.numel()) * b.element_size() for b in model.buffers())
    breakdown = {"params": params, "buffers": buffers, **{k: v for k, v in led.peak_by_category.items() if v}}
    at = led.peak_at
    total = params + buffers + led.peak
    return FitPoint(batch, total, tuple((k, v) for k, v in breakdown.items() if v),
                    at.op if at else "", at.module if at else "", "inference", (("inference", total),)), []


def linear_guess(one: list[int], two: list[int], budget: int, start: int = 1) -> int | None:
    """From the live bytes after every op at batches `start` and `start` + 1 (the same ops), the largest
    batch whose every op stays within the budget; None when the two traces ran different ops."""
    if not one or len(one) != len(two):
        return None
    best = MAX_BATCH
    for a1, a2 in zip(one, two, strict=True):
        slope = a2 - a1
        if slope > 0:
            best = min(best, start + (budget - a1) // slope)
    return max(best, 0)


def search(peaks: Callable[[int], dict[str, int]], budget: int, first: int | None = None,
           start: int = 1) -> tuple[int, list[int]]:
    """The largest batch b ≥ `start` whose peak (the largest of the phases' peaks `peaks(b)`) fits `budget`
    (0 when `start` does not); and the batches traced, in order.

    Each phase's peak is close to linear in the batch (the op where it happens rarely moves), while the
    overall peak bends where another phase takes over: so each guess takes a line per phase through the two
    traced batches nearest the answer, and the first batch where any line crosses the budget. When two
    guesses in a row land on the same side of the answer, the next one bisects the bracket."""
    tried: dict[int, dict[str, int]] = {}

    def top(b: int) -> int:
        if b not in tried:
            tried[b] = peaks(b)
        return max(tried[b].values())

    if top(start) > budget:
        return 0, list(tried)
    top(start + 1)
    if first is not None and first > start:  # the closed-form answer: confirm it and the batch after
        top(first)
        if first < MAX_BATCH:
            top(first + 1)
    sides: list[bool] = []
    while True:
        fitting = sorted(b for b in tried if top(b) <= budget)
        failing = sorted(b for b in tried if top(b) > budget)
        lo, hi = fitting[-1], (failing[0] if failing else 0)
        if hi and hi - lo <= 1:
            return lo, list(tried)
        a, b = (lo, hi) if hi else (fitting[-2] if len(fitting) > 1 else lo, lo)
        guess = _crossing(tried[a], tried[b], a, b, budget) if a != b else 2 * lo
        upper = hi if hi else MAX_BATCH + 1
        stalled = len(sides) >= 2 and sides[-1] == sides[-2]
        if hi and guess == lo and lo + 1 not in tried:
            guess = lo + 1  # the lines say lo is the answer: check the batch above it
        elif hi and (stalled or not lo < guess < hi or guess in tried):
            guess = (lo + hi) // 2
        elif not hi and (not lo < guess < upper or guess in tried):
            # the lines say lo is the answer: check the next batch up, then double
            guess = lo + 1 if lo + 1 not in tried else min(2 * lo, MAX_BATCH)
        if guess in tried:
            return lo, list(tried)
        sides.append(top(guess) <= budget)
        if guess == MAX_BATCH and sides[-1]:
            return MAX_BATCH, list(tried)


def _crossing(pa: dict[str, int], pb: dict[str, int], a: int, b: int, budget: int) -> int:
    """The largest batch where no phase's line through (a, pa) and (b, pb) exceeds the budget."""
    best = MAX_BATCH
    for phase in pa.keys() & pb.keys():
        slope = (pb[phase] - pa[phase]) / (b - a)
        if slope > 0:
            best = min(best, b + int((budget - pb[phase]) // slope))
    return best


def fit(model: Any, memory: str | int | None = None, *, device: str | None = None, train: bool = True,
        optimizer: str | None = None, amp: str | None = None, inputs: Sequence[Any] | None = None,
        dtype: DType | str = DType.float32, foreach: bool | None = None) -> FitReport:
    """The largest batch of `model` whose predicted peak (a training step with `optimizer` and `amp`, or
    inference) fits a budget: `memory` bytes ('24GiB', '16GB', 24e9, …) or the memory of a `device` (a GPU by
    name: 'h100', 'a100-40gb', '4090', … from its datasheet, or 'cuda[:N]', the GPU present), one of them. The
    batch is the first dimension of every input. `foreach`: the optimizer's multi-tensor implementation
    (PyTorch's default on CUDA, and the default here), else one parameter at a time. Raises when not even the
    smallest batch fits."""
    from cnncalc.analysis.training import DEFAULT_OPTIMIZER, parse_amp, parse_optimizer

    if (memory is None) == (device is None):
        raise CnncalcError("give the budget as memory= (a size, e.g. '24GiB') or device= (a GPU, e.g. 'h100'), "
                           "one of them")
    if not train and (optimizer is not None or amp is not None or foreach is not None):
        raise CnncalcError("optimizer=, amp= and foreach= describe a training step: drop train=False")
    if memory is not None:
        budget, memory_source = parse_bytes(memory), f"{memory} as given"
    else:
        from cnncalc.devices import device_memory

        budget, memory_source = device_memory(str(device))
    dt = parse_dtype(dtype)
    spec = StepSpec(parse_optimizer(optimizer or DEFAULT_OPTIMIZER), parse_amp(amp),
                    foreach is not False) if train else None
    subject = subject_for(model, inputs=inputs)
    model_on_meta, _, real = trace_subject(subject, dt, worst_case=False)
    if real is not None:
        raise CnncalcError(f"{subject.name}: {real.op} in {real.module} depends on values, so its memory cannot be "
                           f"traced without data at every batch size; fit needs a model that runs on meta tensors")
    subject = replace(subject, module=model_on_meta)
    points: dict[int, FitPoint] = {}
    samples: dict[int, list[int]] = {}

    def peaks(b: int) -> dict[str, int]:
        if b not in points:  # each batch is traced once
            points[b], samples[b] = _point(subject, b, dt, spec)
        return dict(points[b].phase_peaks)

    start = 1
    try:
        peaks(1)
    except CnncalcError as err:  # batch norm in train mode needs more than one value per channel
        if "more than 1 value per channel" not in str(err):
            raise
        start = 2
        peaks(2)
    peaks(start + 1)
    guess = None
    if points[start].peak_bytes <= budget:
        guess = linear_guess(samples[start], samples[start + 1], budget, start)
    best, order = search(peaks, budget, guess, start)
    following = max(best + 1, start) if best < MAX_BATCH else best  # the first batch that does not fit
    for b in (best, following):
        if b >= 1 and b not in points:
            peaks(b)
    note = "memory does not grow with the batch" if best == MAX_BATCH else (
        "batch 1 cannot train (batch norm needs more than one value per channel): the search starts at 2"
        if start == 2 else "")
    shapes = tuple(i.spec.text() if isinstance(i.spec, InputSpec) else "" for i in subject.inputs.all)
    report = FitReport(subject.name, budget, memory_source, "training" if train else "inference",
                       spec.optimizer.value if spec else None, spec.amp if spec else None, dt.value, shapes, best,
                       points.get(best), points[following], tuple((b, points[b].peak_bytes) for b in order), note,
                       spec.foreach if spec else True)
    if report.max_batch == 0:
        raise CnncalcError(fit_summary(report))
    return report
