"""Design-space sweeps: one layer design (or one model) across the values of one option."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from cnncalc.errors import CnncalcError
from cnncalc.inputs import InputSpec
from cnncalc.layers.options import LayerOptions, make_options
from cnncalc.layers.record import LayerRecord
from cnncalc.layers.registry import all_extra_keys, configure, evaluate, is_design
from cnncalc.notebook import Notebook, made_in_python

MODEL_AXES = ("input", "batch")


@dataclass(frozen=True)
class SweepPoint:
    """One value of the swept option and what the design (or model) costs there."""

    value: str
    record: Any  # LayerRecord, or ModelSummary for a model
    counterpart: LayerRecord | None = None
    peak_activation_bytes: int | None = None

    @property
    def coverage(self) -> float | None:
        """Receptive field ÷ input size along the height (≥ 1: every output sees the whole input)."""
        size = self.record.input_shape[2] if len(self.record.input_shape) > 2 else None
        return float(self.record.receptive_field[0]) / size if size else None

    def to_dict(self) -> dict[str, Any]:
        data = {"value": self.value, **self.record.to_dict()}
        if self.counterpart is not None:
            data["counterpart"] = self.counterpart.name
            data["params_vs_counterpart"] = _ratio(self.record.params, self.counterpart.params)
            data["macs_vs_counterpart"] = _ratio(self.record.macs, self.counterpart.macs)
        if self.peak_activation_bytes is not None:
            data["peak_activation_bytes"] = self.peak_activation_bytes
            data["receptive_field_coverage"] = self.coverage
        return data


class Sweep(list[SweepPoint], Notebook):
    """The points of a sweep, in the order of the values (a list; in a notebook, the sweep page, and
    `.to_pandas()` one row per value)."""

    def __init__(self, points: list[SweepPoint], target: str, vary: str) -> None:
        super().__init__(points)
        self.target = target
        #: the swept option's name
        self.vary = vary

    def html_page(self) -> str:
        from cnncalc.render.html import sweep_html

        values = ",".join(p.value for p in self)
        return sweep_html(list(self), self.target, self.vary,
                          made_in_python(f"sweep({self.target!r}, '{self.vary}={values}', …)"))

    def rows(self) -> tuple[list[str], list[list[Any]]]:
        from cnncalc.render.formats import sweep_rows

        return sweep_rows(list(self))


def _ratio(a: int, b: int) -> float | None:
    return a / b if b else None


def parse_vary(text: str) -> tuple[str, list[str]]:
    """'groups=1,2,3' → ('groups', ['1', '2', '3'])."""
    name, eq, values = text.partition("=")
    items = [v.strip() for v in values.split(",")] if eq else []
    if not name.strip() or not items or any(not v for v in items):
        raise CnncalcError(f"--vary {text!r} is malformed: expected NAME=v1,v2,… e.g. groups=1,2,3,4,8")
    return name.strip().lower(), items


def sweep(target: str, vary: str, base: LayerOptions | None = None, dtype: str = "float32") -> Sweep:
    """Sweep a layer design over a layer option, or a model over its input size or batch."""
    name, values = parse_vary(vary)
    if is_design(target):
        return Sweep(_sweep_design(target, name, values, base or LayerOptions()), target, name)
    return Sweep(_sweep_model(target, name, values, dtype), target, name)


def _sweep_design(spec: str, name: str, values: list[str], base: LayerOptions) -> list[SweepPoint]:
    points = []
    for value in values:
        try:
            opts = base.merged(make_options(all_extra_keys(), **{name: value}))
        except CnncalcError as err:
            raise CnncalcError(f"--vary {name}={value}: {err}") from None
        record = evaluate(spec, opts)
        preset, config = configure(spec, opts)
        counterpart = evaluate(preset.counterpart, config.opts) if preset.counterpart else None
        points.append(SweepPoint(value, record, counterpart))
    return points


def _sweep_model(model: str, name: str, values: list[str], dtype: str) -> list[SweepPoint]:
    from cnncalc.analysis.analyze import analyze
    from cnncalc.layers.options import parse_dims, parse_int
    from cnncalc.models.sources import load_model

    if name not in MODEL_AXES:
        raise CnncalcError(f"--vary {name}: a model sweeps over {' or '.join(MODEL_AXES)} (e.g. input=224,320,448)")
    loaded = load_model(model)
    points = []
    for value in values:
        if name == "input":
            report = analyze(model, inputs=resized(loaded.inputs, parse_dims("input", value)), dtype=dtype)
        else:
            report = analyze(model, dtype=dtype, batch=parse_int("batch", value))
        points.append(SweepPoint(value, report.summary(), peak_activation_bytes=report.total.peak_activation_bytes))
    return points


def resized(specs: list[InputSpec], size: tuple[int, ...]) -> list[InputSpec]:
    """The inputs with a new spatial size: one number sets the height and width (the length of a 1-D
    input), several set the last axes. Every input shaped like the first changes (both frames of an
    optical-flow model)."""
    first = specs[0].shape
    axes = min(2, len(first) - 2) if len(size) == 1 else len(size)
    if axes < 1 or axes > len(first) - 2:
        raise CnncalcError(f"--vary input={'x'.join(map(str, size))}: the input {'x'.join(map(str, first))} has "
                           f"{max(0, len(first) - 2)} spatial axes")
    new = (*first[:len(first) - axes], *(size * axes if len(size) == 1 else size))
    return [replace(s, shape=new) if s.shape == first and s.name is None else s for s in specs]
