"""What every op handler shares: the traced result (`Traced`, with the `Window` an op looks through), the op's
arguments by schema name (`bind`), and small readers of shapes and per-axis arguments.

`Ops` wraps a torch.ops namespace so that one list of handlers serves several PyTorch releases: an op this
version lacks is a placeholder that matches nothing (and is not registered).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch

from cnncalc.formulas.cost import Dims, OpCost, Shape


class Ops:
    """A torch.ops namespace (torch.ops.aten), where an op this PyTorch version lacks is a `Missing`
    placeholder."""

    def __init__(self, namespace: Any) -> None:
        self._namespace = namespace

    def __getattr__(self, name: str) -> Any:
        try:
            return getattr(self._namespace, name)
        except AttributeError:
            return Missing(f"{self._namespace.name}.{name}")


class Missing:
    """An op this PyTorch version does not have: registering it does nothing."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<{self.name}: not in this PyTorch>"


aten = Ops(torch.ops.aten)


@dataclass(frozen=True)
class Window:
    """A spatial window an op looks through, for the receptive field (one value per axis)."""

    kernel: Dims
    stride: Dims
    dilation: Dims | None = None
    transposed: bool = False


@dataclass(frozen=True)
class Traced:
    """What a handler makes of one op: its cost, and the window it looks through (None: no window)."""

    cost: OpCost
    window: Window | None = None


#: an op's arguments by schema name
Args = dict[str, Any]
#: a built-in handler: (the op's name without namespace or overload, its bound arguments, its output)
Handler = Callable[[str, Args, Any], Traced | None]


class Bound(dict[str, Any]):
    """An op's arguments by schema name (defaults filled in), which also keeps the call as the tracer saw it
    (`args`, `kwargs`), for formulas that take the arguments as the op was called."""

    def __init__(self, by_name: Args, args: Sequence[Any] = (), kwargs: dict[str, Any] | None = None) -> None:
        super().__init__(by_name)
        self.args = tuple(args)
        self.kwargs = dict(kwargs or {})


def bind(func: Any, args: Sequence[Any], kwargs: dict[str, Any]) -> Bound:
    """The op's arguments by schema name, defaults filled in."""
    bound: Args = {}
    for i, arg in enumerate(func._schema.arguments):
        if i < len(args):
            bound[arg.name] = args[i]
        elif arg.name in kwargs:
            bound[arg.name] = kwargs[arg.name]
        elif arg.has_default_value():
            bound[arg.name] = arg.default_value
    return Bound(bound, args, kwargs)


def shape(t: Any) -> Shape:
    return tuple(int(d) for d in t.shape)


def dims(v: Any, rank: int, default: int) -> Dims:
    """An aten per-axis argument (int, one-element list, list per axis, or None/empty) at `rank`."""
    if v is None:
        return (default,) * rank
    if isinstance(v, int):
        return (v,) * rank
    values = tuple(int(x) for x in v)
    if not values:
        return (default,) * rank
    return values * rank if len(values) == 1 else values


def first(out: Any) -> Any:
    return out[0] if isinstance(out, tuple | list) else out


def tensor_shapes(a: Args) -> tuple[Shape, ...]:
    """The shapes of the tensor arguments, in schema order."""
    return tuple(shape(v) for v in a.values() if isinstance(v, torch.Tensor))
