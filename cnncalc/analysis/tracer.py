"""Runs a module under a dispatch mode that sees every aten op: on the meta device, or, when an op's output
size or the control flow depends on values, on real CPU tensors.

Each op is costed by the one formula registry (`cnncalc.analysis.ops`) and attributed to the
innermost module running it (global forward hooks, removed even on error); an op of the backward pass to
the module whose forward made the autograd node running it. Views and factories are declared free; any
other op without a formula is listed as uncounted. Alongside the costs the tracer carries each tensor's
receptive field (per spatial axis) and the live memory, storage by storage (`cnncalc.analysis.memory`), for
the peak.

On meta, an op that cannot run without values (nonzero, masked_select, unique, nms, a branch on a tensor's
value, …) raises `DataDependent`, naming the op and the module; the caller then runs the same model on real
tensors, where the tracer records how many elements each such op kept (`flows`).
"""

from __future__ import annotations

import contextlib
import math
import sys
import weakref
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten
from torch.utils.weak import WeakTensorKeyDictionary

from cnncalc.analysis.calls import Call, make_call
from cnncalc.analysis.memory import Ledger
from cnncalc.analysis.ops import Traced, bind, lookup, register_extensions
from cnncalc.errors import CnncalcError
from cnncalc.formulas import receptive as rf
from cnncalc.formulas.cost import OpCost

#: Ops whose output size depends on the data (or that read a tensor's value into Python): on meta they fail,
#: and on real tensors the tracer records how many elements each kept. `index` counts with a boolean mask.
FLOW_OPS = frozenset({
    "nonzero", "masked_select", "unique", "_unique", "_unique2", "unique_dim", "unique_consecutive",
    "unique_dim_consecutive", "_local_scalar_dense", "nms", "repeat_interleave", "bincount", "index", "argwhere",
})
#: The ops whose failure on meta means values are needed (others may fail for that reason too: see
#: `_meta_limitation`).
DATA_DEPENDENT = FLOW_OPS | {"nonzero_static", "equal", "is_nonzero", "_assert_async", "masked_scatter", "histogram"}


#: the phases of a training step, in order
PHASES = ("forward", "backward", "optimizer", "zero_grad")
#: where an autograd node records the module whose forward made it
NODE_MODULE = "cnncalc_module"


@dataclass(frozen=True)
class OpRecord:
    """One counted op: the module it ran in, the aten op, its cost, the element size of its output, and the
    phase of a training step it ran in (a backward op is attributed to the module whose forward made it).
    `read_itemsize` is the element size of what it reads (its first floating-point operand, else its first;
    0: the output's), so that an op whose operands and result differ in dtype (nms: float boxes in, int64
    indices out) moves the bytes it really moves."""

    module: str
    op: str
    cost: OpCost
    itemsize: int
    phase: str = "forward"
    read_itemsize: int = 0
    #: every input is a constant: a tensor the forward made from nothing (torch.arange, zeros), or made from such
    #: tensors only; eager PyTorch computes it at every call, so it is counted, and marked
    constant: bool = False

    @property
    def backward(self) -> bool:
        return self.phase == "backward"

    @property
    def traffic_bytes(self) -> int:
        """Bytes read and written once each, at the operands' and the result's element sizes."""
        c = self.cost
        return (c.inputs + c.weights) * (self.read_itemsize or self.itemsize) + c.outputs * self.itemsize


@dataclass
class ModuleCall:
    """What the forward hooks saw of one module (summed over calls for a shared module)."""

    calls: int = 0
    output_shape: tuple[int, ...] | None = None
    output_bytes: int = 0
    field: rf.Field | None = None
    #: when the module was first entered, counted over every module call of the run (execution order)
    order: int | None = None


@dataclass
class Spatial:
    """A tensor's receptive field and the spatial sizes of the map it was last laid out on."""

    field: rf.Field
    size: tuple[int, ...]
    #: every element already sees the whole map (after attention or a flattening matmul)
    whole: bool = False


@dataclass
class Flow:
    """What one data-dependent op kept, summed over its calls in one module: `kept` of `offered` elements."""

    calls: int = 0
    offered: int = 0
    kept: int = 0


@dataclass(frozen=True)
class StuckOp:
    """The op that could not run on the meta device, and where."""

    op: str
    module: str
    reason: str


class DataDependent(RuntimeError):
    """An op whose result depends on values was met on the meta device."""

    def __init__(self, stuck: StuckOp) -> None:
        super().__init__(f"{stuck.op} in {stuck.module or 'the model'} needs values: {stuck.reason}")
        self.stuck = stuck


