"""`cnncalc.predict(target, profile, …)`: a model, or a layer design (built as its real module), predicted."""

from __future__ import annotations

from typing import Any

from cnncalc.latency.predict import predict as predict_model
from cnncalc.latency.profile import Profile
from cnncalc.latency.report import LatencyReport

#: the options a design takes (`cnncalc layer`'s); a model takes none of them
DESIGN_OPTIONS = ("cin", "cout", "kernel", "stride", "padding", "dilation", "groups", "reduction", "mid", "size",
                  "dims", "bias")


def predict_design(spec: str, opts: Any, profile: Profile | str, channels_last: bool | None = None,
                   device: str | None = None) -> LatencyReport:
    """A layer design under `opts` (LayerOptions), built as its real module on the meta device, predicted."""
    from cnncalc.layers.registry import build_module
    from cnncalc.modelzoo.build import meta_copy

    module, shape = build_module(spec, opts)
    return predict_model(meta_copy(module), profile, shape, dtype=opts.dtype.value, channels_last=channels_last,
                         device=device).named(spec)


def predict(target: Any, profile: Profile | str, input_shape: Any = None, *, batch: int | str | None = None,
            dtype: str | None = None, channels_last: bool | None = None, device: str | None = None,
            **options: Any) -> LatencyReport:
    """The predicted latency of one forward pass of `target` on the device `profile` was measured on (or, with
    `device`, on another GPU by the datasheets). `target`: a model as `analyze` takes it (with `inputs=`,
    `kwargs=`, `image=`), or a layer design or spec ("xception-dw", "group:g=4") with its options as `layer`
    takes them (cin, cout, size, …), built as its real module."""
    from cnncalc.layers.registry import is_design

    if isinstance(target, str) and is_design(target):
        from cnncalc.latency.profile import load_profile
        from cnncalc.layers.options import make_options
        from cnncalc.layers.registry import all_extra_keys

        prof = load_profile(profile)
        given = {k: v for k, v in options.items() if v is not None}
        opts = make_options(all_extra_keys(), batch=batch, dtype=dtype or prof.dtype, **given)
        return predict_design(target, opts, prof, channels_last=channels_last, device=device)
    model_only = {k: v for k, v in options.items() if k not in DESIGN_OPTIONS}
    stray = sorted(k for k in options if k in DESIGN_OPTIONS and options[k] is not None)
    if stray:
        from cnncalc.errors import CnncalcError

        raise CnncalcError(f"{', '.join(f'{k}=' for k in stray)} are layer-design options; {target!r} is a model")
    return predict_model(target, profile, input_shape, batch=batch, dtype=dtype, channels_last=channels_last,
                         device=device, **model_only)
