"""The tracer's op handlers (cnncalc/analysis/ops/): ops traced in small models, held against the real ops (output
shapes, the bytes their tensors hold, the elements the aten ops of a real backward read and write), FlopCounterMode,
a plain loop doing torchvision's nms comparisons one by one, and hand arithmetic."""

from __future__ import annotations

from typing import Any

import pytest
import torch
import torchvision
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten
from torchcount import flop_counter_macs, forward_shape

import cnncalc
from cnncalc.analysis.analyze import analyze
from cnncalc.analysis.ops.torchvision import nms_pairs, roi_grid


class _Bmm(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.randn(3, 5, 6))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.bmm(x, self.w)


def test_traced_batched_product() -> None:
    """Traced through aten.bmm: (3, 4, 5) @ (3, 5, 6) gives (3, 4, 6) (as the forward) and 3·4·5·6 = 360 MACs."""
    report = cnncalc.analyze(_Bmm(), (3, 4, 5))
    assert report.total.output_shape == forward_shape(_Bmm(), torch.randn(3, 4, 5)) == (3, 4, 6)
    assert report.total.macs == 360


def test_traced_1d_conv_and_transposed_conv() -> None:
    """Conv1d(2→4, k3, pad 1) then ConvTranspose1d(4→2, k3, stride 2, pad 1, output padding 1) on length 9: the
    output as the forward (length (9 − 1)·2 − 2 + 2 + 1 + 1 = 18), MACs as FlopCounterMode (2·4·3·9 twice =
    432), field 3, then + (2 − 1) for the transposed conv's 2 taps per output phase: 4."""
    model = nn.Sequential(nn.Conv1d(2, 4, 3, padding=1), nn.ConvTranspose1d(4, 2, 3, 2, 1, output_padding=1))
    x = torch.randn(1, 2, 9)
    total = cnncalc.analyze(model, tuple(x.shape)).total
    assert total.output_shape == forward_shape(model, x) == (1, 2, 18)
    assert total.macs == flop_counter_macs(model, x) == 432
    assert total.receptive_field == (4,)


def test_pool_window_counts_only_inputs_it_reads() -> None:
    # MaxPool2d(3, stride 2, padding 1) on 7×5: along the 7 rows the four windows read 2, 3, 3, 2 rows (10);
    # along the 5 columns the three windows read 2, 3, 2 columns (7): 2·3 channels · 10 · 7 = 420
    r = analyze(nn.MaxPool2d(3, 2, 1), (2, 3, 7, 5))
    assert r.total.costs.other_flops == 420
    # the same in 3-D, depth 4 with kernel 3, stride 2, padding 1: windows read 2, 3 → 5; ×10·7 → 2·3·5·10·7
    r = analyze(nn.MaxPool3d(3, 2, 1), (2, 3, 4, 7, 5))
    assert r.total.costs.other_flops == 2 * 3 * 5 * 10 * 7


def test_traced_avg_pool3d_with_a_non_cubic_window() -> None:
    """AvgPool3d((1, 2, 3)) on 2×4×6 (2 channels), traced: a 2×2×2 output, each window reading 1·2·3 = 6 inputs:
    2·8·6 = 96 FLOPs, no MACs; the field is the window, 1×2×3, and the jump its stride, 1×2×3."""
    report = cnncalc.analyze(nn.Sequential(nn.AvgPool3d((1, 2, 3))), (1, 2, 2, 4, 6))
    assert report.total.output_shape == (1, 2, 2, 2, 2)
    assert (report.total.flops, report.total.macs) == (96, 0)
    assert report.total.receptive_field == report.total.jump == (1, 2, 3)


def test_traced_adaptive_pool_window() -> None:
    """AdaptiveAvgPool2d((2, 3)) on 6×9 (2 channels): windows of 6/2 = 3 by 9/3 = 3, no overlap: one add per
    input element, 2·6·9 = 108 FLOPs; field 3×3 and jump 3×3, the window and its stride."""
    total = cnncalc.analyze(nn.Sequential(nn.AdaptiveAvgPool2d((2, 3))), (1, 2, 6, 9)).total
    assert total.output_shape == (1, 2, 2, 3)
    assert total.flops == 108
    assert total.receptive_field == total.jump == (3, 3)


