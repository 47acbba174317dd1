"""Small configurations of every layer design, for the tests that build real modules, and `build`, which makes
the record and the real module of one configuration.

`test_every_design_has_samples` (tests/layers/test_layers_against_torch.py) fails when a design is registered
without one here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

    from cnncalc.layers.record import LayerRecord

#: spec → options, small enough for real forward passes on the CPU.
SAMPLES: dict[str, list[dict[str, Any]]] = {
    "standard": [dict(cin=3, cout=8), dict(cin=4, cout=6, kernel="3x5", stride=2, bias=True, batch=2)],
    "group": [dict(cin=8, cout=16), dict(cin=12, cout=6, groups=3, stride=2, bias=True)],
    "group:g=4": [dict(cin=8, cout=8)],
    "depthwise": [dict(cin=8), dict(cin=4, cout=12, kernel=5, stride=2, bias=True)],
    "pointwise": [dict(cin=8, cout=16), dict(cin=3, cout=5, stride=2, bias=True, batch=3)],
    "xception-dw": [dict(cin=3, cout=16), dict(cin=6, cout=4, kernel=5, dilation=2, bias=True)],
    "dilated": [dict(cin=4, cout=8), dict(cin=4, cout=4, dilation=3, kernel=3, stride=2, bias=True)],
    "dilated:d=2,k=5": [dict(cin=2, cout=3)],
    "transposed": [dict(cin=8, cout=4), dict(cin=4, cout=6, kernel=4, padding=1, bias=True),
                   dict(cin=4, cout=4, stride=3, kernel=5, groups=2)],
    "bottleneck": [dict(cin=16, cout=32), dict(cin=8, cout=8, mid=4, stride=2, bias=True)],
    "inception": [dict(), dict(cin=8, bias=True, b1=4, b3r=3, b3=5, b5r=2, b5=3, pp=2)],
    "inception-naive": [dict(cin=16), dict(cin=4, b1=2, b3=3, b5=1, bias=True)],
    "vgg-stack": [dict(cin=4, cout=8), dict(cin=3, cout=3, bias=True)],
    "vgg-stack:n=3": [dict(cin=2, cout=4)],
    "vgg-single": [dict(cin=4, cout=8)],
    "vgg-single:n=3": [dict(cin=2, cout=4, bias=True)],
    "residual-basic": [dict(cin=8), dict(cin=8, cout=16, stride=2, bias=True)],
    "residual-bottleneck": [dict(cin=32, cout=32), dict(cin=16, cout=32, stride=2, groups=2, mid=8)],
    "se": [dict(cin=32), dict(cin=12, reduction=4, bias=True, batch=2)],
    "deformable": [dict(cin=4, cout=8), dict(cin=4, cout=4, stride=2, groups=2, bias=True)],
    "deformable:v=2": [dict(cin=4, cout=8), dict(cin=4, cout=6, kernel=5, bias=True)],
    "deformable:v=2,og=2": [dict(cin=4, cout=4, dilation=2)],
    "shuffle": [dict(cin=24, cout=24), dict(cin=12, cout=24, stride=2, bias=True)],
    "shuffle:g=2": [dict(cin=16, cout=16)],
    "shuffle:v=2": [dict(cin=16, cout=16), dict(cin=8, cout=16, stride=2, bias=True)],
    "r2plus1d": [dict(cin=4, cout=8, size="4x9x9"), dict(cin=6, cout=4, kernel="3x5x5", stride="2x1x2", bias=True,
                                                       size="5x9x9")],
}


def cases(size: int = 9) -> list[tuple[str, dict[str, Any]]]:
    """(spec, options) pairs with an input size filled in."""
    return [(spec, {"size": size, **opts}) for spec, options in SAMPLES.items() for opts in options]


def case_id(case: tuple[str, dict[str, Any]]) -> str:
    spec, opts = case
    return spec + "[" + ",".join(f"{k}={v}" for k, v in opts.items() if k != "size") + "]"


def build(spec: str, opts: dict[str, Any]) -> tuple[LayerRecord, torch.nn.Module, torch.Tensor]:
    """The record cnncalc computes for (spec, opts), the real module it describes (in eval mode), and a seeded
    random input of the record's input shape."""
    import torch

    import cnncalc
    from cnncalc.layers import build_module

    record = cnncalc.layer(spec, **opts)
    module, shape = build_module(spec, cnncalc.layer_options(**opts))
    torch.manual_seed(0)
    return record, module, torch.randn(shape)
