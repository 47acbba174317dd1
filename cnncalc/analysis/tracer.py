"""Runs a module on the meta device under a dispatch mode that sees every aten op.

Each op is costed by the one formula registry (through `cnncalc.analysis.aten`) and attributed to the
innermost module running it (global forward hooks, removed even on error). Views and factories are
declared free; any other op without a formula is listed as uncounted. Alongside the costs the tracer
carries each tensor's receptive field and the bytes of live activations (freed when the last reference
to a tensor goes), for the peak.
"""

from __future__ import annotations

import weakref
from collections import Counter
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten
from torch.utils.weak import WeakTensorKeyDictionary

from cnncalc.analysis import aten_backward  # noqa: F401  (registers the backward ops)
from cnncalc.analysis.aten import HANDLERS, ZERO_COST, Traced, bind
from cnncalc.formulas import receptive as rf
from cnncalc.formulas.cost import OpCost


@dataclass(frozen=True)
class OpRecord:
    """One counted op: the module it ran in, the aten op, its cost, the element size of its output."""

    module: str
    op: str
    cost: OpCost
    itemsize: int
    backward: bool = False


@dataclass
class ModuleCall:
    """What the forward hooks saw of one module (summed over calls for a shared module)."""

    calls: int = 0
    output_shape: tuple[int, ...] | None = None
    output_bytes: int = 0
    field: rf.Field | None = None


@dataclass
class Spatial:
    """A tensor's receptive field and the feature-map size it was last laid out on."""

    field: rf.Field
    hw: tuple[int, int]
    #: every element already sees the whole map (after attention or a flattening matmul)
    whole: bool = False


def _tensors(obj: Any) -> list[torch.Tensor]:
    return [t for t in tree_flatten(obj)[0] if isinstance(t, torch.Tensor)]


def _allocates(func: Any) -> bool:
    """True when the op's outputs are new tensors (not views or in-place writes of an input)."""
    return not any(r.alias_info is not None for r in func._schema.returns)


