"""What running in a network adds to ops timed alone: a linear correction fitted on whole networks.

Calibration times ops one at a time, hot in the caches; in a network their weights come from memory and the
layers' Python runs between them. Calibration also times random networks whole (`cnncalc.latency.networks`) and
fits, by non-negative least squares on relative error (scipy.optimize.nnls),

    network time ≈ a_heavy · H + a_light · L + a_view · V + per_op · N + per_module · M
                   + per_output_byte · O + per_weight_byte · W

where H, L and V are the predicted times of its ops alone (heavy: convolutions and matrix products; light: every
other op with a kernel; view: views and factories), N its ops with a kernel, M its module calls, O the bytes its
ops write (fresh memory each forward, in cache when an op is timed alone) and W the bytes of its convolutions' and
linear layers' weights (from memory in a network, from cache alone). The coefficients go in the profile with
their error on networks left out of the fit (leave-one-out), and `predict` applies them op by op, so that every
module's time still sums to the total. Without a correction (a profile made without networks) the coefficients
are 1, 1, 1, 0, the measured cost of one module call, 0 and 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cnncalc.latency.fitting import HeldOut

#: the op kinds whose time is mostly arithmetic (their MACs)
HEAVY = frozenset({"conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
                   "addmm", "mm", "bmm", "attention", "deform_conv2d"})
#: the kinds that run no kernel worth the name
VIEWS = frozenset({"view", "factory"})
FEATURES = ("heavy_s", "light_s", "view_s", "ops", "module_calls", "output_bytes", "weight_bytes")


def op_class(kind: str) -> str:
    return "heavy" if kind in HEAVY else "view" if kind in VIEWS else "light"


@dataclass(frozen=True)
class Context:
    """The correction's coefficients (seconds per second for the three op classes, seconds per op and per module
    call), the networks it was fitted on, and its error on networks left out."""

    heavy: float = 1.0
    light: float = 1.0
    view: float = 1.0
    per_op: float = 0.0
    per_module: float = 0.0
    per_output_byte: float = 0.0
    per_weight_byte: float = 0.0
    networks: int = 0
    held_out: HeldOut | None = None

    def scale(self, cls: str) -> float:
        return {"heavy": self.heavy, "light": self.light, "view": self.view}[cls]

    def fixed(self, cls: str, out_bytes: float, weight_bytes: float) -> float:
        """What being in a network adds to one op beyond scaling its time alone."""
        if cls == "view":
            return 0.0
        return self.per_op + self.per_output_byte * out_bytes + self.per_weight_byte * weight_bytes

    def op_seconds(self, cls: str, alone: float, out_bytes: float = 0.0, weight_bytes: float = 0.0) -> float:
        """One op's time in a network, from its time alone."""
        return self.scale(cls) * alone + self.fixed(cls, out_bytes, weight_bytes)

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"heavy": self.heavy, "light": self.light, "view": self.view, "per_op": self.per_op,
                                "per_module": self.per_module, "per_output_byte": self.per_output_byte,
                                "per_weight_byte": self.per_weight_byte, "networks": self.networks}
        if self.held_out is not None:
            data["held_out"] = {"median": self.held_out.median, "p90": self.held_out.p90,
                                "samples": self.held_out.samples}
        return data

    @classmethod
    def of(cls, data: dict[str, Any]) -> Context:
        h = data.get("held_out")
        return cls(float(data["heavy"]), float(data["light"]), float(data["view"]), float(data["per_op"]),
                   float(data["per_module"]), float(data.get("per_output_byte", 0.0)),
                   float(data.get("per_weight_byte", 0.0)), int(data.get("networks", 0)),
                   HeldOut(float(h["median"]), float(h["p90"]), int(h["samples"])) if h else None)


def features(ops: Sequence[tuple[str, float, float, float]], module_calls: int) -> list[float]:
    """A network's features (FEATURES) from its ops' (kind, predicted seconds alone, bytes written, weight bytes)
    and its module calls."""
    sums = {"heavy": 0.0, "light": 0.0, "view": 0.0}
    count, written, weights = 0, 0.0, 0.0
    for kind, seconds, out_bytes, weight_bytes in ops:
        cls = op_class(kind)
        sums[cls] += seconds
        if cls != "view":
            count, written, weights = count + 1, written + out_bytes, weights + weight_bytes
    return [sums["heavy"], sums["light"], sums["view"], float(count), float(module_calls), written, weights]


def _solve(rows: Sequence[Sequence[float]], times: Sequence[float]) -> list[float]:
    import numpy as np
    from scipy.optimize import nnls

    a = np.array(rows, dtype=float) / np.array(times, dtype=float)[:, None]
    coef, _ = nnls(a, np.ones(len(times)))
    return [float(c) for c in coef]


def fit_context(rows: Sequence[Sequence[float]], times: Sequence[float]) -> Context:
    """The correction fitted on networks' features and measured seconds, with its leave-one-out error."""
    n = len(times)
    errors = []
    for i in range(n):
        coef = _solve([r for j, r in enumerate(rows) if j != i], [t for j, t in enumerate(times) if j != i])
        errors.append(abs(sum(c * f for c, f in zip(coef, rows[i], strict=True)) / times[i] - 1))
    errors.sort()
    held = HeldOut(errors[n // 2], errors[min(n - 1, int(0.9 * n))], n) if n else None
    heavy, light, view, per_op, per_module, per_output_byte, per_weight_byte = _solve(rows, times)
    return Context(heavy, light, view, per_op, per_module, per_output_byte, per_weight_byte, networks=n,
                   held_out=held)
