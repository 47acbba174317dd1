"""Design-space sweeps: one layer design (or one model) across the values of one option."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

from cnncalc.errors import CnncalcError
from cnncalc.inputs import InputSpec
from cnncalc.layers.options import LayerOptions, make_options
from cnncalc.layers.record import LayerRecord
from cnncalc.layers.registry import all_extra_keys, configure, evaluate, is_design
from cnncalc.notebook import Listing, Notebook
from cnncalc.serialize import serialized, spec

MODEL_AXES = ("input", "batch")


def _counterpart_name(record: Any) -> str:
    return str(record.name)


@dataclass(frozen=True)
class SweepPoint:
    """One value of the swept option and what the design (or model) costs there: the record's fields, then the
    ratios to the counterpart (a design) or the peak memory and field coverage (a model)."""

    value: str
    record: Any = field(metadata=spec(flatten=True))  # LayerRecord, or ModelSummary for a model
    counterpart: LayerRecord | None = field(default=None, metadata=spec(omit_none=True, convert=_counterpart_name,
                                                                          row=False))
    peak_activation_bytes: int | None = field(default=None, metadata=spec(omit_none=True))
    #: with a latency profile: the predicted median of one forward pass on its device
    predicted_ms: float | None = field(default=None, metadata=spec(omit_none=True, key="predicted_latency_ms"))

    @property
    @serialized(omit_none=True, key="params_vs_counterpart", row=False)
    def params_ratio(self) -> float | None:
        """params ÷ the counterpart's (None without a counterpart)."""
        return _ratio(self.record.params, self.counterpart.params) if self.counterpart is not None else None

    @property
    @serialized(omit_none=True, key="macs_vs_counterpart", row=False)
    def macs_ratio(self) -> float | None:
        return _ratio(self.record.macs, self.counterpart.macs) if self.counterpart is not None else None

    @property
    @serialized(omit_none=True, key="receptive_field_coverage", row=False)
    def coverage(self) -> float | None:
        """A model's receptive field ÷ its input size along the height (≥ 1: every output sees the whole
        input); None for a design."""
        if self.peak_activation_bytes is None:
            return None
        size = self.record.input_shape[2] if len(self.record.input_shape) > 2 else None
        return float(self.record.receptive_field[0]) / size if size else None


@dataclass(frozen=True)
class Sweep(Listing, Notebook):
    """The points of a sweep, in the order of the values. It behaves as the list of its points."""

    ITEMS: ClassVar[str] = "points"
    PYTHON: ClassVar[str] = "cnncalc.sweep({target!r}, '{vary}=…', …)"

    points: tuple[SweepPoint, ...]
    target: str
    #: the swept option's name
    vary: str
    #: the latency profile's device and file, when the points carry predictions
    predicted_on: str = field(default="", metadata=spec(skip=True))


def _ratio(a: int, b: int) -> float | None:
    return a / b if b else None


def parse_vary(text: str) -> tuple[str, list[str]]:
    """'groups=1,2,3' → ('groups', ['1', '2', '3'])."""
    name, eq, values = text.partition("=")
    items = [v.strip() for v in values.split(",")] if eq else []
    if not name.strip() or not items or any(not v for v in items):
        raise CnncalcError(f"vary={text!r} is malformed: expected NAME=v1,v2,… e.g. groups=1,2,3,4,8")
    return name.strip().lower(), items


def sweep(target: str, vary: str, dtype: str = "float32", predict: Any = None, **options: Any) -> Sweep:
    """A layer design over the values of one of its options (`vary="groups=1,2,3,4"`, with the other options as
    `layer` takes them), or a model over its input size or batch (`vary="input=224,320"`, `"batch=1,8"`).
    `predict` (a latency profile, a file or a shipped name) adds each point's predicted latency on its device."""
    name, values = parse_vary(vary)
    profile = None
    if predict is not None:
        from cnncalc.latency.profile import load_profile

        profile = load_profile(predict)
    where = f"{profile.device.name} ({profile.source})" if profile else ""
    if is_design(target):
        base = make_options(all_extra_keys(), dtype=dtype, **options)
        return Sweep(tuple(_sweep_design(target, name, values, base, profile)), target, name, where)
    given = sorted(k for k, v in options.items() if v is not None)
    if given:
        raise CnncalcError(f"{target} is a model: {', '.join(f'{k}=' for k in given)} are layer options; a model "
                           f"sweeps over vary='input=…' or vary='batch=…'")
    return Sweep(tuple(_sweep_model(target, name, values, dtype, profile)), target, name, where)


def _sweep_design(spec: str, name: str, values: list[str], base: LayerOptions, profile: Any) -> list[SweepPoint]:
    points = []
    for value in values:
        try:
            opts = base.merged(make_options(all_extra_keys(), **{name: value}))
        except CnncalcError as err:
            raise CnncalcError(f"vary={name + '=' + value!r}: {err}") from None
        record = evaluate(spec, opts)
        preset, config = configure(spec, opts)
        counterpart = evaluate(preset.counterpart, config.opts) if preset.counterpart else None
        predicted = None
        if profile is not None:
            from cnncalc.latency.api import predict_design

            predicted = predict_design(spec, opts, profile).latency_ms
        points.append(SweepPoint(value, record, counterpart, predicted_ms=predicted))
    return points


def _sweep_model(model: str, name: str, values: list[str], dtype: str, profile: Any) -> list[SweepPoint]:
    from cnncalc.analysis.analyze import analyze
    from cnncalc.layers.options import parse_dims, parse_int
    from cnncalc.modelzoo.sources import load_model

    if name not in MODEL_AXES:
        raise CnncalcError(f"vary={name!r}: a model sweeps over {' or '.join(MODEL_AXES)} (e.g. input=224,320,448)")
    loaded = load_model(model)
    points = []
    for value in values:
        given: dict[str, Any] = ({"inputs": resized(loaded.inputs, parse_dims("input", value))} if name == "input"
                                 else {"batch": parse_int("batch", value)})
        report = analyze(model, dtype=dtype, **given)
        predicted = None
        if profile is not None:
            from cnncalc.latency.predict import predict

            predicted = predict(model, profile, dtype=dtype, **given).latency_ms
        points.append(SweepPoint(value, report.summary(), peak_activation_bytes=report.total.peak_activation_bytes,
                                 predicted_ms=predicted))
    return points


def resized(specs: list[InputSpec], size: tuple[int, ...]) -> list[InputSpec]:
    """The inputs with a new spatial size: one number sets the height and width (the length of a 1-D
    input), several set the last axes. Every input shaped like the first changes (both frames of an
    optical-flow model)."""
    first = specs[0].shape
    axes = min(2, len(first) - 2) if len(size) == 1 else len(size)
    if axes < 1 or axes > len(first) - 2:
        raise CnncalcError(f"vary='input={'x'.join(map(str, size))}': the input {'x'.join(map(str, first))} has "
                           f"{max(0, len(first) - 2)} spatial axes")
    new = (*first[:len(first) - axes], *(size * axes if len(size) == 1 else size))
    return [replace(s, shape=new) if s.shape == first and s.name is None else s for s in specs]
