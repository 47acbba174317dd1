"""A model's inputs, described without torch: one parser for the command line and the API alike.

An input is a shape, an element type and, for a keyword argument, a name:

    1x3x224x224            a float tensor (the run's float dtype)
    2x128:int64            token ids (filled with zeros: valid embedding indices)
    mask=1x1x56x56:bool    the keyword argument `mask`

`--input` repeats, one per positional input, in order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cnncalc.errors import CnncalcError

#: element types an input may have, with their sizes in bytes
INPUT_DTYPES = {"float32": 4, "float16": 2, "bfloat16": 2, "float64": 8, "int64": 8, "int32": 4, "int16": 2,
                "int8": 1, "uint8": 1, "bool": 1, "complex64": 8}
_DTYPE_ALIASES = {"fp32": "float32", "float": "float32", "fp16": "float16", "half": "float16",
                  "bf16": "bfloat16", "fp64": "float64", "double": "float64", "long": "int64", "int": "int32",
                  "short": "int16", "byte": "uint8", "char": "int8"}
_SHAPE = re.compile(r"^\s*\d+(\s*[x×,]\s*\d+)*\s*$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class InputSpec:
    """One input of a model: its shape, its element type (None: the run's float dtype) and, for a keyword
    argument, its name."""

    shape: tuple[int, ...]
    dtype: str | None = None
    name: str | None = None

    @property
    def is_float(self) -> bool:
        return self.dtype is None or self.dtype.startswith(("float", "bfloat", "complex"))

    def text(self) -> str:
        """As it is written on the command line: `mask=1x1x56x56:bool`."""
        shape = "x".join(map(str, self.shape))
        return (f"{self.name}=" if self.name else "") + shape + (f":{self.dtype}" if self.dtype else "")


def parse_dtype_name(value: str, where: str) -> str:
    """'int64', 'long', 'bf16' → the canonical element type name; raises naming what is accepted."""
    key = value.strip().lower().removeprefix("torch.")
    key = _DTYPE_ALIASES.get(key, key)
    if key not in INPUT_DTYPES:
        raise CnncalcError(f"unknown dtype {value!r} in {where}: accepted are {', '.join(INPUT_DTYPES)} "
                           f"(aliases {', '.join(sorted(_DTYPE_ALIASES))})")
    return key


def parse_shape(text: str, where: str) -> tuple[int, ...]:
    """'1x3x224x224' → (1, 3, 224, 224): whole numbers ≥ 1 joined by x."""
    if not _SHAPE.match(text):
        raise CnncalcError(f"{where} is malformed: expected dimensions joined by x, e.g. 1x3x224x224 "
                           f"(and :dtype, or name= in front, for other inputs)")
    dims = tuple(int(d) for d in re.split(r"[x×,]", text.replace(" ", "")))
    for d in dims:
        if d < 1:
            raise CnncalcError(f"{where} has a dimension of {d}: every dimension must be ≥ 1")
    return dims


def parse_input(text: str) -> InputSpec:
    """`SHAPE[:dtype]` or `name=SHAPE[:dtype]`, as `--input` takes it."""
    where = f"input={text!r}"
    name, eq, rest = text.partition("=")
    if not eq:
        name, rest = "", text
    name = name.strip()
    if eq and not _NAME.match(name):
        raise CnncalcError(f"{where}: {name!r} is not a keyword argument name")
    shape_text, colon, dtype_text = rest.partition(":")
    shape = parse_shape(shape_text, where)
    dtype = parse_dtype_name(dtype_text, where) if colon else None
    return InputSpec(shape, dtype, name or None)


def spec_from(value: Any, where: str, name: str | None = None) -> InputSpec | None:
    """An API input item as a spec: a string as on the command line, a shape (sequence of ints), or a
    (shape, dtype) pair. None when `value` is something else (a tensor, a list of tensors)."""
    if isinstance(value, InputSpec):
        return value if name is None else InputSpec(value.shape, value.dtype, name)
    if isinstance(value, str):
        spec = parse_input(value)
        if name is not None and spec.name not in (None, name):
            raise CnncalcError(f"{where}: the keyword {name!r} is given the input {value!r}, named {spec.name!r}")
        return InputSpec(spec.shape, spec.dtype, name or spec.name)
    if isinstance(value, Sequence) and value and all(isinstance(d, int) and not isinstance(d, bool) for d in value):
        return InputSpec(parse_shape("x".join(map(str, value)), f"{where} {tuple(value)}"), None, name)
    if (isinstance(value, Sequence) and len(value) == 2 and isinstance(value[1], str)
            and isinstance(value[0], Sequence) and not isinstance(value[0], str)):
        shape = parse_shape("x".join(map(str, value[0])), f"{where} {tuple(value[0])}")
        return InputSpec(shape, parse_dtype_name(value[1], where), name)
    return None
