"""FFTs (torch.fft.*, an STFT front end), sorting and top-k, and antialiased resizing, written the way users
write them and traced, held against hand arithmetic and against PIL's antialiased resampling written in plain torch
and counted op by op (tests/helpers/counted_references.py); the formulas alone are checked in
tests/formulas/test_spectral_formula.py."""

from __future__ import annotations

from typing import Any

import pytest
import torch
import torch.nn.functional as F
from counted_references import RealFlops, aa_pass, aa_windows
from torch import nn

from cnncalc.analysis.analyze import analyze
from cnncalc.formulas.sample import interpolate_antialias


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
