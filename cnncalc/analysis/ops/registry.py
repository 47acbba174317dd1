"""The one registry of op formulas: every op the tracer counts (or declares free) has one entry here, the
built-in handlers and the formulas users register alike (`cnncalc.register_op`, in `cnncalc.ops`).

An entry is keyed by the real torch op: an `OpOverloadPacket` (torch.ops.aten.add: every overload) or an
`OpOverload` (torch.ops.aten.add.Tensor: that one); looking an op up tries its overload first, then its
packet, so an overload's formula wins over its packet's. An entry is one of three styles:

- "handler": a built-in handler, `handler(name, bound_args, out) -> Traced | None` (the arguments by schema
  name; `Traced` carries the cost and, for ops that look through a window, the window);
- "free": a built-in declaration that the op costs nothing (views, tensor factories);
- "counts": a user's formula, `fn(*args, out=..., **kwargs)`, called with the op's arguments as the tracer
  sees them, returning `{"macs": int, "other_flops": int}` (optionally "inputs"/"outputs" element counts), an
  `OpCost`, or None (no formula for these arguments).

A second entry for one op is refused, naming both (a built-in's with RuntimeError, a user's with
`CnncalcError`); a user's formula replaces a built-in only with `override=True`.
"""

from __future__ import annotations

import difflib
import inspect
import numbers
import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import torch
from torch.utils._pytree import tree_flatten

from cnncalc.analysis.ops.common import Bound, Handler, Missing, Traced, shape
from cnncalc.errors import CnncalcError
from cnncalc.formulas.cost import OpCost, OpKind

Style = Literal["handler", "free", "counts"]
#: the keys a formula's counts may have (a missing one: 0 for the FLOPs, the tensors' numel for the elements)
COUNT_KEYS = ("macs", "other_flops", "inputs", "outputs")
#: what register_op takes, for messages
ACCEPTED = ("a torch op (torch.ops.aten.convolution; one overload: torch.ops.aten.add.Tensor; a torch.library "
            "custom op) or its name, 'namespace::name' or 'namespace::name.overload' ('aten::convolution', "
            "'mylib::fused_block')")


@dataclass(frozen=True, eq=False)
class Formula:
    """One registered formula: for `op` ('aten::convolution': every overload; 'aten::add.Tensor': one), the
    function (None for a free op), where it is defined (`where`, module:line) and where it was registered
    (`source`, file:line)."""

    op: str
    style: Style
    fn: Callable[..., Any] | None
    where: str
    source: str

    @property
    def builtin(self) -> bool:
        return self.style != "counts"

    @property
    def free(self) -> bool:
        return self.style == "free"

    def __repr__(self) -> str:  # (no line numbers: the tables compared after import must not depend on them)
        fn = f", {_qualname(self.fn)}" if self.fn is not None else ""
        return f"Formula({self.op!r}, {self.style}{fn})"

    def describe(self) -> str:
        """'the built-in formula at cnncalc.analysis.ops.conv:40' or 'the formula at my_ops:12'."""
        return f"the {'built-in ' if self.builtin else ''}formula at {self.where}"

    def trace(self, name: str, bound: Bound, out: Any) -> Traced | None:
        """The op's cost (None: no formula for these arguments). `name` is the op's name without namespace or
        overload, `bound` its arguments (by schema name, with the call as the tracer saw it), `out` its output."""
        if self.fn is None:
            return None
        if self.style == "handler":
            handler: Handler = self.fn
            return handler(name, bound, out)
        return self._counts(bound, out)

    # a user's formula ----------------------------------------------------------------------------------
    def _counts(self, bound: Bound, out: Any) -> Traced | None:
        assert self.fn is not None
        kwargs = {k: v for k, v in bound.kwargs.items() if k != "out"}  # (an out= variant: `out` is its output)
        try:
            result = self.fn(*bound.args, out=out, **kwargs)
        except Exception as err:
            raise self._error(f"raised {type(err).__name__}: {_first_line(err)}", returned=False) from err
        if result is None:
            return None
        if isinstance(result, OpCost):
            return Traced(result)
        if not isinstance(result, Mapping):
            raise self._error(f"returned {_describe(result)}")
        counts: dict[str, int] = {}
        for key, value in result.items():
            if key not in COUNT_KEYS:
                raise self._error(f"returned the key {key!r}")
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
                raise self._error(f"returned {key!r}: {_describe(value)}, not a count")
            counts[key] = int(value)
        reads = _tensors((bound.args, kwargs))
        writes = _tensors(out)
        return Traced(OpCost(
            kind=OpKind.custom, output_shape=shape(writes[0]) if writes else (), macs=counts.get("macs", 0),
            other_flops=counts.get("other_flops", 0),
            inputs=counts.get("inputs", sum(int(t.numel()) for t in reads)),
            outputs=counts.get("outputs", sum(int(t.numel()) for t in writes)),
            other_expr=f"{self.op}: the formula at {self.where}"))

    def _error(self, what: str, returned: bool = True) -> CnncalcError:
        fn = f" ({_qualname(self.fn)})" if self.fn is not None else ""
        expected = ("; a formula returns a dict of counts {'macs': int, 'other_flops': int} (either may be left "
                    "out; 'inputs' and 'outputs' element counts optional), an OpCost, or None") if returned else ""
        return CnncalcError(f"the formula for {self.op} registered at {self.source}{fn} {what}{expected}")


