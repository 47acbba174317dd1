"""Frozen records of a profile: per batch size, measured latency beside the analytic cost and roofline."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cnncalc.notebook import Notebook, made_in_python
from cnncalc.profiling.peaks import DevicePeaks
from cnncalc.profiling.timing import Stats


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

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Run:
    batch: int
    dtype: str
    latency: Stats | None
    macs: int
    flops: int
    traffic_bytes: int
    peak_memory_bytes: int | None
    roofline_ms: float | None
    error: str | None = None
    #: training steps: the traced step's predicted peak, and how the measured peak was taken
    predicted_peak_bytes: int | None = None
    peak_source: str = ""

    @property
    def throughput(self) -> float | None:
        """Items per second at the median latency."""
        return self.batch / (self.latency.median / 1e3) if self.latency else None

    @property
    def flops_per_s(self) -> float | None:
        return self.flops / (self.latency.median / 1e3) if self.latency else None

    @property
    def macs_per_s(self) -> float | None:
        return self.macs / (self.latency.median / 1e3) if self.latency else None

    @property
    def over_roofline(self) -> float | None:
        """Measured median ÷ roofline lower bound (≥ 1 unless the peaks are wrong)."""
        if self.latency is None or not self.roofline_ms:
            return None
        return self.latency.median / self.roofline_ms

    def to_dict(self) -> dict[str, Any]:
        return {
            "batch": self.batch, "dtype": self.dtype,
            "latency_ms": self.latency.to_dict() if self.latency else None,
            "samples": self.latency.samples if self.latency else 0,
            "noisy": self.latency.noisy if self.latency else None,
            "throughput": self.throughput, "macs": self.macs, "flops": self.flops,
            "macs_per_s": self.macs_per_s, "flops_per_s": self.flops_per_s, "traffic_bytes": self.traffic_bytes,
            "peak_memory_bytes": self.peak_memory_bytes, "roofline_ms": self.roofline_ms,
            "measured_over_roofline": self.over_roofline, "error": self.error,
            "predicted_peak_bytes": self.predicted_peak_bytes, "peak_source": self.peak_source,
        }


@dataclass(frozen=True)
class LayerTime:
    """One module's measured time (with hook overhead) beside its analytic cost."""

    name: str
    type: str
    ms: float
    flops: int
    traffic_bytes: int
    roofline_ms: float | None

    @property
    def intensity(self) -> float:
        return self.flops / self.traffic_bytes if self.traffic_bytes else 0.0

    @property
    def flops_per_s(self) -> float:
        return self.flops / (self.ms / 1e3) if self.ms else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "ms": self.ms, "flops": self.flops,
                "traffic_bytes": self.traffic_bytes, "arithmetic_intensity": self.intensity,
                "flops_per_s": self.flops_per_s, "roofline_ms": self.roofline_ms}


@dataclass(frozen=True)
class ProfileReport(Notebook):
    model: str
    input_shape: tuple[int, ...]
    peaks: DevicePeaks
    settings: Settings
    runs: tuple[Run, ...]
    layers: tuple[LayerTime, ...] = ()
    #: "inference", or "training" (whole steps: forward, backward, optimizer step)
    mode: str = "inference"
    optimizer: str | None = None
    amp: str | None = None

    def html_page(self) -> str:
        from cnncalc.render.html import profile_html

        return profile_html(self, made_in_python(f"cnncalc.profile({self.model!r}, …)"))

    def rows(self) -> tuple[list[str], list[list[Any]]]:
        """One row per batch size."""
        from cnncalc.render.profile import run_rows

        return run_rows(self)

    @property
    def largest_batch(self) -> int | None:
        fitted = [r.batch for r in self.runs if r.error is None]
        return max(fitted) if fitted else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model, "input_shape": list(self.input_shape), "mode": self.mode,
            "optimizer": self.optimizer, "amp": self.amp,
            "device": {**self.peaks.to_dict(), **self.settings.to_dict()},
            "runs": [r.to_dict() for r in self.runs],
            "largest_batch_that_fit": self.largest_batch,
            "per_layer": [layer.to_dict() for layer in self.layers],
            "per_layer_note": ("per-layer times carry hook overhead; totals come from the plain runs"
                               if self.layers else None),
        }
