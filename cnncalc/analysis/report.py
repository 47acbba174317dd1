"""Frozen records of a model analysis: plain data. Their JSON, table rows and pages come from their fields
(`cnncalc.serialize`); the views in `cnncalc.rendering` lay them out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from cnncalc.formulas.receptive import Axes, dims_text
from cnncalc.layers.record import Derived, shape_cell
from cnncalc.notebook import Notebook
from cnncalc.numbers import nbytes
from cnncalc.serialize import serialized, spec, to_data


def field_text(value: Axes | None) -> str:
    return dims_text(value)


@dataclass(frozen=True)
class Costs:
    """Counts summed over a set of ops. MACs are multiply-accumulates; FLOPs = 2 × MACs + other."""

    macs: int = field(default=0, metadata=spec(column="macs (multiply-accumulates)"))
    other_flops: int = field(default=0, metadata=spec(row=False))
    activation_bytes: int = 0
    traffic_bytes: int = 0

    @property
    @serialized(after="macs", column="flops (2*macs + other)")
    def flops(self) -> int:
        return 2 * self.macs + self.other_flops

    @property
    @serialized(key="arithmetic_intensity", digits=4, column="intensity (flop/byte)", cell_digits=3)
    def intensity(self) -> float:
        return self.flops / self.traffic_bytes if self.traffic_bytes else 0.0

    def __add__(self, other: Costs) -> Costs:
        return Costs(self.macs + other.macs, self.other_flops + other.other_flops,
                     self.activation_bytes + other.activation_bytes, self.traffic_bytes + other.traffic_bytes)


def brief(costs: Costs | None) -> dict[str, int] | None:
    """MACs, FLOPs and other FLOPs of a part (a phase, a backward): how JSON shows them."""
    return None if costs is None else {"macs": costs.macs, "flops": costs.flops, "other_flops": costs.other_flops}


def field_cell(value: Axes | None) -> str:
    """A receptive field or jump in a table cell: '3x3'."""
    return field_text(value).replace("×", "x")


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
    output_shape: tuple[int, ...] | None = field(metadata=spec(cell=shape_cell))
    params: int
    buffers: int = field(metadata=spec(row=False))
    costs: Costs = field(metadata=spec(flatten=True))
    output_bytes: int = field(metadata=spec(row=False))
    receptive_field: Axes | None = field(metadata=spec(cell=field_cell))
    jump: Axes | None = field(metadata=spec(cell=field_cell))
    #: with a training step: the backward ops attributed to this module (the subtree), and the bytes its
    #: forward left alive for the backward (its saved activations)
    backward: Costs | None = field(default=None, metadata=spec(convert=brief, omit_none=True, expand=("macs", "flops"),
                                                                  prefix="backward_", drop_empty=True))
    saved_bytes: int | None = field(default=None, metadata=spec(omit_none=True, drop_empty=True))
    #: the module's place in execution order (when it was first entered; None: never called)
    order: int | None = field(default=None, metadata=spec(row=False))


@dataclass(frozen=True)
class Totals(CostsView):
    """The whole model: params and buffers (count and bytes), costs, peak live activations, output field."""

    params: int
    weight_params: int
    bias_params: int
    buffers: int
    param_bytes: int
    buffer_bytes: int
    costs: Costs = field(metadata=spec(flatten=True))
    peak_activation_bytes: int
    output_shape: tuple[int, ...] | None
    receptive_field: Axes | None
    jump: Axes | None
    #: the params the traced ops read (each parameter once): the formula-side count, beside numel's
    params_read: int = field(default=0, metadata=spec(key="params_read_by_ops"))


@dataclass(frozen=True)
class UncountedOp:
    """An op the tracer saw and has no formula for: reported, never dropped."""

    op: str
    module: str
    count: int


@dataclass(frozen=True)
class ConstantOp:
    """Ops on constants (tensors the forward makes from nothing, such as a positional embedding from
    torch.arange, or from such tensors only), by op and module: counted at every forward, as eager PyTorch runs
    them, and listed apart so that a reader sees them."""

    op: str
    module: str
    count: int
    costs: Costs = field(metadata=spec(flatten=True, convert=brief))


@dataclass(frozen=True)
class TensorInfo:
    """One input or output of the model: its name (a forward parameter, a keyword, or the path inside the
    output: `out`, `[0].boxes`), shape and element type."""

    name: str
    shape: tuple[int, ...]
    dtype: str

    def text(self) -> str:
        """'x 1×3×224×224 float32': name, shape and dtype on one line."""
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


@dataclass(frozen=True)
class DetectorCounts:
    """What flowed through a detector, per image: region proposals (two-stage detectors) and detections."""

    proposals: tuple[int, ...] | None = field(metadata=spec(key="proposals_per_image"))
    detections: tuple[int, ...] = field(metadata=spec(key="detections_per_image"))

    def text(self) -> str:
        """'proposals 1,000; detections 100 per image': the counts on one line."""
        parts = [] if self.proposals is None else [f"proposals {', '.join(f'{p:,}' for p in self.proposals)}"]
        return "; ".join([*parts, f"detections {', '.join(f'{d:,}' for d in self.detections)}"]) + " per image"


@dataclass(frozen=True)
class WorstCase:
    """A detector at its own limits: score and NMS thresholds relaxed so every candidate survives, so the
    counts reach the model's caps (RPN post-NMS top-n, detections per image)."""

    costs: Costs = field(metadata=spec(flatten=True, convert=brief))
    counts: DetectorCounts = field(metadata=spec(flatten=True))
    limits: tuple[tuple[str, int], ...] = field(metadata=spec(as_dict=True))


