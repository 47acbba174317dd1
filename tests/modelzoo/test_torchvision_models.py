"""torchvision's models (cnncalc/modelzoo/sources.py, catalogue.py) against their own published weights metadata:
params and MACs of every model whose cost does not depend on values, params of the detectors, and the catalogue
`cnncalc models` ships against a live analysis."""

from __future__ import annotations

import pytest
import torchvision

from cnncalc.analysis.analyze import analyze
from cnncalc.analysis.entries import live_entry
from cnncalc.modelzoo.catalogue import shipped
from cnncalc.modelzoo.sources import load_model, torchvision_names

# --- torchvision's models against their own published metadata ---------------------------------------------
DATA_INDEPENDENT = [n for task in ("classification", "segmentation", "video", "optical_flow")
                    for n in torchvision_names(task)]


@pytest.mark.parametrize("name", DATA_INDEPENDENT)
def test_torchvision_metadata(name: str) -> None:
    """Every torchvision model whose cost does not depend on values, at the input its published figures
    were measured at (classification: the crop of the DEFAULT weights; segmentation 520²; video 16 frames
    at the crop; optical flow two 512² frames), against its DEFAULT weights' metadata."""
    report = analyze(name)
    weights = torchvision.models.get_model_weights(name).DEFAULT
    # built as the released weights are: inception_v3 keeps its auxiliary head (27,161,264 params with it),
    # which the eval forward never calls
    assert report.total.params == weights.meta["num_params"]
    # the 'GFLOPS' column is MACs rounded to 3 decimals
    assert abs(report.total.macs / 1e9 - weights.meta["_ops"]) <= 0.0005 + 1e-9
    assert not report.uncounted, report.uncounted
    assert report.real_run is None
    # `cnncalc models` reads a table shipped with the package: it must say what a live analysis says
    assert shipped(name) == live_entry(name, report)


@pytest.mark.parametrize("name", torchvision_names("detection"))
def test_detector_params_match_metadata(name: str) -> None:
    """Detectors built as released (FrozenBatchNorm2d backbones, the head sized for the weights'
    categories): params are static, so a meta build answers them without a run."""
    loaded = load_model(name)
    weights = torchvision.models.get_model_weights(name).DEFAULT
    assert sum(p.numel() for p in loaded.module.parameters()) == weights.meta["num_params"]
    assert loaded.inputs[0].shape == (1, 3, 224, 224)
    row = shipped(name)
    assert (row["params"], row["task"], row["data_dependent"]) == (weights.meta["num_params"], "detection", True)
