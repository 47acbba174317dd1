"""Timing layer designs: each design's real module, timed with the same method as whole models."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

import torch

from cnncalc.devices import TORCH_DTYPES, check_dtype, resolve_device
from cnncalc.layers.options import LayerOptions
from cnncalc.layers.record import LayerRecord
from cnncalc.layers.registry import build_module
from cnncalc.profiling.report import DesignTiming
from cnncalc.profiling.timing import time_calls


def time_designs(records: Sequence[LayerRecord], base: LayerOptions, device: str = "cpu", warmup: int = 10,
                 min_time: float = 0.5, progress: Callable[[str, float], None] | None = None) -> list[DesignTiming]:
    dev = resolve_device(device)
    check_dtype(dev, base.dtype)
    timings = []
    with torch.inference_mode():
        for record in records:
            module, shape = build_module(record.name, base)
            module = module.to(device=dev, dtype=TORCH_DTYPES[base.dtype])
            x = torch.randn(shape, device=dev, dtype=TORCH_DTYPES[base.dtype])
            stats = time_calls(partial(module, x), dev, warmup, min_time,
                               progress=partial(progress, record.name) if progress else None)
            timings.append(DesignTiming(record.name, str(dev), torch.get_num_threads() if dev.type == "cpu" else None,
                                        stats))
    return timings
