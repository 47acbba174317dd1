"""`analyze(model_or_name, input_shape)`: a model's cost, per module, from one meta-device forward pass."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

import torch
from torch import nn

from cnncalc.analysis.build import meta_copy
from cnncalc.analysis.report import Costs, LayerRow, ModelReport, Totals, UncountedOp
from cnncalc.analysis.tracer import ForwardError, Tracer, trace
from cnncalc.dtypes import DType, parse_dtype
from cnncalc.errors import CnncalcError

TORCH_DTYPES = {DType.float32: torch.float32, DType.float16: torch.float16, DType.bfloat16: torch.bfloat16,
                DType.float64: torch.float64}


def _ancestors(name: str) -> list[str]:
    """'layer1.0.conv1' → ['layer1.0.conv1', 'layer1.0', 'layer1', '']."""
    parts = name.split(".") if name else []
    return [".".join(parts[:i]) for i in range(len(parts), -1, -1)]


def check_input_shape(shape: tuple[int, ...]) -> tuple[int, ...]:
    if len(shape) < 2:
        raise CnncalcError(f"input shape {'x'.join(map(str, shape))} has rank {len(shape)}: expected at least "
                           f"N×C, e.g. 1x3x224x224")
    for d in shape:
        if d < 1:
            raise CnncalcError(f"input shape {'x'.join(map(str, shape))} has a dimension of {d}: every "
                               f"dimension must be ≥ 1")
    return shape


def analyze_module(model: nn.Module, input_shape: tuple[int, ...], name: str, dtype: DType | str = DType.float32,
                   copy: bool = True, backward: bool = False) -> ModelReport:
    """Trace `model` (left untouched: a meta copy is traced unless `copy` is False) on an input shape.

    With `backward`, a second trace runs a training step (train mode, backward of the output's sum) on a
    fresh meta copy, and the report carries the backward pass's costs.
    """
    dt = parse_dtype(dtype)
    input_shape = check_input_shape(tuple(int(d) for d in input_shape))
    meta = meta_copy(model) if copy else model
    meta = meta.to(TORCH_DTYPES[dt])
    tracer = run_trace(meta, input_shape, dt, name, backward=False)
    report = make_report(meta, tracer, name, input_shape, dt)
    if backward:
        training = meta_copy(meta).train()
        for p in training.parameters():
            p.requires_grad_(True)
        step = run_trace(training, input_shape, dt, name, backward=True)
        costs = Costs()
        for op in step.ops:
            if op.backward:
                c = op.cost
                costs = costs + Costs(c.macs, c.other_flops, c.outputs * op.itemsize, c.traffic_bytes(op.itemsize))
        report = replace(report, backward=costs,
                         uncounted=report.uncounted + tuple(
                             UncountedOp(op, "(backward)", n) for (op, module), n in sorted(step.uncounted.items())
                             if module == "" and op not in {u.op for u in report.uncounted}))
    return report


def run_trace(model: nn.Module, input_shape: tuple[int, ...], dtype: DType, name: str, backward: bool) -> Tracer:
    x = torch.empty(input_shape, device="meta", dtype=TORCH_DTYPES[dtype])
    try:
        return trace(model, x, backward=backward)
    except ForwardError as err:
        raise CnncalcError(f"{name} at input {'x'.join(map(str, input_shape))}: {err}") from None


def make_report(model: nn.Module, tracer: Tracer, name: str, input_shape: tuple[int, ...], dtype: DType) -> ModelReport:
    own: dict[str, Costs] = defaultdict(Costs)
    kinds: dict[str, Costs] = defaultdict(Costs)
    by_op: dict[str, Costs] = defaultdict(Costs)
    for op in tracer.ops:
        c = op.cost
        costs = Costs(c.macs, c.other_flops, c.outputs * op.itemsize, c.traffic_bytes(op.itemsize))
        own[op.module] = own[op.module] + costs
        kinds[c.kind.value] = kinds[c.kind.value] + costs
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
    total = Totals(
        params=sum(int(p.numel()) for _, p in named),
        weight_params=sum(int(p.numel()) for n, p in named if not n.endswith("bias")),
        bias_params=sum(int(p.numel()) for n, p in named if n.endswith("bias")),
        buffers=sum(int(b.numel()) for b in model.buffers()),
        param_bytes=sum(int(p.numel()) * p.element_size() for p in model.parameters()),
        buffer_bytes=sum(int(b.numel()) * b.element_size() for b in model.buffers()),
        costs=subtree.get("", Costs()),
        peak_activation_bytes=tracer.peak,
        output_shape=root.output_shape if root else None,
        receptive_field=root.field.size if root and root.field else None,
        jump=root.field.jump if root and root.field else None,
    )
    uncounted = tuple(UncountedOp(op, module or "(model)", n) for (op, module), n in sorted(tracer.uncounted.items()))
    return ModelReport(model=name, input_shape=input_shape, dtype=dtype.value, total=total, layers=tuple(rows),
                       uncounted=uncounted, free_ops=tuple(sorted(tracer.free_ops.items())),
                       by_kind=tuple(sorted(kinds.items())), by_op=tuple(sorted(by_op.items())))


def analyze(model: nn.Module | str, input_shape: tuple[int, ...] | list[int] | str | None = None,
            dtype: DType | str = DType.float32, backward: bool = False) -> ModelReport:
    """Analyse a model given as an nn.Module or a name (zoo, torchvision, `pkg.mod:fn`, `file.py:Class`)."""
    from cnncalc.models.sources import load_model, parse_input_shape

    shape = parse_input_shape(input_shape) if isinstance(input_shape, str) else input_shape
    if isinstance(model, nn.Module):
        if shape is None:
            raise CnncalcError("input_shape is required for a module (e.g. (1, 3, 224, 224))")
        return analyze_module(model, tuple(shape), type(model).__name__, dtype, backward=backward)
    loaded = load_model(model)
    return analyze_module(loaded.module, tuple(shape) if shape else loaded.input_shape, loaded.name, dtype,
                          copy=False, backward=backward)