#: op (an OpOverloadPacket: every overload; an OpOverload: that one) → its formula
REGISTRY: dict[Any, Formula] = {}
#: formula files loaded (cnncalc.load_ops): resolved path → (the module's name, the ops it registered)
LOADED: dict[str, tuple[str, tuple[str, ...]]] = {}


# looking up ------------------------------------------------------------------------------------------------
def lookup(func: Any) -> Formula | None:
    """The formula for an op overload the tracer met: its own, else its packet's (torchvision's built-ins are
    registered here the first time torchvision is loaded and an op has none)."""
    formula = REGISTRY.get(func) or REGISTRY.get(func.overloadpacket)
    if formula is None and register_extensions():
        formula = REGISTRY.get(func) or REGISTRY.get(func.overloadpacket)
    return formula if formula is not None else _by_name(func)


#: REGISTRY by its keys' names, made by the first lookup that misses and emptied whenever REGISTRY changes (a
#: miss on the tracer's path is then one dict lookup, not a walk over every formula)
_NAMED: dict[str, Formula] = {}


def _by_name(func: Any) -> Formula | None:
    """The formula registered for an op of the same name: a custom op defined again (its module imported a second
    time, say by file path as a model and by name from a formula file) is a new op object to torch.library."""
    if not _NAMED:
        _NAMED.update((str(key), f) for key, f in REGISTRY.items())
    return _NAMED.get(str(func)) or _NAMED.get(str(getattr(func, "overloadpacket", func)))


def lookup_packet(packet: Any) -> Formula | None:
    """The formula registered for every overload of `packet` (a `Missing` op has none)."""
    return REGISTRY.get(packet)


def entries() -> tuple[tuple[Any, Formula], ...]:
    """Every (op, formula), by op name."""
    register_extensions()
    return tuple(sorted(REGISTRY.items(), key=lambda item: item[1].op))


_EXTENSIONS: list[bool] = []


def register_extensions() -> bool:
    """Register the handlers of torchvision's ops (deform_conv2d, nms, roi_align) once torchvision is loaded;
    analysing a plain-torch model never imports it. True when something new was registered."""
    if _EXTENSIONS or "torchvision" not in sys.modules:
        return False
    from cnncalc.analysis.ops import torchvision  # noqa: F401  (registers on import)

    _EXTENSIONS.append(True)
    return True


# naming ops ------------------------------------------------------------------------------------------------
def op_name(op: Any) -> str:
    """'aten::convolution' (a packet) or 'aten::add.Tensor' (an overload)."""
    if isinstance(op, torch._ops.OpOverload):
        return f"{op.overloadpacket._qualified_op_name}.{op._overloadname}"
    return str(op._qualified_op_name)


