"""`analyze(model, …)`: a model's cost, per module, from one forward pass on the meta device; or, when an op's
output size or the control flow depends on values, from the same forward pass on real CPU tensors."""

from __future__ import annotations

import copy as copying
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import torch
from torch import nn

from cnncalc.analysis import detection
from cnncalc.analysis.inputs import Input, Inputs, is_detector, load_image, make_inputs, materialize
from cnncalc.analysis.memory import CATEGORIES
from cnncalc.analysis.pytree import named_tensors
from cnncalc.analysis.report import (
    BuildInfo,
    ConstantOp,
    Costs,
    DataFlow,
    LayerRow,
    ModelReport,
    RealRun,
    TensorInfo,
    Totals,
    TrainingReport,
    UncountedOp,
    WorstCase,
)
from cnncalc.analysis.tracer import PHASES, DataDependent, ForwardError, Run, StuckOp, trace
from cnncalc.analysis.training import (
    DEFAULT_OPTIMIZER,
    LOSS,
    Optimizer,
    StepRun,
    parse_amp,
    parse_optimizer,
    trace_step,
)
from cnncalc.dtypes import DType, parse_dtype
from cnncalc.errors import CnncalcError
from cnncalc.inputs import InputSpec
from cnncalc.modelzoo.build import BuildWay, meta_copy
from cnncalc.resources import within_budget

TORCH_DTYPES = {DType.float32: torch.float32, DType.float16: torch.float16, DType.bfloat16: torch.bfloat16,
                DType.float64: torch.float64}


@dataclass
class Subject:
    """What is analysed: a model on the meta device, how to build it with real weights, and its inputs."""

    name: str
    module: nn.Module
    real: Callable[[int], nn.Module]
    inputs: Inputs
    task: str = ""
    #: how the model came to be on the meta device
    way: BuildWay = BuildWay.given
    why: tuple[str, ...] = ()


def _ancestors(name: str) -> list[str]:
    """'layer1.0.conv1' → ['layer1.0.conv1', 'layer1.0', 'layer1', '']."""
    parts = name.split(".") if name else []
    return [".".join(parts[:i]) for i in range(len(parts), -1, -1)]


def _shape_text(shape: Sequence[int]) -> str:
    return "x".join(map(str, shape))


def _real_copy(module: nn.Module, name: str) -> Callable[[int], nn.Module]:
    """A copy of the user's module on the CPU (the original is not touched), for a real run."""

    def make(seed: int) -> nn.Module:
        if any(t.device.type == "meta" for t in (*module.parameters(), *module.buffers())):
            raise CnncalcError(f"{name} has its weights on the meta device, and an op in it depends on values: "
                               f"give it real weights to analyse it")
        return copying.deepcopy(module).to("cpu").eval()

    return make


# the traces --------------------------------------------------------------------------------------------------
def _ranks(inputs: Inputs) -> list[int | None] | None:
    """Spatial axes of each input tensor in order: a detector's images are C×H×W (two), others by shape."""
    if not any(i.as_list for i in inputs.positional):
        return None
    ranks: list[int | None] = []
    for item in inputs.positional:
        count = item.spec.shape[0] if item.as_list and len(item.spec.shape) == 4 else 1
        ranks += [2 if item.as_list else None] * count
    return ranks


def _run(model: nn.Module, inputs: Inputs, dtype: DType, device: str, seed: int = 0, keep_calls: bool = False) -> Run:
    args, kwargs = materialize(inputs, device, TORCH_DTYPES[dtype], seed)
    return trace(model, args, kwargs, meta=device == "meta", input_ranks=_ranks(inputs), keep_calls=keep_calls)


def _budgeted_run(model: nn.Module, subject: Subject, dtype: DType, seed: int, keep_calls: bool = False) -> Run:
    """A real CPU run inside the memory budget (`cnncalc.resources`): one line, not an exhausted machine, when it
    needs more memory than is here."""
    resident = sum(int(t.numel()) * t.element_size() for t in (*model.parameters(), *model.buffers()))
    what = f"the real run of {subject.name} (needed as its ops depend on values)"
    return within_budget(lambda: _run(model, subject.inputs, dtype, "cpu", seed, keep_calls), what, resident)


