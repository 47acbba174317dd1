"""cnncalc: what a convolutional network costs before you train or ship it.

    >>> import cnncalc
    >>> cnncalc.layer("xception-dw", cin=3, cout=256).params
    795
    >>> [r.params for r in cnncalc.compare("xception-dw", "standard", cin=3, cout=256)]
    [795, 6912]
    >>> cnncalc.analyze("resnet50").total.params        # whole models, traced on the meta device
    25557032
    >>> print(cnncalc.render(cnncalc.layer("se", cin=64), "csv"))  # doctest: +SKIP

Every function returns a frozen record; `cnncalc.render(record, format, context)` turns it into the terminal's
table, JSON, CSV, Markdown or an HTML page, and in a notebook a record shows as that page. The command line takes
the same options: `cnncalc analyze resnet50 --batch 8` is `cnncalc.analyze("resnet50", batch=8)`.

MACs are multiply-accumulates; FLOPs = 2 × MACs + other arithmetic (see `cnncalc.CONVENTION`).
Importing cnncalc, `layer`, `compare` of designs, `designs` and `models` never import torch; the functions on
models do, when first used.
"""

from __future__ import annotations

from typing import Any

from cnncalc.conventions import CONVENTION, CountingConvention
from cnncalc.errors import CnncalcError, UnknownNameError
from cnncalc.layers import PRESETS, LayerOptions, LayerRecord, evaluate
from cnncalc.layers.catalogue import Designs, designs
from cnncalc.layers.options import make_options
from cnncalc.layers.record import Comparison, LayerReport
from cnncalc.layers.registry import all_extra_keys

__version__ = "0.1.0"
__all__ = ["CONVENTION", "PRESETS", "CnncalcError", "Comparison", "CountingConvention", "Designs", "LayerOptions",
           "LayerRecord", "LayerReport", "RenderContext", "UnknownNameError", "analyze", "calibrate", "compare",
           "designs", "explain", "fit", "layer", "layer_options", "load_ops", "models", "predict", "profile",
           "register_op", "render", "sweep", "validate"]


def __getattr__(name: str) -> Any:
    """`cnncalc.analyze`, `profile`, `fit` and `validate` import torch, and `render` the terminal's tables, so
    only when first used."""
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
    if name == "calibrate":
        from cnncalc.latency.calibrate import calibrate

        return calibrate
    if name == "predict":
        from cnncalc.latency.api import predict

        return predict
    if name in ("render", "RenderContext"):
        import cnncalc.rendering

        return getattr(cnncalc.rendering, name)
    if name in ("register_op", "load_ops"):
        import cnncalc.ops

        return getattr(cnncalc.ops, name)
    raise AttributeError(f"module 'cnncalc' has no attribute {name!r}")


def layer_options(**options: Any) -> LayerOptions:
    """Validate options named as the command-line flags: cin, cout, kernel, stride, padding, dilation,
    groups, reduction, mid, size, batch, bias, dtype, and the designs' own keys (n, v, og, b1, …).
    Pairs take an int, "HxW" or a (h, w) tuple."""
    return make_options(all_extra_keys(), **options)


def layer(name: str, **options: Any) -> LayerRecord:
    """The cost record of one layer design. `name` may be a spec: "group:g=4", "dilated:d=2,k=3"."""
    return evaluate(name, layer_options(**options))


def explain(name: str, **options: Any) -> LayerReport:
    """One design and its natural counterpart under the same options (what `cnncalc layer` shows)."""
    from cnncalc.layers.registry import explain as explained

    return explained(name, layer_options(**options))


def compare(*names: str, **options: Any) -> Comparison:
    """Layer designs or models side by side, in the order given (see `cnncalc.comparison.compare`): it behaves
    as the list of their records; in a notebook, the comparison page."""
    from cnncalc.comparison import compare as compared

    return compared(*names, **options)


def sweep(target: str, vary: str, **options: Any) -> Any:
    """A design over the values of one option, or a model over its input size or batch
    (see `cnncalc.sweeps.sweep`)."""
    from cnncalc.sweeps import sweep as swept

    return swept(target, vary, **options)


def models(tasks: list[str] | None = None) -> Any:
    """Every zoo and torchvision model (or those of `tasks`), with params and MACs from the shipped table."""
    from cnncalc.modelzoo.catalogue import catalogue

    return catalogue(tasks)

