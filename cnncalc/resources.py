"""How much memory real tensors may take here: the CPU fallback build and the real runs stay inside it.

A model that cannot be built on the meta device is built on the CPU, and a model whose ops depend on values
is run on real CPU tensors. Both allocate real memory, so both run under a `MemoryBudget`: a dispatch mode
that follows the storages ops make (as the tracer's ledger does) and stops, with one clear error, before
the live total passes the budget. A factory (torch.empty, zeros, …) is checked before it allocates, from
its size argument; anything else is checked when it returns. The budget is a share of the memory the
machine has available when the work starts.
"""

from __future__ import annotations

import functools
import math
import os
import weakref
from collections.abc import Callable
from typing import Any

import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten

from cnncalc.errors import CnncalcError
from cnncalc.numbers import nbytes

#: the share of the available memory that real tensors may take
SHARE = 0.8


def available_bytes() -> int | None:
    """Memory the machine has available now (Linux's MemAvailable; elsewhere free physical pages), or None."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def budget_bytes() -> int | None:
    """What real tensors may take: SHARE of the available memory (None: unknown, no limit)."""
    available = available_bytes()
    return int(available * SHARE) if available is not None else None


class OverBudget(CnncalcError):
    """Real tensors would take more memory than the budget allows."""

    def __init__(self, wanted: int, budget: int | None, what: str) -> None:
        limit = (f"{nbytes(budget)} may be used here ({int(SHARE * 100)}% of the memory available)"
                 if budget is not None else "the allocator refused it")
        super().__init__(f"{what} would need {nbytes(wanted)} of memory; {limit}")
        self.wanted = wanted
        self.budget = budget


def is_allocation_failure(err: BaseException) -> bool:
    """The allocator refused a request (the C++ allocator's message, or Python's MemoryError)."""
    text = str(err).lower()
    return isinstance(err, MemoryError) or "can't allocate memory" in text or "out of memory" in text


_SIZE_ARGUMENTS = ("size", "sizes")


def requested_bytes(func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    """The bytes a factory op (empty, zeros, full, rand, …) is about to allocate, from its size argument;
    None for other ops."""
    schema = func._schema
    names = [a.name for a in schema.arguments]
    for key in _SIZE_ARGUMENTS:
        if key not in names:
            continue
        index = names.index(key)
        value = args[index] if index < len(args) else kwargs.get(key)
        if not isinstance(value, list | tuple) or not all(isinstance(d, int) for d in value):
            return None
        dtype = kwargs.get("dtype") or torch.get_default_dtype()
        try:
            itemsize = torch.empty((), dtype=dtype, device="meta").element_size()
        except (TypeError, RuntimeError):
            itemsize = 4
        return math.prod(value) * itemsize
    return None


class MemoryBudget(TorchDispatchMode):
    """Stops real work before the storages its ops make (alive at once) pass `budget` bytes; `what` names the
    work in the error ("building X on the CPU"). `resident` bytes (a model's weights) count from the start."""

    def __init__(self, budget: int | None, what: str, resident: int = 0) -> None:
        super().__init__()
        self.budget = budget
        self.what = what
        self.total = resident
        self.live: dict[int, int] = {}
        self._refs: dict[int, Any] = {}

    def _released(self, key: int, _ref: object) -> None:
        self.total -= self.live.pop(key, 0)
        self._refs.pop(key, None)

    def check(self, wanted: int) -> None:
        if self.budget is not None and wanted > self.budget:
            raise OverBudget(wanted, self.budget, self.what)

    def __torch_dispatch__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        kwargs = kwargs or {}
        wanted = requested_bytes(func, args, kwargs)
        if wanted is not None:
            self.check(self.total + wanted)
        try:
            out = func(*args, **kwargs)
        except Exception as err:
            if is_allocation_failure(err):
                raise OverBudget(self.total + (wanted or 0), self.budget, self.what) from None
            raise
        for t in tree_flatten(out)[0]:
            if isinstance(t, torch.Tensor) and t.device.type == "cpu":
                self.add(t)
        self.check(self.total)
        return out

    def add(self, t: torch.Tensor) -> None:
        try:
            storage = t.untyped_storage()
        except (RuntimeError, NotImplementedError):
            return
        key = id(storage)
        if key in self.live:
            return
        self.live[key] = int(storage.nbytes())
        self.total += self.live[key]
        self._refs[key] = weakref.ref(storage, functools.partial(self._released, key))


def within_budget(fn: Callable[[], Any], what: str, resident: int = 0) -> Any:
    """`fn()` under a MemoryBudget of the memory available now."""
    with MemoryBudget(budget_bytes(), what, resident):
        return fn()
