"""What running in a network adds to ops timed alone: a correction fitted on whole networks.

Calibration times ops one at a time, hot in the caches; in a network their weights come from memory, what the
ops before them wrote fills the caches, and the layers' Python runs between them. Calibration also times random
networks whole (`cnncalc.latency.networks`) and fits, by non-negative least squares on relative error
(scipy.optimize.nnls),

    network time ≈ a_heavy · H + a_light · L + a_view · V + per_op · N + per_module · M
                   + g · (per_output_byte · O + per_weight_byte · W + per_mid_byte · W')

where H, L and V are the predicted times of its ops alone (heavy: convolutions and matrix products; light: every
other op with a kernel; view: views and factories), N its ops with a kernel and M its module calls. O and W are the
bytes its ops write and the bytes of its convolutions' and linear layers' weights, each op's counted up to a cap: an
op timed alone keeps what fits in the caches hot, and in a network must fetch it, while an op whose data is larger
than the cap streams it from memory either way. W' is the weight bytes between the cap and a second, larger bound
(none, 16, 64 or 256 MiB): a weight of a few dozen megabytes that the last-level cache holds while its op is timed
alone, and that a network whose other weights pass through the cache must fetch from memory (a ViT's linear layers).
The gate g = min(1, bytes the network writes ÷ a threshold) says how much of that is fetched: a network that writes
less than the caches hold finds its weights where the last forward left them. The cap, the second bound and the
threshold are chosen from a few sizes (CAPS, MIDS, GATES) by the error on networks left out of the fit
(leave-one-out), with a_heavy held at 1 (`choose_form` says why); the chosen form, its coefficients and that error
go in the profile. `predict` applies them op by op, so that every module's time still sums to the total. Without a
correction (a profile made without networks) the coefficients are 1, 1, 1, 0, the measured cost of one module call,
0 and 0; a profile made before the cap and gate counts every byte in full.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from cnncalc.latency.fitting import HeldOut

#: the op kinds whose time is mostly arithmetic (their MACs)
HEAVY = frozenset({"conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
                   "addmm", "mm", "bmm", "attention", "deform_conv2d"})
#: the kinds that run no kernel worth the name
VIEWS = frozenset({"view", "factory"})
FEATURES = ("heavy_s", "light_s", "view_s", "ops", "module_calls", "output_bytes", "weight_bytes",
            "mid_weight_bytes")
MIB = 1 << 20
#: the per-op caps on bytes written and weight bytes the fit chooses between. Every cache has a size, so there is
#: always a cap (only a profile made before the cap existed has none): without one, the correction charges VGG's
#: 411 MB classifier weight as fetched in a network, though its time alone already streams it from memory
CAPS: tuple[float, ...] = (1 * MIB, 2 * MIB, 4 * MIB, 8 * MIB)
#: the second bounds on weight bytes the fit chooses between (0: no second term)
MIDS = (0.0, 16 * MIB, 64 * MIB, 256 * MIB)
#: the network thresholds the fit chooses between (0: every network pays in full)
GATES = (0.0, 2 * MIB, 4 * MIB, 8 * MIB, 16 * MIB)

#: one op of a network: its kind, predicted seconds alone, bytes written and weight bytes
Op = tuple[str, float, float, float]


def op_class(kind: str) -> str:
    return "heavy" if kind in HEAVY else "view" if kind in VIEWS else "light"


@dataclass(frozen=True)
class Context:
    """The correction's coefficients (seconds per second for the three op classes, seconds per op and per module
    call, seconds per byte), its form (the cap, the gate's threshold and the second bound, in bytes), the networks it
    was fitted on, and its error on networks left out."""

    heavy: float = 1.0
    light: float = 1.0
    view: float = 1.0
    per_op: float = 0.0
    per_module: float = 0.0
    per_output_byte: float = 0.0
    per_weight_byte: float = 0.0
    networks: int = 0
    held_out: HeldOut | None = None
    cap_bytes: float = math.inf
    gate_bytes: float = 0.0
    per_mid_byte: float = 0.0
    mid_bytes: float = 0.0

    def scale(self, cls: str) -> float:
        return {"heavy": self.heavy, "light": self.light, "view": self.view}[cls]

    def gate(self, written: float) -> float:
        """How much of its ops' bytes a network that writes `written` bytes per forward fetches (`gate`)."""
        return gate(written, self.gate_bytes)

    def fixed(self, cls: str) -> float:
        """The fixed cost that being in a network adds to one op of class `cls`."""
        return 0.0 if cls == "view" else self.per_op

    def fetched(self, cls: str, out_bytes: float, weight_bytes: float, gate: float = 1.0) -> float:
        """What fetching its bytes in a network adds to one op (`gate`: the network's, see `gate`)."""
        if cls == "view":
            return 0.0
        return gate * (self.per_output_byte * min(out_bytes, self.cap_bytes)
                       + self.per_weight_byte * min(weight_bytes, self.cap_bytes)
                       + self.per_mid_byte * between(weight_bytes, self.cap_bytes, self.mid_bytes))

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"heavy": self.heavy, "light": self.light, "view": self.view, "per_op": self.per_op,
                                "per_module": self.per_module, "per_output_byte": self.per_output_byte,
                                "per_weight_byte": self.per_weight_byte, "networks": self.networks,
                                "cap_bytes": None if math.isinf(self.cap_bytes) else self.cap_bytes,
                                "gate_bytes": self.gate_bytes, "per_mid_byte": self.per_mid_byte,
                                "mid_bytes": self.mid_bytes}
        if self.held_out is not None:
            data["held_out"] = {"median": self.held_out.median, "p90": self.held_out.p90,
                                "samples": self.held_out.samples}
        return data

    @classmethod
    def of(cls, data: dict[str, Any]) -> Context:
        h = data.get("held_out")
        cap = data.get("cap_bytes")
        return cls(float(data["heavy"]), float(data["light"]), float(data["view"]), float(data["per_op"]),
                   float(data["per_module"]), float(data.get("per_output_byte", 0.0)),
                   float(data.get("per_weight_byte", 0.0)), int(data.get("networks", 0)),
                   HeldOut(float(h["median"]), float(h["p90"]), int(h["samples"])) if h else None,
                   math.inf if cap is None else float(cap), float(data.get("gate_bytes", 0.0)),
                   float(data.get("per_mid_byte", 0.0)), float(data.get("mid_bytes", 0.0)))


