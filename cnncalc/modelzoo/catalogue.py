"""The model catalogue: every zoo model and every torchvision model of every task, with its cost.

`cnncalc models` reads the table that ships with the package (catalogue.json: no torch, no tracing, so
it answers in well under a second). `scripts/make_catalogue.py` writes that table from live analyses
(`live_entry`), and a test holds the shipped table against them, as torchvision's tests hold its weights'
metadata against the built models.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

from cnncalc.errors import CnncalcError
from cnncalc.notebook import Listing, Notebook
from cnncalc.serialize import spec

TABLE = Path(__file__).with_name("catalogue.json")
TASKS = ("classification", "detection", "segmentation", "video", "optical_flow", "zoo")


@cache
def _table() -> tuple[dict[str, Any], ...]:
    try:
        return tuple(json.loads(TABLE.read_text(encoding="utf-8"))["models"])
    except (OSError, ValueError, KeyError) as err:
        raise CnncalcError(f"the model table {TABLE} is missing or damaged ({err}): reinstall cnncalc, or "
                           f"regenerate it with scripts/make_catalogue.py") from None


def shipped(name: str) -> dict[str, Any]:
    """The shipped table's row of one model."""
    for entry in _table():
        if entry["name"] == name:
            return dict(entry)
    raise KeyError(name)


@dataclass(frozen=True)
class CatalogueEntry:
    """One model of the catalogue at its default inputs: MACs are multiply-accumulates."""

    name: str
    task: str
    source: str
    inputs: tuple[str, ...] = field(metadata=spec(cell=" ".join))
    params: int
    macs: int
    flops: int
    data_dependent: bool
    #: a detector at its own limits (every candidate kept by its thresholds)
    worst_case_macs: int | None = field(default=None, metadata=spec(omit_none=True))
    paper: str = ""

    @classmethod
    def of(cls, row: dict[str, Any]) -> CatalogueEntry:
        return cls(row["name"], row["task"], row["source"], tuple(row["inputs"]), row["params"], row["macs"],
                   row["flops"], bool(row.get("data_dependent")), row.get("worst_case_macs"), row.get("paper", ""))


@dataclass(frozen=True)
class Catalogue(Listing, Notebook):
    """Every zoo and torchvision model of the tasks asked for, from the table that ships with cnncalc. It
    behaves as the list of its entries."""

    ITEMS: ClassVar[str] = "entries"
    PYTHON: ClassVar[str] = "cnncalc.models()"

    entries: tuple[CatalogueEntry, ...]


def catalogue(tasks: list[str] | None = None) -> Catalogue:
    """Name, task, source, default inputs, params, MACs, FLOPs and paper of every model (or of `tasks`)."""
    for task in tasks or ():
        if task not in TASKS:
            raise CnncalcError(f"unknown task {task!r}: accepted are {', '.join(TASKS)}")
    return Catalogue(tuple(CatalogueEntry.of(e) for e in _table() if not tasks or e["task"] in tasks))


def every_model(tasks: list[str] | None = None) -> list[str]:
    return [e.name for e in catalogue(tasks)]