def _tensors(obj: Any) -> list[torch.Tensor]:
    return [t for t in tree_flatten(obj)[0] if isinstance(t, torch.Tensor)]


def _allocates(func: Any) -> bool:
    """True when the op's outputs are new tensors (not views or in-place writes of an input)."""
    return not any(r.alias_info is not None for r in func._schema.returns)


META = torch.device("meta")


def _cpu_factory(func: Any, args: Any, kwargs: dict[str, Any]) -> bool:
    """An op that makes a tensor from nothing on the CPU, by default or by name."""
    if "device" not in kwargs and not any(a.name == "device" for a in func._schema.arguments):
        return False
    device = kwargs.get("device")
    return (device is None or torch.device(device).type == "cpu") and not _tensors((args, kwargs))


def _meta_limitation(err: BaseException, name: str) -> bool:
    """An op failed on meta because it needs values (not because of a shape error in the model)."""
    text = str(err).lower()
    return (name in DATA_DEPENDENT or isinstance(err, NotImplementedError) or "data-dependent" in text
            or "data dependent" in text or "meta tensor" in text or "meta device" in text or "'meta'" in text
            or "expected device meta" in text or " meta long tensor" in text or "got meta" in text)


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def field_rank(t: torch.Tensor) -> int:
    """Spatial axes an input's receptive field is tracked over: N×C×… maps (1 to 3 axes) and N×L sequences."""
    if t.dim() >= 3:
        return min(t.dim() - 2, 3)
    return 1 if t.dim() == 2 else 0


def _eval_batch_norm(func: Any, args: Any) -> bool:
    """A batch norm in eval (running statistics): its statistics outputs are empty in the real kernels."""
    name = func.overloadpacket.__name__
    if name == "_native_batch_norm_legit_no_training":
        return True
    if name not in ("native_batch_norm", "_native_batch_norm_legit"):
        return False
    names = [a.name for a in func._schema.arguments]
    return "training" in names and len(args) > names.index("training") and not args[names.index("training")]


#: batch-norm ops whose outputs after the first are the saved statistics
BATCH_NORMS = frozenset({"native_batch_norm", "_native_batch_norm_legit", "_native_batch_norm_legit_functional",
                         "cudnn_batch_norm", "miopen_batch_norm"})


