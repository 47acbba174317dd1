"""The random networks calibration times whole (`cnncalc.latency.networks`): each version draws the same networks
from the same seed, version 2 adds transformers and VGG-like classifiers, and cnncalc predicts every one of them
with no op left out."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import astuple

import pytest
import torch

import cnncalc
from cnncalc.latency import networks


def test_version_1_draws_the_networks_it_drew_before_version_2_existed() -> None:
    # recorded from networks.draw at commit fa2a5aa, the last before versions: a profile calibrated then keeps
    # only indices, so refitting its correction needs exactly these networks again
    assert networks.draw(0, 6, 1) == networks.Spec(0, 6, "convnext", "gelu", 32, 4, 4, 224, 1)
    assert networks.draw(0, 7, 1) == networks.Spec(0, 7, "plain", "relu", 48, 3, 4, 128, 1)
    assert {networks.draw(0, i, 1).family for i in range(200)} == set(networks.FAMILIES)
    # the first 240 specs of seed 0 (their nine fields, as fa2a5aa's Spec had them), one repr per line, hashed
    text = "\n".join(repr(astuple(networks.draw(0, i, 1))[:9]) for i in range(240))
    assert hashlib.sha256(text.encode()).hexdigest() == \
        "8d4bdb329c50d53f964c0257b90b4df96a40cadc5428b09dd2a129d536b40b3a"
    assert all(astuple(networks.draw(0, i, 1))[9:] == (0, 1, 0) for i in range(240))  # no head, pool or patch


@pytest.mark.parametrize(("index", "params", "modules"), [(0, 7_334_568, 29), (6, 2_612_936, 105),
                                                          (7, 1_557_844, 57), (11, 50_890, 74)])
def test_version_1_builds_the_networks_it_built(index: int, params: int, modules: int) -> None:
    # parameters and modules of fa2a5aa's networks.build(draw(0, index)), counted with that commit's code
    module = networks.build(networks.draw(0, index, 1))
    assert sum(p.numel() for p in module.parameters()) == params and sum(1 for _ in module.modules()) == modules


def test_version_2_adds_transformers_and_vgg_like_classifiers() -> None:
    drawn = [networks.draw(0, i) for i in range(120)]
    families = Counter(spec.family for spec in drawn)
    assert set(families) == {*networks.FAMILIES, "tokens"} and drawn[6].family == "tokens"
    heads = [spec for spec in drawn if spec.head]
    assert heads and all(spec.family != "tokens" for spec in heads)
    assert all(spec.patch in (16, 32) for spec in drawn if spec.family == "tokens")


def test_a_transformer_block_holds_the_parameters_counted_by_hand() -> None:
    # width 64: two layer norms 2·(64 + 64) = 256; qkv 64·192 + 192 = 12,480; projection 64·64 + 64 = 4,160;
    # MLP 64·256 + 256 = 16,640 and 256·64 + 64 = 16,448: 49,984 in all
    assert sum(p.numel() for p in networks.TokenBlock(64).parameters()) == 49_984


@pytest.mark.parametrize("kind", ["tokens", "head"])
def test_version_2_networks_run_and_are_predicted_with_no_op_left_out(kind: str) -> None:
    spec = next(s for s in (networks.draw(0, i) for i in range(120))
                if (s.family == "tokens" if kind == "tokens" else s.head) and s.batch == 1 and s.size <= 160)
    module = networks.build(spec)
    with torch.inference_mode():
        out = module(torch.rand(spec.input_shape))
    assert out.shape[0] == spec.batch and out.dim() == 2
    report = cnncalc.predict(module, "dev-cpu-1t", spec.input_shape)
    assert report.latency_ms > 0 and not report.partial
