"""The registry of layer designs (presets), and the evaluation of a design spec into a record."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from cnncalc.errors import CnncalcError, UnknownNameError
from cnncalc.formulas.cost import Dims, axis_names
from cnncalc.layers.graph import LayerGraph, Tensor, same_padding
from cnncalc.layers.options import LayerOptions, make_options, parse_spec
from cnncalc.layers.record import LayerRecord, LayerReport, make_record

if TYPE_CHECKING:
    from torch import nn

class Config:
    """A preset's view of the options: values with the preset's defaults, and errors in its words.

    Every value read is remembered, so the record can say which options shaped it.
    """

    def __init__(self, preset: Preset, opts: LayerOptions) -> None:
        self.preset = preset
        self.opts = opts
        self.used: dict[str, Any] = {}

    def _note(self, name: str, value: Any) -> Any:
        self.used[name] = list(value) if isinstance(value, tuple) else value
        return value

    def ignored(self) -> tuple[str, ...]:
        """Options the user set that this design does not use (a comparison shares options)."""
        return tuple(sorted(n for n in self.opts.given if n not in self.used))

    def need(self, name: str) -> int:
        value = getattr(self.opts, name)
        if value is None:
            default = self.preset.defaults.get(name)
            if default is None:
                raise CnncalcError(f"{self.preset.name} needs {name}: give {name}=N "
                                   f"(or {self.preset.name}:{name}=N in a spec)")
            value = default
        return int(self._note(name, value))

    def get(self, name: str, default: int) -> int:
        value = getattr(self.opts, name)
        return int(self._note(name, default if value is None else value))

    @property
    def rank(self) -> int:
        """Spatial axes of the design's input: 1, 2 or 3."""
        return self.opts.rank

    def dims(self, name: str, default: int | Dims) -> Dims:
        """A per-axis option at the design's rank: one value repeats along every axis."""
        value = getattr(self.opts, name)
        given: Dims = (default,) if isinstance(default, int) else default
        result = given if value is None else value
        rank = self.rank
        if len(result) == 1:
            result = result * rank
        elif len(result) != rank:
            text = "x".join(map(str, result))
            raise CnncalcError(f"{name}={text} has {len(result)} values but the layer is {rank}-D (input "
                               f"{'x'.join(map(str, self.opts.spatial))}): give one value or {rank} "
                               f"({', '.join(axis_names(rank))})")
        return self._note(name, result)

    def extra(self, key: str) -> int:
        default, _ = self.preset.extras[key]
        return int(self._note(key, self.opts.extra.get(key, default)))

    @property
    def cin(self) -> int:
        return self.need("cin")

    @property
    def cout(self) -> int:
        return self.need("cout")

    @property
    def kernel(self) -> Dims:
        return self.dims("kernel", 3)

    @property
    def stride(self) -> Dims:
        return self.dims("stride", 1)

    @property
    def dilation(self) -> Dims:
        return self.dims("dilation", 1)

    def padding(self, kernel: Dims, dilation: Dims | None = None) -> Dims:
        return self.dims("padding", same_padding(kernel, dilation))

    def square(self, k: int) -> Dims:
        """A k×k… kernel at the design's rank (inception's fixed 1×1, 3×3 and 5×5 branches)."""
        return (k,) * self.rank

    @property
    def bias(self) -> bool:
        return bool(self._note("bias", self.opts.bias))

class Preset:
    """A layer design: composes primitive ops (`describe`) and builds the real module it describes."""

    name: ClassVar[str]
    aliases: ClassVar[tuple[str, ...]] = ()
    title: ClassVar[str]
    #: Two lines on the idea, shown by `cnncalc layer`.
    idea: ClassVar[tuple[str, str]]
    #: The formulas in symbols, by quantity ("params", "MACs").
    symbolic: ClassVar[dict[str, str]]
    paper: ClassVar[str] = ""
    #: The design this one is best compared with (a spec string), shown by `cnncalc layer`.
    counterpart: ClassVar[str | None] = None
    #: Preset-specific integer options: key → (default, meaning).
    #: the design's own spec keys: (default, what it is); a text default is worked out from the other options
    extras: ClassVar[Mapping[str, tuple[int | str, str]]] = {}
    #: Defaults for common options that this design does not require (inception's cin=192).
    defaults: ClassVar[Mapping[str, int]] = {}
    #: The spatial ranks the design has a real form in, and why not in the others.
    ranks: ClassVar[tuple[int, ...]] = (1, 2, 3)
    rank_note: ClassVar[str] = ""

    def symbolic_at(self, rank: int) -> dict[str, str]:
        """The formulas in symbols for a 1-D or 3-D input (they are written for 2-D maps)."""
        if rank == 2 or 2 not in self.ranks:
            return dict(self.symbolic)
        return {k: symbols_at_rank(v, rank) for k, v in self.symbolic.items()}

    def check_rank(self, c: Config) -> None:
        if c.rank not in self.ranks:
            forms = " and ".join(f"{r}-D" for r in self.ranks)
            why = f" ({self.rank_note})" if self.rank_note else ""
            raise CnncalcError(f"{self.name} has no {c.rank}-D form: it is {forms} only{why}")

    def describe(self, g: LayerGraph, c: Config) -> Tensor:
        raise NotImplementedError

    def build(self, c: Config) -> nn.Module:
        """The real PyTorch module(s) this design describes (imports torch)."""
        raise NotImplementedError