class Tracer(TorchDispatchMode):
    """Collects `OpRecord`s, uncounted ops, fields and live bytes while a forward pass runs."""

    def __init__(self, names: dict[int, str], meta: bool = True, owners: dict[int, str] | None = None,
                 counting: bool = True) -> None:
        super().__init__()
        self.names = names
        #: False: memory only (no costs, fields or attribution), for the many traces `fit` runs
        self.counting = counting
        #: parameter id → the module owning it (a parameter's gradient accumulates there)
        self.owners = owners or {}
        self.meta = meta
        self.stack: list[str] = [""]
        self.ops: list[OpRecord] = []
        self.uncounted: Counter[tuple[str, str]] = Counter()
        self.free_ops: Counter[str] = Counter()
        self.modules: dict[str, ModuleCall] = {}
        self.spatial: WeakTensorKeyDictionary = WeakTensorKeyDictionary()
        #: tensors made from nothing (factories) or from such tensors only: free of FLOPs, but memory while alive
        self.constants: weakref.WeakValueDictionary[int, torch.Tensor] = weakref.WeakValueDictionary()
        self.flows: dict[tuple[str, str], Flow] = {}
        #: every parameter an op read (id → numel): the params counted the formula way, by the ops that use them
        self.params_read: dict[int, int] = {}
        self.stuck: StuckOp | None = None
        self.memory = Ledger()
        self.entered = 0
        #: the phase of a training step that runs now (the driver sets it)
        self.phase = "forward"
        #: outputs of the last ops, whose autograd nodes get their module once autograd has made them
        self.pending: list[tuple[Any, str]] = []
        #: the dtype the forward runs under CPU autocast to (its casts are autocast copies)
        self.autocast: torch.dtype | None = None
        #: the tensors are on the meta device (not fake CPU tensors): factories called without a device go there
        self.on_meta_device = False
        #: every op call with its arguments as data, in order (kept when asked: the latency predictor reads them)
        self.calls: list[Call] | None = None

    # module attribution ------------------------------------------------------------------------------------
    def enter(self, module: nn.Module, _inputs: Any) -> None:
        if self.pending:  # between ops autograd has finished with: their nodes exist now
            self._tag_pending()
        name = self.names.get(id(module))
        if name is not None:
            self.stack.append(name)
            call = self.modules.setdefault(name, ModuleCall())
            if call.order is None:
                call.order = self.entered
            self.entered += 1

    def leave(self, module: nn.Module, _inputs: Any, output: Any) -> None:
        if self.pending:
            self._tag_pending()
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
    def track_input(self, x: torch.Tensor, rank: int | None = None) -> None:
        """An input of the model: live from the start, its field the identity over its spatial axes."""
        rank = field_rank(x) if rank is None else rank
        if rank:
            self.spatial[x] = Spatial(rf.Field.identity(rank), tuple(int(d) for d in x.shape[-rank:]))
        self.memory.add(x, "inputs")
        self.memory.sample("input", "", self.phase)

    @property
    def peak(self) -> int:
        return self.memory.peak

    def _category(self, name: str, outputs: list[torch.Tensor]) -> str:
        if self.phase == "backward":
            return "temporaries"
        if self.phase == "optimizer":
            return "optimizer_temporaries"
        if name == "_to_copy" and self.autocast is not None and outputs and outputs[0].dtype == self.autocast:
            return "autocast_copies"  # (autocast has switched itself off while it runs the cast it inserted)
        return "activations"

    # backward attribution ----------------------------------------------------------------------------------
    def _tag_pending(self) -> None:
        """Name the module on the autograd nodes autograd made for the last ops' outputs (called at module
        boundaries: inside an op, autograd has not made its node yet)."""
        for ref, module in self.pending:
            t = ref()
            node = getattr(t, "grad_fn", None) if t is not None else None
            if node is not None and NODE_MODULE not in node.metadata:
                node.metadata[NODE_MODULE] = module
        self.pending.clear()

    def _backward_module(self) -> str:
        node = torch._C._current_autograd_node()
        if node is None:  # the engine itself, summing the gradients of a tensor used twice
            return "(autograd)"
        module = node.metadata.get(NODE_MODULE)  # type: ignore[attr-defined]
        if module is not None:
            return str(module)
        variable = getattr(node, "variable", None)  # AccumulateGrad: the parameter whose gradient lands
        return self.owners.get(id(variable), "") if variable is not None else ""

    # receptive field ---------------------------------------------------------------------------------------
    def _propagate(self, inputs: list[torch.Tensor], outputs: list[torch.Tensor], traced: Traced | None) -> None:
        pairs = [(t, self.spatial[t]) for t in inputs if t in self.spatial]
        if not pairs or not outputs:
            return
        known = [s for _, s in pairs]
        out_shape = tuple(outputs[0].shape)
        # the jump comes from an input on the output's own grid (a broadcast 1×1 gate is not one)
        on_grid = [s for t, s in pairs if t.dim() >= 3 and t.dim() == len(out_shape) and tuple(t.shape[2:]) ==
                   out_shape[2:]]
        merged = rf.merge(*(s.field for s in known), grid=on_grid[0].field if on_grid else None)
        base = (on_grid or known)[0]
        size, whole = base.size, any(s.whole for s in known)
        window = traced.window if traced is not None else None
        if window is not None:
            through = rf.through_transposed if window.transposed else rf.through_window
            merged = through(known[0].field, window.kernel, window.stride, window.dilation)
            # the output's own spatial axes (none when a reduction dropped them)
            size, whole = tuple(int(d) for d in out_shape[max(2, len(out_shape) - merged.rank):]), False
        elif traced is not None and traced.cost.kind.value == "recurrent" and not whole:
            # a recurrent layer carries its state along the sequence: each output sees every step before it (and,
            # bidirectional, after it), so the field spans the whole sequence
            merged, whole = rf.Field(size=rf.through_window(merged, size, size).size, jump=merged.jump), True
        elif traced is not None and traced.cost.kind.value == "matmul" and not whole:
            operand = max((t for t, _ in pairs), key=lambda t: int(t.numel()))  # the activation, not a bias
            rows = int(operand.shape[-2]) if operand.dim() >= 2 else 1
            positions = math.prod(size)
            if positions > 1 and rows % positions:
                # the map's positions were folded into the contraction: each output sees the whole map
                field_size = rf.through_window(merged, size, size).size
                merged, whole = rf.Field(size=field_size, jump=merged.jump), True
        for out in outputs:
            self.spatial[out] = Spatial(merged, size, whole)

    # the dispatch ------------------------------------------------------------------------------------------
    def __torch_dispatch__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        kwargs = kwargs or {}
        name = func.overloadpacket.__name__
        if self.on_meta_device and _cpu_factory(func, args, kwargs):
            # a factory the forward calls without a device (torch.arange(n)) makes a CPU tensor, on the device
            # its inputs are on when the model runs on the CPU: on meta, it is made there too
            kwargs = {**kwargs, "device": META}
        try:
            out = func(*args, **kwargs)
        except Exception as err:
            if self.meta and _meta_limitation(err, name):
                self.stuck = self.stuck or StuckOp(_op_name(func), self.stack[-1], _first_line(err))
                raise DataDependent(self.stuck) from err
            raise
        inputs = _tensors((args, kwargs))
        outputs = _tensors(out)
        if not self.counting:
            return self._memory_only(func, name, inputs, outputs, out, args)
        for t in inputs:
            if isinstance(t, nn.Parameter):
                self.params_read[id(t)] = int(t.numel())
        if not self.meta and name in FLOW_OPS and (name != "index" or any(t.dtype == torch.bool for t in inputs)):
            self._flow(func, inputs, outputs)
        constant = bool(inputs) and all(id(t) in self.constants for t in inputs)
        if constant or (not inputs and outputs):
            # tensors made from nothing (factories: free), or from such tensors only (constant ops: counted at
            # every forward, as eager PyTorch runs them, and marked)
            self.constants.update((id(t), t) for t in outputs)
        if not inputs and outputs:
            self.free_ops[name] += 1
            self._account(func, name, inputs, outputs, self._module())
            if self.calls is not None:
                self.calls.append(make_call(func, args, kwargs, out, self._module(), True))
            return out
        module = self._module()
        traced: Traced | None = None
        formula = lookup(func)
        if formula is not None and formula.free:
            self.free_ops[name] += 1
        else:
            bound = bind(func, args, kwargs)
            if "bias" in bound and isinstance(bound["bias"], torch.Tensor) and id(bound["bias"]) in self.constants:
                bound["bias"] = None  # (torchvision passes zeros for no bias; a user's formula sees them as passed)
            # (a user's formula that fails or returns no counts raises CnncalcError, which trace() lets through)
            traced = formula.trace(name, bound, out) if formula is not None else None
            if traced is None:
                self.uncounted[(str(func), module)] += 1
            else:
                itemsize = (outputs or inputs)[0].element_size() if outputs or inputs else 4
                operand = next((t for t in inputs if t.is_floating_point()), inputs[0] if inputs else None)
                read = operand.element_size() if operand is not None else itemsize
                self.ops.append(OpRecord(module, str(func), traced.cost, itemsize, self.phase, read, constant))
        self._propagate(inputs, outputs, traced)
        self._account(func, name, inputs, outputs, module, args)
        if self.calls is not None:
            self.calls.append(make_call(func, args, kwargs, out, module, formula is not None and formula.free))
        return out

    def _memory_only(self, func: Any, name: str, inputs: list[torch.Tensor], outputs: list[torch.Tensor],
                     out: Any, args: Any) -> Any:
        """The same memory account as a counting trace (views excluded, constants included alike), with the module
        each storage comes from, and nothing else."""
        if (inputs and all(id(t) in self.constants for t in inputs)) or (not inputs and outputs):
            self.constants.update((id(t), t) for t in outputs)
        self._account(func, name, inputs, outputs, self._module(), args)
        return out

    def _account(self, func: Any, name: str, inputs: list[torch.Tensor], outputs: list[torch.Tensor],
                 module: str, args: Any = ()) -> None:
        """Register what the op allocates, sample the live bytes, and note the forward's outputs (to tag what
        the backward keeps)."""
        if _allocates(func):
            category = self._category(name, outputs)
            for i, t in enumerate(outputs):
                # batch norm keeps its saved mean and inverse std in float32 whatever the input's dtype (the
                # CPU and cuDNN kernels alike); the fake kernel gives them the input's low precision
                wide = name in BATCH_NORMS and i > 0 and t.dtype in (torch.bfloat16, torch.float16)
                # in eval, the real kernels return empty statistics (the meta kernel gives them C elements)
                empty = i > 0 and _eval_batch_norm(func, args)
                self.memory.add(t, category, module, 0 if empty else t.numel() * 4 if wide else None)
        self.memory.sample(str(func), module, self.phase)
        # (a custom op such as torchvision's runs its forward with grad mode off: its inputs still need grads)
        if self.phase == "forward" and (torch.is_grad_enabled() or any(t.requires_grad for t in inputs)):
            self.pending.extend((weakref.ref(t), module) for t in outputs)

    def _module(self) -> str:
        """The module an op runs for: the innermost one running (forward), the one whose forward made the
        autograd node running it (backward), or the optimizer."""
        if self.phase == "backward":
            return self._backward_module()
        return "(optimizer)" if self.phase in ("optimizer", "zero_grad") else self.stack[-1]

    def _flow(self, func: Any, inputs: list[torch.Tensor], outputs: list[torch.Tensor]) -> None:
        offered = int(inputs[0].shape[0]) if func.overloadpacket.__name__ == "nms" and inputs else (
            int(inputs[0].numel()) if inputs else 0)
        kept = int(outputs[0].shape[0]) if outputs and outputs[0].dim() else (1 if outputs else 0)
        flow = self.flows.setdefault((_op_name(func), self.stack[-1]), Flow())
        flow.calls += 1
        flow.offered += offered
        flow.kept += kept


