"""The tensors inside a model's output, whatever its structure: tuples, lists, dicts, named tuples,
dataclasses, nested; each with its path (`out`, `[0].boxes`, `logits`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import torch


def named_tensors(obj: Any, path: str = "") -> list[tuple[str, torch.Tensor]]:
    """(path, tensor) for every tensor in `obj`, in order; the root itself is named 'output'."""
    if isinstance(obj, torch.Tensor):
        return [(path or "output", obj)]
    found: list[tuple[str, torch.Tensor]] = []
    if isinstance(obj, Mapping):
        for key, value in obj.items():
            found += named_tensors(value, f"{path}.{key}" if path else str(key))
    elif isinstance(obj, tuple) and hasattr(obj, "_fields"):  # a named tuple
        for key in obj._fields:
            found += named_tensors(getattr(obj, key), f"{path}.{key}" if path else key)
    elif isinstance(obj, list | tuple):
        for i, value in enumerate(obj):
            found += named_tensors(value, f"{path}[{i}]")
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            found += named_tensors(getattr(obj, f.name), f"{path}.{f.name}" if path else f.name)
    return found
