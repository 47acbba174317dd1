"""Frozen records of a model analysis; renderers turn them into tables, JSON, CSV and Markdown."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from cnncalc.formulas.receptive import Axes, dims_text
from cnncalc.layers.record import Derived, field_json
from cnncalc.notebook import Notebook, made_in_python


def field_text(value: Axes | None) -> str:
    return dims_text(value)


@dataclass(frozen=True)
class Costs:
    """Counts summed over a set of ops. MACs are multiply-accumulates; FLOPs = 2 × MACs + other."""

    macs: int = 0
    other_flops: int = 0
    activation_bytes: int = 0
    traffic_bytes: int = 0

    @property
    def flops(self) -> int:
        return 2 * self.macs + self.other_flops

    @property
    def intensity(self) -> float:
        return self.flops / self.traffic_bytes if self.traffic_bytes else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"macs": self.macs, "flops": self.flops, "other_flops": self.other_flops,
                "activation_bytes": self.activation_bytes, "traffic_bytes": self.traffic_bytes,
                "arithmetic_intensity": round(self.intensity, 4)}

    def __add__(self, other: Costs) -> Costs:
        return Costs(self.macs + other.macs, self.other_flops + other.other_flops,
                     self.activation_bytes + other.activation_bytes, self.traffic_bytes + other.traffic_bytes)


class _HasCosts(Protocol):
    @property
    def costs(self) -> Costs: ...


class CostsView:
    """`macs` and `flops` of a record that sums its ops in `costs` (a field or a property)."""

    @property
    def macs(self: _HasCosts) -> int:
        return self.costs.macs

    @property
    def flops(self: _HasCosts) -> int:
        return self.costs.flops


@dataclass(frozen=True)
class LayerRow(CostsView):
    """One module of the model: its own subtree's totals, the shape it returned, the field of its output."""

    name: str
    type: str
    depth: int
    calls: int
    output_shape: tuple[int, ...] | None
    params: int
    buffers: int
    costs: Costs
    output_bytes: int
    receptive_field: Axes | None
    jump: Axes | None
    #: with a training step: the backward ops attributed to this module (the subtree), and the bytes its
    #: forward left alive for the backward (its saved activations)
    backward: Costs | None = None
    saved_bytes: int | None = None
    #: the module's place in execution order (when it was first entered; None: never called)
    order: int | None = None

    def to_dict(self) -> dict[str, Any]:
        data = {
            "name": self.name, "type": self.type, "depth": self.depth, "calls": self.calls,
            "output_shape": list(self.output_shape) if self.output_shape else None,
            "params": self.params, "buffers": self.buffers, **self.costs.to_dict(),
            "output_bytes": self.output_bytes, "receptive_field": field_json(self.receptive_field),
            "jump": field_json(self.jump), "order": self.order,
        }
        if self.backward is not None:
            data["backward"] = {"macs": self.backward.macs, "flops": self.backward.flops,
                                "other_flops": self.backward.other_flops}
            data["saved_bytes"] = self.saved_bytes
        return data


@dataclass(frozen=True)
class Totals(CostsView):
    """The whole model: params and buffers (count and bytes), costs, peak live activations, output field."""

    params: int
    weight_params: int
    bias_params: int
    buffers: int
    param_bytes: int
    buffer_bytes: int
    costs: Costs
    peak_activation_bytes: int
    output_shape: tuple[int, ...] | None
    receptive_field: Axes | None
    jump: Axes | None
    #: the params the traced ops read (each parameter once): the formula-side count, beside numel's
    params_read: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "params": self.params, "params_read_by_ops": self.params_read, "weight_params": self.weight_params,
            "bias_params": self.bias_params,
            "buffers": self.buffers, "param_bytes": self.param_bytes,
            "buffer_bytes": self.buffer_bytes, **self.costs.to_dict(),
            "peak_activation_bytes": self.peak_activation_bytes,
            "output_shape": list(self.output_shape) if self.output_shape else None,
            "receptive_field": field_json(self.receptive_field), "jump": field_json(self.jump),
        }


@dataclass(frozen=True)
class UncountedOp:
    """An op the tracer saw and has no formula for: reported, never dropped."""

    op: str
    module: str
    count: int

    def to_dict(self) -> dict[str, Any]:
        return {"op": self.op, "module": self.module, "count": self.count}


