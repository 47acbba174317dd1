"""Frozen records of a profile: per batch size, measured latency beside the analytic cost and roofline."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from cnncalc.datasheets import DevicePeaks
from cnncalc.latency.report import ProfileInfo
from cnncalc.notebook import Notebook
from cnncalc.profiling.stats import Stats
from cnncalc.serialize import serialized, spec, to_data


@dataclass(frozen=True)
class Settings:
    """How the runs were made: stated in every output."""

    device: str
    threads: int | None
    cudnn_benchmark: bool | None
    tf32_conv: bool | None
    tf32_matmul: bool | None
    channels_last: bool
    compiled: bool
    warmup: int
    min_time: float
    #: CPU runs: subnormal floats flushed to zero while timed (random weights can make them; trained ones rarely do)
    flush_subnormals: bool | None = None
    #: CPU runs in a process that keeps freed memory for reuse, as calibration measures: set beside a prediction,
    #: for the rest of the process (`cnncalc.latency.measure.steady_allocator`: glibc's malloc thresholds at 1 GiB)
    steady_heap: bool | None = None


@dataclass(frozen=True)
class Run:
    """One batch size: its measured latency beside its cost and roofline bound."""

    batch: int
    dtype: str
    latency: Stats | None = field(metadata=spec(key="latency_ms"))
    macs: int
    flops: int
    traffic_bytes: int
    peak_memory_bytes: int | None
    roofline_ms: float | None
    error: str | None = None
    #: training steps: the traced step's predicted peak, and how the measured peak was taken
    predicted_peak_bytes: int | None = None
    peak_source: str = ""
    #: with a latency profile: the forward's predicted median (`cnncalc.predict`) beside the measured one
    predicted_ms: float | None = field(default=None, metadata=spec(omit_none=True))

    @property
    @serialized(after="predicted_ms", omit_none=True)
    def prediction_error(self) -> float | None:
        """predicted ÷ measured median − 1 (+0.05: predicted 5% slower than measured)."""
        if self.predicted_ms is None or self.latency is None or not self.latency.median:
            return None
        return self.predicted_ms / self.latency.median - 1

    @property
    @serialized(after="latency")
    def samples(self) -> int:
        return self.latency.samples if self.latency else 0

    @property
    @serialized(after="samples")
    def noisy(self) -> bool | None:
        return self.latency.noisy if self.latency else None

    @property
    @serialized(after="noisy")
    def throughput(self) -> float | None:
        """Items per second at the median latency."""
        return self.batch / (self.latency.median / 1e3) if self.latency else None

    @property
    @serialized(after="macs_per_s")
    def flops_per_s(self) -> float | None:
        return self.flops / (self.latency.median / 1e3) if self.latency else None

    @property
    @serialized(after="flops")
    def macs_per_s(self) -> float | None:
        return self.macs / (self.latency.median / 1e3) if self.latency else None

    @property
    @serialized(after="roofline_ms", key="measured_over_roofline")
    def over_roofline(self) -> float | None:
        """Measured median ÷ roofline lower bound (≥ 1 unless the peaks are wrong)."""
        if self.latency is None or not self.roofline_ms:
            return None
        return self.latency.median / self.roofline_ms


@dataclass(frozen=True)
class LayerTime:
    """One module's measured time (with hook overhead) beside its analytic cost."""

    name: str
    type: str
    ms: float
    flops: int
    traffic_bytes: int
    roofline_ms: float | None
    #: with a latency profile: the module's predicted time (without hooks)
    predicted_ms: float | None = field(default=None, metadata=spec(omit_none=True))

    @property
    @serialized(after="traffic_bytes", key="arithmetic_intensity")
    def intensity(self) -> float:
        return self.flops / self.traffic_bytes if self.traffic_bytes else 0.0

    @property
    @serialized(after="intensity")
    def flops_per_s(self) -> float:
        return self.flops / (self.ms / 1e3) if self.ms else 0.0


@dataclass(frozen=True)
class ProfileReport(Notebook):
    """Timed forward passes (or training steps) of a model at each batch size, beside its cost, roofline and
    the device's peaks."""

    PYTHON: ClassVar[str] = "cnncalc.profile({model!r}, …)"

    model: str
    input_shape: tuple[int, ...]
    peaks: DevicePeaks = field(metadata=spec(skip=True))
    settings: Settings = field(metadata=spec(skip=True))
    runs: tuple[Run, ...]
    layers: tuple[LayerTime, ...] = field(default=(), metadata=spec(key="per_layer"))
    #: "inference", or "training" (whole steps: forward, backward, optimizer step)
    mode: str = "inference"
    optimizer: str | None = None
    amp: str | None = None
    #: the latency profile the predictions came from, and what it says about them (another thread count, ops it
    #: has no model for)
    predicted_with: ProfileInfo | None = field(default=None, metadata=spec(omit_none=True))
    prediction_notes: tuple[str, ...] | None = field(default=None, metadata=spec(omit_none=True))

    @property
    @serialized(after="amp")
    def device(self) -> dict[str, Any]:
        """The device's peaks and how the runs were made, together."""
        return {**to_data(self.peaks), **to_data(self.settings)}

    @property
    @serialized(after="runs", key="largest_batch_that_fit")
    def largest_batch(self) -> int | None:
        fitted = [r.batch for r in self.runs if r.error is None]
        return max(fitted) if fitted else None

    @property
    @serialized()
    def per_layer_note(self) -> str | None:
        return "per-layer times carry hook overhead; totals come from the plain runs" if self.layers else None


@dataclass(frozen=True)
class DesignTiming:
    """One design's real module, timed."""

    name: str = field(metadata=spec(skip=True))
    device: str
    threads: int | None
    latency: Stats = field(metadata=spec(key="latency_ms"))

    @property
    @serialized()
    def samples(self) -> int:
        return self.latency.samples

    @property
    @serialized()
    def noisy(self) -> bool:
        return self.latency.noisy
