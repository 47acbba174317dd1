"""How values read on a page: thin wrappers over `cnncalc.numbers` (the one number formatter of every format) that
also say "–" for a missing value. Nothing here computes a cost."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from cnncalc.formulas.receptive import dims_text
from cnncalc.numbers import integer, nbytes, near_one, ratio, shape, si

#: a missing value
NONE = "–"


def count(value: int | None) -> str:
    """An exact integer with separators: 11,689,512."""
    return NONE if value is None else integer(value)


def size(value: int | None) -> str:
    """Bytes in binary units: 44.6 MiB."""
    return NONE if value is None else nbytes(int(value))


def exact_bytes(value: int | None) -> str:
    """Bytes exactly, for a hover: '46,758,048 B'."""
    return "" if value is None else f"{integer(int(value))} B"


def g3(value: float | None) -> str:
    """Three significant digits: 34.9."""
    return NONE if value is None else f"{value:.3g}"


def ms(value: float | None) -> str:
    """Milliseconds: three decimals below 10, one above."""
    return NONE if value is None else f"{value:.3f}" if value < 10 else f"{value:,.1f}"


def rate(value: float | None, unit: str) -> str:
    """A rate with an SI prefix (`numbers.si`): '1.23 TFLOP/s', '795 FLOP/s'."""
    if value is None:
        return NONE
    text = si(value)
    return text + unit if text[-1].isalpha() else f"{text} {unit}"


def dims(value: Sequence[int] | None) -> str:
    """A shape: '1×3×224×224'."""
    return shape(tuple(value)) if value else NONE


def axes(value: Sequence[Fraction] | None) -> str:
    """A receptive field or jump per axis: '627×627', '1/2×1/2'."""
    return dims_text(tuple(value)) if value else NONE


def rf(field: Sequence[Fraction] | None, jump: Sequence[Fraction] | None) -> str:
    """'627×627, jump 32×32'."""
    return f"{axes(field)}, jump {axes(jump)}" if field else NONE


def percent(value: float | None, digits: int = 1) -> str:
    return NONE if value is None else f"{value:.{digits}%}"


def signed_percent(value: float | None) -> str:
    return NONE if value is None else f"{value:+.2%}"


def times(value: float | None) -> str:
    """'1.73×'."""
    return NONE if value is None else f"{value:.2f}×"


def counts(values: Sequence[int] | None) -> str:
    """Counts per image: '100, 97'."""
    return NONE if values is None else ", ".join(integer(v) for v in values) or NONE


def against(value: int, base: int) -> str:
    """'same', '×7.08', or the difference where the ratio rounds to 1."""
    if value == base:
        return "same"
    return f"{value - base:+,}" if not base or near_one(value, base) else ratio(value, base)


def sentence(text: str) -> str:
    """A capital first letter and a full stop."""
    text = text.strip()
    return (text[:1].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")) if text else text


def plural(n: int, noun: str) -> str:
    """'1 input', '2 inputs'."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def where(op: str, module: str, phase: str) -> str:
    """Where a peak happened: 'after aten.div.Tensor during the optimizer', 'after … in layer4.1.conv2 during the
    backward' (a module named after the phase, '(optimizer)', is not repeated)."""
    during = "in inference" if phase == "inference" else f"during the {phase}"
    inside = "" if module == f"({phase})" else f" in {module or '(model)'}"
    return f"after {op}{inside} {during}"
