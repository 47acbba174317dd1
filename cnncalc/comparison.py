"""`compare(*names, …)`: layer designs, or models, side by side under the same options.

Designs are costed by the layer calculator (no torch); models are analysed on the meta device and summarised
with the same fields, so one view shows either. Designs and models do not mix: a design's options (cin, kernel,
…) mean nothing to a model.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cnncalc.errors import CnncalcError, UnknownNameError
from cnncalc.layers.options import make_options, parse_int
from cnncalc.layers.record import Comparison
from cnncalc.layers.registry import ALIASES, PRESETS, all_extra_keys, evaluate, is_design


def compare(*names: str, batch: int | str = 1, dtype: str = "float32", time: bool = False, device: str = "cpu",
            warmup: int = 10, min_time: float = 0.5, progress: Callable[[str, float], None] | None = None,
            predict: Any = None, **options: Any) -> Comparison:
    """Layer designs (with `options` as `layer` takes them: cin, cout, kernel, …) or models (by name, at their
    default inputs with `batch`), in the order given; the first is the base of every ratio. `time` also times
    each design's real module on `device` (designs only), reporting to `progress(label, fraction)`. `predict` (a
    latency profile, a file or a shipped name) adds each one's predicted latency on the profile's device."""
    comparison = _compare(names, batch, dtype, time, device, warmup, min_time, progress, options)
    if predict is None:
        return comparison
    from dataclasses import replace

    from cnncalc.latency.api import predict as predicted
    from cnncalc.latency.profile import load_profile

    profile = load_profile(predict)
    given = {k: v for k, v in options.items() if v is not None}
    reports = tuple(predicted(name, profile, batch=batch, **given) for name in names)
    return replace(comparison, predictions=reports)


def _compare(names: tuple[str, ...], batch: int | str, dtype: str, time: bool, device: str, warmup: int,
             min_time: float, progress: Callable[[str, float], None] | None, options: dict[str, Any]) -> Comparison:
    if not names:
        raise CnncalcError("compare needs at least one design or model name")
    if all(is_design(n) for n in names):
        base = make_options(all_extra_keys(), batch=batch, dtype=dtype, **options)
        records = tuple(evaluate(n, base) for n in names)
        if not time:
            return Comparison(records)
        from cnncalc.profiling.layers import time_designs

        return Comparison(records, tuple(time_designs(records, base, device, warmup, min_time, progress)))
    from cnncalc.modelzoo.sources import is_model

    for n in names:
        if not is_design(n) and not is_model(n):
            from cnncalc.modelzoo.catalogue import every_model

            raise UnknownNameError("layer design or model", n, [*PRESETS, *every_model()], ALIASES,
                                   listing="'cnncalc designs' and 'cnncalc models' list them all")
    if any(is_design(n) for n in names):
        raise CnncalcError("compare takes layer designs or models, not both: "
                           + ", ".join(f"{n} ({'design' if is_design(n) else 'model'})" for n in names))
    given = sorted(k for k, v in options.items() if v is not None)
    if given:
        raise CnncalcError(f"{', '.join(f'{k}=' for k in given)} are layer-design options: models are compared "
                           f"at their default inputs (batch= sets the batch)")
    if time:
        raise CnncalcError("time=True times layer designs; for models use profile(MODEL)")
    from cnncalc.analysis.analyze import analyze

    batch_size = parse_int("batch", batch)
    return Comparison(tuple(analyze(name, dtype=dtype, batch=batch_size).summary() for name in names))
