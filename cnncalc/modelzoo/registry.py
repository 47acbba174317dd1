"""The zoo: architectures torchvision lacks, registered by name with their input shape and paper."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from torch import nn


@dataclass(frozen=True)
class ZooEntry:
    name: str
    build: Callable[[], nn.Module]
    input_shape: tuple[int, ...]
    paper: str
    summary: str
    #: Figures the paper (or the reference implementation) publishes: {"params": …, "macs": …}
    published: dict[str, Any] = field(default_factory=dict)


ZOO: dict[str, ZooEntry] = {}


Builder = Callable[[], "nn.Module"]


def register_model(name: str, input_shape: tuple[int, ...], paper: str, summary: str,
                   published: dict[str, Any] | None = None) -> Callable[[Builder], Builder]:
    """Register a zero-argument builder under `name`; a second registration of a name is an error."""

    def decorate(fn: Builder) -> Builder:
        if name in ZOO:
            raise RuntimeError(f"model {name!r} is already registered")
        ZOO[name] = ZooEntry(name, fn, input_shape, paper, summary, published or {})
        return fn

    return decorate