@dataclass(frozen=True)
class RealRun:
    """Why the ops were counted on real CPU tensors, on what data, and what the data-dependent ops kept."""

    op: str = field(metadata=spec(group="forced_by"))
    module: str = field(metadata=spec(group="forced_by"))
    reason: str = field(metadata=spec(group="forced_by"))
    data: str
    flows: tuple[DataFlow, ...] = field(default=(), metadata=spec(key="data_dependent_ops"))
    counts: DetectorCounts | None = field(default=None, metadata=spec(key="detector"))
    worst_case: WorstCase | None = None


@dataclass(frozen=True)
class BuildInfo:
    """How the model came to be on the meta device: `way` is meta (built there), registered (its parameters
    sent there as registered), cpu (built with real weights, then moved) or given (a module passed in, copied);
    `why` holds the error each cheaper way raised."""

    way: str
    text: str
    why: tuple[str, ...] = ()


#: the memory categories a training step's JSON always carries (others appear when present)
MEMORY_KEYS = ("params", "buffers", "grads", "optimizer_state", "activations", "temporaries")


def memory_data(memory: tuple[tuple[str, int], ...]) -> dict[str, int]:
    """A training step's bytes by category: MEMORY_KEYS always, the others where present."""
    values = dict(memory)
    return {k: values.get(k, 0) for k in MEMORY_KEYS} | {k: v for k, v in memory if k not in MEMORY_KEYS}


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
    forward: Costs = field(metadata=spec(convert=brief))
    backward: Costs = field(metadata=spec(convert=brief))
    step: Costs = field(metadata=spec(key="optimizer_step", convert=brief))
    peak_bytes: int
    peak_op: str = field(metadata=spec(group="peak_at", key="op"))
    peak_module: str = field(metadata=spec(group="peak_at", key="module"))
    peak_phase: str = field(metadata=spec(group="peak_at", key="phase"))
    memory: tuple[tuple[str, int], ...] = field(metadata=spec(convert=memory_data))
    phase_peaks: tuple[tuple[str, int], ...] = field(metadata=spec(as_dict=True))
    #: what the forward left alive for the backward (activations and autocast copies), at its end
    saved_activation_bytes: int
    batch: int
    #: the optimizer's multi-tensor (foreach) implementation, else one parameter at a time
    foreach: bool = field(default=True, metadata=spec(key="optimizer_foreach"))

    @property
    def optimizer_text(self) -> str:
        return optimizer_text(self.optimizer, self.foreach)

    @property
    def costs(self) -> Costs:
        return self.forward + self.backward + self.step

    @property
    @serialized(after="batch")
    def macs(self) -> int:
        return self.costs.macs

    @property
    @serialized(after="macs")
    def flops(self) -> int:
        return self.costs.flops

    def bytes_of(self, category: str) -> int:
        """The bytes of one memory category at the peak ('params', 'grads', 'optimizer_state', 'activations',
        …; 0 when absent)."""
        return dict(self.memory).get(category, 0)


