"""The roofline lower bound: Σ over ops of max(FLOPs / peak, bytes / bandwidth).

The peak depends on the op and the dtype: convolutions in float32 run as TF32 on the tensor cores when
cuDNN allows it (PyTorch's default on Ampere and newer), matrix products only when
torch.backends.cuda.matmul.allow_tf32 is set (off by default); half precision uses the FP16/BF16 tensor
peak; everything else the FP32 vector peak.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch

from cnncalc.analysis.tracer import OpRecord
from cnncalc.datasheets import DevicePeaks
from cnncalc.dtypes import DType

CONV_KINDS = {"conv", "conv_transpose", "deform_conv"}


def op_peak(kind: str, macs: int, dtype: DType, peaks: DevicePeaks, on_cuda: bool) -> float | None:
    if macs and dtype in (DType.float16, DType.bfloat16):
        return peaks.half or peaks.fp32
    if macs and dtype is DType.float32 and on_cuda:
        tf32 = (torch.backends.cudnn.allow_tf32 if kind in CONV_KINDS
                else torch.backends.cuda.matmul.allow_tf32)
        if tf32 and peaks.tf32:
            return peaks.tf32
    return peaks.fp32


def op_bound(op: OpRecord, dtype: DType, peaks: DevicePeaks, on_cuda: bool) -> float | None:
    """Seconds: max(FLOPs / peak, bytes / bandwidth) for one op; None without a bandwidth."""
    if not peaks.bandwidth:
        return None
    memory = op.traffic_bytes / peaks.bandwidth
    peak = op_peak(op.cost.kind.value, op.cost.macs, dtype, peaks, on_cuda)
    compute = op.cost.flops / peak if peak else 0.0
    return max(compute, memory)


def bound_ms(ops: Iterable[OpRecord], dtype: DType, peaks: DevicePeaks, on_cuda: bool) -> float | None:
    total = 0.0
    for op in ops:
        t = op_bound(op, dtype, peaks, on_cuda)
        if t is None:
            return None
        total += t
    return total * 1e3
