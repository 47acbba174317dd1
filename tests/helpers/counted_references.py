"""Plain-torch references counted op by op, for FFTs and antialiased resizing (tests/formulas/
test_spectral_formula.py, tests/analysis/ops/test_spectral.py).

- `RealFlops`: a dispatch mode counting the real floating-point operations of element-wise multiplies, adds and
  subtracts (a complex multiply 6, a complex add or subtract 2, a real one 1).
- FFT: an iterative radix-2 Cooley–Tukey FFT in complex128 that equals torch.fft.fft (`radix2_plan`,
  `radix2_fft`): 5·n·log₂n real FLOPs for n = 2^k.
- Antialiased interpolation: PIL's resampling written as gathers and multiply-adds, one pass per axis (`aa_pass`),
  with the windows computed in float32 as PyTorch's CPU kernel computes them (`aa_windows`); it equals
  F.interpolate(..., antialias=True).
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch.utils._python_dispatch import TorchDispatchMode

aten = torch.ops.aten
#: ops that move or view data without arithmetic
MOVEMENT = {"index", "view", "_unsafe_view", "reshape", "slice", "select", "cat", "stack", "clone", "alias", "detach",
            "lift_fresh", "expand", "unsqueeze", "_to_copy"}


class RealFlops(TorchDispatchMode):
    """Real floating-point operations of element-wise multiplies, adds and subtracts: a complex multiply is 6
    (4 multiplies, 2 adds), a complex add or subtract 2, a real one 1. Anything else not data movement is
    collected as unexpected."""

    def __init__(self) -> None:
        super().__init__()
        self.flops = 0
        self.unexpected: set[str] = set()

    def __torch_dispatch__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        out = func(*args, **(kwargs or {}))
        if func is aten.mul.Tensor:
            self.flops += out.numel() * (6 if out.is_complex() else 1)
        elif func in (aten.add.Tensor, aten.sub.Tensor):
            self.flops += out.numel() * (2 if out.is_complex() else 1)
        elif func.overloadpacket.__name__ not in MOVEMENT:
            self.unexpected.add(str(func))
        return out


# --- FFT --------------------------------------------------------------------------------------------------------
def radix2_plan(n: int) -> tuple[torch.Tensor, dict[int, torch.Tensor]]:
    """The bit-reversal permutation and each stage's twiddle factors exp(−2πij/size): constants, made outside
    the count."""
    bits = n.bit_length() - 1
    reverse = torch.tensor([int(format(i, f"0{bits}b")[::-1], 2) if bits else 0 for i in range(n)])
    twiddles = {}
    size = 2
    while size <= n:
        j = torch.arange(size // 2, dtype=torch.float64)
        twiddles[size] = torch.exp(-2j * math.pi * j / size)
        size *= 2
    return reverse, twiddles


def radix2_fft(x: torch.Tensor, reverse: torch.Tensor, twiddles: dict[int, torch.Tensor]) -> torch.Tensor:
    """Iterative decimation-in-time FFT along the last axis: log₂n stages of n/2 butterflies, each one twiddle
    multiply and an add and a subtract."""
    n, batch = x.shape[-1], x.shape[:-1]
    a = x[..., reverse]
    size = 2
    while size <= n:
        half = size // 2
        a = a.reshape(*batch, n // size, size)
        even, odd = a[..., :half], a[..., half:]
        t = odd * twiddles[size]
        a = torch.cat([even + t, even - t], dim=-1).reshape(*batch, n)
        size *= 2
    return a


# --- antialiased interpolation ----------------------------------------------------------------------------------
def triangle(x: float) -> float:
    return max(0.0, 1.0 - abs(x))


def keys_cubic(x: float, a: float = -0.5) -> float:
    x = abs(x)
    if x < 1:
        return ((a + 2) * x - (a + 3)) * x * x + 1
    return (((x - 5) * x + 8) * x - 4) * a if x < 2 else 0.0


def aa_windows(n_in: int, n_out: int, mode: str, scale_factor: float | None = None) -> list[tuple[int, list[float]]]:
    """Per output index, the first input index and the normalised weights (PIL's filters: a triangle for
    bilinear, Keys' cubic with a = −0.5 for bicubic). The window bounds in float32, as the CPU kernel computes
    them for a float32 input: center = scale·(i + 0.5), support = scale·(taps/2) when downsampling."""
    taps = 2 if mode == "bilinear" else 4
    kernel = triangle if mode == "bilinear" else keys_cubic
    f32 = torch.float32
    scale = torch.tensor(1.0 / scale_factor, dtype=f32) if scale_factor else torch.tensor(n_in, dtype=f32) / n_out
    support = scale * (taps / 2) if scale >= 1 else torch.tensor(taps / 2, dtype=f32)
    stretch = float(scale) if scale >= 1 else 1.0
    windows = []
    for i in range(n_out):
        center = (scale.double() * (i + 0.5)).to(f32)
        first = max(int(float(center - support) + 0.5), 0)
        size = min(int(float(center + support) + 0.5), n_in) - first
        weights = [kernel((first + j - float(center) + 0.5) / stretch) for j in range(size)]
        windows.append((first, [w / sum(weights) for w in weights]))
    return windows


def aa_pass(x: torch.Tensor, axis: int, windows: list[tuple[int, list[float]]]) -> torch.Tensor:
    """One pass along `axis`: each output slice the weighted sum of its window's input slices."""
    slices = []
    for first, weights in windows:
        value = x.select(axis, first) * weights[0]
        for j in range(1, len(weights)):
            value = value + x.select(axis, first + j) * weights[j]
        slices.append(value)
    return torch.stack(slices, dim=axis)