def gate(written: float, threshold: float) -> float:
    """How much of its ops' bytes a network that writes `written` bytes per forward fetches, 0 to 1, under a gate
    of `threshold` bytes (0: every network fetches them all)."""
    return 1.0 if threshold <= 0 else min(1.0, written / threshold)


def written(ops: Sequence[Op]) -> float:
    """The bytes a network's ops with a kernel write in one forward: what its gate is taken on."""
    return sum(out for kind, _, out, _ in ops if op_class(kind) != "view")


def between(weight_bytes: float, cap: float, mid: float) -> float:
    """The bytes of a weight between `cap` and `mid` (none when `mid` is 0)."""
    return max(0.0, min(weight_bytes, mid) - cap) if mid else 0.0


def features(ops: Sequence[Op], module_calls: int, cap: float = math.inf, mid: float = 0.0) -> list[float]:
    """A network's features (FEATURES) from its ops and module calls, each op's bytes counted up to `cap` and its
    weight's between `cap` and `mid`, before its gate (see the module's docstring)."""
    sums = {"heavy": 0.0, "light": 0.0, "view": 0.0}
    count, out_sum, weight_sum, mid_sum = 0, 0.0, 0.0, 0.0
    for kind, seconds, out_bytes, weight_bytes in ops:
        cls = op_class(kind)
        sums[cls] += seconds
        if cls != "view":
            count += 1
            out_sum, weight_sum = out_sum + min(out_bytes, cap), weight_sum + min(weight_bytes, cap)
            mid_sum += between(weight_bytes, cap, mid)
    return [sums["heavy"], sums["light"], sums["view"], float(count), float(module_calls), out_sum, weight_sum,
            mid_sum]