def _real_run(subject: Subject, dtype: DType, stuck: StuckOp, worst_case: bool,
              seed: int, keep_calls: bool = False) -> tuple[nn.Module, Run, RealRun]:
    """Count the same ops on real CPU tensors: seeded random inputs (or the user's tensors or photo)."""
    reason = f"{stuck.op} in {stuck.module or 'the model'}"
    model = subject.real(seed).to(TORCH_DTYPES[dtype])
    probe = detection.Probe(model) if is_detector(model) else None
    try:
        run = _budgeted_run(model, subject, dtype, seed, keep_calls)
    except ForwardError as err:
        raise CnncalcError(f"{subject.name}: the real run (needed for {reason}, which cannot run on the meta "
                           f"device) failed: {err}") from None
    counts = probe.counts(run.output) if probe is not None else None
    worst: WorstCase | None = None
    if probe is not None and worst_case:
        detection.relax(model)
        relaxed = detection.Probe(model)
        try:
            wrun = _budgeted_run(model, subject, dtype, seed)
        except ForwardError as err:
            raise CnncalcError(f"{subject.name}: the worst-case run failed: {err}") from None
        costs = sum((op_costs(op) for op in wrun.tracer.ops), Costs())
        worst = WorstCase(costs, relaxed.counts(wrun.output), detection.limits(model))
    flows = tuple(DataFlow(op, module or "(model)", f.calls, f.offered, f.kept)
                  for (op, module), f in sorted(run.tracer.flows.items()))
    data = subject.inputs.note if subject.inputs.image else f"seeded random inputs (torch.manual_seed({seed})), " \
        f"random weights"
    return model, run, RealRun(stuck.op, stuck.module or "(model)", stuck.reason, data, flows, counts, worst)


def op_costs(op: Any) -> Costs:
    """The summed record of one traced op (bytes at its element size)."""
    c = op.cost
    return Costs(c.macs, c.other_flops, c.outputs * op.itemsize, op.traffic_bytes)


def trace_subject(subject: Subject, dt: DType, worst_case: bool = True, seed: int = 0,
                  keep_calls: bool = False) -> tuple[nn.Module, Run, RealRun | None]:
    """The model traced on meta, or, when an op depends on values, on real CPU tensors (then with the
    record of why and of what flowed)."""
    meta = subject.module.to(TORCH_DTYPES[dt])
    try:
        return meta, _run(meta, subject.inputs, dt, "meta", keep_calls=keep_calls), None
    except DataDependent as dd:
        return _real_run(subject, dt, dd.stuck, worst_case, seed, keep_calls)
    except ForwardError as err:
        raise CnncalcError(f"{_where(subject)}: {err}") from None


def _where(subject: Subject) -> str:
    return f"{subject.name} at input {', '.join(_shape_text(i.spec.shape) for i in subject.inputs.all)}"


def analyze_subject(subject: Subject, dtype: DType | str = DType.float32, backward: bool = False,
                    worst_case: bool = True, seed: int = 0, train: StepSpec | None = None) -> ModelReport:
    """Trace on meta; fall back to a real run when an op depends on values. With `train` (or `backward`,
    a step without an optimizer), also trace a whole training step."""
    dt = parse_dtype(dtype)
    model, run, real = trace_subject(subject, dt, worst_case, seed)
    report = replace(make_report(model, run, subject, dt), real_run=real)
    spec = train if train is not None else (StepSpec(Optimizer.none) if backward else None)
    if spec is not None:
        report = training_report(subject, report, model, dt, spec)
    return report


@dataclass(frozen=True)
class StepSpec:
    """What a traced training step runs: the optimizer, and autocast's dtype (None: none)."""

    optimizer: Optimizer = DEFAULT_OPTIMIZER
    amp: str | None = None
    #: the optimizer's multi-tensor implementation, PyTorch's default on CUDA (the default here, as memory is
    #: counted as on a GPU); False: one parameter at a time, its default on the CPU
    foreach: bool = True


