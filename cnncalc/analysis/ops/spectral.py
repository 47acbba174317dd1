"""FFTs (torch.fft.*, stft, istft reach aten._fft_r2c / _c2r / _c2c), through `cnncalc.formulas.spectral`."""

from __future__ import annotations

from typing import Any

from cnncalc.analysis.ops.common import Args, Traced, aten, first, shape
from cnncalc.analysis.ops.registry import handles
from cnncalc.formulas import spectral as spectral_f


@handles(aten._fft_r2c, aten._fft_c2r, aten._fft_c2c)
def _fft(name: str, a: Args, out: Any) -> Traced:
    """torch.fft.*, torch.stft and istft: `normalization` 0 is none, 1 and 2 scale every output (1/√n, 1/n)."""
    transform = name.removeprefix("_fft_")
    return Traced(spectral_f.fft(shape(a["self"]), shape(first(out)), tuple(int(d) for d in a["dim"]), transform,
                                 int(a["normalization"]) != 0))
