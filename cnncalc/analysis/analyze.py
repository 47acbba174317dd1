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
from cnncalc.analysis.build import meta_copy
from cnncalc.analysis.inputs import Input, Inputs, is_detector, load_image, make_inputs, materialize
from cnncalc.analysis.pytree import named_tensors
from cnncalc.analysis.report import (
    Costs,
    DataFlow,
    LayerRow,
    ModelReport,
    RealRun,
    TensorInfo,
    Totals,
    UncountedOp,
    WorstCase,
)
from cnncalc.analysis.tracer import DataDependent, ForwardError, Run, StuckOp, trace
from cnncalc.dtypes import DType, parse_dtype
from cnncalc.errors import CnncalcError
from cnncalc.inputs import InputSpec

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
def _run(model: nn.Module, inputs: Inputs, dtype: DType, device: str, backward: bool, seed: int = 0) -> Run:
    args, kwargs = materialize(inputs, device, TORCH_DTYPES[dtype], seed)
    ranks: list[int | None] | None = None
    if any(i.as_list for i in inputs.positional):  # a detector's images are C×H×W: two spatial axes
        ranks = [2 if isinstance(a, list) else None for a in args for _ in (a if isinstance(a, list) else [a])]
    return trace(model, args, kwargs, backward=backward, meta=device == "meta", input_ranks=ranks)


def _for_training(model: nn.Module) -> nn.Module:
    training = model.train()
    for p in training.parameters():
        p.requires_grad_(True)
    return training


def _real_run(subject: Subject, dtype: DType, stuck: StuckOp, backward: bool, worst_case: bool,
              seed: int) -> tuple[nn.Module, Run, RealRun]:
    """Count the same ops on real CPU tensors: seeded random inputs (or the user's tensors or photo)."""
    reason = f"{stuck.op} in {stuck.module or 'the model'}"
    model = subject.real(seed).to(TORCH_DTYPES[dtype])
    probe = detection.Probe(model) if is_detector(model) else None
    try:
        run = _run(_for_training(model) if backward else model, subject.inputs, dtype, "cpu", backward, seed)
    except ForwardError as err:
        raise CnncalcError(f"{subject.name}: the real run (needed for {reason}, which cannot run on the meta "
                           f"device) failed: {err}") from None
    counts = probe.counts(run.output) if probe is not None else None
    worst: WorstCase | None = None
    if probe is not None and worst_case and not backward:
        detection.relax(model)
        relaxed = detection.Probe(model)
        try:
            wrun = _run(model, subject.inputs, dtype, "cpu", False, seed)
        except ForwardError as err:
            raise CnncalcError(f"{subject.name}: the worst-case run failed: {err}") from None
        costs = sum((_costs(op) for op in wrun.tracer.ops), Costs())
        worst = WorstCase(costs, relaxed.counts(wrun.output), detection.limits(model))
    flows = tuple(DataFlow(op, module or "(model)", f.calls, f.offered, f.kept)
                  for (op, module), f in sorted(run.tracer.flows.items()))
    data = subject.inputs.note if subject.inputs.image else f"seeded random inputs (torch.manual_seed({seed})), " \
        f"random weights"
    return model, run, RealRun(stuck.op, stuck.module or "(model)", stuck.reason, data, flows, counts, worst)


def _costs(op: Any) -> Costs:
    c = op.cost
    return Costs(c.macs, c.other_flops, c.outputs * op.itemsize, c.traffic_bytes(op.itemsize))


def trace_subject(subject: Subject, dt: DType, worst_case: bool = True,
                  seed: int = 0) -> tuple[nn.Module, Run, RealRun | None]:
    """The model traced on meta, or, when an op depends on values, on real CPU tensors (then with the
    record of why and of what flowed)."""
    meta = subject.module.to(TORCH_DTYPES[dt])
    try:
        return meta, _run(meta, subject.inputs, dt, "meta", False), None
    except DataDependent as dd:
        return _real_run(subject, dt, dd.stuck, False, worst_case, seed)
    except ForwardError as err:
        raise CnncalcError(f"{_where(subject)}: {err}") from None