def resolve(op: Any) -> Any:
    """The torch op (packet or overload) `op` names: a torch op itself, a torch.library custom op, or a
    'namespace::name[.overload]' string. Raises CnncalcError naming what is accepted."""
    if isinstance(op, torch._ops.OpOverload | torch._ops.OpOverloadPacket):
        return op
    custom = getattr(op, "_opoverload", None)  # a torch.library.custom_op (CustomOpDef): every overload
    if isinstance(custom, torch._ops.OpOverload):
        return custom.overloadpacket
    if isinstance(op, str):
        return _from_string(op)
    raise CnncalcError(f"cannot register a formula for {_describe(op)}: register_op takes {ACCEPTED}")


_NAME = re.compile(r"([A-Za-z_]\w*)::([A-Za-z_]\w*)(?:\.(\w+))?")


def _from_string(text: str) -> Any:
    match = _NAME.fullmatch(text.strip())
    if match is None:
        raise CnncalcError(f"unknown op {text!r}: not a 'namespace::name'; register_op takes {ACCEPTED}")
    namespace, name, overload = match.groups()
    try:
        packet = getattr(getattr(torch.ops, namespace), name)
    except (AttributeError, RuntimeError):
        packet = None
    if not isinstance(packet, torch._ops.OpOverloadPacket):
        known = sorted({n.split(".")[0] for n in _all_op_names() if n.startswith(f"{namespace}::")})
        close = difflib.get_close_matches(f"{namespace}::{name}", known, n=3, cutoff=0.6)
        hint = f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
        where = (f"torch has no op of that name in {namespace!r}" if known else
                 f"torch has no op in the namespace {namespace!r} (is the library that defines it imported?)")
        raise CnncalcError(f"unknown op {text!r}: {hint}{where}; register_op takes {ACCEPTED}")
    if overload is None:
        return packet
    try:
        return getattr(packet, overload)
    except AttributeError:
        overloads = ", ".join(repr(f"{namespace}::{name}.{o}") for o in packet.overloads())
        raise CnncalcError(f"unknown op {text!r}: {namespace}::{name} has no overload {overload!r} (it has "
                           f"{overloads}; '{namespace}::{name}' is all of them)") from None


def _all_op_names() -> list[str]:
    names = getattr(torch._C, "_dispatch_get_all_op_names", None)
    return list(names()) if names is not None else []


# registering -----------------------------------------------------------------------------------------------
H = TypeVar("H", bound=Handler)


def handles(*ops: Any) -> Callable[[H], H]:
    """Register one built-in handler for ops (packets: every overload); a second one is an error. An op this
    PyTorch lacks (`Missing`) is skipped."""

    def decorate(fn: H) -> H:
        for op in ops:
            if not isinstance(op, Missing):
                _builtin(op, Formula(op_name(op), "handler", fn, _where(fn), _source(fn)))
        return fn

    return decorate


def declare_free(*ops: Any) -> None:
    """Declare built-in ops that cost nothing (views, factories); a second entry for one is an error."""
    caller = sys._getframe(1)
    where = f"{caller.f_globals.get('__name__', '?')}:{caller.f_lineno}"
    source = f"{short_path(caller.f_code.co_filename)}:{caller.f_lineno}"
    for op in ops:
        if not isinstance(op, Missing):
            _builtin(op, Formula(op_name(op), "free", None, where, source))


def _builtin(key: Any, formula: Formula) -> None:
    old = REGISTRY.get(key)
    if old is not None and not old.builtin:
        return  # a user's formula registered before these built-ins were loaded (torchvision's) stays
    if old is not None:
        raise RuntimeError(f"{formula.op} already has {old.describe()}; a second one at {formula.where}")
    REGISTRY[key] = formula
    _NAMED.clear()