def _op_name(func: Any) -> str:
    """'aten.nonzero.default', 'torchvision.nms.default'."""
    return str(func)


class ForwardError(RuntimeError):
    """The model's forward (or a later phase of a training step) raised; carries the innermost module that
    was running."""

    def __init__(self, module: str, module_type: str, error: BaseException, phase: str = "forward") -> None:
        where = f"{module} ({module_type})" if module else f"the model's own forward ({module_type})"
        what = "the forward pass" if phase == "forward" else f"the training step's {phase}"
        super().__init__(f"{what} failed in {where}: {_first_line(error)}" if phase == "forward" else
                         f"{what} failed: {_first_line(error)}")
        self.module = module


@dataclass
class Run:
    """A traced forward pass: the tracer and the model's output."""

    tracer: Tracer
    output: Any = None


def trace(model: nn.Module, args: list[Any], kwargs: dict[str, Any] | None = None, *, meta: bool = True,
          input_ranks: list[int | None] | None = None, grad: bool = False, autocast: torch.dtype | None = None,
          before: Callable[[Tracer], None] | None = None, after: Callable[[Tracer, Any], None] | None = None,
          counting: bool = True, keep_calls: bool = False) -> Run:
    """Run `model(*args, **kwargs)` under the tracer; hooks are global and removed in all cases.

    `before(tracer)` runs first inside the mode (to register what is resident before a training step);
    the forward runs with gradients when `grad`, under CPU autocast to `autocast` when given; `after(tracer,
    output)` then runs the rest of a training step (loss, backward, optimizer), setting `tracer.phase`.
    Raises `DataDependent` (on meta or fake tensors) or `ForwardError` (the forward or the step raised)."""
    kwargs = kwargs or {}
    names = {id(m): n for n, m in model.named_modules()}
    types = {n: type(m).__name__ for n, m in model.named_modules()}
    owners = {id(p): n for n, m in model.named_modules() for p in m.parameters(recurse=False)}
    tracer = Tracer(names, meta=meta, owners=owners, counting=counting)
    tracer.autocast = autocast
    tracer.calls = [] if keep_calls else None
    tensors = _tensors((args, kwargs)) or list(model.parameters())
    tracer.on_meta_device = bool(tensors) and all(t.device.type == "meta" for t in tensors)
    if "torchvision" in sys.modules:
        register_extensions()
    pre = nn.modules.module.register_module_forward_pre_hook(tracer.enter)
    # not always_call: when the forward raises, the stack still names the innermost module running
    post = nn.modules.module.register_module_forward_hook(tracer.leave)
    run = Run(tracer)
    cast = torch.autocast("cpu", dtype=autocast) if autocast is not None else contextlib.nullcontext()
    try:
        # never under inference mode (the caller's is switched off here): there composite ops (conv2d,
        # linear, batch_norm) reach the mode undecomposed
        with torch.inference_mode(False), torch.set_grad_enabled(grad), tracer:
            if before is not None:
                before(tracer)
            ranks = input_ranks or []
            for i, x in enumerate(_tensors((args, kwargs))):
                tracer.track_input(x, ranks[i] if i < len(ranks) else None)
            with cast:
                run.output = model(*args, **kwargs)
            if tracer.stuck is not None:  # the model caught the failure and went on: its counts are not whole
                raise DataDependent(tracer.stuck)
            tracer._tag_pending()
            if after is not None:
                after(tracer, run.output)
    except (DataDependent, CnncalcError):  # a data-dependent op, or cnncalc's own refusal (nothing to train)
        raise
    except Exception as err:  # the user's forward can raise anything; name where it failed
        if tracer.stuck is not None:
            raise DataDependent(tracer.stuck) from err
        where = tracer.stack[-1]
        if tracer.phase != "forward":
            raise ForwardError("", type(model).__name__, err, tracer.phase) from err
        raise ForwardError(where, types.get(where, type(model).__name__), err) from err
    finally:
        pre.remove()
        post.remove()
    return run