@dataclass(frozen=True)
class ModelReport(Notebook):
    """The analysis of one model on its inputs. Its JSON carries the modules below the whole model (`layers`
    in the record starts with the whole model, depth 0, whose costs are the totals)."""

    PYTHON: ClassVar[str] = "cnncalc.analyze({model!r}, …)"

    model: str
    #: the first input's shape (the one input of most models)
    input_shape: tuple[int, ...]
    dtype: str
    total: Totals
    layers: tuple[LayerRow, ...] = field(metadata=spec(convert=lambda rows: [to_data(r) for r in rows if r.depth]))
    uncounted: tuple[UncountedOp, ...]
    free_ops: tuple[tuple[str, int], ...] = field(metadata=spec(as_dict=True))
    #: costs by op kind (conv, matmul, batch_norm, deform_conv, …): what each peer does or does not count
    by_kind: tuple[tuple[str, Costs], ...] = field(default=(), metadata=spec(convert=lambda kinds: {
        k: {"macs": c.macs, "other_flops": c.other_flops} for k, c in kinds}))
    #: costs by aten op (aten.convolution.default, aten.bmm.default, …)
    by_op: tuple[tuple[str, Costs], ...] = field(default=(), metadata=spec(skip=True))
    backward: Costs | None = field(default=None, metadata=spec(omit_none=True, convert=lambda c: {
        **(brief(c) or {}), "traffic_bytes": c.traffic_bytes}))
    inputs: tuple[TensorInfo, ...] = ()
    outputs: tuple[TensorInfo, ...] = ()
    #: how the inputs were chosen
    input_note: str = ""
    task: str = ""
    #: set when an op's output size or the control flow depended on values: the ops were counted on real tensors
    real_run: RealRun | None = None
    #: parameters no traced op read (an auxiliary head the forward never calls), by name
    unread_params: tuple[tuple[str, int], ...] = field(default=(), metadata=spec(as_dict=True))
    #: a traced training step (--train / --backward)
    training: TrainingReport | None = None
    #: how the model was built on the meta device
    built: BuildInfo | None = None
    #: ops on constants (counted in every total, listed here too)
    constant_ops: tuple[ConstantOp, ...] = ()

    def kind(self, name: str) -> Costs:
        """The costs of one op kind ('conv', 'matmul', 'batch_norm', …; zero when the model has none)."""
        return dict(self.by_kind).get(name, Costs())

    def summary(self) -> ModelSummary:
        """The totals with the same fields as a layer record, as `compare` shows a model."""
        t = self.total
        return ModelSummary(
            name=self.model, title=self.model, input_shape=self.input_shape, output_shape=t.output_shape or (),
            weight_params=t.weight_params, bias_params=t.bias_params, buffers=t.buffers, macs=t.macs,
            other_flops=t.costs.other_flops, activation_bytes=t.costs.activation_bytes,
            traffic_bytes=t.costs.traffic_bytes, receptive_field=t.receptive_field or (),
            jump=t.jump or (), dtype=self.dtype)

    def layer(self, name: str) -> LayerRow:
        """The module of this name ('layer4', 'layer4.0.conv1'; '(model)' is the whole model); KeyError if none."""
        for row in self.layers:
            if row.name == name:
                return row
        raise KeyError(name)