def register(op: Any, fn: Callable[..., Any], *, override: bool = False, source: str = "") -> str:
    """Register a user's formula `fn(*args, out=..., **kwargs)` for `op` (see `resolve`); the op's name.

    Refused (CnncalcError, naming both formulas) when `op` already has one, or when it would replace a
    built-in for some overload, unless `override`; with `override` it replaces them."""
    register_extensions()  # (torchvision's built-ins first, so that a user's formula is checked against them)
    key = resolve(op)
    name = op_name(key)
    if not callable(fn):
        raise CnncalcError(f"the formula for {name} must be a function fn(*args, out=..., **kwargs), not "
                           f"{_describe(fn)}")
    formula = Formula(name, "counts", fn, _where(fn), source or _source(fn))
    old = REGISTRY.get(key)
    if isinstance(key, torch._ops.OpOverload):  # a built-in for every overload would lose this one
        packet = REGISTRY.get(key.overloadpacket)
        shadowed = [packet] if packet is not None and packet.builtin else []
        under: list[Any] = []
    else:  # built-ins for single overloads would win over this formula for every overload: they go
        under = [k for k, f in REGISTRY.items() if f.builtin and getattr(k, "overloadpacket", None) is key]
        shadowed = [REGISTRY[k] for k in under]
    if not override:
        if old is not None:
            raise CnncalcError(f"{name} already has {old.describe()}; this one is at {formula.where} (pass "
                               f"override=True to replace it)")
        if shadowed:
            raise CnncalcError(f"{shadowed[0].op} has {shadowed[0].describe()}, which this one for {name} at "
                               f"{formula.where} would replace (pass override=True to replace it)")
    for k in under:
        del REGISTRY[k]
    REGISTRY[key] = formula
    _NAMED.clear()
    return name


def _where(fn: Any) -> str:
    """module:line of a function (a file loaded by load_ops: its path)."""
    code, line = _code(fn)
    module = getattr(fn, "__module__", None) or "?"
    if module.startswith(LOADED_PREFIX) and code is not None:
        module = short_path(code.co_filename)
    return f"{module}:{line}"


def _source(fn: Any) -> str:
    """file:line of a function."""
    code, line = _code(fn)
    return f"{short_path(code.co_filename) if code is not None else '?'}:{line}"


def _code(fn: Any) -> tuple[Any, Any]:
    target = inspect.unwrap(fn) if callable(fn) else fn
    target = getattr(target, "func", target)  # (a functools.partial)
    code = getattr(target, "__code__", None)
    if code is None:  # an object with a __call__ method
        code = getattr(inspect.getattr_static(type(target), "__call__", None), "__code__", None)
    return code, (code.co_firstlineno if code is not None else "?")


def short_path(path: str) -> str:
    """A path relative to the working directory when it lies under it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # (another drive)
        return path
    return path if relative.startswith("..") else relative


#: the module names of formula files loaded by load_ops start so
LOADED_PREFIX = "cnncalc_ops_"


# state (for tests, and for load_ops to undo a file that failed) -------------------------------------------
@dataclass(frozen=True)
class State:
    formulas: dict[Any, Formula]
    loaded: dict[str, tuple[str, tuple[str, ...]]]


def snapshot() -> State:
    register_extensions()
    return State(dict(REGISTRY), dict(LOADED))


def restore(state: State) -> None:
    """Put the registry back as it was at `snapshot()`; built-ins registered since (torchvision's) stay."""
    since = {k: f for k, f in REGISTRY.items() if f.builtin and k not in state.formulas}
    REGISTRY.clear()
    REGISTRY.update(state.formulas)
    REGISTRY.update(since)
    _NAMED.clear()
    for path, (module, _) in LOADED.items():
        if path not in state.loaded:
            sys.modules.pop(module, None)
    LOADED.clear()
    LOADED.update(state.loaded)


# helpers ---------------------------------------------------------------------------------------------------
def _tensors(obj: Any) -> list[torch.Tensor]:
    return [t for t in tree_flatten(obj)[0] if isinstance(t, torch.Tensor)]


def _describe(value: Any) -> str:
    """'a list', 'a float (1.5)': what a formula returned, for messages."""
    kind = type(value).__name__
    article = "an" if kind[:1].lower() in "aeiou" else "a"
    if isinstance(value, numbers.Number | str):
        return f"{article} {kind} ({value!r})"
    return f"{article} {kind}"


def _qualname(fn: Any) -> str:
    """module.qualname of a function ('test_ops.cost'; an object: its class's)."""
    named = fn if hasattr(fn, "__qualname__") else type(fn)
    return f"{getattr(named, '__module__', '?')}.{named.__qualname__}"


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__
