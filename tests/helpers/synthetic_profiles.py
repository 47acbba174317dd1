"""Latency profiles made by hand, whose predictions are known exactly: every kind's time is a constant or a
straight line in bytes, the device's peaks are round numbers."""

from __future__ import annotations

import math

from cnncalc.latency.fitting import Constant, Curve, HeldOut, Model
from cnncalc.latency.profile import DeviceInfo, KindModel, Profile

NO_ERROR = HeldOut(0.0, 0.0, 0)


def per_byte(seconds_per_byte: float) -> Curve:
    """A curve of slope 1 in log-log space: time = bytes × seconds_per_byte, at every size."""
    return Curve((0.0, math.log(1e12)), (math.log(seconds_per_byte), math.log(1e12 * seconds_per_byte)))


def profile(kinds: dict[str, Model], *, module_call: float = 0.0, overhead: float = 1e-9, device: str = "cpu",
            name: str = "Test CPU", threads: int | None = 1, peak_flops: float = 1e10, bandwidth: float = 1e10,
            dtype: str = "float32", channels_last: bool = False, torch_version: str | None = None) -> Profile:
    """A profile with these kinds' models (each with a fixed cost of `overhead` seconds per call)."""
    import torch

    return Profile(DeviceInfo(device, name, threads, peak_flops, bandwidth), torch_version or torch.__version__,
                   dtype, channels_last, {k: KindModel(m, NO_ERROR, overhead) for k, m in kinds.items()},
                   {"module_call": module_call}, "2026-12-06T00:00:00+00:00", {}, "synthetic")


def constant(seconds: float) -> Constant:
    return Constant(seconds)
