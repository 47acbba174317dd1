"""Element types and their sizes, without importing torch."""

from __future__ import annotations

from enum import Enum

from cnncalc.errors import CnncalcError


class DType(str, Enum):
    """Element type of activations and weights; decides every byte count."""

    float32 = "float32"
    float16 = "float16"
    bfloat16 = "bfloat16"
    float64 = "float64"

    @property
    def itemsize(self) -> int:
        return _ITEMSIZE[self]


_ITEMSIZE = {DType.float32: 4, DType.float16: 2, DType.bfloat16: 2, DType.float64: 8}
_ALIASES = {"fp32": "float32", "float": "float32", "fp16": "float16", "half": "float16",
            "bf16": "bfloat16", "fp64": "float64", "double": "float64"}


def parse_dtype(value: str | DType) -> DType:
    """`"bf16"` → DType.bfloat16; raises CnncalcError naming the accepted names."""
    if isinstance(value, DType):
        return value
    text = str(value).strip().lower()
    text = _ALIASES.get(text, text)
    try:
        return DType(text)
    except ValueError:
        accepted = ", ".join(d.value for d in DType)
        raise CnncalcError(f"unknown dtype {value!r}: accepted are {accepted} "
                           f"(aliases {', '.join(sorted(_ALIASES))})") from None
