"""Records as data: one serializer for every frozen record, and one table-row builder, both read from the
dataclass fields themselves. A field declared on a record appears in JSON (under its name), in CSV/Markdown
rows and on the HTML page without being listed anywhere else.

What a field needs beyond its name and value goes into its metadata, at the declaration:

    macs: int = field(metadata=spec(column="macs (multiply-accumulates)"))
    costs: Costs = field(metadata=spec(flatten=True))                 # its keys join the parent's
    params_read: int = field(default=0, metadata=spec(key="params_read_by_ops", row=False))

and a property that belongs in the data is marked where it is defined:

    @property
    @serialized(after="macs", column="flops (2*macs + other)")
    def flops(self) -> int: ...

Values convert by type: a dataclass to a dict (recursively), an Enum to its value, a Fraction to an int (or a
float when it is not whole), tuples and lists to lists. Nothing here imports torch.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable, Iterator, Mapping, Sequence
from enum import Enum
from fractions import Fraction
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_META = "cnncalc"
_MARK = "__cnncalc_serialized__"


@dataclasses.dataclass(frozen=True)
class Spec:
    """How one field (or marked property) serializes and shows in table rows.

    key: the JSON key (default the name). skip: not in JSON. flatten: a nested record whose keys join the
    parent's (prefixed with `prefix` in rows). group: nested under this key, with neighbours of the same group.
    omit_none: the key is left out when the value is None. convert: the JSON value, from the field's value.
    as_dict: a tuple of (key, value) pairs becomes an object. digits: floats rounded in JSON. row: whether it is a
    column of table rows (CSV, Markdown, DataFrames); column: its header there; cell: the cell from the value;
    cell_digits: floats rounded in rows. expand: in rows, these members of a nested record as columns (named
    with `prefix`). drop_empty: the column is left out when it is empty in every row. after: (properties) the
    field it follows.
    """

    key: str | None = None
    skip: bool = False
    flatten: bool = False
    prefix: str = ""
    group: str | None = None
    omit_none: bool = False
    convert: Callable[[Any], Any] | None = None
    as_dict: bool = False
    digits: int | None = None
    row: bool = True
    column: str | None = None
    cell: Callable[[Any], Any] | None = None
    cell_digits: int | None = None
    after: str | None = None
    expand: tuple[str, ...] = ()
    drop_empty: bool = False


def spec(**options: Any) -> dict[str, Spec]:
    """Field metadata: `field(metadata=spec(key=…, flatten=…))`."""
    return {_META: Spec(**options)}


def serialized(**options: Any) -> Callable[[F], F]:
    """Mark a property's getter (under @property) as part of the record's data: `after` names the field it
    follows in JSON and rows (default: the end)."""

    def mark(fn: F) -> F:
        setattr(fn, _MARK, Spec(**options))
        return fn

    return mark


@dataclasses.dataclass(frozen=True)
class Item:
    """One serializable member of a record: a field or a marked property."""

    name: str
    spec: Spec
    is_field: bool


def _spec_of(f: dataclasses.Field[Any]) -> Spec:
    value = f.metadata.get(_META)
    return value if isinstance(value, Spec) else Spec()


def items(cls: type) -> list[Item]:
    """The fields (in order) and marked properties (after the field each names) of a record class."""
    cached = _ITEMS.get(cls)
    if cached is not None:
        return cached
    members = [Item(f.name, _spec_of(f), True) for f in dataclasses.fields(cls)]
    marked: list[Item] = []
    for klass in reversed(cls.__mro__):
        for name, value in vars(klass).items():
            getter = value.fget if isinstance(value, property) else None
            mark = getattr(getter, _MARK, None)
            if isinstance(mark, Spec):
                marked = [m for m in marked if m.name != name] + [Item(name, mark, False)]
    for m in marked:
        if m.spec.after is not None:
            index = next((i for i, it in enumerate(members) if it.name == m.spec.after), len(members) - 1)
            members.insert(index + 1, m)
        else:
            members.append(m)
    _ITEMS[cls] = members
    return members


_ITEMS: dict[type, list[Item]] = {}


# --- JSON ---------------------------------------------------------------------------------------------------------
def value_data(value: Any, digits: int | None = None) -> Any:
    """Any value as JSON-able data (records recursively)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_data(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bool) or value is None or isinstance(value, int | str):
        return value
    if isinstance(value, Fraction):
        return value.numerator if value.denominator == 1 else float(value)
    if isinstance(value, float):
        return round(value, digits) if digits is not None else value
    if isinstance(value, Mapping):
        return {str(k): value_data(v, digits) for k, v in value.items()}
    if isinstance(value, Sequence):
        return [value_data(v, digits) for v in value]
    return str(value)