@dataclass(frozen=True)
class ConstantOp:
    """Ops on constants (tensors the forward makes from nothing, such as a positional embedding from
    torch.arange, or from such tensors only), by op and module: counted at every forward, as eager PyTorch runs
    them, and listed apart so that a reader sees them."""

    op: str
    module: str
    count: int
    costs: Costs

    def to_dict(self) -> dict[str, Any]:
        return {"op": self.op, "module": self.module, "count": self.count, "macs": self.costs.macs,
                "flops": self.costs.flops, "other_flops": self.costs.other_flops}


@dataclass(frozen=True)
class TensorInfo:
    """One input or output of the model: its name (a forward parameter, a keyword, or the path inside the
    output: `out`, `[0].boxes`), shape and element type."""

    name: str
    shape: tuple[int, ...]
    dtype: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "shape": list(self.shape), "dtype": self.dtype}

    def text(self) -> str:
        return f"{self.name} {'×'.join(map(str, self.shape)) or 'scalar'} {self.dtype}"


@dataclass(frozen=True)
class DataFlow:
    """A data-dependent op on the real run: over its calls in one module, it kept `kept` of `offered`
    elements (rows of nonzero's indices, boxes nms kept, values read by a branch)."""

    op: str
    module: str
    calls: int
    offered: int
    kept: int

    def to_dict(self) -> dict[str, Any]:
        return {"op": self.op, "module": self.module, "calls": self.calls, "offered": self.offered,
                "kept": self.kept}


@dataclass(frozen=True)
class DetectorCounts:
    """What flowed through a detector, per image: region proposals (two-stage detectors) and detections."""

    proposals: tuple[int, ...] | None
    detections: tuple[int, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"proposals_per_image": list(self.proposals) if self.proposals is not None else None,
                "detections_per_image": list(self.detections)}

    def text(self) -> str:
        parts = [] if self.proposals is None else [f"proposals {', '.join(f'{p:,}' for p in self.proposals)}"]
        return "; ".join([*parts, f"detections {', '.join(f'{d:,}' for d in self.detections)}"]) + " per image"


@dataclass(frozen=True)
class WorstCase:
    """A detector at its own limits: score and NMS thresholds relaxed so every candidate survives, so the
    counts reach the model's caps (RPN post-NMS top-n, detections per image)."""

    costs: Costs
    counts: DetectorCounts
    limits: tuple[tuple[str, int], ...]

    def to_dict(self) -> dict[str, Any]:
        return {"macs": self.costs.macs, "flops": self.costs.flops, "other_flops": self.costs.other_flops,
                **self.counts.to_dict(), "limits": dict(self.limits)}


@dataclass(frozen=True)
class RealRun:
    """Why the ops were counted on real CPU tensors, on what data, and what the data-dependent ops kept."""

    op: str
    module: str
    reason: str
    data: str
    flows: tuple[DataFlow, ...] = ()
    counts: DetectorCounts | None = None
    worst_case: WorstCase | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"forced_by": {"op": self.op, "module": self.module, "reason": self.reason}, "data": self.data,
                "data_dependent_ops": [f.to_dict() for f in self.flows],
                "detector": self.counts.to_dict() if self.counts else None,
                "worst_case": self.worst_case.to_dict() if self.worst_case else None}


@dataclass(frozen=True)
class BuildInfo:
    """How the model came to be on the meta device: `way` is meta (built there), registered (its parameters
    sent there as registered), cpu (built with real weights, then moved) or given (a module passed in, copied);
    `why` holds the error each cheaper way raised."""

    way: str
    text: str
    why: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"way": self.way, "text": self.text, "why": list(self.why)}


#: the memory categories a training step's JSON always carries (others appear when present)
MEMORY_KEYS = ("params", "buffers", "grads", "optimizer_state", "activations", "temporaries")


def optimizer_text(optimizer: str, foreach: bool) -> str:
    """'adamw, foreach' or 'sgd, for-loop' (PyTorch's two implementations; foreach is its default on CUDA)."""
    return optimizer if optimizer == "none" else f"{optimizer}, {'foreach' if foreach else 'for-loop'}"


