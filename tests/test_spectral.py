"""FFTs (torch.fft.*, an STFT front end), sorting and top-k, and antialiased resizing, written the way users
write them, held against plain-torch reference implementations counted op by op and against hand arithmetic.

- FFT: an iterative radix-2 Cooley–Tukey FFT in complex128 that equals torch.fft.fft, whose real FLOPs are
  counted op by op (a complex multiply 6, a complex add or subtract 2): 5·n·log₂n for n = 2^k.
- Antialiased interpolation: PIL's resampling written as gathers and multiply-adds, one pass per axis (width
  first), with the windows computed in float32 as PyTorch's CPU kernel computes them; it equals
  F.interpolate(..., antialias=True), and its multiplies and adds are counted op by op.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode

from cnncalc.analysis.analyze import analyze
from cnncalc.formulas.ordering import sort, topk
from cnncalc.formulas.sample import interpolate_antialias
from cnncalc.formulas.spectral import fft

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


@pytest.mark.parametrize("n", [1, 2, 4, 8, 16, 64, 256])
def test_fft_against_a_counted_radix2_reference(n: int) -> None:
    x = torch.randn(3, n, dtype=torch.complex128, generator=torch.Generator().manual_seed(n))
    reverse, twiddles = radix2_plan(n)
    with RealFlops() as counter:
        y = radix2_fft(x, reverse, twiddles)
    torch.testing.assert_close(y, torch.fft.fft(x), rtol=1e-9, atol=1e-9)
    assert not counter.unexpected
    assert counter.flops == fft((3, n), (3, n), (-1,), "c2c").other_flops
    assert counter.flops == 3 * 5 * n * (n.bit_length() - 1)  # 5·n·log₂n per transform, 3 transforms


class Transforms(nn.Module):
    def __init__(self, fn: Any) -> None:
        super().__init__()
        self.fn = fn

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fn(x)


# x: 2×8×16, float32
FFT_CASES = {
    # 16 lines of a real transform of 16: 2.5·16·4 = 160 each
    "rfft": (lambda x: torch.fft.rfft(x).abs(), 16 * 160 + 2 * 8 * 9),
    # the same and the 1/√n scaling of the 2·8·9 outputs (and the abs of them)
    "rfft ortho": (lambda x: torch.fft.rfft(x, norm="ortho").abs(), 16 * 160 + 144 + 144),
    # a real signal's full spectrum: the same real transform, its mirror filled in without arithmetic
    "fft of a real signal": (lambda x: torch.fft.fft(x).real, 16 * 160),
    # complex along the 8-axis, 2·16 lines of 5·8·3 = 120; then along the 16-axis, 2·8 lines of 5·16·4 = 320
    "fft2": (lambda x: torch.fft.fft2(x).real, 32 * 120 + 16 * 320),
    # real along the last axis (16·160), then complex along the 8-axis over the half spectrum: 2·9 lines of 120
    "rfft2": (lambda x: torch.fft.rfft2(x).real, 16 * 160 + 18 * 120),
    # a 12-point real transform: round(2.5·12·log₂12) = round(107.55) = 108 per line, 16 lines
    "rfft n=12": (lambda x: torch.fft.rfft(x[..., :12]).real, 16 * 108),
    # there and back: rfft 2,560, irfft 2,560 and its 1/n scaling of 2·8·16 = 256 outputs
    "irfft(rfft)": (lambda x: torch.fft.irfft(torch.fft.rfft(x), n=16), 2 * 2_560 + 256),
}


@pytest.mark.parametrize("case", sorted(FFT_CASES))
def test_ffts_by_hand(case: str) -> None:
    fn, other = FFT_CASES[case]
    report = analyze(Transforms(fn), inputs=[(2, 8, 16)])
    assert not report.uncounted, report.uncounted
    assert report.total.macs == 0  # an FFT is no matrix product
    assert report.total.costs.other_flops == other


class SpectrogramNet(nn.Module):
    """Keyword spotting from raw audio: a magnitude spectrogram (torch.stft, Hann window) into a small CNN."""

    def __init__(self, n_fft: int = 64, hop: int = 16) -> None:
        super().__init__()
        self.n_fft, self.hop = n_fft, hop
        self.register_buffer("window", torch.hann_window(n_fft))
        self.conv = nn.Conv2d(1, 8, 3, padding=1)

    def forward(self, wave: torch.Tensor) -> torch.Tensor:
        spec = torch.stft(wave, self.n_fft, self.hop, window=self.window, return_complex=True)  # type: ignore[arg-type]
        return self.conv(spec.abs().unsqueeze(1))


def test_stft_front_end() -> None:
    report = analyze(SpectrogramNet(), inputs=[(2, 400)])
    assert not report.uncounted, report.uncounted
    # 400 samples padded by 32 each side (center=True): 464, 1 + (464 − 64)/16 = 26 frames of 64, batch 2.
    # window 2·26·64 = 3,328; rfft of 52 frames: 52·2.5·64·6 = 49,920; magnitude 2·33·26 = 1,716;
    # conv 3·3·1·8 = 72 weights at 33·26 = 858 positions, batch 2: 123,552 MACs, bias 8·858·2 = 13,728
    assert report.total.macs == 123_552
    assert report.total.costs.other_flops == 3_328 + 49_920 + 1_716 + 13_728 == 68_692
    assert report.total.output_shape == (2, 8, 33, 26)


# --- sort and top-k ---------------------------------------------------------------------------------------------
def test_sort_and_topk_formulas_by_hand() -> None:
    assert sort((5,)).other_flops == 5 * 3  # ⌈log₂5⌉ = 3
    assert sort((4, 8), dim=1).other_flops == 4 * 8 * 3
    assert sort((3, 1)).other_flops == sort(()).other_flops == 0  # one element: nothing to compare
    assert topk((7,), 7).other_flops == 7 * 3  # a heap of 7: ⌈log₂8⌉ = 3
    assert topk((2, 100), 1).other_flops == 2 * 100 * 1  # the maximum: one comparison per element
    assert topk((2, 100), 10, dim=1).output_shape == (2, 10)


class TopDetections(nn.Module):
    """A detector's post-processing: the ten best-scoring anchors per image, ranked, their boxes gathered."""

    def forward(self, scores: torch.Tensor, boxes: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        best, index = scores.topk(10, dim=1)
        order = best.argsort(dim=1, descending=True)
        picked = torch.gather(boxes, 1, index.unsqueeze(-1).expand(-1, -1, 4))
        return picked, torch.msort(best)[order]


def test_sort_and_topk_in_a_model() -> None:
    report = analyze(TopDetections(), inputs=[(2, 100), (2, 100, 4)])
    assert not report.uncounted, report.uncounted
    # topk 10 of 100, 2 images: 2·100·⌈log₂11⌉ = 800; argsort of 2×10: 2·10·⌈log₂10⌉ = 80; msort (along the
    # first axis) of 2×10: 10 slices of 2, 10·2·1 = 20
    assert report.total.costs.other_flops == 800 + 80 + 20


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


AA_CASES = [((8, 8), (4, 4)), ((7, 7), (3, 3)), ((10, 12), (4, 5)), ((13, 9), (3, 7)), ((6, 6), (6, 4)),
            ((3, 5), (37, 9)), ((14, 10), (6, 25))]


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("size, out", AA_CASES, ids=[f"{a[0]}x{a[1]}-{b[0]}x{b[1]}" for a, b in AA_CASES])
def test_antialiased_interpolation_against_a_counted_reference(size: tuple[int, int], out: tuple[int, int],
                                                               mode: str) -> None:
    x = torch.rand(1, 2, *size, dtype=torch.float64, generator=torch.Generator().manual_seed(sum(size)))
    # the windows are index arithmetic, made outside the count; the width pass first, then the height
    width = aa_windows(size[1], out[1], mode) if out[1] != size[1] else None
    height = aa_windows(size[0], out[0], mode) if out[0] != size[0] else None
    with RealFlops() as counter:
        y = aa_pass(x, 3, width) if width else x
        y = aa_pass(y, 2, height) if height else y
    expected = F.interpolate(x.float(), size=out, mode=mode, antialias=True)
    torch.testing.assert_close(y.float(), expected, rtol=1e-5, atol=1e-5)
    assert not counter.unexpected
    assert counter.flops == interpolate_antialias(tuple(x.shape), tuple(expected.shape), mode).other_flops
    report = analyze(Transforms(lambda t: F.interpolate(t, size=out, mode=mode, antialias=True)), inputs=[x.shape])
    assert not report.uncounted and report.total.costs.other_flops == counter.flops


def test_antialiased_downsampling_by_hand() -> None:
    # 8 → 4 bilinear, scale 2: support 2, center 2i + 1; windows [0, 3), [1, 5), [3, 7), [5, 8): 3, 4, 4, 3
    # values, 5 + 7 + 7 + 5 = 24 FLOPs per line. Width pass: 8 lines (the input's rows); height pass: 4 lines
    # (the output's columns): 8·24 + 4·24 = 288
    assert interpolate_antialias((1, 1, 8, 8), (1, 1, 4, 4), "bilinear").other_flops == 288
    # 7 → 3: scale and support 7/3, centers 7/6, 7/2, 35/6: windows [0, 4), [1, 6), and at i = 2 float32
    # decides a border: center − support is 3.4999998 in float32 (3.5000000000000004 in double), so the window
    # starts at 3 (a zero-weight tap), [3, 7), where double arithmetic makes it [4, 7). Float32: 4, 5, 4 values,
    # 7 + 9 + 7 = 23 per line, 7·23 + 3·23 = 230; float64: 4, 5, 3, 21 per line, 210
    assert interpolate_antialias((1, 1, 7, 7), (1, 1, 3, 3), "bilinear").other_flops == 230
    assert interpolate_antialias((1, 1, 7, 7), (1, 1, 3, 3), "bilinear", float64=True).other_flops == 210


def test_antialiased_scale_factor() -> None:
    # scale_factor 0.35 on 10×12: a 3×4 output, and the kernel's scale is 1/0.35, not 10/3
    x = torch.rand(1, 1, 10, 12, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    expected = F.interpolate(x.float(), scale_factor=0.35, mode="bicubic", antialias=True)
    width = aa_windows(12, 4, "bicubic", 0.35)
    height = aa_windows(10, 3, "bicubic", 0.35)
    with RealFlops() as counter:
        y = aa_pass(aa_pass(x, 3, width), 2, height)
    torch.testing.assert_close(y.float(), expected, rtol=1e-5, atol=1e-5)
    fn = Transforms(lambda t: F.interpolate(t, scale_factor=0.35, mode="bicubic", antialias=True))
    report = analyze(fn, inputs=[(1, 1, 10, 12)])
    assert not report.uncounted and report.total.costs.other_flops == counter.flops
