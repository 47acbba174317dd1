"""Live memory during a traced run, counted by storage as eager PyTorch holds it.

Every tensor an op writes has its storage registered once, with its bytes and a category, and released
when the storage dies (a weak reference: the lifetimes are PyTorch's own, through autograd's saved
tensors, views and Python references, not a model of them). The total is sampled after every op for the
peak, and for the peak of each phase of a training step. This is the rule torch's MemTracker follows, so
the prediction on meta (or fake) tensors and MemTracker's measurement of a real step count the same thing:
the storages ops write. Memory a kernel uses internally (im2col columns, oneDNN workspaces) is not an op's
output and is counted by neither.

Categories (decided when a storage is made, as MemTracker does; `relabel` moves a storage later):
params, buffers, inputs (resident before the step); activations (made in the forward: the loss and what
autograd keeps for backward among them); autocast_copies (the forward's low-precision copies of weights
and inputs under autocast); temporaries (made in the backward: gradients of activations); grads (the
parameters' gradients, relabelled when they land in .grad); optimizer_state (what the optimizer keeps:
momentum, Adam's moments and step counts); optimizer_temporaries (made and freed inside optimizer.step()).
"""

from __future__ import annotations

import functools
import weakref
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import torch

CATEGORIES = ("params", "buffers", "inputs", "activations", "autocast_copies", "temporaries", "grads",
              "optimizer_state", "optimizer_temporaries")


@dataclass
class Entry:
    nbytes: int
    category: str
    module: str
    ref: Any = None


@dataclass(frozen=True)
class PeakAt:
    """Where the peak was reached: after which op, in which module, in which phase."""

    op: str
    module: str
    phase: str



@dataclass
class Ledger:
    """Live storages, by category; the peak and where it happened; each phase's peak."""

    live: dict[int, Entry] = field(default_factory=dict)
    by_category: Counter[str] = field(default_factory=Counter)
    total: int = 0
    peak: int = 0
    peak_at: PeakAt | None = None
    peak_by_category: dict[str, int] = field(default_factory=dict)
    phase_peaks: dict[str, int] = field(default_factory=dict)
    #: the total after every op, in order (kept when `record` is set: fit models the peak from them)
    record: bool = False
    samples: list[int] = field(default_factory=list)

    def add(self, t: torch.Tensor, category: str, module: str = "", nbytes: int | None = None) -> bool:
        """Register the storage of `t` (once), at `nbytes` when the real kernel's storage differs from the fake
        one's; True when it is new."""
        try:
            storage = t.untyped_storage()
        except (RuntimeError, NotImplementedError):  # a tensor without storage (a sparse or nested layout)
            return False
        key = id(storage)
        if key in self.live:
            return False
        nbytes = int(storage.nbytes()) if nbytes is None else nbytes
        entry = Entry(nbytes, category, module)
        entry.ref = weakref.ref(storage, functools.partial(self._released, key))
        self.live[key] = entry
        self.total += nbytes
        self.by_category[category] += nbytes
        return True

    def _released(self, key: int, _ref: object) -> None:
        self._free(key)

    def _free(self, key: int) -> None:
        entry = self.live.pop(key, None)
        if entry is not None:
            self.total -= entry.nbytes
            self.by_category[entry.category] -= entry.nbytes

    def relabel(self, t: torch.Tensor, category: str) -> None:
        entry = self.live.get(id(t.untyped_storage()))
        if entry is not None and entry.category != category:
            self.by_category[entry.category] -= entry.nbytes
            self.by_category[category] += entry.nbytes
            entry.category = category

    def sample(self, op: str, module: str, phase: str) -> None:
        """After an op: the peak so far, and the phase's."""
        if self.record:
            self.samples.append(self.total)
        if self.total > self.phase_peaks.get(phase, -1):
            self.phase_peaks[phase] = self.total
        if self.total > self.peak:
            self.peak = self.total
            self.peak_at = PeakAt(op, module, phase)
            self.peak_by_category = {k: v for k, v in self.by_category.items() if v}

    def bytes_of(self, category: str) -> int:
        return self.by_category.get(category, 0)

    def by_module(self, category: str) -> Counter[str]:
        """Live bytes of one category by the module that made them."""
        found: Counter[str] = Counter()
        for entry in self.live.values():
            if entry.category == category:
                found[entry.module] += entry.nbytes
        return found
