"""Independent counters for the tests: they look at the real aten ops a module runs, not at cnncalc's formulas.

- `count_traffic`: bytes each op reads and writes, and bytes of every op's output, from a real forward pass.
- `gradient_extent`: the receptive field measured as the span of the input gradient of one output element.
- `flop_counter_macs`: torch.utils.flop_counter.FlopCounterMode's total for one real call, halved (it counts 2
  per MAC); the one FlopCounterMode helper of the tests (`onednn=False` for recurrent layers: see its docstring).
- `forward_shape`: the output shape of one real forward pass.
- `fvcore_macs`: fvcore's convolution / linear / matmul counts (fvcore counts one per MAC).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten


def _tensors(obj: Any) -> list[torch.Tensor]:
    return [t for t in tree_flatten(obj)[0] if isinstance(t, torch.Tensor)]


def _nbytes(t: torch.Tensor) -> int:
    return t.numel() * t.element_size()


def _is_view(func: Any) -> bool:
    """An op whose output aliases an input without writing it (view, slice, split, transpose …)."""
    returns = func._schema.returns
    return bool(returns) and all(r.alias_info is not None and not r.alias_info.is_write for r in returns)


@dataclass
class TrafficCounter(TorchDispatchMode):
    """Sums, over the non-view aten ops of a forward pass, the bytes of tensor inputs and outputs.

    Tensors made from nothing (factory ops such as torchvision's zero bias for a bias-less deform_conv2d,
    and ops on such tensors only, like the zero_ that fills it) are implementation constants, not the
    design's data: neither making them nor reading them counts.
    Empty tensors (BN's unused save_mean in inference) count zero bytes by their size.
    """

    read: int = 0
    written: int = 0
    ops: list[str] = field(default_factory=list)
    _constants: dict[int, torch.Tensor] = field(default_factory=dict)  # kept alive so ids stay unique

    def __post_init__(self) -> None:
        super().__init__()

    def __torch_dispatch__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        out = func(*args, **(kwargs or {}))
        inputs = _tensors((args, kwargs))
        if all(id(t) in self._constants for t in inputs):  # made from nothing, or only from constants
            self._constants.update((id(t), t) for t in _tensors(out))
            return out
        if _is_view(func):
            return out
        self.ops.append(str(func))
        self.read += sum(_nbytes(t) for t in inputs if id(t) not in self._constants)
        self.written += sum(_nbytes(t) for t in _tensors(out))
        return out


def count_traffic(module: torch.nn.Module, x: torch.Tensor) -> TrafficCounter:
    """Inference mode, as deployed: max pooling then writes no argmax indices (no_grad would)."""
    with torch.inference_mode(), TrafficCounter() as counter:
        module(x)
    return counter


def flop_counter_macs(fn: Callable[..., Any], *args: Any, onednn: bool = True) -> int:
    """MACs of one real call `fn(*args)` (a module, or an op such as torch.matmul) as FlopCounterMode counts them:
    its total FLOPs halved, under no_grad. Tensors on the meta device work too.

    `onednn=False` runs the call with oneDNN off (`torch.backends.mkldnn.flags(enabled=False)`): a CPU nn.LSTM
    then decomposes into the per-step matrix products FlopCounterMode counts, instead of oneDNN's fused kernel
    (aten.mkldnn_rnn_layer), which it does not see."""
    from torch.utils.flop_counter import FlopCounterMode

    backend = contextlib.nullcontext() if onednn else torch.backends.mkldnn.flags(enabled=False)
    with torch.no_grad(), backend, FlopCounterMode(display=False) as mode:
        fn(*args)
    total = mode.get_total_flops()
    assert total % 2 == 0, "FlopCounterMode counts 2 FLOPs per multiply-accumulate"
    return total // 2


def forward_shape(module: torch.nn.Module, x: torch.Tensor) -> tuple[int, ...]:
    """The shape of the output of one real forward pass (inference mode)."""
    with torch.inference_mode():
        return tuple(module(x).shape)


def fvcore_macs(module: torch.nn.Module, x: torch.Tensor) -> int:
    """fvcore's count of convolution, linear and matmul ops (one per multiply-accumulate)."""
    from fvcore.nn import FlopCountAnalysis

    analysis = FlopCountAnalysis(module, x)
    analysis.unsupported_ops_warnings(False)
    analysis.uncalled_modules_warnings(False)
    by_op = analysis.by_operator()
    return int(sum(v for k, v in by_op.items() if k in ("conv", "linear", "addmm", "matmul", "mm", "bmm", "einsum")))


def gradient_extent(module: torch.nn.Module, x: torch.Tensor,
                    positions: list[tuple[int, ...]]) -> tuple[int, ...]:
    """Largest span, along each spatial axis, of the input positions whose gradient is non-zero for one
    output location, over the given output positions (all channels summed); any number of spatial axes."""
    rank = x.dim() - 2
    best = (0,) * rank
    for position in positions:
        inp = x.clone().requires_grad_(True)
        out = module(inp)
        out[(slice(None), slice(None), *position)].sum().backward()
        nz = inp.grad.abs().sum(dim=(0, 1)) > 0
        spans = []
        for axis in range(rank):
            others = tuple(a for a in range(rank) if a != axis)
            hit = torch.nonzero(nz.any(dim=others) if others else nz).flatten()
            spans.append(int(hit.max() - hit.min() + 1) if len(hit) else 0)
        best = tuple(max(b, s) for b, s in zip(best, spans, strict=True))
    return best