@dataclass(frozen=True)
class TrainingReport(CostsView):
    """One steady-state training step: forward (train mode), backward of a scalar loss, optimizer step,
    zero_grad. Costs by phase; the peak of live memory over the step, where it happened, and the bytes of
    each category at that moment."""

    optimizer: str
    amp: str | None
    loss: str
    forward: Costs
    backward: Costs
    step: Costs
    peak_bytes: int
    peak_op: str
    peak_module: str
    peak_phase: str
    memory: tuple[tuple[str, int], ...]
    phase_peaks: tuple[tuple[str, int], ...]
    #: what the forward left alive for the backward (activations and autocast copies), at its end
    saved_activation_bytes: int
    batch: int
    #: the optimizer's multi-tensor (foreach) implementation, else one parameter at a time
    foreach: bool = True

    @property
    def optimizer_text(self) -> str:
        return optimizer_text(self.optimizer, self.foreach)

    @property
    def costs(self) -> Costs:
        return self.forward + self.backward + self.step

    def bytes_of(self, category: str) -> int:
        return dict(self.memory).get(category, 0)

    def to_dict(self) -> dict[str, Any]:
        memory = {k: self.bytes_of(k) for k in MEMORY_KEYS} | {k: v for k, v in self.memory if k not in MEMORY_KEYS}

        def phase(c: Costs) -> dict[str, int]:
            return {"macs": c.macs, "flops": c.flops, "other_flops": c.other_flops}

        return {"optimizer": self.optimizer, "optimizer_foreach": self.foreach, "amp": self.amp, "loss": self.loss,
                "batch": self.batch,
                "macs": self.macs, "flops": self.flops, "forward": phase(self.forward),
                "backward": phase(self.backward), "optimizer_step": phase(self.step), "peak_bytes": self.peak_bytes,
                "peak_at": {"op": self.peak_op, "module": self.peak_module, "phase": self.peak_phase},
                "memory": memory, "phase_peaks": dict(self.phase_peaks),
                "saved_activation_bytes": self.saved_activation_bytes}


@dataclass(frozen=True)
class ModelReport(Notebook):
    """The analysis of one model on its inputs."""

    model: str
    #: the first input's shape (the one input of most models)
    input_shape: tuple[int, ...]
    dtype: str
    total: Totals
    layers: tuple[LayerRow, ...]
    uncounted: tuple[UncountedOp, ...]
    free_ops: tuple[tuple[str, int], ...]
    #: costs by op kind (conv, matmul, batch_norm, deform_conv, …): what each peer does or does not count
    by_kind: tuple[tuple[str, Costs], ...] = ()
    #: costs by aten op (aten.convolution.default, aten.bmm.default, …)
    by_op: tuple[tuple[str, Costs], ...] = ()
    backward: Costs | None = None
    inputs: tuple[TensorInfo, ...] = ()
    outputs: tuple[TensorInfo, ...] = ()
    #: how the inputs were chosen
    input_note: str = ""
    task: str = ""
    #: set when an op's output size or the control flow depended on values: the ops were counted on real tensors
    real_run: RealRun | None = None
    #: parameters no traced op read (an auxiliary head the forward never calls), by name
    unread_params: tuple[tuple[str, int], ...] = ()
    #: a traced training step (--train / --backward)
    training: TrainingReport | None = None
    #: how the model was built on the meta device
    built: BuildInfo | None = None
    #: ops on constants (counted in every total, listed here too)
    constant_ops: tuple[ConstantOp, ...] = ()

    def kind(self, name: str) -> Costs:
        return dict(self.by_kind).get(name, Costs())

    def summary(self) -> ModelSummary:
        t = self.total
        return ModelSummary(
            name=self.model, title=self.model, input_shape=self.input_shape, output_shape=t.output_shape or (),
            weight_params=t.weight_params, bias_params=t.bias_params, buffers=t.buffers, macs=t.macs,
            other_flops=t.costs.other_flops, activation_bytes=t.costs.activation_bytes,
            traffic_bytes=t.costs.traffic_bytes, receptive_field=t.receptive_field or (),
            jump=t.jump or (), dtype=self.dtype)

    def layer(self, name: str) -> LayerRow:
        for row in self.layers:
            if row.name == name:
                return row
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "model": self.model,
            "task": self.task,
            "input_shape": list(self.input_shape),
            "inputs": [i.to_dict() for i in self.inputs],
            "input_note": self.input_note,
            "outputs": [o.to_dict() for o in self.outputs],
            "dtype": self.dtype,
            "total": self.total.to_dict(),
            "layers": [row.to_dict() for row in self.layers if row.depth > 0],
            "uncounted": [u.to_dict() for u in self.uncounted],
            "free_ops": dict(self.free_ops),
            "by_kind": {k: {"macs": c.macs, "other_flops": c.other_flops} for k, c in self.by_kind},
        }
        data["real_run"] = self.real_run.to_dict() if self.real_run else None
        data["unread_params"] = dict(self.unread_params)
        data["training"] = self.training.to_dict() if self.training else None
        data["built"] = self.built.to_dict() if self.built else None
        data["constant_ops"] = [c.to_dict() for c in self.constant_ops]
        if self.backward is not None:
            data["backward"] = {"macs": self.backward.macs, "flops": self.backward.flops,
                                "other_flops": self.backward.other_flops,
                                "traffic_bytes": self.backward.traffic_bytes}
        return data

    def html_page(self) -> str:
        from cnncalc.render.html import report_html

        return report_html(self, made_in_python(f"cnncalc.analyze({self.model!r}, …)"))

    def rows(self) -> tuple[list[str], list[list[Any]]]:
        """Every module, the whole model first, in execution order."""
        from cnncalc.render.model import report_rows

        return report_rows(self)