@dataclass(frozen=True)
class ModelSummary(Derived):
    """A model's totals with the same fields as a layer record, so `compare` renders both alike."""

    PYTHON: ClassVar[str] = "cnncalc.compare({name!r}, …)"

    name: str
    title: str = field(metadata=spec(skip=True, row=False))
    input_shape: tuple[int, ...] = field(metadata=spec(cell=shape_cell))
    output_shape: tuple[int, ...] = field(metadata=spec(cell=shape_cell))
    weight_params: int
    bias_params: int
    buffers: int
    macs: int = field(metadata=spec(column="macs (multiply-accumulates)"))
    other_flops: int = field(metadata=spec(row=False))
    activation_bytes: int
    traffic_bytes: int
    receptive_field: Axes = field(metadata=spec(cell=field_cell))
    jump: Axes = field(metadata=spec(cell=field_cell))
    dtype: str
    formulas: tuple[Any, ...] = field(default=(), metadata=spec(skip=True))
    ignored: tuple[str, ...] = field(default=(), metadata=spec(skip=True))


@dataclass(frozen=True)
class FitPoint:
    """The peak at one batch size, its breakdown by category, and where it happened."""

    batch: int
    peak_bytes: int
    memory: tuple[tuple[str, int], ...] = field(metadata=spec(as_dict=True))
    peak_op: str = field(metadata=spec(group="peak_at", key="op"))
    peak_module: str = field(metadata=spec(group="peak_at", key="module"))
    peak_phase: str = field(metadata=spec(group="peak_at", key="phase"))
    #: the peak of each phase (training: forward, backward, optimizer, zero_grad; or inference)
    phase_peaks: tuple[tuple[str, int], ...] = field(default=(), metadata=spec(skip=True))


@dataclass(frozen=True)
class FitReport(Notebook):
    """The largest batch whose peak fits the budget: the peaks there (`at`) and at the next batch up."""

    PYTHON: ClassVar[str] = "cnncalc.fit({model!r}, {memory_bytes}, …)"

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
    searched: tuple[tuple[int, int], ...] = field(metadata=spec(convert=lambda pairs: [
        {"batch": b, "peak_bytes": p} for b, p in pairs]))
    note: str = ""
    #: the optimizer's multi-tensor (foreach) implementation, else one parameter at a time
    foreach: bool = field(default=True, metadata=spec(skip=True))

    @property
    def optimizer_text(self) -> str:
        return optimizer_text(self.optimizer or "none", self.foreach)

    @property
    @serialized(after="optimizer")
    def optimizer_foreach(self) -> bool | None:
        return self.foreach if self.optimizer else None

    @property
    @serialized(after="max_batch")
    def peak_bytes(self) -> int | None:
        return self.at.peak_bytes if self.at else None

    @property
    @serialized(after="peak_bytes")
    def next_peak_bytes(self) -> int:
        return self.next.peak_bytes

    @property
    def points(self) -> tuple[FitPoint, ...]:
        """The batch that fits (if any) and the next one up: the rows of the report's table."""
        return tuple(p for p in (self.at, self.next) if p is not None)


def fit_summary(r: FitReport) -> str:
    """'resnet50: batch 153 fits 24,000,000,000 B (22.4 GiB) for a training step (adamw, foreach); batch 154 does
    not', or what even the smallest batch needs."""
    what = f"a training step ({r.optimizer_text}{', autocast ' + r.amp if r.amp else ''})" if r.mode == "training" \
        else "inference"
    if r.max_batch == 0:
        return (f"{r.model}: even batch {r.next.batch} needs {r.next.peak_bytes:,} B for {what}, more than "
                f"{r.memory_bytes:,} B ({nbytes(r.memory_bytes)})")
    return (f"{r.model}: batch {r.max_batch:,} fits {r.memory_bytes:,} B ({nbytes(r.memory_bytes)}) for "
            f"{what}; batch {r.next.batch:,} does not")
