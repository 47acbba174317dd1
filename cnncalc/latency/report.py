"""Records of a latency prediction: per op kind, per module and in total, with the profile that made them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from cnncalc.notebook import Notebook
from cnncalc.serialize import serialized, spec


@dataclass(frozen=True)
class ProfileInfo:
    """The profile a prediction used: where it came from, the device it was measured on and how."""

    source: str
    device_type: str
    device: str
    threads: int | None
    torch: str
    dtype: str
    channels_last: bool
    created: str


@dataclass(frozen=True)
class KindLatency:
    """The calls of one op kind in the model: how many, the time predicted for them, how the time splits by
    what bounds each call, and the kind's own held-out error in the profile (median |predicted/measured − 1|)."""

    kind: str
    calls: int
    latency_ms: float
    compute_ms: float
    memory_ms: float
    overhead_ms: float
    held_out_error: float | None


@dataclass(frozen=True)
class ModuleLatency:
    """One module: the predicted time of every op in its subtree, and its module calls' own overhead."""

    name: str
    type: str
    depth: int
    calls: int
    latency_ms: float
    #: the part of the time of ops bound by compute, by memory, by their fixed cost per call
    compute_ms: float = field(metadata=spec(row=False))
    memory_ms: float = field(metadata=spec(row=False))
    overhead_ms: float = field(metadata=spec(row=False))

    @property
    @serialized(after="latency_ms")
    def bound(self) -> str:
        """What bounds most of the module's time: compute, memory or overhead (the ops' fixed cost per call)."""
        parts = {"compute": self.compute_ms, "memory": self.memory_ms, "overhead": self.overhead_ms}
        return max(parts, key=lambda k: parts[k]) if self.latency_ms else ""


@dataclass(frozen=True)
class NotPredicted:
    """An op kind the profile has no model for: its calls are not in the total."""

    op: str
    kind: str
    calls: int


@dataclass(frozen=True)
class LatencyReport(Notebook):
    """The predicted latency of one forward pass (eval, inference_mode, eager), op by op from a profile.

    `latency_ms` is the predicted median of one forward, as `profile` measures it: the ops' predicted times plus
    each module call's overhead. `partial` when some op had no model in the profile (listed in `not_predicted`).
    `estimate` says how the time was scaled when it is for a device other than the profile's."""

    PYTHON: ClassVar[str] = "cnncalc.predict({model!r}, …)"

    model: str
    input_shape: tuple[int, ...]
    dtype: str
    latency_ms: float
    profile: ProfileInfo
    modules: tuple[ModuleLatency, ...] = field(metadata=spec(key="layers"))
    kinds: tuple[KindLatency, ...]
    not_predicted: tuple[NotPredicted, ...] = ()
    #: the module calls' overhead in the total (nn.Module.__call__ and its Python)
    module_overhead_ms: float = 0.0
    macs: int = 0
    flops: int = 0
    #: the device predicted, when not the profile's own (on paper: scaled by the datasheets)
    device: str = ""
    estimate: str = ""
    warnings: tuple[str, ...] = ()

    @property
    @serialized(after="latency_ms")
    def partial(self) -> bool:
        return bool(self.not_predicted)

    @property
    def compute_ms(self) -> float:
        return sum(k.compute_ms for k in self.kinds)

    @property
    def memory_ms(self) -> float:
        return sum(k.memory_ms for k in self.kinds)

    @property
    def overhead_ms(self) -> float:
        return sum(k.overhead_ms for k in self.kinds)

    def named(self, name: str) -> LatencyReport:
        """The same prediction under another name (a design's spec, for a module built from it)."""
        from dataclasses import replace

        return replace(self, model=name)

    def module(self, name: str) -> ModuleLatency:
        for m in self.modules:
            if m.name == name:
                return m
        raise KeyError(name)
