"""torchvision's detectors on a real run: the proposals and detections that flowed per image, and the same
model at its own limits (the worst case), where every candidate survives the score and NMS thresholds so
that the counts reach the model's caps."""

from __future__ import annotations

from typing import Any

from torch import nn

from cnncalc.analysis.report import DetectorCounts


class Probe:
    """Records a two-stage detector's region proposals per image (the RPN's output) during a run."""

    def __init__(self, model: nn.Module) -> None:
        self.proposals: list[int] | None = None
        rpn = getattr(model, "rpn", None)
        self.handle = rpn.register_forward_hook(self._rpn) if isinstance(rpn, nn.Module) else None

    def _rpn(self, module: nn.Module, inputs: Any, output: Any) -> None:
        boxes = output[0] if isinstance(output, tuple) else output
        self.proposals = [int(b.shape[0]) for b in boxes]

    def counts(self, output: Any) -> DetectorCounts:
        if self.handle is not None:
            self.handle.remove()
        detections = [int(d["boxes"].shape[0]) for d in output if isinstance(d, dict) and "boxes" in d] if \
            isinstance(output, list) else []
        return DetectorCounts(tuple(self.proposals) if self.proposals is not None else None, tuple(detections))


def limits(model: nn.Module) -> tuple[tuple[str, int], ...]:
    """The caps a detector puts on what flows: RPN post-NMS top-n per image, detections per image."""
    found: dict[str, int] = {}
    rpn = getattr(model, "rpn", None)
    top_n = getattr(rpn, "_post_nms_top_n", None)
    if isinstance(top_n, dict) and "testing" in top_n:
        found["proposals_per_image"] = int(top_n["testing"])
    for module in model.modules():
        if hasattr(module, "detections_per_img"):
            found["detections_per_image"] = int(getattr(module, "detections_per_img"))  # noqa: B009
    return tuple(found.items())


def relax(model: nn.Module) -> None:
    """Every candidate survives: score thresholds to 0 (scores are positive), NMS thresholds to 1 (an IoU is
    never above 1). The model's own caps (top-n, detections per image) then decide the counts."""
    for module in model.modules():
        if hasattr(module, "score_thresh"):
            setattr(module, "score_thresh", 0.0)  # noqa: B010
        if hasattr(module, "nms_thresh"):
            setattr(module, "nms_thresh", 1.0)  # noqa: B010