def to_data(record: Any) -> dict[str, Any]:
    """A record as a dict of JSON-able values, by its fields' specs."""
    out: dict[str, Any] = {}
    for item in items(type(record)):
        s = item.spec
        if s.skip:
            continue
        value = getattr(record, item.name)
        if value is None and s.omit_none:
            continue
        if s.flatten and value is not None:
            out.update(s.convert(value) if s.convert is not None else to_data(value))
            continue
        if s.convert is not None:
            data = s.convert(value)
        elif s.as_dict and value is not None:
            data = {str(k): value_data(v, s.digits) for k, v in value}
        else:
            data = value_data(value, s.digits)
        key = s.key or item.name
        if s.group is not None:
            out.setdefault(s.group, {})[key] = data
        else:
            out[key] = data
    return out


# --- table rows ---------------------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Column:
    """A column of a record type's table rows: its header, how to get the cell from a record, and whether it is
    left out when empty in every row."""

    header: str
    get: Callable[[Any], Any]
    drop_empty: bool = False


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, bool | int | float | str | Fraction | Enum)


def _cell(value: Any, s: Spec) -> Any:
    if s.cell is not None:
        return s.cell(value) if value is not None else ""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, float) and s.cell_digits is not None:
        return round(value, s.cell_digits)
    if value is None:
        return ""
    return value


_SCALARS = (bool, int, float, str, Fraction, Enum)


def _record_type(hint: Any) -> type | None:
    """The record class in a field's type (`Costs`, `Costs | None`), or None."""
    for arg in (*typing.get_args(hint), hint):
        if isinstance(arg, type) and dataclasses.is_dataclass(arg):
            return arg
    return None


def _is_scalar(hint: Any) -> bool:
    """Whether a field's type is a scalar (int, str, an Enum, …, or None of them)."""
    args = [a for a in typing.get_args(hint) if a is not type(None)] if typing.get_args(hint) else [hint]
    return all(isinstance(a, type) and issubclass(a, _SCALARS) for a in args) and bool(args)


def _columns(cls: type, path: tuple[str, ...], prefix: str) -> Iterator[Column]:
    hints = typing.get_type_hints(cls)
    for item in items(cls):
        s = item.spec
        if not s.row:
            continue
        name = item.name
        hint = hints.get(name) if item.is_field else typing.get_type_hints(getattr(cls, name).fget).get("return")
        if s.flatten:
            child = _record_type(hint)
            if child is not None:
                yield from _columns(child, (*path, name), prefix + s.prefix)
            continue
        if s.expand:
            for member in s.expand:
                yield Column(prefix + s.prefix + member, _getter((*path, name, member), Spec()), s.drop_empty)
            continue
        if s.cell is None and not _is_scalar(hint):
            continue  # nested records, tuples and lists are not cells (they are in the JSON and on the page)
        yield Column(s.column or (prefix + (s.key or name)), _getter((*path, name), s), s.drop_empty)


def _getter(path: tuple[str, ...], s: Spec) -> Callable[[Any], Any]:
    def get(record: Any) -> Any:
        value = record
        for name in path:
            value = getattr(value, name) if value is not None else None
        return _cell(value, s)

    return get


def columns(cls: type, records: Sequence[Any] = ()) -> list[Column]:
    """The columns of table rows for records of type `cls`: every scalar field and marked property (nested
    records flattened), in order; given the records, a column marked `drop_empty` that is empty in every one of
    them is left out."""
    return [c for c in _columns(cls, (), "")
            if not c.drop_empty or any(c.get(r) not in ("", None) for r in records)]


def rows(cls: type, records: Sequence[Any]) -> tuple[list[str], list[list[Any]]]:
    """Header and rows (exact values) of records of one type."""
    cols = columns(cls, records)
    return [c.header for c in cols], [[c.get(r) for c in cols] for r in records]