def trace_training(subject: Subject, model: nn.Module, dt: DType, spec: StepSpec, counting: bool = True,
                   record: bool = False) -> StepRun:
    if subject.module is not model:  # counted on a real run: a fake training step cannot take that op
        raise CnncalcError(f"{_where(subject)}: its ops depend on values, and a training step is traced on fake "
                           f"tensors, which cannot run them; analyse its inference, or a part without them")
    try:
        return trace_step(model, subject.inputs, TORCH_DTYPES[dt], spec.optimizer, spec.amp, _ranks(subject.inputs),
                          counting, record, spec.foreach)
    except (ForwardError, DataDependent, CnncalcError) as err:
        raise CnncalcError(f"{_where(subject)}, training step: {err}") from None


def training_report(subject: Subject, report: ModelReport, model: nn.Module, dt: DType,
                    spec: StepSpec) -> ModelReport:
    """The report with a traced training step: costs by phase, memory at the peak, per-module backward costs
    and saved activations."""
    step = trace_training(subject, model, dt, spec)
    tracer = step.run.tracer
    by_phase: dict[str, Costs] = defaultdict(Costs)
    backward_own: dict[str, Costs] = defaultdict(Costs)
    for op in tracer.ops:
        by_phase[op.phase] = by_phase[op.phase] + op_costs(op)
        if op.backward:
            backward_own[op.module] = backward_own[op.module] + op_costs(op)
    backward_tree, saved_tree = _subtrees(backward_own), _subtrees(step.saved)
    rows = tuple(replace(row, backward=backward_tree.get(_key(row), Costs()), saved_bytes=saved_tree.get(_key(row), 0))
                 for row in report.layers)
    memory = tracer.memory
    at = memory.peak_at
    training = TrainingReport(
        optimizer=spec.optimizer.value, amp=spec.amp, loss=LOSS, forward=by_phase["forward"],
        backward=by_phase["backward"], step=by_phase["optimizer"], peak_bytes=memory.peak,
        peak_op=at.op if at else "", peak_module=(at.module or "(model)") if at else "",
        peak_phase=at.phase if at else "",
        memory=tuple((k, memory.peak_by_category[k]) for k in CATEGORIES if memory.peak_by_category.get(k)),
        phase_peaks=tuple((p, memory.phase_peaks[p]) for p in PHASES if p in memory.phase_peaks),
        saved_activation_bytes=step.saved_total,
        batch=subject.inputs.positional[0].spec.shape[0] if subject.inputs.positional else 1, foreach=spec.foreach)
    seen = {(u.op, u.module) for u in report.uncounted}
    extra = tuple(UncountedOp(op, module or "(model)", n) for (op, module), n in sorted(tracer.uncounted.items())
                  if (op, module or "(model)") not in seen)
    return replace(report, layers=rows, training=training, backward=training.backward,
                   uncounted=report.uncounted + extra)


def _key(row: LayerRow) -> str:
    return "" if row.name == "(model)" else row.name


def _subtrees(own: Mapping[str, Any]) -> dict[str, Any]:
    """Per-module values summed over each module's subtree (costs or byte counts)."""
    tree: dict[str, Any] = {}
    for module, value in own.items():
        for ancestor in _ancestors(module):
            tree[ancestor] = tree[ancestor] + value if ancestor in tree else value
    return tree


# the report --------------------------------------------------------------------------------------------------
def _infos(inputs: Inputs, dtype: DType) -> tuple[TensorInfo, ...]:
    names = list(inputs.names) + [f"input{i}" for i in range(len(inputs.names), len(inputs.positional))]
    infos = [TensorInfo(names[i], item.spec.shape, item.spec.dtype or dtype.value)
             for i, item in enumerate(inputs.positional)]
    infos += [TensorInfo(item.spec.name or "", item.spec.shape, item.spec.dtype or dtype.value)
              for item in inputs.keywords]
    return tuple(infos)


def _dtype_name(t: torch.Tensor) -> str:
    return str(t.dtype).removeprefix("torch.")


