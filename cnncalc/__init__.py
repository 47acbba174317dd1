"""cnncalc: what a convolutional network costs before you train or ship it.

    >>> import cnncalc
    >>> cnncalc.layer("xception-dw", cin=3, cout=256).params
    795
    >>> [r.params for r in cnncalc.compare("xception-dw", "standard", cin=3, cout=256)]
    [795, 6912]
    >>> cnncalc.analyze("resnet50").total.params        # whole models, traced on the meta device
    25557032
    >>> cnncalc.profile("resnet18", device="cpu", batch=[1, 8]).runs[0].latency.median  # doctest: +SKIP

MACs are multiply-accumulates; FLOPs = 2 × MACs + other arithmetic (see `cnncalc.CONVENTION`).
Importing cnncalc, `layer` and `compare` never import torch; `analyze` and `profile` do, when first used.
"""

from __future__ import annotations

from typing import Any

from cnncalc.conventions import CONVENTION, CountingConvention
from cnncalc.errors import CnncalcError, UnknownNameError
from cnncalc.layers import PRESETS, LayerOptions, LayerRecord, evaluate
from cnncalc.layers.options import make_options
from cnncalc.layers.record import Comparison
from cnncalc.layers.registry import all_extra_keys

__version__ = "0.1.0"
__all__ = ["CONVENTION", "PRESETS", "CnncalcError", "Comparison", "CountingConvention", "LayerOptions",
           "LayerRecord", "UnknownNameError", "analyze", "compare", "fit", "layer", "layer_options", "profile",
           "validate"]


def __getattr__(name: str) -> Any:
    """`cnncalc.analyze`, `profile`, `fit` and `validate` import torch, so only when first used."""
    if name == "analyze":
        from cnncalc.analysis.analyze import analyze

        return analyze
    if name == "profile":
        from cnncalc.profiling.run import profile

        return profile
    if name == "fit":
        from cnncalc.analysis.fit import fit

        return fit
    if name == "validate":
        from cnncalc.analysis.validate import validate

        return validate
    raise AttributeError(f"module 'cnncalc' has no attribute {name!r}")


def layer_options(**options: Any) -> LayerOptions:
    """Validate options named as the command-line flags: cin, cout, kernel, stride, padding, dilation,
    groups, reduction, mid, size, batch, bias, dtype, and the designs' own keys (n, v, og, b1, …).
    Pairs take an int, "HxW" or a (h, w) tuple."""
    return make_options(all_extra_keys(), **options)


def layer(name: str, **options: Any) -> LayerRecord:
    """The cost record of one layer design. `name` may be a spec: "group:g=4", "dilated:d=2,k=3"."""
    return evaluate(name, layer_options(**options))


def compare(*names: str, **options: Any) -> Comparison:
    """Records of several designs under the same options, in the order given (a list; in a notebook, the
    comparison page, and `.to_pandas()` one row per design)."""
    if not names:
        raise CnncalcError("compare needs at least one design name")
    base = layer_options(**options)
    return Comparison(evaluate(name, base) for name in names)
