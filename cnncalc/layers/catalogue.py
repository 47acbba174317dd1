"""The catalogue of layer designs as a record: what `cnncalc designs` shows and `cnncalc.designs()` returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from cnncalc.layers import PRESETS
from cnncalc.layers.registry import Preset
from cnncalc.notebook import Listing, Notebook
from cnncalc.serialize import spec


@dataclass(frozen=True)
class DesignInfo:
    """One layer design: its names, what it is, its formulas in symbols, its own options and its paper."""

    name: str
    aliases: tuple[str, ...]
    title: str
    idea: tuple[str, ...]
    #: the formulas in symbols, by quantity (params, MACs)
    formulas: tuple[tuple[str, str], ...] = field(metadata=spec(as_dict=True))
    #: the design's own options: key → (default, meaning)
    options: tuple[tuple[str, tuple[int | str, str]], ...] = field(metadata=spec(convert=lambda options: {
        k: {"default": d, "meaning": m} for k, (d, m) in options}))
    counterpart: str | None
    paper: str

    @property
    def params_formula(self) -> str:
        return dict(self.formulas).get("params", "")

    @property
    def macs_formula(self) -> str:
        return dict(self.formulas).get("MACs", "")

    @property
    def spec_keys(self) -> str:
        """'g=2, b1=64': the design's own keys with their defaults, as a spec string takes them."""
        return ", ".join(f"{k}={default}" for k, (default, _) in self.options)

    @classmethod
    def of(cls, preset: Preset) -> DesignInfo:
        return cls(preset.name, tuple(preset.aliases), preset.title, tuple(preset.idea),
                   tuple(preset.symbolic.items()), tuple(preset.extras.items()), preset.counterpart, preset.paper)


@dataclass(frozen=True)
class Designs(Listing, Notebook):
    """Every registered layer design, in registration order. It behaves as the list of them."""

    ITEMS: ClassVar[str] = "designs"
    PYTHON: ClassVar[str] = "cnncalc.designs()"

    designs: tuple[DesignInfo, ...]


def designs() -> Designs:
    """The layer designs, their aliases, options and formulas."""
    return Designs(tuple(DesignInfo.of(p) for p in PRESETS.values()))