class _RealOps(TorchDispatchMode):
    """Elements each aten op of a real run reads and writes (its tensor arguments and results), by op."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, int, int]] = []

    def __torch_dispatch__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        out = func(*args, **(kwargs or {}))
        tensors = [t for t in tree_flatten((args, kwargs))[0] if isinstance(t, torch.Tensor)]
        results = [t for t in tree_flatten(out)[0] if isinstance(t, torch.Tensor)]
        self.elements.append((func.overloadpacket.__name__, sum(t.numel() for t in tensors),
                              sum(t.numel() for t in results)))
        return out


def test_traced_convolution_backward_reads_grad_input_and_weight() -> None:
    """The backward of conv 3→4 then conv 4→8 (3×3, padding 1, 8×8, no bias) moves what the real
    aten.convolution_backward ops read and write, counted during a real backward: the second reads its output
    gradient 8·64 = 512, input 4·64 = 256 and weight 4·8·9 = 288 (1,056) and writes the input and weight
    gradients (256 + 288); the first reads 256 + 3·64 + 3·4·9 = 556 and writes its weight gradient, 108 (the
    model's input needs none): 2,264 elements, 9,056 bytes in float32."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1, bias=False), nn.Conv2d(4, 8, 3, padding=1, bias=False))
    y = model(torch.randn(1, 3, 8, 8))
    with _RealOps() as real:
        y.sum().backward()
    moved = [r + w for name, r, w in real.elements if name == "convolution_backward"]
    assert moved == [1056 + 544, 556 + 108]
    report = cnncalc.analyze(model, (1, 3, 8, 8), backward=True)
    assert report.backward is not None
    assert report.backward.traffic_bytes == 4 * sum(moved) == 9056


@pytest.mark.parametrize("foreach", [True, False], ids=["foreach", "for-loop"])
def test_sgd_step_by_hand(foreach: bool) -> None:
    """Plain SGD on a 3×4 weight: p.add_(grad, alpha=−lr), 12 FLOPs; reads p and grad, writes p: 3·12 elements ·
    4 bytes = 144 bytes, whether the optimizer runs its foreach form or one tensor at a time."""
    report = cnncalc.analyze(nn.Sequential(nn.Linear(4, 3, bias=False)), (2, 4), train=True, optimizer="sgd",
                             foreach=foreach)
    assert report.training is not None and not report.uncounted
    assert (report.training.step.flops, report.training.step.traffic_bytes) == (12, 144)


def _nms_pairs_by_loop(boxes: torch.Tensor, scores: torch.Tensor, threshold: float) -> tuple[int, list[int]]:
    """torchvision's nms kernel, one comparison at a time: visit by descending score (stable); a box not yet
    suppressed is kept and compared with every later box not yet suppressed, suppressing those over the
    threshold. Returns the pairs compared and the kept indices."""
    order = sorted(range(len(scores)), key=lambda i: -float(scores[i]))
    suppressed, kept, pairs = set(), [], 0
    for a, i in enumerate(order):
        if i in suppressed:
            continue
        kept.append(i)
        for j in order[a + 1:]:
            if j in suppressed:
                continue
            pairs += 1
            if float(torchvision.ops.box_iou(boxes[i:i + 1], boxes[j:j + 1])) > threshold:
                suppressed.add(j)
    return pairs, kept


@pytest.mark.parametrize("threshold", [0.2, 0.5])
def test_nms_pairs_against_a_plain_loop(threshold: float) -> None:
    """The pairs nms compares, computed from torchvision's kept boxes, equal a plain loop that does the
    comparisons one by one (which also keeps the boxes torchvision keeps). Boxes of unequal width and height,
    so x and y coordinates cannot be swapped unnoticed."""
    gen = torch.Generator().manual_seed(0)
    corner = torch.rand(40, 2, generator=gen) * torch.tensor([30.0, 10.0])
    size = 2 + torch.rand(40, 2, generator=gen) * torch.tensor([12.0, 4.0])
    boxes, scores = torch.cat([corner, corner + size], 1), torch.rand(40, generator=gen)
    keep = torchvision.ops.nms(boxes, scores, threshold)
    pairs, kept = _nms_pairs_by_loop(boxes, scores, threshold)
    assert kept == keep.tolist()
    assert nms_pairs(boxes, scores, keep, threshold) == pairs > 0


class _Nms(nn.Module):
    def forward(self, boxes: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        return torchvision.ops.nms(boxes, scores, 0.3)


def test_traced_nms_counts_areas_and_compared_pairs() -> None:
    """torchvision.ops.nms traced on 12 real boxes: 3 FLOPs per box (its area) + 13 per pair the kernel compares,
    the pairs and the kept boxes counted by a plain loop doing the comparisons one by one. Traffic: the float32
    boxes and scores read (12·4 + 12 elements · 4 B = 240 B), the int64 indices written (8 B each), from the real
    tensors' nbytes."""
    gen = torch.Generator().manual_seed(0)
    corner = torch.rand(12, 2, generator=gen) * torch.tensor([20.0, 8.0])
    size = 2 + torch.rand(12, 2, generator=gen) * torch.tensor([10.0, 4.0])
    boxes, scores = torch.cat([corner, corner + size], 1), torch.rand(12, generator=gen)
    pairs, kept = _nms_pairs_by_loop(boxes, scores, 0.3)
    total = cnncalc.analyze(_Nms(), inputs=[boxes, scores]).total
    assert total.output_shape == (len(kept),)
    assert (total.flops, total.macs) == (3 * 12 + 13 * pairs, 0)
    real = torchvision.ops.nms(boxes, scores, 0.3)
    assert real.dtype == torch.int64
    assert total.costs.traffic_bytes == boxes.nbytes + scores.nbytes + real.nbytes == 240 + 8 * len(kept)


def test_roi_grid_adaptive_samples_by_hand() -> None:
    """torchvision's RoIAlign with an adaptive ratio samples ⌈h/ph⌉·⌈w/pw⌉ points per bin, sizes clamped to ≥ 1
    unless aligned. 1×1 bins: box 8 wide, 3 high: 8·3 = 24; a 0.5×0.2 box counts as 1×1: 1. 2×4 bins: ⌈3/2⌉·⌈8/4⌉
    = 4 and 1. Aligned (half a pixel off both corners, no clamp): 8·3 = 24, and the small box ⌈0.2⌉·⌈0.5⌉ = 1."""
    rois = torch.tensor([[0, 0.0, 0.0, 8.0, 3.0], [0, 1.0, 1.0, 1.5, 1.2]])
    assert roi_grid(rois, 1.0, (1, 1), -1, False) == 24 + 1
    assert roi_grid(rois, 1.0, (2, 4), -1, False) == 4 + 1
    assert roi_grid(rois, 1.0, (1, 1), -1, True) == 24 + 1
    assert roi_grid(rois, 1.0, (1, 1), 2, False) == 2 * 2 * 2  # a fixed ratio: ratio² per bin, per box


class _RoiAlign(nn.Module):
    def forward(self, x: torch.Tensor, rois: torch.Tensor) -> torch.Tensor:
        return torchvision.ops.roi_align(x, rois, (2, 3), spatial_scale=1.0, sampling_ratio=2)


def test_traced_roi_align_by_hand() -> None:
    """roi_align of a (1, 3, 8, 8) map, 2 boxes into 2×3 bins, 2·2 samples a bin: 2·4·6 = 48 sample points.
    FLOPs (sample.py's docstring): 18 per point, 8 per point and channel, 1 per output (the average): 18·48 +
    8·48·3 + 2·3·2·3 = 864 + 1,152 + 36 = 2,052. Reads the 4 neighbours of each point in each channel and the
    boxes, numel of the rois tensor: 4·48·3 + 10 = 586; writes 36: (586 + 36)·4 = 2,488 bytes."""
    x = torch.randn(1, 3, 8, 8)
    rois = torch.tensor([[0, 0.0, 0.0, 6.0, 4.0], [0, 1.0, 2.0, 7.0, 7.0]])
    real = _RoiAlign()(x, rois)
    total = cnncalc.analyze(_RoiAlign(), inputs=[x, rois]).total
    assert total.output_shape == tuple(real.shape) == (2, 3, 2, 3)
    assert total.flops == 2052
    assert total.costs.traffic_bytes == 4 * (4 * 48 * 3 + rois.numel() + real.numel()) == 2488