_POWER = {1: "", 2: "²", 3: "³"}
_POSITIONS = {1: ("Lo", "L"), 2: ("Ho·Wo", "H·W"), 3: ("To·Ho·Wo", "T·H·W")}


def symbols_at_rank(text: str, rank: int) -> str:
    """'k²·cin·cout·Ho·Wo·N' in 3-D: 'k³·cin·cout·To·Ho·Wo·N'; in 1-D: 'k·cin·cout·Lo·N'."""
    text = re.sub(r"(k|3|5|\(n·\(k−1\)\+1\))²", lambda m: m.group(1) + _POWER[rank], text)
    return text.replace("Ho·Wo", _POSITIONS[rank][0]).replace("H·W", _POSITIONS[rank][1])


PRESETS: dict[str, Preset] = {}
ALIASES: dict[str, str] = {}
P = TypeVar("P", bound=type[Preset])

def register_layer(cls: P) -> P:
    """Class decorator: register one instance of a preset under its name and aliases; refuse duplicates."""
    preset = cls()
    for key in (preset.name, *preset.aliases):
        if key in PRESETS or key in ALIASES:
            raise RuntimeError(f"layer design name {key!r} is already registered")
    PRESETS[preset.name] = preset
    for alias in preset.aliases:
        ALIASES[alias] = preset.name
    return cls

def get_preset(name: str) -> Preset:
    key = name.strip().lower()
    key = ALIASES.get(key, key)
    if key not in PRESETS:
        raise UnknownNameError("layer design", name, PRESETS, ALIASES, listing="'cnncalc designs' lists all {n}")
    return PRESETS[key]

def is_design(spec: str) -> bool:
    """Whether a name (or spec string) names a layer design rather than a model."""
    name = spec.partition(":")[0].strip().lower()
    return bool(name) and (name in PRESETS or name in ALIASES)


def all_extra_keys() -> frozenset[str]:
    return frozenset(k for p in PRESETS.values() for k in p.extras)

def configure(spec: str, base: LayerOptions | None = None) -> tuple[Preset, Config]:
    """Resolve a spec string (`group:g=4`) over base options into its preset and configuration."""
    name, pairs = parse_spec(spec)
    preset = get_preset(name)
    try:
        overrides = make_options(frozenset(preset.extras), **pairs)
    except CnncalcError as err:
        raise CnncalcError(f"in {spec!r}: {err}") from None
    opts = (base or LayerOptions()).merged(overrides)
    return preset, Config(preset, opts)

def evaluate(spec: str, base: LayerOptions | None = None) -> LayerRecord:
    """Cost one design (a spec string) under base options."""
    preset, config = configure(spec, base)
    preset.check_rank(config)
    graph = LayerGraph(config.opts.input_shape(config.cin))
    output = preset.describe(graph, config)
    config._note("size", config.opts.spatial)
    config._note("dims", config.rank)
    config._note("batch", config.opts.batch)
    config._note("dtype", config.opts.dtype.value)
    return make_record(
        name=spec.strip(), design=preset.name, title=preset.title, idea=preset.idea,
        symbolic=preset.symbolic_at(config.rank), input_shape=graph.input.shape, steps=graph.steps, output=output,
        itemsize=config.opts.dtype.itemsize, dtype=config.opts.dtype.value, options=config.used,
        ignored=config.ignored(),
    )

def build_module(spec: str, base: LayerOptions | None = None) -> tuple[nn.Module, tuple[int, ...]]:
    """The real module a design describes, in eval mode, and the input shape it takes."""
    preset, config = configure(spec, base)
    preset.check_rank(config)
    module = preset.build(config)
    return module.eval(), config.opts.input_shape(config.cin)


def explain(spec: str, base: LayerOptions | None = None) -> LayerReport:
    """One design and its natural counterpart under the same options (None when it has none, or the counterpart
    cannot take these options: the design alone still stands)."""
    record = evaluate(spec, base)
    preset, config = configure(spec, base)
    counterpart = None
    if preset.counterpart:
        try:
            counterpart = evaluate(preset.counterpart, config.opts)
        except CnncalcError:
            counterpart = None
    return LayerReport(record, counterpart)
