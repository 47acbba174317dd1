"""The FFT, sorting and antialiased-resizing formulas (cnncalc/formulas/spectral.py, ordering.py, sample.py),
held against a plain-torch radix-2 FFT counted op by op (tests/helpers/counted_references.py) and against hand
arithmetic. The same ops traced in models are checked in tests/analysis/ops/test_spectral.py."""

from __future__ import annotations

import pytest
import torch
from counted_references import RealFlops, radix2_fft, radix2_plan

from cnncalc.formulas.ordering import sort, topk
from cnncalc.formulas.sample import interpolate_antialias
from cnncalc.formulas.spectral import fft


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


# --- sort and top-k ---------------------------------------------------------------------------------------------
def test_sort_and_topk_formulas_by_hand() -> None:
    assert sort((5,)).other_flops == 5 * 3  # ⌈log₂5⌉ = 3
    assert sort((4, 8), dim=1).other_flops == 4 * 8 * 3
    assert sort((3, 1)).other_flops == sort(()).other_flops == 0  # one element: nothing to compare
    assert topk((7,), 7).other_flops == 7 * 3  # a heap of 7: ⌈log₂8⌉ = 3
    assert topk((2, 100), 1).other_flops == 2 * 100 * 1  # the maximum: one comparison per element
    assert topk((2, 100), 10, dim=1).output_shape == (2, 10)


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
