"""Which fields of a record a page laid out, so that the rest still shows ("More in the record").

A template reads its record through `Tracked`, a stand-in that notes the name of every dataclass field read from
it: directly (`record.total`), through a property (`record.optimizer_text` reads `foreach`), or through a
helper or method given the stand-in. After the page's sections are rendered, `unread` names the fields with a value
that nothing read: a field added to a record appears on its page without being listed anywhere else.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import types
from collections.abc import Iterator, Sized
from dataclasses import dataclass
from typing import Any

from cnncalc.serialize import value_data


class Tracked:
    """A record's stand-in for a template: attributes read through it are the record's own, and the names of the
    fields among them are kept in `reads(stand_in)`. Properties and methods run with the stand-in as `self`, so
    what they read counts too. `isinstance` sees the record's class."""

    __slots__ = ("_fields", "_read", "_record")

    def __init__(self, record: Any) -> None:
        object.__setattr__(self, "_record", record)
        object.__setattr__(self, "_read", set())
        object.__setattr__(self, "_fields", {f.name for f in dataclasses.fields(record)})

    @property  # type: ignore[misc]
    def __class__(self) -> type:  # isinstance(stand_in, RecordType) holds
        return type(object.__getattribute__(self, "_record"))

    def __getattr__(self, name: str) -> Any:
        record = object.__getattribute__(self, "_record")
        if name in object.__getattribute__(self, "_fields"):
            object.__getattribute__(self, "_read").add(name)
            return getattr(record, name)
        static = inspect.getattr_static(record, name)  # AttributeError for a name the record does not have
        if isinstance(static, property) and static.fget is not None:
            return static.fget(self)
        if inspect.isfunction(static):
            return types.MethodType(static, self)
        return getattr(record, name)

    def __setattr__(self, name: str, value: Any) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")

    def __iter__(self) -> Iterator[Any]:
        return iter(type(self)._special(self, "__iter__")())

    def __len__(self) -> int:
        return int(type(self)._special(self, "__len__")())

    def __getitem__(self, index: Any) -> Any:
        return type(self)._special(self, "__getitem__")(index)

    @staticmethod
    def _special(stand_in: Tracked, name: str) -> Any:
        record = object.__getattribute__(stand_in, "_record")
        method = getattr(type(record), name, None)
        if method is None:
            raise TypeError(f"{type(record).__name__} has no {name}")
        return types.MethodType(method, stand_in)

    def __repr__(self) -> str:
        return f"Tracked({object.__getattribute__(self, '_record')!r})"


def reads(stand_in: Tracked) -> frozenset[str]:
    """The fields read so far through the stand-in."""
    return frozenset(object.__getattribute__(stand_in, "_read"))


def record_of(stand_in: Tracked) -> Any:
    return object.__getattribute__(stand_in, "_record")


@dataclass(frozen=True)
class Extra:
    """A field no section laid out: its name and its value as JSON."""

    name: str
    json: str


def empty(value: Any) -> bool:
    """Nothing to show: None, or an empty string, tuple, list or dict."""
    return value is None or (isinstance(value, Sized) and not dataclasses.is_dataclass(value) and len(value) == 0)


def unread(stand_in: Tracked) -> list[Extra]:
    """The fields with a value that nothing read through the stand-in, in declaration order, as JSON."""
    record, read = record_of(stand_in), reads(stand_in)
    return [Extra(f.name, json.dumps(value_data(getattr(record, f.name)), ensure_ascii=False, indent=1, default=str))
            for f in dataclasses.fields(record)
            if f.name not in read and not empty(getattr(record, f.name))]
