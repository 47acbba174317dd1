"""A whole training step, traced without data: the forward in train mode, the backward of a scalar loss, the
optimizer step, and zero_grad(set_to_none=True), on fake CPU tensors (torch's FakeTensorMode: shapes and
dtypes, no storage). Fake CPU tensors take the kernels a real CPU step takes where meta tensors would not:
CPU autocast inserts its casts, scaled_dot_product_attention runs its fused CPU kernel (no attention matrix
kept), the optimizer goes one parameter at a time.

The step is the steady state: the optimizer's state (SGD momentum, Adam's moments and step counts) exists
before it, as from the second step on. Memory is counted storage by storage (`cnncalc.analysis.memory`):
what is resident (params, buffers, optimizer state, the input batch), what the forward makes and autograd
keeps for the backward, the backward's temporaries and the parameters' gradients, the optimizer's
temporaries. The peak over the step and where it happens (op, module, phase) come out of the same run.

The loss is the sum of every floating-point output, in float32: one scalar whose gradient reaches every
output, as `loss.backward()` does in training.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

import torch
from torch import nn

from cnncalc.analysis.inputs import Inputs, materialize
from cnncalc.analysis.pytree import named_tensors
from cnncalc.analysis.tracer import Run, Tracer, trace
from cnncalc.devices import AMP
from cnncalc.errors import CnncalcError


class Optimizer(str, Enum):
    """The optimizers a training step is traced with; their state decides much of the memory."""

    sgd = "sgd"
    momentum = "momentum"
    adam = "adam"
    adamw = "adamw"
    none = "none"


#: the optimizer `--train` and `fit` use unless told otherwise
DEFAULT_OPTIMIZER = Optimizer.adamw
LOSS = "the sum of every floating-point output, in float32"


def parse_optimizer(value: str | Optimizer) -> Optimizer:
    try:
        return Optimizer(str(value.value if isinstance(value, Optimizer) else value).lower())
    except ValueError:
        raise CnncalcError(f"unknown optimizer {value!r}: accepted are {', '.join(o.value for o in Optimizer)}") \
            from None


def parse_amp(value: str | None) -> str | None:
    if value is None:
        return None
    key = value.lower().replace("float16", "fp16").replace("bfloat16", "bf16")
    if key not in AMP:
        raise CnncalcError(f"unknown amp={value!r}: accepted are {', '.join(AMP)} (autocast's low-precision dtype)")
    return key


def make_optimizer(kind: Optimizer, params: list[nn.Parameter], foreach: bool | None = None
                   ) -> torch.optim.Optimizer | None:
    """The optimizer, in its multi-tensor form (`foreach`: PyTorch's default on CUDA, whose temporaries span
    every parameter at once) or one parameter at a time (PyTorch's default on the CPU); None: the device's
    default."""
    if kind is Optimizer.none or not params:
        return None
    if kind is Optimizer.sgd:
        return torch.optim.SGD(params, lr=0.01, foreach=foreach)
    if kind is Optimizer.momentum:
        return torch.optim.SGD(params, lr=0.01, momentum=0.9, foreach=foreach)
    if kind is Optimizer.adam:
        return torch.optim.Adam(params, lr=1e-3, foreach=foreach)
    return torch.optim.AdamW(params, lr=1e-3, weight_decay=0.01, foreach=foreach)


def loss_of(output: Any) -> torch.Tensor:
    """One scalar from the outputs: the sum of every floating-point output, in float32."""
    tensors = named_tensors(output)
    parts = [t.float().sum() for _, t in tensors if t.is_floating_point() and t.requires_grad]
    if not parts:
        outputs = ", ".join(f"{name} ({str(t.dtype).removeprefix('torch.')}"
                            f"{', no gradient' if t.is_floating_point() else ''})" for name, t in tensors)
        raise CnncalcError(f"nothing to train: the loss sums the floating-point outputs that depend on a parameter, "
                           f"and the outputs are {outputs or 'no tensor at all'}")
    loss = parts[0]
    for part in parts[1:]:
        loss = loss + part
    return loss


def _state_tensors(optimizer: torch.optim.Optimizer) -> list[torch.Tensor]:
    return [v for state in optimizer.state.values() for v in state.values() if isinstance(v, torch.Tensor)]


@dataclass
class StepRun:
    """The traced step: the run, and what the forward left alive for the backward, by module."""

    run: Run
    saved: dict[str, int]
    saved_total: int
    optimizer: Optimizer
    amp: str | None


def trace_step(model: nn.Module, inputs: Inputs, float_dtype: torch.dtype, optimizer: Optimizer,
               amp: str | None, input_ranks: list[int | None] | None = None, counting: bool = True,
               record: bool = False, foreach: bool = True) -> StepRun:
    """Trace one steady-state training step of `model` (a meta module, left untouched) on `inputs`."""
    from torch._subclasses.fake_tensor import FakeTensorMode

    saved: dict[str, int] = {}
    totals: list[int] = []
    # meta parameters, copied and cast before the fake mode (which can do neither to them)
    net = copy.deepcopy(model).to(float_dtype)
    with FakeTensorMode(allow_non_fake_inputs=True):
        net = net.to_empty(device="cpu").train()
        args, kwargs = materialize(inputs, "fake", float_dtype)
        params = [p for p in net.parameters() if p.requires_grad]
        opt = make_optimizer(optimizer, params, foreach)
        if opt is not None:  # the state a first step makes, so that the traced step is the steady state
            for p in params:
                p.grad = torch.zeros_like(p)
            opt.step()
            opt.zero_grad(set_to_none=True)
        owners = {id(p): n for n, m in net.named_modules() for p in m.parameters(recurse=False)}

        def before(tracer: Tracer) -> None:
            tracer.memory.record = record
            for p in net.parameters():
                tracer.memory.add(p, "params", owners.get(id(p), ""))
            for n, m in net.named_modules():
                for b in m.buffers(recurse=False):
                    tracer.memory.add(b, "buffers", n)
            for t in _state_tensors(opt) if opt is not None else []:
                tracer.memory.add(t, "optimizer_state", "(optimizer)")

        def after(tracer: Tracer, output: Any) -> None:
            loss = loss_of(output)
            tracer._tag_pending()
            for category in ("activations", "autocast_copies"):
                for module, nbytes in tracer.memory.by_module(category).items():
                    saved[module] = saved.get(module, 0) + nbytes
            totals.append(tracer.memory.bytes_of("activations") + tracer.memory.bytes_of("autocast_copies"))
            tracer.phase = "backward"
            hooks = [p.register_post_accumulate_grad_hook(_grad_landed(tracer)) for p in params]
            try:
                loss.backward()
            finally:
                for h in hooks:
                    h.remove()
            tracer.phase = "optimizer"
            if opt is not None:
                opt.step()
                for t in _state_tensors(opt):
                    tracer.memory.add(t, "optimizer_state", "(optimizer)")
                    tracer.memory.relabel(t, "optimizer_state")
            tracer.phase = "zero_grad"
            if opt is not None:
                opt.zero_grad(set_to_none=True)
            else:
                for p in params:
                    p.grad = None
            tracer.memory.sample("zero_grad", "", "zero_grad")

        run = trace(net, args, kwargs, meta=True, input_ranks=input_ranks, grad=True,
                    autocast=AMP[amp] if amp else None, before=before, after=after, counting=counting)
    return StepRun(run, saved, totals[0] if totals else 0, optimizer, amp)


def _grad_landed(tracer: Tracer) -> Callable[[torch.Tensor], None]:
    def landed(p: torch.Tensor) -> None:
        if p.grad is not None:
            tracer.memory.add(p.grad, "grads", tracer.owners.get(id(p), ""))
            tracer.memory.relabel(p.grad, "grads")

    return landed
