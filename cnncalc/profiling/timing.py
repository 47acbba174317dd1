"""Timing forward passes: warm-up, the cold call apart, CUDA events around back-to-back calls on GPU
(one synchronize at the end), perf_counter on the CPU; repeat until a minimum time has passed."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

NOISY = 0.10


@dataclass(frozen=True)
class Stats:
    """Latency samples in milliseconds."""

    median: float
    p10: float
    p90: float
    min: float
    cold: float
    samples: int

    @property
    def spread(self) -> float:
        return (self.p90 - self.p10) / self.median if self.median else 0.0

    @property
    def noisy(self) -> bool:
        """(p90 − p10) / median above 10%."""
        return self.spread > NOISY

    def to_dict(self) -> dict[str, Any]:
        return {"median": self.median, "p10": self.p10, "p90": self.p90, "min": self.min, "cold": self.cold}


def quantile(sorted_values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks."""
    if len(sorted_values) == 1:
        return sorted_values[0]
    pos = q * (len(sorted_values) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def summarize(samples: list[float], cold: float) -> Stats:
    ordered = sorted(samples)
    return Stats(statistics.median(ordered), quantile(ordered, 0.1), quantile(ordered, 0.9), ordered[0], cold,
                 len(ordered))


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def time_calls(fn: Callable[[], Any], device: torch.device, warmup: int, min_time: float, min_samples: int = 5,
               max_samples: int = 10_000, progress: Callable[[float], None] | None = None) -> Stats:
    """Time `fn()`: the first (cold) call apart, `warmup` calls, then samples until `min_time` seconds."""
    synchronize(device)
    start = time.perf_counter()
    fn()
    synchronize(device)
    cold = (time.perf_counter() - start) * 1e3
    for _ in range(warmup):
        fn()
    synchronize(device)
    if device.type == "cuda":
        samples = _cuda_samples(fn, device, min_time, min_samples, max_samples, progress)
    else:
        samples = _host_samples(fn, device, min_time, min_samples, max_samples, progress)
    return summarize(samples, cold)


def _host_samples(fn: Callable[[], Any], device: torch.device, min_time: float, min_samples: int, max_samples: int,
                  progress: Callable[[float], None] | None) -> list[float]:
    samples: list[float] = []
    begin = time.perf_counter()
    while (time.perf_counter() - begin < min_time or len(samples) < min_samples) and len(samples) < max_samples:
        start = time.perf_counter()
        fn()
        synchronize(device)
        samples.append((time.perf_counter() - start) * 1e3)
        if progress:
            progress(min(1.0, (time.perf_counter() - begin) / min_time))
    return samples


def _cuda_samples(fn: Callable[[], Any], device: torch.device, min_time: float, min_samples: int,
                  max_samples: int, progress: Callable[[float], None] | None) -> list[float]:
    """Events before and after each call, calls back to back; the host waits only on an event 16 calls
    behind (so the GPU queue never drains and the samples are unaffected), one synchronize at the end."""
    events: list[tuple[torch.cuda.Event, torch.cuda.Event]] = []
    begin = time.perf_counter()
    while (time.perf_counter() - begin < min_time or len(events) < min_samples) and len(events) < max_samples:
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        events.append((start, end))
        if len(events) > 16:
            events[-16][1].synchronize()
        if progress:
            progress(min(1.0, (time.perf_counter() - begin) / min_time))
    torch.cuda.synchronize(device)
    return [s.elapsed_time(e) for s, e in events]
