"""Normalisation: batch norm (and instance norm, which runs it), layer, group and RMS norm, through
`cnncalc.formulas.norm`."""

from __future__ import annotations

from typing import Any

from cnncalc.analysis.ops.common import Args, Traced, aten, shape
from cnncalc.analysis.ops.registry import handles
from cnncalc.formulas import norm as norm_f


@handles(aten.native_batch_norm, aten._native_batch_norm_legit_no_training, aten._native_batch_norm_legit,
         aten._native_batch_norm_legit_functional)
def _batch_norm(name: str, a: Args, out: Any) -> Traced:
    """Batch norm, and instance norm (which runs it on an input reshaped to 1×(N·C)×…)."""
    return Traced(norm_f.batch_norm(shape(a["input"]), affine=a.get("weight") is not None,
                                    track_running_stats=a.get("running_mean") is not None))


@handles(aten.native_layer_norm, aten.native_group_norm, aten._fused_rms_norm)
def _layer_norm(name: str, a: Args, out: Any) -> Traced:
    params = sum(int(t.numel()) for k, t in a.items() if k in ("weight", "bias") and t is not None)
    label = name.removeprefix("native_").removeprefix("_fused_").replace("_", " ")
    return Traced(norm_f.normalization(shape(a["input"]), params, label))
