"""Handlers of torchvision's own ops (torch.ops.torchvision.*), registered only once torchvision is loaded
(`cnncalc.analysis.ops.registry.register_extensions`): analysing a plain-torch model never imports it.

deform_conv2d and roi_align are costed by their formulas from shapes. nms's cost depends on the data (how
many pairs of boxes the kernel compares), so on real tensors the pairs are counted here, exactly as the
kernel visits them, and handed to the formula; on meta nms cannot run at all (its output size is unknown).
"""

from __future__ import annotations

from typing import Any

import torch

from cnncalc.analysis.ops.common import Args, Ops, Traced, Window, shape
from cnncalc.analysis.ops.registry import handles
from cnncalc.formulas import deform as deform_f
from cnncalc.formulas import sample as sample_f

tv = Ops(torch.ops.torchvision)


@handles(tv.deform_conv2d)
def _deform_conv2d(name: str, a: Args, out: Any) -> Traced:
    w = a["weight"]
    kernel = (int(w.shape[2]), int(w.shape[3]))
    stride, dilation = (a["stride_h"], a["stride_w"]), (a["dilation_h"], a["dilation_w"])
    # torchvision passes a tensor of zeros when there is no bias: the tracer hands it over as None
    cost = deform_f.deform_conv2d(shape(a["input"]), int(w.shape[0]), kernel, stride, (a["pad_h"], a["pad_w"]),
                                  dilation, a["groups"], a["offset_groups"], a["bias"] is not None,
                                  modulated=bool(a["use_mask"]))
    return Traced(cost, Window(kernel, stride, dilation))


@handles(tv._deform_conv2d_backward)
def _deform_conv2d_backward(name: str, a: Args, out: Any) -> Traced:
    w = a["weight"]
    # torchvision's kernel computes every gradient whether needed or not: input, offset, mask, weight, bias
    cost = deform_f.deform_conv2d_backward(
        shape(a["input"]), int(w.shape[0]), (int(w.shape[2]), int(w.shape[3])), (a["stride_h"], a["stride_w"]),
        (a["pad_h"], a["pad_w"]), (a["dilation_h"], a["dilation_w"]), a["groups"], a["offset_groups"],
        a["bias"] is not None, modulated=bool(a["use_mask"]))
    return Traced(cost)


def roi_grid(rois: torch.Tensor, scale: float, pooled: tuple[int, int], ratio: int, aligned: bool) -> int | None:
    """Sample points per bin summed over the boxes: ratio² each, or ⌈h/ph⌉·⌈w/pw⌉ of each box (computed as
    torchvision's kernel does, in the boxes' dtype) when the ratio is adaptive (≤ 0). None on meta."""
    count = int(rois.shape[0])
    if ratio > 0:
        return count * ratio * ratio
    if rois.device.type == "meta":
        return None
    offset = 0.5 if aligned else 0.0
    start = rois[:, 1:3] * scale - offset
    size = rois[:, 3:5] * scale - offset - start
    if not aligned:
        size = size.clamp(min=1.0)
    grid_w = torch.ceil(size[:, 0] / pooled[1]).clamp(min=1)
    grid_h = torch.ceil(size[:, 1] / pooled[0]).clamp(min=1)
    return int((grid_h * grid_w).sum().item())


@handles(tv.roi_align)
def _roi_align(name: str, a: Args, out: Any) -> Traced | None:
    pooled = (int(a["pooled_height"]), int(a["pooled_width"]))
    samples = roi_grid(a["rois"], float(a["spatial_scale"]), pooled, int(a["sampling_ratio"]), bool(a["aligned"]))
    if samples is None:
        return None  # an adaptive sampling ratio on meta: the grid depends on the boxes
    return Traced(sample_f.roi_align(shape(a["input"]), int(a["rois"].shape[0]), pooled, samples))


def nms_pairs(boxes: torch.Tensor, scores: torch.Tensor, keep: torch.Tensor, threshold: float,
              chunk: int = 2048) -> int:
    """The pairs torchvision's nms kernel compares. It visits boxes by descending score (a stable sort); each
    box not yet suppressed is kept and compared with every later box not yet suppressed, suppressing those
    whose IoU exceeds the threshold. So a kept box is compared with every kept box visited before it (K kept
    boxes: K·(K − 1)/2 pairs), and a suppressed box with each kept box visited before it up to and including
    the first whose IoU with it exceeds the threshold (the one that suppressed it)."""
    n, k = int(boxes.shape[0]), int(keep.numel())
    if n < 2 or k == 0:
        return 0
    order = torch.sort(scores, dim=0, descending=True, stable=True).indices
    position = torch.empty(n, dtype=torch.long)
    position[order] = torch.arange(n)
    kept = torch.sort(position[keep]).values  # visiting positions of the kept boxes, in visiting order
    is_kept = torch.zeros(n, dtype=torch.bool)
    is_kept[kept] = True
    suppressed = torch.nonzero(~is_kept).flatten()
    ordered = boxes[order]
    areas = (ordered[:, 2] - ordered[:, 0]) * (ordered[:, 3] - ordered[:, 1])
    b, kept_area = ordered[kept], areas[kept]
    pairs = k * (k - 1) // 2
    for start in range(0, int(suppressed.numel()), chunk):
        cols = suppressed[start:start + chunk]
        c = ordered[cols]
        w = (torch.minimum(c[:, None, 2], b[:, 2]) - torch.maximum(c[:, None, 0], b[:, 0])).clamp(min=0)
        h = (torch.minimum(c[:, None, 3], b[:, 3]) - torch.maximum(c[:, None, 1], b[:, 1])).clamp(min=0)
        inter = w * h
        hits = (inter / (kept_area + areas[cols][:, None] - inter) > threshold) & (kept < cols[:, None])
        pairs += int((hits.int().argmax(1) + 1).sum())  # every suppressed box has its suppressor among these
    return pairs


@handles(tv.nms)
def _nms(name: str, a: Args, out: Any) -> Traced:
    boxes, scores = a["dets"], a["scores"]
    pairs = nms_pairs(boxes, scores, out, float(a["iou_threshold"]))
    return Traced(sample_f.nms(int(boxes.shape[0]), pairs, int(out.numel())))
