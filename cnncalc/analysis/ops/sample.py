"""Resampling: interpolation (nearest, linear to trilinear, bicubic, antialiased) and grid sampling, through
`cnncalc.formulas.sample`."""

from __future__ import annotations

from typing import Any

import torch

from cnncalc.analysis.ops.common import Args, Traced, aten, first, shape
from cnncalc.analysis.ops.registry import handles
from cnncalc.formulas import sample as sample_f


@handles(aten.upsample_nearest1d, aten.upsample_nearest2d, aten.upsample_nearest3d, aten._upsample_nearest_exact1d,
         aten._upsample_nearest_exact2d, aten._upsample_nearest_exact3d, aten.upsample_linear1d,
         aten.upsample_bilinear2d, aten.upsample_trilinear3d, aten.upsample_bicubic2d, aten._upsample_bilinear2d_aa,
         aten._upsample_bicubic2d_aa)
def _upsample(name: str, a: Args, out: Any) -> Traced | None:
    source = a["input"] if "input" in a else a["self"]
    x, result = shape(source), shape(first(out))
    mode = next(m for m in ("nearest", "bilinear", "bicubic", "trilinear", "linear") if m in name)
    if name.endswith("_aa"):
        scales = a.get("scale_factors") or (a.get("scales_h"), a.get("scales_w"))
        return Traced(sample_f.interpolate_antialias(x, result, mode, bool(a["align_corners"]), tuple(scales),
                                                     float64=source.dtype == torch.float64))
    return Traced(sample_f.interpolate(x, result, mode))


@handles(aten.grid_sampler_2d, aten.grid_sampler_3d, aten._grid_sampler_2d_cpu_fallback)
def _grid_sample(name: str, a: Args, out: Any) -> Traced | None:
    mode = {0: "bilinear", 1: "nearest"}.get(int(a["interpolation_mode"]))
    if mode is None:
        return None  # bicubic grid sampling: no formula, listed uncounted
    return Traced(sample_f.grid_sample(shape(a["input"]), shape(a["grid"]), mode))
