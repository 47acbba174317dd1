"""The frozen record of one layer design's cost: plain data, whose JSON and table rows come from its fields
(`cnncalc.serialize`); the views in `cnncalc.rendering` lay it out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from cnncalc.formulas.cost import OpKind, Shape, fmt, numel
from cnncalc.formulas.receptive import Axes, dims_text
from cnncalc.layers.graph import Step, Tensor
from cnncalc.notebook import Listing, Notebook
from cnncalc.serialize import serialized, spec


def shape_cell(dims: tuple[int, ...] | None) -> str:
    """A shape in a table cell: '1x3x224x224'."""
    return "x".join(map(str, dims)) if dims else ""


def axes_cell(value: Axes | None) -> str:
    """A receptive field or jump in a table cell: '3x3'."""
    return dims_text(value).replace("×", "x") if value is not None else ""


@dataclass(frozen=True)
class StepRecord:
    """One op inside a design."""

    label: str
    kind: str
    output_shape: Shape
    params: int
    macs: int
    flops: int
    traffic_bytes: int


@dataclass(frozen=True)
class FormulaLine:
    """A quantity, its formula in symbols (may be empty) and the same with the numbers put in."""

    quantity: str
    symbolic: str
    numeric: str


class Derived:
    """The quantities derived from a record's counts, shared by layer records and model summaries (the
    `compare` views render both)."""

    weight_params: int
    bias_params: int
    macs: int
    other_flops: int
    traffic_bytes: int
    receptive_field: Axes
    jump: Axes

    @property
    @serialized(after="output_shape")
    def params(self) -> int:
        """Learnable elements: weights + biases (BN γ counts as a weight, β as a bias)."""
        return self.weight_params + self.bias_params

    @property
    @serialized(after="macs", column="flops (2*macs + other)")
    def flops(self) -> int:
        """FLOPs = 2 × MACs + other arithmetic."""
        return 2 * self.macs + self.other_flops

    @property
    @serialized(after="traffic_bytes", key="arithmetic_intensity", digits=4, column="intensity (flop/byte)",
                cell_digits=3)
    def intensity(self) -> float:
        """Arithmetic intensity: FLOPs per byte of ideal memory traffic."""
        return self.flops / self.traffic_bytes if self.traffic_bytes else 0.0

    @property
    def rf_text(self) -> str:
        return dims_text(self.receptive_field)

    @property
    def jump_text(self) -> str:
        return dims_text(self.jump)


@dataclass(frozen=True)
class LayerRecord(Derived, Notebook):
    """Everything cnncalc computes for one layer design. Counts are exact integers.

    MACs are multiply-accumulates; FLOPs = 2 × MACs + other arithmetic (`cnncalc.conventions`).
    Bytes are at `dtype`: `activation_bytes` sums every tensor the design's ops write (each once),
    `output_bytes` is the final output, `traffic_bytes` sums what each op reads and writes.
    """

    PYTHON: ClassVar[str] = "cnncalc.layer({name!r}, …)"

    name: str
    design: str
    title: str = field(metadata=spec(row=False))
    input_shape: Shape = field(metadata=spec(cell=shape_cell))
    output_shape: Shape = field(metadata=spec(cell=shape_cell))
    weight_params: int
    bias_params: int
    buffers: int
    macs: int = field(metadata=spec(column="macs (multiply-accumulates)"))
    other_flops: int = field(metadata=spec(row=False))
    activation_bytes: int
    output_bytes: int = field(metadata=spec(row=False))
    traffic_bytes: int
    receptive_field: Axes = field(metadata=spec(cell=axes_cell))
    jump: Axes = field(metadata=spec(cell=axes_cell))
    dtype: str
    formulas: tuple[FormulaLine, ...] = field(metadata=spec(convert=lambda lines: {
        f.quantity: {"symbolic": f.symbolic, "numeric": f.numeric} for f in lines}))
    idea: tuple[str, ...] = field(metadata=spec(skip=True))
    steps: tuple[StepRecord, ...]
    options: tuple[tuple[str, Any], ...] = field(metadata=spec(as_dict=True))
    #: Options the user set that this design does not use (e.g. --groups on `standard`).
    ignored: tuple[str, ...] = field(default=(), metadata=spec(key="ignored_options"))


@dataclass(frozen=True)
class LayerReport(Notebook):
    """One design and how it fares against its natural counterpart (xception-dw against standard, inception
    against its naive form, …): what `cnncalc layer` shows."""

    PYTHON: ClassVar[str] = "cnncalc.explain({name!r}, …)"

    record: LayerRecord = field(metadata=spec(flatten=True))
    #: the counterpart under the same options; None when the design has none, or it cannot take these options
    counterpart: LayerRecord | None = field(default=None, metadata=spec(row=False))

    @property
    def name(self) -> str:
        return self.record.name


@dataclass(frozen=True)
class Comparison(Listing, Notebook):
    """Layer designs (or models) side by side, in the order given: the first is the base of every ratio. It
    behaves as the list of its records (`[r.params for r in cnncalc.compare(…)]`)."""

    ITEMS: ClassVar[str] = "records"
    PYTHON: ClassVar[str] = "cnncalc.compare({names}, …)"

    records: tuple[Derived, ...]
    #: each design's real module timed (`compare(…, time=True)`): profiling's DesignTiming, one per record
    timings: tuple[Any, ...] = ()
    #: each one's predicted latency on a profile's device (`compare(…, predict=PROFILE)`): LatencyReports
    predictions: tuple[Any, ...] = ()

    @property
    def names(self) -> str:
        return ", ".join(repr(getattr(r, "name", "")) for r in self.records)


def _sum_line(terms: list[tuple[str, int]]) -> str:
    """`a + b = 27 + 768 = 795` from (expression, value) terms."""
    if not terms:
        return "0"
    total = sum(v for _, v in terms)
    exprs = " + ".join(e for e, _ in terms)
    if len(terms) == 1:
        return exprs if exprs == fmt(total) else f"{exprs} = {fmt(total)}"
    values = " + ".join(fmt(v) for _, v in terms)
    if exprs == values:  # every term is a number already: 256 + 256 = 512, not 256 + 256 = 256 + 256 = 512
        return f"{exprs} = {fmt(total)}"
    return f"{exprs} = {values} = {fmt(total)}"


def _formula_lines(steps: list[Step], symbolic: dict[str, str]) -> tuple[FormulaLine, ...]:
    param_terms = []
    for s in steps:
        c = s.cost
        if c.params_weight:
            expr = c.param_expr
            if c.params_bias and c.kind != OpKind.batch_norm:
                expr = f"({expr} + {fmt(c.params_bias)})"
            param_terms.append((expr, c.params))
    mac_terms = [(s.cost.mac_expr, s.cost.macs) for s in steps if s.cost.macs]
    macs = sum(v for _, v in mac_terms)
    other = sum(s.cost.other_flops for s in steps)
    flops = f"2·{fmt(macs)} + {fmt(other)} = {fmt(2 * macs + other)}"
    lines = [
        FormulaLine("params", symbolic.get("params", ""), _sum_line(param_terms)),
        FormulaLine("MACs", symbolic.get("MACs", ""), _sum_line(mac_terms)),
        FormulaLine("FLOPs", "2·MACs + other", flops),
    ]
    other_terms = [s.cost.other_expr for s in steps if s.cost.other_flops]
    if other_terms:
        lines.append(FormulaLine("other", "", " + ".join(other_terms) + f" = {fmt(other)}"))
    return tuple(lines)


def make_record(name: str, design: str, title: str, idea: tuple[str, ...], symbolic: dict[str, str],
                input_shape: Shape, steps: list[Step], output: Tensor, itemsize: int, dtype: str,
                options: dict[str, Any], ignored: tuple[str, ...] = ()) -> LayerRecord:
    """Sum a design's steps into its record."""
    costs = [s.cost for s in steps]
    return LayerRecord(
        name=name,
        design=design,
        title=title,
        input_shape=input_shape,
        output_shape=output.shape,
        weight_params=sum(c.params_weight for c in costs),
        bias_params=sum(c.params_bias for c in costs),
        buffers=sum(c.buffers for c in costs),
        macs=sum(c.macs for c in costs),
        other_flops=sum(c.other_flops for c in costs),
        activation_bytes=sum(c.outputs for c in costs) * itemsize,
        output_bytes=numel(output.shape) * itemsize,
        traffic_bytes=sum(c.traffic_bytes(itemsize) for c in costs),
        receptive_field=output.field.size,
        jump=output.field.jump,
        dtype=dtype,
        formulas=_formula_lines(steps, symbolic),
        idea=idea,
        steps=tuple(StepRecord(s.label, s.cost.kind.value, s.cost.output_shape, s.cost.params, s.cost.macs,
                               s.cost.flops, s.cost.traffic_bytes(itemsize)) for s in steps),
        options=tuple(sorted(options.items())),
        ignored=ignored,
    )