class Tracer(TorchDispatchMode):
    """Collects `OpRecord`s, uncounted ops, fields and live bytes while a forward pass runs."""

    def __init__(self, names: dict[int, str]) -> None:
        super().__init__()
        self.names = names
        self.stack: list[str] = [""]
        self.ops: list[OpRecord] = []
        self.uncounted: Counter[tuple[str, str]] = Counter()
        self.free_ops: Counter[str] = Counter()
        self.modules: dict[str, ModuleCall] = {}
        self.spatial: WeakTensorKeyDictionary = WeakTensorKeyDictionary()
        self.constants: dict[int, torch.Tensor] = {}
        self.live = 0
        self.peak = 0
        #: set while autograd runs the backward pass
        self.in_backward = False

    # module attribution ------------------------------------------------------------------------------------
    def enter(self, module: nn.Module, _inputs: Any) -> None:
        name = self.names.get(id(module))
        if name is not None:
            self.stack.append(name)

    def leave(self, module: nn.Module, _inputs: Any, output: Any) -> None:
        name = self.names.get(id(module))
        if name is None or len(self.stack) < 2 or self.stack[-1] != name:
            return
        self.stack.pop()
        call = self.modules.setdefault(name, ModuleCall())
        call.calls += 1
        outs = _tensors(output)
        if outs:
            call.output_shape = tuple(int(d) for d in outs[0].shape)
            call.output_bytes += sum(int(t.numel()) * t.element_size() for t in outs)
            info = self.spatial.get(outs[0])
            call.field = info.field if info is not None else call.field

    # memory ------------------------------------------------------------------------------------------------
    def track_input(self, x: torch.Tensor) -> None:
        self.spatial[x] = Spatial(rf.Field(), (int(x.shape[-2]), int(x.shape[-1])) if x.dim() >= 2 else (1, 1))
        self._allocated(x)

    def _allocated(self, t: torch.Tensor) -> None:
        nbytes = int(t.numel()) * t.element_size()
        self.live += nbytes
        self.peak = max(self.peak, self.live)
        weakref.finalize(t, self._freed, nbytes)

    def _freed(self, nbytes: int) -> None:
        self.live -= nbytes

    # receptive field ---------------------------------------------------------------------------------------
    def _propagate(self, inputs: list[torch.Tensor], outputs: list[torch.Tensor], traced: Traced | None) -> None:
        pairs = [(t, self.spatial[t]) for t in inputs if t in self.spatial]
        if not pairs or not outputs:
            return
        known = [s for _, s in pairs]
        out_shape = tuple(outputs[0].shape)
        # the jump comes from an input on the output's own grid (a broadcast 1×1 gate is not one)
        on_grid = [s for t, s in pairs if t.dim() == 4 and len(out_shape) == 4 and tuple(t.shape[2:]) == out_shape[2:]]
        merged = rf.merge(*(s.field for s in known), grid=on_grid[0].field if on_grid else None)
        base = (on_grid or known)[0]
        hw, whole = base.hw, any(s.whole for s in known)
        window = traced.window if traced is not None else None
        if window is not None:
            through = rf.through_transposed if window.transposed else rf.through_window
            merged = through(known[0].field, window.kernel, window.stride, window.dilation)
            hw, whole = (int(out_shape[-2]), int(out_shape[-1])), False
        elif traced is not None and traced.cost.kind.value == "matmul" and not whole:
            operand = max((t for t, _ in pairs), key=lambda t: int(t.numel()))  # the activation, not a bias
            rows = int(operand.shape[-2]) if operand.dim() >= 2 else 1
            positions = hw[0] * hw[1]
            if positions > 1 and rows % positions:
                # the map's positions were folded into the contraction: each output sees the whole map
                size = rf.through_window(merged, hw, hw).size
                merged, whole = rf.Field(size=size, jump=merged.jump), True
        for out in outputs:
            self.spatial[out] = Spatial(merged, hw, whole)

    # the dispatch ------------------------------------------------------------------------------------------
    def __torch_dispatch__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        packet = func.overloadpacket
        name = packet.__name__
        inputs = _tensors((args, kwargs))
        outputs = _tensors(out)
        if (inputs and all(id(t) in self.constants for t in inputs)) or (not inputs and outputs):
            # tensors made from nothing, or from such tensors only: implementation constants
            self.constants.update((id(t), t) for t in outputs)
            self.free_ops[name] += 1
            return out
        traced: Traced | None = None
        if packet in ZERO_COST:
            self.free_ops[name] += 1
        else:
            handler = HANDLERS.get(packet)
            bound = bind(func, args, kwargs)
            if "bias" in bound and isinstance(bound["bias"], torch.Tensor) and id(bound["bias"]) in self.constants:
                bound["bias"] = None
            traced = handler(name, bound, out) if handler is not None else None
            if traced is None:
                self.uncounted[(str(func), self.stack[-1])] += 1
            else:
                itemsize = outputs[0].element_size() if outputs else 4
                module = "" if self.in_backward else self.stack[-1]
                self.ops.append(OpRecord(module, str(func), traced.cost, itemsize, self.in_backward))
        self._propagate(inputs, outputs, traced)
        if _allocates(func):
            for t in outputs:
                self._allocated(t)
        return out


class ForwardError(RuntimeError):
    """The model's forward raised; carries the innermost module that was running."""

    def __init__(self, module: str, module_type: str, error: BaseException) -> None:
        where = f"{module} ({module_type})" if module else f"the model's own forward ({module_type})"
        message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        super().__init__(f"the forward pass failed in {where}: {message}")
        self.module = module


def trace(model: nn.Module, x: torch.Tensor, backward: bool = False) -> Tracer:
    """Run `model(x)` under the tracer (and, with `backward`, the backward pass of its output's sum, the
    model in training mode); hooks are global and removed in all cases."""
    names = {id(m): n for n, m in model.named_modules()}
    types = {n: type(m).__name__ for n, m in model.named_modules()}
    tracer = Tracer(names)
    pre = nn.modules.module.register_module_forward_pre_hook(tracer.enter)
    # not always_call: when the forward raises, the stack still names the innermost module running
    post = nn.modules.module.register_module_forward_hook(tracer.leave)
    try:
        # never under inference mode (the caller's is switched off here): there composite ops (conv2d,
        # linear, batch_norm) reach the mode undecomposed
        with torch.inference_mode(False), torch.set_grad_enabled(backward), tracer:
            tracer.track_input(x)
            output = model(x)
            if backward:
                tracer.in_backward = True
                outs = [t for t in _tensors(output) if t.requires_grad]
                if not outs:
                    raise RuntimeError("the output does not depend on any parameter: nothing to differentiate")
                torch.autograd.backward(outs, [torch.ones_like(t) for t in outs])
    except Exception as err:  # the user's forward can raise anything; name where it failed
        where = tracer.stack[-1]
        raise ForwardError(where, types.get(where, type(model).__name__), err) from err
    finally:
        pre.remove()
        post.remove()
    return tracer
