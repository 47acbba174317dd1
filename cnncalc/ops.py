"""Op formulas: teach cnncalc what an op costs.

The model tracer counts every op it sees by the formula registered for it; an op without one is listed as
uncounted. Built-in formulas cover PyTorch's own ops (convolutions, matrix products, norms, …) and
torchvision's; `register_op` adds a formula for any other op (a `torch.library` custom op, an op of an
extension) or replaces a built-in one:

    import torch
    import cnncalc

    @torch.library.custom_op("mylib::scaled_sum", mutates_args=())
    def scaled_sum(x: torch.Tensor, y: torch.Tensor, alpha: float) -> torch.Tensor:
        return x + alpha * y

    @scaled_sum.register_fake
    def _(x, y, alpha):
        return torch.empty_like(x)

    @cnncalc.register_op("mylib::scaled_sum")        # or register_op(torch.ops.mylib.scaled_sum, fn)
    def scaled_sum_cost(x, y, alpha, *, out):
        return {"macs": out.numel()}                 # one multiply-add per element

    cnncalc.analyze(model, inputs=[(1, 3, 32, 32)])  # counts mylib::scaled_sum

A formula `fn(*args, out=..., **kwargs)` gets the op's arguments as the tracer sees them (tensors that carry
shapes: meta, fake or real; read their shapes, not their values) and the op's output as `out`, and returns

- a dict of counts, `{"macs": int, "other_flops": int}` (a missing key is 0), optionally with the "inputs"
  and "outputs" element counts behind the memory traffic (by default the numel of the tensor arguments and
  of the outputs), counted as the kind "custom";
- or a `cnncalc.formulas.OpCost` (any kind, every field yours);
- or None: no formula for these arguments (the op is listed as uncounted).

MACs are multiply-accumulates, and FLOPs = 2 × MACs + other_flops (see `cnncalc.CONVENTION`).

`op` is a torch op (`torch.ops.mylib.fused_block`: every overload; `torch.ops.aten.add.Tensor`: that
overload only, which wins over a formula for every overload), a torch.library custom op, or its name as
"namespace::name" or "namespace::name.overload". An op already registered is refused (naming both formulas)
unless `override=True`, and so is replacing a built-in formula. `load_ops(path)` imports a Python file of
such registrations (the command line's way in); `registered_ops()` lists what is registered, and where.

This module imports torch only when one of its functions is called.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, overload

from cnncalc.errors import CnncalcError

F = TypeVar("F", bound=Callable[..., Any])


@overload
def register_op(op: Any, fn: None = None, *, override: bool = False) -> Callable[[F], F]: ...


@overload
def register_op(op: Any, fn: F, *, override: bool = False) -> F: ...


def register_op(op: Any, fn: Callable[..., Any] | None = None, *, override: bool = False) -> Any:
    """Register `fn` as the formula for `op`; without `fn`, a decorator that does (`@register_op(op)`).

    `op`: a torch op (an OpOverloadPacket: every overload; an OpOverload: that one), a torch.library custom
    op, or a "namespace::name[.overload]" string. Raises CnncalcError for an op torch does not know, and for
    an op that already has a formula (a built-in one included) unless `override=True`. Returns `fn`."""
    if fn is not None:
        _register(op, fn, override, _caller(sys._getframe(1)))
        return fn

    def decorate(function: F) -> F:
        _register(op, function, override, _caller(sys._getframe(1)))
        return function

    return decorate


def _register(op: Any, fn: Callable[..., Any], override: bool, source: str) -> None:
    from cnncalc.analysis.ops import registry

    registry.register(op, fn, override=override, source=source)


def _caller(frame: Any) -> str:
    """file:line of the frame that registers a formula."""
    from cnncalc.analysis.ops.registry import short_path

    return f"{short_path(frame.f_code.co_filename)}:{frame.f_lineno}"


def load_ops(path: str | os.PathLike[str]) -> tuple[str, ...]:
    """Import a Python file that registers op formulas (with `register_op`); the names of the ops it
    registered. Loading a file again does nothing and returns the same names.

    Raises CnncalcError, in one line: the file does not exist; importing it raised (naming the file and the
    error's first line; what it registered before is undone); it registered nothing."""
    from cnncalc.analysis.ops import registry

    file = Path(path).expanduser()
    shown = os.fspath(path)
    if not file.is_file():
        raise CnncalcError(f"op formula file {shown!r} does not exist" if not file.exists() else
                           f"op formula file {shown!r} is not a file")
    key = str(file.resolve())
    if key in registry.LOADED:
        return registry.LOADED[key][1]
    digest = hashlib.sha1(key.encode()).hexdigest()[:12]
    name = f"{registry.LOADED_PREFIX}{digest}"
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None or spec.loader is None:
        raise CnncalcError(f"op formula file {shown!r} cannot be imported as Python (a .py file is)")
    before = registry.snapshot()
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except (Exception, SystemExit) as err:
        registry.restore(before)
        sys.modules.pop(name, None)
        raise CnncalcError(f"importing op formula file {shown!r} failed: {type(err).__name__}: "
                           f"{_first_line(err)}") from err
    registered = tuple(f.op for k, f in registry.REGISTRY.items() if before.formulas.get(k) is not f)
    if not registered:
        sys.modules.pop(name, None)
        raise CnncalcError(f"op formula file {shown!r} registered no formula (it should call "
                           f"cnncalc.register_op(op, fn), or use @cnncalc.register_op(op))")
    registry.LOADED[key] = (name, registered)
    return registered


@dataclass(frozen=True)
class RegisteredOp:
    """An op the tracer has a formula for: its name ('aten::convolution', every overload; 'aten::add.Tensor',
    one), where the formula is (module:line; a file loaded by `load_ops`: path:line), whether it is
    built in, and whether it declares the op free (views, factories: no arithmetic, no traffic)."""

    op: str
    where: str
    builtin: bool
    free: bool = False


def registered_ops() -> tuple[RegisteredOp, ...]:
    """Every op with a formula, by name: the built-in ones (torchvision's once torchvision is imported) and
    those registered with `register_op`. A snapshot: registering later does not change it."""
    from cnncalc.analysis.ops import registry

    return tuple(RegisteredOp(f.op, f.where, f.builtin, f.free) for _, f in registry.entries())


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__