def make_report(model: nn.Module, run: Run, subject: Subject, dtype: DType) -> ModelReport:
    tracer = run.tracer
    own: dict[str, Costs] = defaultdict(Costs)
    kinds: dict[str, Costs] = defaultdict(Costs)
    by_op: dict[str, Costs] = defaultdict(Costs)
    constants: dict[tuple[str, str], tuple[int, Costs]] = {}
    for op in tracer.ops:
        costs = op_costs(op)
        own[op.module] = own[op.module] + costs
        kinds[op.cost.kind.value] = kinds[op.cost.kind.value] + costs
        by_op[op.op] = by_op[op.op] + costs
        if op.constant:
            count, so_far = constants.get((op.op, op.module), (0, Costs()))
            constants[(op.op, op.module)] = (count + 1, so_far + costs)
    subtree: dict[str, Costs] = defaultdict(Costs)
    for module, costs in own.items():
        for ancestor in _ancestors(module):
            subtree[ancestor] = subtree[ancestor] + costs
    rows = []
    for module_name, module in model.named_modules():
        call = tracer.modules.get(module_name)
        rows.append(LayerRow(
            name=module_name or "(model)",
            type=type(module).__name__,
            depth=module_name.count(".") + 1 if module_name else 0,
            calls=call.calls if call else 0,
            output_shape=call.output_shape if call else None,
            params=sum(int(p.numel()) for p in module.parameters()),
            buffers=sum(int(b.numel()) for b in module.buffers()),
            costs=subtree.get(module_name, Costs()),
            output_bytes=call.output_bytes if call else 0,
            receptive_field=call.field.size if call and call.field else None,
            jump=call.field.jump if call and call.field else None,
            order=call.order if call else None,
        ))
    root = tracer.modules.get("")
    named = list(model.named_parameters())
    outputs = tuple(TensorInfo(path, tuple(int(d) for d in t.shape), _dtype_name(t))
                    for path, t in named_tensors(run.output))
    total = Totals(
        params=sum(int(p.numel()) for _, p in named),
        weight_params=sum(int(p.numel()) for n, p in named if not n.endswith("bias")),
        bias_params=sum(int(p.numel()) for n, p in named if n.endswith("bias")),
        buffers=sum(int(b.numel()) for b in model.buffers()),
        param_bytes=sum(int(p.numel()) * p.element_size() for p in model.parameters()),
        buffer_bytes=sum(int(b.numel()) * b.element_size() for b in model.buffers()),
        costs=subtree.get("", Costs()),
        peak_activation_bytes=tracer.peak,
        output_shape=outputs[0].shape if outputs else (root.output_shape if root else None),
        receptive_field=root.field.size if root and root.field else None,
        jump=root.field.jump if root and root.field else None,
        params_read=sum(tracer.params_read.values()),
    )
    uncounted = tuple(UncountedOp(op, module or "(model)", n) for (op, module), n in sorted(tracer.uncounted.items()))
    infos = _infos(subject.inputs, dtype)
    return ModelReport(model=subject.name, input_shape=infos[0].shape if infos else (), dtype=dtype.value, total=total,
                       layers=tuple(rows), uncounted=uncounted, free_ops=tuple(sorted(tracer.free_ops.items())),
                       by_kind=tuple(sorted(kinds.items())), by_op=tuple(sorted(by_op.items())), inputs=infos,
                       outputs=outputs, input_note=subject.inputs.note, task=subject.task,
                       built=BuildInfo(subject.way.value, subject.way.text, subject.why),
                       constant_ops=tuple(ConstantOp(op, module or "(model)", n, c)
                                          for (op, module), (n, c) in sorted(constants.items())),
                       unread_params=tuple((n, int(p.numel())) for n, p in named if id(p) not in tracer.params_read))


# entry points ------------------------------------------------------------------------------------------------
InputItem = Any


