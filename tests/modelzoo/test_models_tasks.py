"""Detection and optical flow: the models whose cost depends on values (or that take several inputs),
held against FlopCounterMode on the same real run, and against torchvision's published figures where the
counts that flowed are fixed by the model."""

from __future__ import annotations

import copy

import pytest
import torch
import torchvision
from torchcount import flop_counter_macs
from torchvision.models.detection import maskrcnn_resnet50_fpn, retinanet_resnet50_fpn

from cnncalc.analysis.analyze import analyze
from cnncalc.analysis.entries import live_entry
from cnncalc.modelzoo.catalogue import shipped
from cnncalc.modelzoo.sources import load_model


def small_detector(builder: object, **kwargs: object) -> torch.nn.Module:
    """A detector as a user builds one: torchvision's builder, no weights, a small image size."""
    torch.manual_seed(0)
    return builder(weights=None, weights_backbone=None, min_size=128, max_size=128, **kwargs).eval()  # type: ignore[operator]


CAPS = {"maskrcnn": {"rpn_pre_nms_top_n_test": 200, "rpn_post_nms_top_n_test": 50, "box_detections_per_img": 8},
        "retinanet": {"topk_candidates": 100, "detections_per_img": 8}}


@pytest.mark.parametrize("name, builder", [("maskrcnn", maskrcnn_resnet50_fpn), ("retinanet", retinanet_resnet50_fpn)])
def test_detector_against_flop_counter_on_the_same_run(name: str, builder: object) -> None:
    model = small_detector(builder, **CAPS[name])
    image = torch.rand(3, 100, 120, generator=torch.Generator().manual_seed(1))
    report = analyze(model, inputs=[[image]])
    run = report.real_run
    assert run is not None and ("nonzero" in run.op or "index" in run.op)
    # FlopCounterMode on the very same run: the same weights, the same image, so the same boxes survive
    assert report.total.macs == flop_counter_macs(copy.deepcopy(model), [image])
    assert report.total.params == sum(p.numel() for p in model.parameters())
    counts, worst = run.counts, run.worst_case
    assert counts is not None and worst is not None
    limits = dict(worst.limits)
    assert len(counts.detections) == 1 and counts.detections[0] <= limits["detections_per_image"]
    # at its own limits every candidate survives the thresholds: the caps decide
    assert worst.counts.detections == (limits["detections_per_image"],) == (8,)
    assert worst.costs.macs >= report.total.macs
    if counts.proposals is not None:
        assert worst.counts.proposals == (limits["proposals_per_image"],) == (50,)
    # the report lists the outputs as the model returns them: one dict per image
    assert {o.name for o in report.outputs} >= {"[0].boxes", "[0].labels", "[0].scores"}


@pytest.mark.slow
def test_faster_rcnn_matches_published_gflops() -> None:
    """Faster R-CNN R50-FPN keeps its 1,000 proposals whatever the weights, and its box head runs on all of
    them: so its cost is fixed, and equals torchvision's published figure at one 3×224×224 image."""
    report = analyze("fasterrcnn_resnet50_fpn", worst_case=False)
    published = torchvision.models.get_model_weights("fasterrcnn_resnet50_fpn").DEFAULT.meta["_ops"]
    assert published == 134.38
    assert abs(report.total.macs / 1e9 - published) <= 0.005
    assert report.real_run is not None and report.real_run.counts is not None
    assert report.real_run.counts.proposals == (1000,)
    assert report.inputs[0].shape == (1, 3, 224, 224)
    assert shipped("fasterrcnn_resnet50_fpn")["macs"] == report.total.macs


def test_shipped_detector_row_is_live() -> None:
    assert shipped("ssdlite320_mobilenet_v3_large") == live_entry("ssdlite320_mobilenet_v3_large")


def test_raft_against_flop_counter_on_real_tensors() -> None:
    """Two frames in; twelve flow refinements out. Counted on meta, checked against FlopCounterMode on a
    real run of the same model (RAFT's smallest input: 128×128)."""
    report = analyze("raft_small", inputs=[(1, 3, 128, 128), (1, 3, 128, 128)])
    real = load_model("raft_small").real()
    frames = torch.rand(2, 1, 3, 128, 128)
    assert report.total.macs == flop_counter_macs(real, frames[0], frames[1])
    assert [i.name for i in report.inputs] == ["image1", "image2"]
    assert len(report.outputs) == 12 and report.outputs[-1].shape == (1, 2, 128, 128)
    assert not report.uncounted
