"""Layer options: one validation gate from user text (flags, spec strings, API keywords) to typed values.

Every option is optional here; each preset resolves its own defaults (a transposed convolution defaults
to stride 2, the others to 1) and says which options it requires.

The spatial rank (1-D, 2-D or 3-D) comes from the size: `--size 8x56x56` is 3-D, `--size 56` a square
2-D map, `--dims 1 --size 16000` a 1-D signal, `--dims 3 --size 16` a 16³ volume. Kernel, stride, padding
and dilation take one number (the same along every axis) or one per axis.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from cnncalc.dtypes import DType, parse_dtype
from cnncalc.errors import CnncalcError
from cnncalc.formulas.cost import Dims, Shape, axis_names

DIMS_OPTIONS = ("kernel", "stride", "padding", "dilation", "size")
INT_OPTIONS = ("cin", "cout", "groups", "reduction", "mid", "batch")
RANKS = (1, 2, 3)
#: Short keys accepted in spec strings (`group:g=4`, `dilated:d=2,k=3`).
SPEC_ALIASES = {"g": "groups", "d": "dilation", "k": "kernel", "s": "stride", "p": "padding",
                "r": "reduction", "m": "mid", "b": "batch", "in": "cin", "out": "cout"}
_DIMS = re.compile(r"^\s*\d+\s*(?:[x×,]\s*\d+\s*){0,2}$")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class LayerOptions:
    """The options of one layer design, validated. `None` means: the preset's default."""

    cin: int | None = None
    cout: int | None = None
    #: one value (every axis) or one per spatial axis, as given; a preset resolves them against the rank
    kernel: Dims | None = None
    stride: Dims | None = None
    padding: Dims | None = None
    dilation: Dims | None = None
    groups: int | None = None
    reduction: int | None = None
    mid: int | None = None
    #: one number (a square map, or a cube with dims=3) or one per spatial axis
    size: Dims = (224,)
    #: the spatial rank; None: from the size (one number means 2-D)
    dims: int | None = None
    batch: int = 1
    bias: bool = False
    dtype: DType = DType.float32
    #: Options only some presets take (vgg-stack's `n`, deformable's `v`, inception's branch widths).
    extra: Mapping[str, int] = field(default_factory=dict)
    #: The names the user set (the rest are defaults), so a design can say which it ignored.
    given: frozenset[str] = frozenset()

    @property
    def rank(self) -> int:
        """Spatial axes: from `dims`, else from the number of sizes given (one number: 2-D)."""
        if self.dims is None:
            return len(self.size) if len(self.size) > 1 else 2
        if len(self.size) not in (1, self.dims):
            text = "x".join(map(str, self.size))
            raise CnncalcError(f"dims={self.dims} with size={text} ({len(self.size)} numbers): give one number "
                               f"or {self.dims} ({', '.join(axis_names(self.dims))})")
        return self.dims

    @property
    def spatial(self) -> Dims:
        """The input's size along each spatial axis."""
        rank = self.rank
        return self.size * rank if len(self.size) == 1 else self.size

    def input_shape(self, cin: int) -> Shape:
        """The input's shape with `cin` channels: (batch, cin, *spatial)."""
        return (self.batch, cin, *self.spatial)

    def merged(self, overrides: LayerOptions) -> LayerOptions:
        """These options with the ones set in `overrides` (a spec string's) taken from there."""
        values = {name: getattr(overrides, name) for name in overrides.given if name in OPTION_NAMES}
        extra = {**self.extra, **overrides.extra}
        return replace(self, **values, extra=extra, given=self.given | overrides.given)


OPTION_NAMES = tuple(f.name for f in fields(LayerOptions) if f.name not in ("extra", "given"))


def parse_int(name: str, value: Any, minimum: int = 1) -> int:
    if isinstance(value, bool):
        raise CnncalcError(f"{name}={value!r} is not an integer")
    try:
        number = int(str(value).strip()) if not isinstance(value, int) else value
    except ValueError:
        raise CnncalcError(f"{name}={value!r} is not an integer: expected a whole number ≥ {minimum}") from None
    if number < minimum:
        raise CnncalcError(f"{name}={number} is not allowed: it must be ≥ {minimum}")
    return number


