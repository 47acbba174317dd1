"""Every op call of a traced run, as data: the aten op, its arguments (tensors as shape, dtype and strides; the
rest as values) and the module it ran in. The latency predictor reads these (each op's time is a function of
them), and its calibration makes the same kind of call to time it, so that the op a model runs and the op a
profile measured are described the same way.

A trace keeps calls only when asked (`trace(..., keep_calls=True)`): counting costs needs none of this.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch


@dataclass(frozen=True)
class TensorArg:
    """A tensor argument: its shape, element type and strides (the memory layout: contiguous, channels-last)."""

    shape: tuple[int, ...]
    dtype: str
    stride: tuple[int, ...]

    @property
    def numel(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n

    @property
    def itemsize(self) -> int:
        return _ITEMSIZE.get(self.dtype, 4)

    @property
    def nbytes(self) -> int:
        return self.numel * self.itemsize

    @property
    def order(self) -> tuple[int, ...] | None:
        """The axes from outermost to innermost in memory when the strides lay the tensor out densely (contiguous:
        0, 1, 2, 3; channels-last: 0, 2, 3, 1; a linear layer's transposed weight: 1, 0); None when they do not
        (an expanded or sliced view), or when no strides were recorded."""
        if len(self.stride) != len(self.shape):
            return None
        axes = sorted(range(len(self.shape)), key=lambda d: (-self.stride[d], d))
        expected = 1
        for d in reversed(axes):
            if self.shape[d] == 1:  # a length-1 axis's stride is arbitrary
                continue
            if self.stride[d] != expected:
                return None
            expected *= self.shape[d]
        return tuple(axes)

    @property
    def channels_last(self) -> bool:
        """N×C×H×W (or N×C×D×H×W) laid out with the channels innermost."""
        return len(self.shape) in (4, 5) and self.stride[1] == 1 and self.shape[1] > 1

    @classmethod
    def of(cls, t: torch.Tensor) -> TensorArg:
        return cls(tuple(int(d) for d in t.shape), str(t.dtype).removeprefix("torch."),
                   tuple(int(s) for s in t.stride()) if t.layout == torch.strided else ())


_ITEMSIZE = {"float32": 4, "float16": 2, "bfloat16": 2, "float64": 8, "int64": 8, "int32": 4, "int16": 2,
             "int8": 1, "uint8": 1, "bool": 1, "complex64": 8, "complex128": 16}


def summary(value: Any) -> Any:
    """An argument as data: tensors as TensorArg, sequences as tuples, dtypes/devices/layouts as text."""
    if isinstance(value, torch.Tensor):
        return TensorArg.of(value)
    if isinstance(value, list | tuple):
        return tuple(summary(v) for v in value)
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    return str(value)


@dataclass(frozen=True)
class Call:
    """One op call: the aten op ('aten.convolution.default'), its positional and keyword arguments as data, what
    it returned (tensors as TensorArg), the module it ran in, and whether cnncalc counts it as free (a view, a
    factory)."""

    op: str
    args: tuple[Any, ...]
    kwargs: tuple[tuple[str, Any], ...]
    outputs: tuple[TensorArg, ...]
    module: str
    free: bool = False

    @property
    def name(self) -> str:
        """The op's packet name: 'convolution', 'add_', 'max_pool2d_with_indices'."""
        return self.op.split(".")[1] if self.op.count(".") >= 2 else self.op

    def tensors(self) -> list[TensorArg]:
        return [t for t in _flat((self.args, tuple(v for _, v in self.kwargs))) if isinstance(t, TensorArg)]

    def arg(self, index: int, name: str, default: Any = None) -> Any:
        """A positional argument, or the keyword of that name."""
        if index < len(self.args):
            return self.args[index]
        return dict(self.kwargs).get(name, default)


def _flat(value: Any) -> list[Any]:
    if isinstance(value, tuple):
        return [x for v in value for x in _flat(v)]
    return [value]


def make_call(func: Any, args: Sequence[Any], kwargs: dict[str, Any], out: Any, module: str, free: bool) -> Call:
    outputs = tuple(TensorArg.of(t) for t in _flat(summary_tensors(out)) if isinstance(t, torch.Tensor))
    return Call(str(func), tuple(summary(a) for a in args), tuple((k, summary(v)) for k, v in kwargs.items()),
                outputs, module, free)


def summary_tensors(out: Any) -> tuple[Any, ...]:
    if isinstance(out, torch.Tensor):
        return (out,)
    if isinstance(out, list | tuple):
        return tuple(x for o in out for x in summary_tensors(o))
    return ()


def materialize(value: Any, generator: torch.Generator | None = None, device: str = "cpu",
                scale: float = 0.1) -> Any:
    """Real tensors for a summarised argument: values in a benign range (no denormals, no overflow), with its
    shape, element type and, where they lay it out densely (`TensorArg.order`: contiguous, channels-last, a
    transposed matrix), its strides, a channels-last view that is not dense (a slice) channels-last; everything else
    as it was."""
    if isinstance(value, TensorArg):
        dtype = getattr(torch, value.dtype)
        dense = value.order
        order = dense or tuple(range(len(value.shape)))
        stored = [value.shape[d] for d in order]  # the shape in memory order, permuted back below
        if dtype.is_floating_point:
            base = torch.empty(stored).uniform_(-scale, 3 * scale, generator=generator)
        elif dtype == torch.bool:
            base = torch.zeros(stored, dtype=torch.bool)
        else:
            base = torch.zeros(stored, dtype=dtype)
        base = base.to(dtype=dtype, device=device)
        if dense is None and value.stride and value.channels_last:  # a channels-last slice: not dense
            return base.contiguous(memory_format=torch.channels_last if len(value.shape) == 4
                                   else torch.channels_last_3d)
        return base.permute(sorted(range(len(order)), key=order.__getitem__))
    if isinstance(value, tuple):
        return [materialize(v, generator, device, scale) for v in value]
    if isinstance(value, str) and value.startswith("torch.") and hasattr(torch, value[6:]):
        return getattr(torch, value[6:])  # a dtype or memory format, as summary() wrote it
    return value
