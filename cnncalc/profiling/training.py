"""Timed training steps on a real device, beside the traced step's cost, roofline and predicted peak.

A step is what the trace counts: forward in train mode, the loss (the sum of every floating-point output, in
float32), backward, the optimizer's step, zero_grad(set_to_none=True); the optimizer's state exists before
the timed steps (the warm-up makes it). The measured peak is that of one more step: CUDA's
max_memory_allocated on a GPU; on the CPU the live tensor bytes torch's MemTracker sees (the process's
resident set counts the allocator's cache and the libraries too, and says nothing exact).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from cnncalc.analysis.pytree import named_tensors
from cnncalc.analysis.training import Optimizer, loss_of, make_optimizer
from cnncalc.devices import AMP


def make_step(model: nn.Module, args: list[Any], kwargs: dict[str, Any], optimizer: Optimizer, amp: str | None,
              device: torch.device) -> tuple[Callable[[], None], torch.optim.Optimizer | None]:
    """One training step as a callable, and the optimizer it steps."""
    params = [p for p in model.parameters() if p.requires_grad]
    opt = make_optimizer(optimizer, params)
    cast: Callable[[], Any] = (lambda: torch.autocast(device.type, dtype=AMP[amp])) if amp else \
        contextlib.nullcontext

    def step() -> None:
        with cast():
            output = model(*args, **kwargs)
        loss_of(output).backward()
        if opt is not None:
            opt.step()
            opt.zero_grad(set_to_none=True)
        else:
            for p in params:
                p.grad = None

    return step, opt


def measured_peak(step: Callable[[], None], model: nn.Module, opt: torch.optim.Optimizer | None, args: list[Any],
                  kwargs: dict[str, Any], device: torch.device) -> tuple[int | None, str]:
    """The peak of one more step, and how it was measured."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
        step()
        torch.cuda.synchronize(device)
        return int(torch.cuda.max_memory_allocated(device)), "torch.cuda.max_memory_allocated"
    if device.type != "cpu":
        return None, "not measured on this device"
    from torch.distributed._tools.mem_tracker import MemTracker

    tracker = MemTracker()
    tensors = [t for _, t in named_tensors((args, kwargs))]
    tracker.track_external(model, *([opt] if opt is not None else []), *tensors)
    with tracker:
        step()
    snapshot = tracker.get_tracker_snapshot("peak")
    total = sum(int(per_device.get("Total", 0)) for per_device in snapshot.values())
    return total, "live tensor bytes seen by torch's MemTracker"