def subject_for(model: nn.Module | str, input_shape: Sequence[int] | str | None = None,
                inputs: Sequence[InputItem] | None = None, kwargs: Mapping[str, InputItem] | None = None,
                image: str | None = None, batch: int | None = None) -> Subject:
    """The model (an nn.Module, left untouched, or a name) and its inputs, checked."""
    if input_shape is not None and inputs is not None:
        raise CnncalcError("give input_shape or inputs, not both")
    items: list[InputItem] | None = [input_shape] if input_shape is not None else (
        list(inputs) if inputs is not None else None)
    if isinstance(model, nn.Module):
        name = type(model).__name__
        if items is None and image is None:
            raise CnncalcError("inputs are required for a module: e.g. inputs=[(1, 3, 224, 224)]")
        module, real, defaults, note, task = meta_copy(model), _real_copy(model, name), [], "", ""
        way, why = BuildWay.given, tuple[str, ...]()
    else:
        from cnncalc.modelzoo.sources import load_model

        loaded = load_model(model)
        name, module, task = loaded.name, loaded.module, loaded.task
        defaults, note = list(loaded.inputs), loaded.input_note
        real = loaded.real
        way, why = loaded.way, loaded.why
    if items is None:
        items = list(defaults) if image is None else [*defaults[1:]]
    else:
        note = ""
    if image is not None:
        photo = load_image(image)
        items = [photo, *items]
        note = f"the photo {image} ({photo.shape[2]}×{photo.shape[3]})"
    items = [_with_batch(i, batch) for i in items] if batch is not None else items
    made = make_inputs(module, name, items, kwargs, note)
    if image is not None:
        made = replace(made, image=image)
    if task == "video":
        first = made.positional[0].spec.shape if made.positional else ()
        if len(first) != 5:
            raise CnncalcError(f"{name} is a video model: its input is N×C×T×H×W (5 numbers, e.g. 1x3x16x112x112); "
                               f"got {_shape_text(first)}")
    return Subject(name, module, real, made, task, way, why)


def _with_batch(item: InputItem, batch: int) -> InputItem:
    """A spec with its first dimension set to `batch` (tensors are left as given)."""
    if isinstance(item, InputSpec):
        return replace(item, shape=(batch, *item.shape[1:]))
    if isinstance(item, Sequence) and not isinstance(item, str) and item and all(isinstance(d, int) for d in item):
        return (batch, *item[1:])
    return item


def analyze(model: nn.Module | str, input_shape: Sequence[int] | str | None = None,
            dtype: DType | str = DType.float32, backward: bool = False, *, inputs: Sequence[InputItem] | None = None,
            kwargs: Mapping[str, InputItem] | None = None, image: str | None = None, worst_case: bool = True,
            seed: int = 0, batch: int | str | None = None, train: bool = False,
            optimizer: Optimizer | str | None = None, amp: str | None = None,
            foreach: bool | None = None) -> ModelReport:
    """Analyse a model given as an nn.Module or a name (zoo, torchvision of any task, `timm/NAME`,
    `pkg.mod:fn`, `file.py:Class`).

    Inputs: `input_shape` for a model of one input, or `inputs`, one item per positional input: a shape, a
    (shape, dtype) pair, a string as on the command line ('2x128:int64', 'mask=1x1x8x8:bool' for a keyword)
    or a real tensor (a detector's item may be a list of C×H×W images). `kwargs` maps keyword inputs the same
    way. `image` is a photo for the first input. A named model defaults to the input its published figures
    were measured at. `batch` sets the first dimension of every input given by shape.

    `train` also traces a whole training step (forward in train mode, backward of a scalar loss, the
    `optimizer`'s step, zero_grad), under CPU autocast to `amp` ('bf16' or 'fp16') when given; `backward` is
    the same step without an optimizer. `foreach` picks the optimizer's multi-tensor implementation, PyTorch's
    default on CUDA and the default here (its temporaries span every parameter at once); False: one parameter at
    a time, its default on the CPU.
    """
    if (optimizer is not None or amp is not None or foreach is not None) and not train:
        raise CnncalcError("optimizer=, amp= and foreach= describe a training step: add train=True")
    from cnncalc.layers.options import parse_int

    n = parse_int("batch", batch) if batch is not None else None
    subject = subject_for(model, input_shape, inputs, kwargs, image, n)
    spec = StepSpec(parse_optimizer(optimizer or DEFAULT_OPTIMIZER), parse_amp(amp),
                    foreach is not False) if train else None
    return analyze_subject(subject, dtype, backward, worst_case, seed, spec)


def analyze_module(model: nn.Module, input_shape: Sequence[int], name: str, dtype: DType | str = DType.float32,
                   copy: bool = True, backward: bool = False) -> ModelReport:
    """One input shape into a module (a meta copy is traced unless `copy` is False and it is on meta already)."""
    module = meta_copy(model) if copy else model
    made = make_inputs(module, name, [tuple(int(d) for d in input_shape)])
    subject = Subject(name, module, _real_copy(model, name), made)
    return analyze_subject(subject, dtype, backward)


__all__ = ["Input", "Subject", "analyze", "analyze_module", "analyze_subject", "make_report", "subject_for",
           "trace_subject"]