@dataclass(frozen=True)
class ModelSummary(Derived):
    """A model's totals with the same fields as a layer record, so `compare` renders both alike."""

    name: str
    title: str
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    weight_params: int
    bias_params: int
    buffers: int
    macs: int
    other_flops: int
    activation_bytes: int
    traffic_bytes: int
    receptive_field: Axes
    jump: Axes
    dtype: str
    formulas: tuple[Any, ...] = ()
    ignored: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "input_shape": list(self.input_shape), "output_shape": list(self.output_shape),
                **self.counts_dict(), "buffers": self.buffers, "activation_bytes": self.activation_bytes,
                "dtype": self.dtype}


@dataclass(frozen=True)
class FitPoint:
    """The peak at one batch size, its breakdown by category, and where it happened."""

    batch: int
    peak_bytes: int
    memory: tuple[tuple[str, int], ...]
    peak_op: str
    peak_module: str
    peak_phase: str
    #: the peak of each phase (training: forward, backward, optimizer, zero_grad; or inference)
    phase_peaks: tuple[tuple[str, int], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"batch": self.batch, "peak_bytes": self.peak_bytes, "memory": dict(self.memory),
                "peak_at": {"op": self.peak_op, "module": self.peak_module, "phase": self.peak_phase}}


@dataclass(frozen=True)
class FitReport(Notebook):
    model: str
    memory_bytes: int
    memory_source: str
    mode: str
    optimizer: str | None
    amp: str | None
    dtype: str
    #: the inputs at batch 1 (the batch is their first dimension)
    inputs: tuple[str, ...]
    max_batch: int
    at: FitPoint | None
    next: FitPoint
    #: every batch traced, in order, with its peak
    searched: tuple[tuple[int, int], ...]
    note: str = ""
    #: the optimizer's multi-tensor (foreach) implementation, else one parameter at a time
    foreach: bool = True

    @property
    def optimizer_text(self) -> str:
        return optimizer_text(self.optimizer or "none", self.foreach)

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, "memory_bytes": self.memory_bytes, "memory_source": self.memory_source,
                "mode": self.mode, "optimizer": self.optimizer,
                "optimizer_foreach": self.foreach if self.optimizer else None, "amp": self.amp, "dtype": self.dtype,
                "inputs": list(self.inputs), "max_batch": self.max_batch,
                "peak_bytes": self.at.peak_bytes if self.at else None, "next_peak_bytes": self.next.peak_bytes,
                "at": self.at.to_dict() if self.at else None, "next": self.next.to_dict(),
                "searched": [{"batch": b, "peak_bytes": p} for b, p in self.searched], "note": self.note}

    def html_page(self) -> str:
        from cnncalc.render.html import fit_html

        return fit_html(self, made_in_python(f"cnncalc.fit({self.model!r}, {self.memory_bytes}, …)"))

    def rows(self) -> tuple[list[str], list[list[Any]]]:
        from cnncalc.render.memory import FIT_HEADER, fit_rows

        return list(FIT_HEADER), fit_rows(self)
