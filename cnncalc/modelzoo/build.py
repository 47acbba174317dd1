"""Models with their parameters on the meta device: no weight memory, no initialisation compute.

`build(name, make)` tries three ways, cheapest first, and says which one worked:

1. under `torch.device("meta")`: nothing is allocated and initialisers do no work;
2. with only parameters and buffers sent to meta as they are registered (`on_meta`): for constructors that
   compute with ordinary tensors (torchvision's RegNet);
3. on the CPU with real weights, then moved to meta: for constructors that need real values (one that runs a
   forward pass to find its strides and initialises biases from them with `math.log`, or calls `.item()`).
   This build allocates the real weights, so it runs under a memory budget (`cnncalc.resources`): a model too
   large for this machine is refused in one line before it takes the memory.

`meta_copy()` makes a meta copy of a user's module for analysis and leaves the original untouched.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from typing import Any

import torch
from torch import nn

from cnncalc.errors import CnncalcError
from cnncalc.resources import OverBudget, within_budget

META = torch.device("meta")


class BuildWay(str, Enum):
    """How a model came to be on the meta device."""

    meta = "meta"
    registered = "registered"
    cpu = "cpu"
    given = "given"

    @property
    def text(self) -> str:
        return {
            BuildWay.meta: "built on the meta device",
            BuildWay.registered: "built with its parameters and buffers sent to the meta device as they were "
                                 "registered (its constructor computes with tensors)",
            BuildWay.cpu: "built on the CPU with real weights, then moved to the meta device (its constructor needs "
                          "real values)",
            BuildWay.given: "the module given, copied to the meta device (the original is untouched)",
        }[self]


@dataclass(frozen=True)
class Built:
    """A module on the meta device, how it was built, and why the cheaper ways failed."""

    module: nn.Module
    way: BuildWay
    #: the first line of the error each cheaper way raised, in order
    why: tuple[str, ...] = ()


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
    """Move the module to meta: parameters, buffers, and the tensors its modules hold as plain attributes (a
    detector's strides, set by its constructor) that have an axis; 0-dim tensors stay, as PyTorch lets them
    act as scalars beside meta tensors, values and all."""
    module = module.to(META)
    for sub in module.modules():
        for key, value in list(vars(sub).items()):
            if key.startswith("_"):
                continue
            if isinstance(value, torch.Tensor) and value.dim() > 0 and value.device != META:
                setattr(sub, key, value.to(META))
            elif isinstance(value, list | tuple) and value and all(isinstance(v, torch.Tensor) for v in value):
                moved = [v.to(META) if v.dim() > 0 else v for v in value]
                setattr(sub, key, type(value)(moved) if isinstance(value, tuple) else moved)
    return module


def _first_line(err: BaseException) -> str:
    """'RuntimeError: Tensor.item() cannot be called on meta tensors', without a C++ source location."""
    text = str(err).strip()
    line = re.sub(r"^\[enforce fail at [^\]]*\]\s*(err == 0\.\s*)?", "", text.splitlines()[0] if text else "")
    return f"{type(err).__name__}: {line}".rstrip(": ")


def build(name: str, make: Callable[[], Any], source: str) -> Built:
    """Build `make()` on the meta device, the cheapest way that works (see the module's docstring); the
    result is in eval mode. Raises naming the last error when every way fails."""
    why: list[str] = []
    module: Any = None
    way = BuildWay.meta
    try:
        with torch.device("meta"):
            module = make()
    except Exception as err:  # user code can raise anything while building
        why.append(_first_line(err))
    if module is None:
        way = BuildWay.registered
        def registered() -> Any:
            with on_meta():
                return make()

        try:  # each parameter is made on the CPU, then moved: under the budget too
            module = within_budget(registered, f"{name} cannot be built on the meta device ({why[-1]}), and "
                                               f"building it with its parameters sent there")
            if isinstance(module, nn.Module):
                to_meta(module)
        except OverBudget:
            raise
        except Exception as err:
            why.append(_first_line(err))
            module = None
    if module is None:
        way = BuildWay.cpu
        try:
            module = within_budget(make, f"{name} cannot be built on the meta device ({why[-1]}), and building it "
                                         f"on the CPU")
        except CnncalcError:
            raise
        except Exception as err:
            errors = [*why, _first_line(err)]
            where = ("on the meta device, with its parameters on meta, and on the CPU" if len(set(errors)) == 1
                     else "on the meta device (" + "; ".join(why) + "), and on the CPU")
            raise CnncalcError(f"building {name} failed {where}: {errors[-1]}") from err
    if not isinstance(module, nn.Module):
        raise CnncalcError(f"{source} returned {type(module).__name__}, not a torch.nn.Module")
    return Built(to_meta(module).eval(), way, tuple(why))


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
    return to_meta(clone).eval()
