"""Timing forward passes: warm-up, the cold call apart, CUDA events around back-to-back calls on GPU
(one synchronize at the end), perf_counter on the CPU; repeat until a minimum time has passed."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import torch

from cnncalc.profiling.stats import Stats, summarize


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