def parse_dims(name: str, value: Any, minimum: int = 1) -> Dims:
    """`3`, `"3"`, `"1x7"`, `"3x7x7"`, `(1, 7)` → one value (every axis) or one per axis (at most 3)."""
    if isinstance(value, tuple | list) and 1 <= len(value) <= 3:
        return tuple(parse_int(name, v, minimum) for v in value)
    if isinstance(value, int) and not isinstance(value, bool):
        return (parse_int(name, value, minimum),)
    if not _DIMS.match(str(value)):
        raise CnncalcError(f"{name}={value!r} is malformed: expected N, HxW or DxHxW with whole numbers, e.g. 3, "
                           f"1x7 or 3x3x3")
    return tuple(parse_int(name, v, minimum) for v in re.split(r"[x×,]", str(value).replace(" ", "")))


def parse_rank(name: str, value: Any) -> int:
    rank = parse_int(name, value)
    if rank not in RANKS:
        raise CnncalcError(f"{name}={rank} is not a spatial rank: accepted are 1 (signals), 2 (images) and 3 "
                           f"(volumes, video)")
    return rank


def parse_bool(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CnncalcError(f"{name}={value!r} is not a boolean: expected true or false")


def parse_value(name: str, value: Any) -> Any:
    """Validate one common option's value."""
    if name == "padding":
        return parse_dims(name, value, minimum=0)
    if name in DIMS_OPTIONS:
        return parse_dims(name, value)
    if name == "dims":
        return parse_rank(name, value)
    if name in INT_OPTIONS:
        return parse_int(name, value)
    if name == "bias":
        return parse_bool(name, value)
    if name == "dtype":
        return parse_dtype(value)
    raise CnncalcError(f"unknown option {name!r}: accepted are {', '.join(OPTION_NAMES)}")


def make_options(extra_keys: frozenset[str] = frozenset(), **raw: Any) -> LayerOptions:
    """Validate keyword options (None = not given); keys in `extra_keys` are preset-specific integers."""
    values: dict[str, Any] = {}
    extra: dict[str, int] = {}
    for key, value in raw.items():
        if value is None:
            continue
        name = SPEC_ALIASES.get(key, key)
        if name in OPTION_NAMES:
            try:
                values[name] = parse_value(name, value)
            except CnncalcError as err:  # name the option as it was given (a spec's short key: d=0, not dilation=0)
                raise CnncalcError(str(err).replace(f"{name}=", f"{key}=", 1)) from None
        elif name in extra_keys:
            extra[name] = parse_int(name, value, minimum=0)
        else:
            accepted = sorted({*OPTION_NAMES, *extra_keys})
            raise CnncalcError(f"unknown option {key!r}: accepted are {', '.join(accepted)}")
    return LayerOptions(**values, extra=extra, given=frozenset(values) | frozenset(extra))


def parse_spec(spec: str) -> tuple[str, dict[str, str]]:
    """`"dilated:d=2,k=3"` → ("dilated", {"d": "2", "k": "3"}). Raises on malformed text."""
    name, _, rest = spec.partition(":")
    name = name.strip().lower()
    if not name:
        raise CnncalcError(f"design spec {spec!r} has no design name: expected NAME or NAME:key=value,…")
    pairs: dict[str, str] = {}
    if _:
        if not rest.strip():
            raise CnncalcError(f"design spec {spec!r} has nothing after ':': expected NAME:key=value,…")
        for item in rest.split(","):
            key, eq, value = item.partition("=")
            key, value = key.strip().lower(), value.strip()
            if not eq or not key or not value:
                raise CnncalcError(f"design spec {spec!r}: {item.strip()!r} is not key=value "
                                   f"(e.g. group:g=4 or dilated:d=2,k=3)")
            if key in pairs:
                raise CnncalcError(f"design spec {spec!r} sets {key!r} twice")
            pairs[key] = value
    return name, pairs
