"""Latency samples summarised: the median, the 10th and 90th percentiles, the spread (no torch)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from cnncalc.serialize import spec

NOISY = 0.10


@dataclass(frozen=True)
class Stats:
    """Latency samples in milliseconds."""

    median: float
    p10: float
    p90: float
    min: float
    cold: float
    samples: int = field(metadata=spec(skip=True))

    @property
    def spread(self) -> float:
        return (self.p90 - self.p10) / self.median if self.median else 0.0

    @property
    def noisy(self) -> bool:
        """(p90 − p10) / median above 10%."""
        return self.spread > NOISY



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
