"""The designs' registry (cnncalc/layers/registry.py): names, aliases and specs resolve to the design the README
lists, and an alias costs what its design costs."""

from __future__ import annotations

from typing import Any

import pytest

import cnncalc
from cnncalc.layers import get_preset


@pytest.mark.parametrize(("alias", "name"), [
    ("atrous", "dilated"), ("deconv", "transposed"), ("dcn", "deformable"), ("vgg", "vgg-stack"),
    ("senet", "se"), ("inception-v1", "inception"), ("resnet-bottleneck", "residual-bottleneck"),
    ("DW", "depthwise"),
])
def test_aliases_name_the_same_design(alias: str, name: str) -> None:
    """The aliases in the README's design list resolve (case-insensitively) to their design, and cost the same."""
    assert get_preset(alias).name == name
    opts: dict[str, Any] = dict(cin=16, size=9) if name in ("se", "inception") else dict(cin=8, cout=8, size=9)
    a, b = cnncalc.layer(alias, **opts), cnncalc.layer(name, **opts)
    assert a.design == name
    assert (a.params, a.macs, a.other_flops, a.output_shape) == (b.params, b.macs, b.other_flops, b.output_shape)


def test_is_design_reads_the_name_before_the_options() -> None:
    from cnncalc.layers.registry import is_design

    assert is_design("standard:cin=3") and is_design("dcn") and is_design(" Group:g=4")
    assert not is_design("resnet50") and not is_design(":cin=3")
