"""The frozen record of one layer design's cost; renderers turn these into tables, JSON, CSV, Markdown."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cnncalc.formulas.cost import OpKind, Shape, fmt, numel
from cnncalc.formulas.receptive import Axes, dims_text
from cnncalc.layers.graph import Step, Tensor
from cnncalc.notebook import Notebook, made_in_python


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

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "kind": self.kind, "output_shape": list(self.output_shape),
                "params": self.params, "macs": self.macs, "flops": self.flops,
                "traffic_bytes": self.traffic_bytes}


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
    def params(self) -> int:
        """Learnable elements: weights + biases (BN γ counts as a weight, β as a bias)."""
        return self.weight_params + self.bias_params

    @property
    def flops(self) -> int:
        """FLOPs = 2 × MACs + other arithmetic."""
        return 2 * self.macs + self.other_flops

    @property
    def intensity(self) -> float:
        """Arithmetic intensity: FLOPs per byte of ideal memory traffic."""
        return self.flops / self.traffic_bytes if self.traffic_bytes else 0.0

    @property
    def rf_text(self) -> str:
        return dims_text(self.receptive_field)

    @property
    def jump_text(self) -> str:
        return dims_text(self.jump)

    def counts_dict(self) -> dict[str, Any]:
        """The counts every record's JSON carries, layer or model alike."""
        return {
            "params": self.params, "weight_params": self.weight_params, "bias_params": self.bias_params,
            "macs": self.macs, "flops": self.flops, "other_flops": self.other_flops,
            "traffic_bytes": self.traffic_bytes, "arithmetic_intensity": round(self.intensity, 4),
            "receptive_field": field_json(self.receptive_field), "jump": field_json(self.jump),
        }


@dataclass(frozen=True)
class LayerRecord(Derived, Notebook):
    """Everything cnncalc computes for one layer design. Counts are exact integers.

    MACs are multiply-accumulates; FLOPs = 2 × MACs + other arithmetic (`cnncalc.conventions`).
    Bytes are at `dtype`: `activation_bytes` sums every tensor the design's ops write (each once),
    `output_bytes` is the final output, `traffic_bytes` sums what each op reads and writes.
    """

    name: str
    design: str
    title: str
    input_shape: Shape
    output_shape: Shape
    weight_params: int
    bias_params: int
    buffers: int
    macs: int
    other_flops: int
    activation_bytes: int
    output_bytes: int
    traffic_bytes: int
    receptive_field: Axes
    jump: Axes
    dtype: str
    formulas: tuple[FormulaLine, ...]
    idea: tuple[str, ...]
    steps: tuple[StepRecord, ...]
    options: tuple[tuple[str, Any], ...]
    #: Options the user set that this design does not use (e.g. --groups on `standard`).
    ignored: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "design": self.design,
            "title": self.title,
            "input_shape": list(self.input_shape),
            "output_shape": list(self.output_shape),
            **self.counts_dict(),
            "buffers": self.buffers,
            "activation_bytes": self.activation_bytes,
            "output_bytes": self.output_bytes,
            "dtype": self.dtype,
            "options": dict(self.options),
            "ignored_options": list(self.ignored),
            "formulas": {f.quantity: {"symbolic": f.symbolic, "numeric": f.numeric} for f in self.formulas},
            "steps": [s.to_dict() for s in self.steps],
        }

    def html_page(self) -> str:
        from cnncalc.render.html import records_html

        return records_html([self], made_in_python(f"cnncalc.layer({self.name!r}, …)"))

    def rows(self) -> tuple[list[str], list[list[Any]]]:
        from cnncalc.render.formats import records_rows

        return records_rows([self])


class Comparison(list[LayerRecord], Notebook):
    """Layer records side by side (what `cnncalc.compare` returns): a list, shown in a notebook as the comparison
    page, and a DataFrame with one row per design."""

    def html_page(self) -> str:
        from cnncalc.render.html import records_html

        names = ", ".join(repr(r.name) for r in self)
        return records_html(list(self), made_in_python(f"cnncalc.compare({names}, …)"))

    def rows(self) -> tuple[list[str], list[list[Any]]]:
        from cnncalc.render.formats import records_rows

        return records_rows(list(self))


def field_json(value: Axes | None) -> list[int | float] | None:
    """A receptive field or jump for JSON: integers where exact, floats for fractional jumps."""
    if value is None:
        return None
    return [v.numerator if v.denominator == 1 else float(v) for v in value]


def _sum_line(terms: list[tuple[str, int]]) -> str:
    """`a + b = 27 + 768 = 795` from (expression, value) terms."""
    if not terms:
        return "0"
    total = sum(v for _, v in terms)
    exprs = " + ".join(e for e, _ in terms)
    if len(terms) == 1:
        return exprs if exprs == fmt(total) else f"{exprs} = {fmt(total)}"
    return f"{exprs} = {' + '.join(fmt(v) for _, v in terms)} = {fmt(total)}"


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