def _where(subject: Subject) -> str:
    return f"{subject.name} at input {', '.join(_shape_text(i.spec.shape) for i in subject.inputs.all)}"


def analyze_subject(subject: Subject, dtype: DType | str = DType.float32, backward: bool = False,
                    worst_case: bool = True, seed: int = 0) -> ModelReport:
    """Trace on meta; fall back to a real run when an op depends on values."""
    dt = parse_dtype(dtype)
    model, run, real = trace_subject(subject, dt, worst_case, seed)
    report = replace(make_report(model, run, subject, dt), real_run=real)
    if backward:
        report = replace(report, **_backward(subject, report, model, dt, real, seed, _where(subject)))
    return report


def _backward(subject: Subject, report: ModelReport, model: nn.Module, dt: DType, real: RealRun | None, seed: int,
              where: str) -> dict[str, Any]:
    """A second trace of a training step (train mode, backward of the outputs' sum): the backward pass's costs."""
    try:
        if real is None:
            step = _run(_for_training(meta_copy(model)), subject.inputs, dt, "meta", True)
        else:
            model = _for_training(subject.real(seed).to(TORCH_DTYPES[dt]))
            step = _run(model, subject.inputs, dt, "cpu", True, seed)
    except (ForwardError, DataDependent) as err:
        raise CnncalcError(f"{where}, training step: {err}") from None
    costs = sum((_costs(op) for op in step.tracer.ops if op.backward), Costs())
    seen = {u.op for u in report.uncounted}
    extra = tuple(UncountedOp(op, "(backward)", n) for (op, module), n in sorted(step.tracer.uncounted.items())
                  if module == "" and op not in seen)
    return {"backward": costs, "uncounted": report.uncounted + extra}


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
    for op in tracer.ops:
        costs = _costs(op)
        own[op.module] = own[op.module] + costs
        kinds[op.cost.kind.value] = kinds[op.cost.kind.value] + costs
        by_op[op.op] = by_op[op.op] + costs
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
    else:
        from cnncalc.models.sources import load_model

        loaded = load_model(model)
        name, module, task = loaded.name, loaded.module, loaded.task
        defaults, note = list(loaded.inputs), loaded.input_note
        real = loaded.real
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
    return Subject(name, module, real, made, task)


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
            seed: int = 0, batch: int | None = None) -> ModelReport:
    """Analyse a model given as an nn.Module or a name (zoo, torchvision of any task, `timm/NAME`,
    `pkg.mod:fn`, `file.py:Class`).

    Inputs: `input_shape` for a model of one input, or `inputs`, one item per positional input: a shape, a
    (shape, dtype) pair, a string as on the command line ('2x128:int64', 'mask=1x1x8x8:bool' for a keyword)
    or a real tensor (a detector's item may be a list of C×H×W images). `kwargs` maps keyword inputs the same
    way. `image` is a photo for the first input. A named model defaults to the input its published figures
    were measured at. `batch` sets the first dimension of every input given by shape.
    """
    subject = subject_for(model, input_shape, inputs, kwargs, image, batch)
    return analyze_subject(subject, dtype, backward, worst_case, seed)


def analyze_module(model: nn.Module, input_shape: Sequence[int], name: str, dtype: DType | str = DType.float32,
                   copy: bool = True, backward: bool = False) -> ModelReport:
    """One input shape into a module (a meta copy is traced unless `copy` is False and it is on meta already)."""
    module = meta_copy(model) if copy else model
    made = make_inputs(module, name, [tuple(int(d) for d in input_shape)])
    subject = Subject(name, module, _real_copy(model, name), made)
    return analyze_subject(subject, dtype, backward)


__all__ = ["Input", "Subject", "analyze", "analyze_module", "analyze_subject", "make_report", "subject_for",
           "trace_subject"]
