"""Records of `validate`: each independent figure beside cnncalc's, with its verdict (plain data, no torch)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import ClassVar

from cnncalc.notebook import Listing, Notebook
from cnncalc.serialize import serialized


class Status(str, Enum):
    agrees = "agrees"
    differs = "differs"
    not_run = "not run"
    reference = "reference"

    @property
    def mark(self) -> str:
        return {"agrees": "✓", "differs": "✗", "not run": "not run", "reference": "ref"}[self.value]


@dataclass(frozen=True)
class Check:
    """One independent figure for one quantity, and how it reconciles with cnncalc's."""

    tool: str
    quantity: str
    value: int | float | None
    expected: int | float
    status: Status
    note: str

    @property
    @serialized(after="status", row=False)
    def agrees(self) -> bool:
        return self.status is Status.agrees

    @property
    def reference(self) -> bool:
        return self.status is Status.reference


def compared(tool: str, quantity: str, value: int | float, expected: int | float, equal: bool, note: str) -> Check:
    return Check(tool, quantity, value, expected, Status.agrees if equal else Status.differs, note)


def not_run(tool: str, quantity: str, expected: int | float, err: BaseException | str) -> Check:
    why = err if isinstance(err, str) else (str(err).strip().splitlines() or [type(err).__name__])[0]
    return Check(tool, quantity, None, expected, Status.not_run, f"not run: {why}")


@dataclass(frozen=True)
class Validation:
    """One model's counts beside every independent figure for them."""

    model: str
    input_shape: tuple[int, ...]
    params: int
    macs: int
    checks: tuple[Check, ...]

    @property
    @serialized(after="macs")
    def ok(self) -> bool:
        """No unexplained difference (a peer that could not run is shown, not counted against)."""
        return not any(c.status is Status.differs for c in self.checks)


@dataclass(frozen=True)
class Validations(Listing, Notebook):
    """`validate` of one model or several: a Validation each. It behaves as the list of them."""

    ITEMS: ClassVar[str] = "results"
    PYTHON: ClassVar[str] = "cnncalc.validate({models}, …)"

    results: tuple[Validation, ...]

    @property
    def models(self) -> str:
        return ", ".join(repr(r.model) for r in self.results)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)
