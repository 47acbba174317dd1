"""Models with their parameters on the meta device: no weight memory, no initialisation compute.

`on_meta()` patches parameter and buffer registration while a constructor runs, so that code which
computes ordinary tensors in a constructor (torchvision's RegNet) still works. `meta_copy()` makes a
meta copy of a user's module for analysis and leaves the original untouched.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch
from torch import nn

from cnncalc.errors import CnncalcError

META = torch.device("meta")


@contextmanager
def on_meta() -> Iterator[None]:
    """Parameters and buffers registered inside this block land on the meta device."""
    register_parameter = nn.Module.register_parameter
    register_buffer = nn.Module.register_buffer

    def parameter(module: nn.Module, name: str, param: nn.Parameter | None) -> None:
        register_parameter(module, name, param)
        if param is not None and param.device != META:
            kwargs = param.__dict__
            module._parameters[name] = type(param)(param.to(META), **kwargs)

    def buffer(module: nn.Module, name: str, tensor: torch.Tensor | None, persistent: bool = True) -> None:
        register_buffer(module, name, tensor, persistent)
        if tensor is not None:
            module._buffers[name] = tensor.to(META)

    nn.Module.register_parameter = parameter  # type: ignore[method-assign, assignment]
    nn.Module.register_buffer = buffer  # type: ignore[method-assign, assignment]
    try:
        yield
    finally:
        nn.Module.register_parameter = register_parameter  # type: ignore[method-assign]
        nn.Module.register_buffer = register_buffer  # type: ignore[method-assign]


def to_meta(module: nn.Module) -> nn.Module:
    """Move whatever a constructor left off the meta device (tensors assigned after registration)."""
    return module.to(META)


def meta_copy(model: nn.Module) -> nn.Module:
    """A copy of `model` whose parameters and buffers are meta tensors of the same shapes and dtypes.

    The original is not touched: no attribute, buffer, hook or training flag of it changes.
    """
    memo: dict[int, Any] = {}
    for p in model.parameters():
        memo[id(p)] = nn.Parameter(torch.empty_like(p, device=META), requires_grad=p.requires_grad)
    for b in model.buffers():
        memo[id(b)] = torch.empty_like(b, device=META)
    try:
        clone = copy.deepcopy(model, memo)
    except Exception as err:  # deepcopy can fail on anything a module holds (locks, handles, …)
        raise CnncalcError(f"cannot copy {type(model).__name__} to the meta device without touching it: {err}") from err
    return clone.to(META).eval()