def _solve(rows: Sequence[Sequence[float]], times: Sequence[float], heavy_fixed: bool) -> list[float]:
    """The coefficients for FEATURES (a_heavy = 1 when `heavy_fixed`) that fit `times` best in relative error."""
    import numpy as np
    from scipy.optimize import nnls

    a = np.array(rows, dtype=float) / np.array(times, dtype=float)[:, None]
    b = np.ones(len(times))
    if heavy_fixed:
        b, a = b - a[:, 0], a[:, 1:]
    # columns of seconds and of bytes differ by twelve orders of magnitude: solved at unit norm, then scaled back
    # (a column of zeros, a bound that nothing reaches, keeps a coefficient of 0)
    norms = np.linalg.norm(a, axis=0)
    norms[norms == 0] = 1.0
    coef, _ = nnls(a / norms, b, maxiter=50 * a.shape[1])
    return ([1.0] if heavy_fixed else []) + [float(c) for c in coef / norms]


def _held_out(rows: Sequence[Sequence[float]], times: Sequence[float], heavy_fixed: bool) -> HeldOut:
    """The relative error on each network when the coefficients are fitted on all the others."""
    n = len(times)
    errors = []
    for i in range(n):
        coef = _solve([r for j, r in enumerate(rows) if j != i], [t for j, t in enumerate(times) if j != i],
                      heavy_fixed)
        errors.append(abs(sum(c * f for c, f in zip(coef, rows[i], strict=True)) / times[i] - 1))
    errors.sort()
    return HeldOut(errors[n // 2], errors[min(n - 1, int(0.9 * n))], n)


#: a form of the correction: its cap, its gate threshold, whether a_heavy is held at 1, and its second bound
Form = tuple[float, float, bool, float]


class FormError(NamedTuple):
    """One form, its error on networks left out, and the networks' features in that form."""

    form: Form
    held_out: HeldOut
    rows: list[list[float]]


def form_errors(networks: Sequence[tuple[Sequence[Op], int]], times: Sequence[float],
                heavy: Sequence[bool] = (True,)) -> list[FormError]:
    """Every form (each cap in CAPS, second bound in MIDS, threshold in GATES; a_heavy held at 1, or fitted too
    when `heavy` has False: what the `forms` diagnostic shows), its error on networks left out, and the networks'
    features in that form."""
    out = []
    totals = [written(ops) for ops, _ in networks]
    for cap in CAPS:
        for mid in MIDS:
            plain = [features(ops, calls, cap, mid) for ops, calls in networks]
            for threshold in GATES:
                rows = [[*row[:5], *(gate(total, threshold) * b for b in row[5:])]
                        for row, total in zip(plain, totals, strict=True)]
                for heavy_fixed in heavy:
                    out.append(FormError((cap, threshold, heavy_fixed, mid), _held_out(rows, times, heavy_fixed),
                                         rows))
    return out


def choose_form(errors: Sequence[FormError]) -> FormError:
    """The form the correction takes: of those holding a_heavy at 1, the one with the least median error on
    networks left out (then the least p90, then the earliest in CAPS, MIDS and GATES). a_heavy is not fitted: the
    random networks are small, and the scale they fit (1.13 in two calibrations, on a margin of under a point)
    multiplies the arithmetic of every large model, which running in a network does not slow."""
    held = [f for f in errors if f.form[2]]
    if not held:
        raise ValueError("no form holds a_heavy at 1: score them with form_errors(..., heavy=(True, …))")
    return min(held, key=lambda f: (f.held_out.median, f.held_out.p90))


def fit_context(networks: Sequence[tuple[Sequence[Op], int]], times: Sequence[float]) -> Context:
    """The correction fitted on networks' ops and module calls and their measured seconds: the form `choose_form`
    takes of every form (`form_errors`), with its coefficients fitted on all the networks."""
    if not times:
        return Context()
    chosen = choose_form(form_errors(networks, times))  # every form holds a_heavy at 1
    cap, threshold, heavy_fixed, mid = chosen.form
    heavy, light, view, per_op, per_module, per_output_byte, per_weight_byte, per_mid_byte = _solve(
        chosen.rows, times, heavy_fixed)
    return Context(heavy, light, view, per_op, per_module, per_output_byte, per_weight_byte, networks=len(times),
                   held_out=chosen.held_out, cap_bytes=cap, gate_bytes=threshold, per_mid_byte=per_mid_byte,
                   mid_bytes=mid)
