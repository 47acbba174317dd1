"""`validate`: cnncalc's counts beside independent ones (the real module's numel, FlopCounterMode, fvcore,
torchvision's published metadata) and, for reference, ptflops and thop, with a line that reconciles every
difference (which ops each tool counts).

Every row can fail. The params row holds the parameters the traced ops read (the formula side) against
numel of the model built again with real weights. A peer that cannot run says "not run" and why, never
agreement. A reference row (a peer whose conventions cnncalc does not reconcile term by term, or a
published figure measured on data cnncalc cannot reproduce) says so. A model whose ops depend on values is
checked on the same real run: same seed, same weights, same input.
"""

from __future__ import annotations

import importlib.util
import warnings
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from cnncalc.analysis.analyze import Subject, analyze_subject, subject_for
from cnncalc.analysis.checks import Check, Status, Validation, Validations, compared, not_run
from cnncalc.analysis.inputs import materialize
from cnncalc.analysis.report import ModelReport
from cnncalc.errors import CnncalcError
from cnncalc.modelzoo.sources import load_model

MAC_OPS = ("conv", "linear", "addmm", "matmul", "mm", "bmm", "einsum", "baddbmm")


def _arguments(subject: Subject, device: str, seed: int) -> tuple[list[Any], dict[str, Any]]:
    """The inputs cnncalc traced, made again: on meta, or the real run's seeded values."""
    return materialize(subject.inputs, device, torch.float32, seed)


def _params(report: ModelReport, real: nn.Module) -> Check:
    """The parameters the traced ops read, against numel of the model built with real weights. A difference
    is explained only by parameters of modules the forward never calls."""
    numel = sum(int(p.numel()) for p in real.parameters())
    read, unread = report.total.params_read, report.unread_params
    called = {row.name for row in report.layers if row.calls}
    stray = [n for n, _ in unread if n.rpartition(".")[0] in called or "." not in n]
    note = "params the traced ops read (each once) beside numel of the model built with real weights"
    if unread:
        owners = sorted({_uncalled_root(n, called) for n, _ in unread})
        note += (f"; no op reads {sum(k for _, k in unread):,} params of modules the forward never calls "
                 f"({', '.join(owners[:4])}{' …' if len(owners) > 4 else ''})")
    if stray:
        note += f"; unexplained: {', '.join(stray[:4])} belong to modules that ran but no op read them"
    explained = sum(k for n, k in unread if n not in stray)
    return compared("numel (real module)", "params", numel, read + explained, numel == read + explained and not stray,
                    note)


def _uncalled_root(param: str, called: set[str]) -> str:
    """The outermost module never called on the way to a parameter: 'AuxLogits' for 'AuxLogits.fc.weight'."""
    parts = param.split(".")[:-1]
    for i in range(1, len(parts) + 1):
        if ".".join(parts[:i]) not in called:
            return ".".join(parts[:i])
    return ".".join(parts) or "(model)"


def _flop_counter(report: ModelReport, subject: Subject, real: nn.Module | None, seed: int) -> Check:
    from torch.utils.flop_counter import FlopCounterMode

    deform = report.kind("deform_conv").macs
    expected = report.total.macs - deform
    model = subject.module if real is None else real
    args, kwargs = _arguments(subject, "meta" if real is None else "cpu", seed)
    # on the CPU nn.LSTM runs oneDNN's fused kernel, which FlopCounterMode does not count: with oneDNN off it runs
    # the same layer as matrix products, which it does
    fused = real is not None and report.kind("recurrent").macs > 0
    try:
        with warnings.catch_warnings():  # torch's flags warn about Intel GPUs' TF32 while switching oneDNN
            warnings.simplefilter("ignore", UserWarning)
            with torch.no_grad(), torch.backends.mkldnn.flags(enabled=not fused), \
                    FlopCounterMode(display=False) as mode:
                model(*args, **kwargs)
    except Exception as err:  # a peer that cannot run is reported, not taken for agreement
        return not_run("FlopCounterMode", "MACs", expected, err)
    value = mode.get_total_flops() // 2
    note = "FlopCounterMode counts 2 FLOPs per MAC of conv/matmul (halved here) and nothing else"
    if real is not None:
        note += "; both on the same real run (seeded weights and input)"
    if deform:
        note += f"; it skips torchvision::deform_conv2d ({deform:,} MACs)"
    if fused:
        note += "; oneDNN off for its run, so that it sees the LSTM's matrix products"
    return compared("FlopCounterMode", "MACs", value, expected, value == expected, note)


def _fvcore(report: ModelReport, real: nn.Module, args: list[Any]) -> Check:
    from fvcore.nn import FlopCountAnalysis

    deform = report.kind("deform_conv").macs
    try:
        analysis = FlopCountAnalysis(real, tuple(args) if len(args) > 1 else args[0])
        analysis.unsupported_ops_warnings(False)
        analysis.uncalled_modules_warnings(False)
        with warnings.catch_warnings():  # fvcore traces with torch.jit, which warns that it is deprecated
            warnings.simplefilter("ignore")
            by_op = analysis.by_operator()
    except Exception as err:  # fvcore's jit trace fails on some models
        return not_run("fvcore", "MACs", report.total.macs - deform, f"fvcore could not trace: {err}")
    macs = int(sum(v for k, v in by_op.items() if k in MAC_OPS))
    extras = {k: int(v) for k, v in by_op.items() if k not in MAC_OPS and v}
    skipped = sorted(analysis.unsupported_ops())
    ops = dict(report.by_op)
    # fvcore sees scaled_dot_product_attention as one op it cannot count; cnncalc sees its batched matmuls
    attention = (sum(ops[k].macs for k in ("aten.bmm.default", "aten.baddbmm.default") if k in ops)
                 if "aten::scaled_dot_product_attention" in skipped else 0)
    parts = ["fvcore's 'flops' are MACs; its conv/linear/matmul part is compared"]
    if extras:
        parts.append("it also adds " + ", ".join(f"{k} {v:,}" for k, v in sorted(extras.items()))
                     + " (cnncalc counts those as other FLOPs, not MACs)")
    if deform:
        parts.append(f"it skips deform_conv2d ({deform:,} MACs)")
    if attention:
        parts.append(f"it skips scaled_dot_product_attention ({attention:,} MACs of batched matmuls)")
    if skipped:
        parts.append("unsupported there: " + ", ".join(skipped[:6]) + (" …" if len(skipped) > 6 else ""))
    expected = report.total.macs - deform - attention
    return compared("fvcore", "MACs", macs, expected, macs == expected, "; ".join(parts))


def _torchvision_meta(report: ModelReport, name: str) -> list[Check]:
    from cnncalc.modelzoo.sources import default_weights

    meta = default_weights(name).meta
    checks = []
    if "num_params" in meta:
        expected = meta["num_params"]
        checks.append(compared("torchvision weights", "params", expected, report.total.params,
                               expected == report.total.params, "num_params of its DEFAULT weights"))
    if "_ops" in meta:
        gmacs = round(report.total.macs / 1e9, 3)
        equal = abs(meta["_ops"] - gmacs) <= 0.0015
        note = "torchvision's 'GFLOPS' column is MACs, rounded to 3 decimals"
        run = report.real_run
        if run is not None and not equal:
            flowed = f": this run's {run.counts.text()}" if run.counts else ""
            checks.append(Check("torchvision weights", "GMACs", meta["_ops"], gmacs, Status.reference,
                                f"{note}; published with the released weights, on an input where other counts "
                                f"flowed after NMS{flowed}; not reconciled"))
        else:
            checks.append(compared("torchvision weights", "GMACs", meta["_ops"], gmacs, equal, note))
    return checks


def _optional_peers(report: ModelReport, real: nn.Module, args: list[Any]) -> list[Check]:
    checks = []
    single = len(args) == 1 and isinstance(args[0], torch.Tensor)
    if importlib.util.find_spec("thop") is not None:
        import thop

        try:
            macs, _ = thop.profile(real, inputs=tuple(args), verbose=False)
            checks.append(Check("thop", "MACs", int(macs), report.total.macs, Status.reference,
                                "not reconciled: thop adds BN, activation and pooling elements to the MACs of the "
                                "modules it knows; shown for reference"))
        except Exception as err:
            checks.append(not_run("thop", "MACs", report.total.macs, err))
    if importlib.util.find_spec("ptflops") is not None:
        if not single:
            checks.append(not_run("ptflops", "MACs", report.total.macs, "ptflops takes one tensor input"))
        else:
            from ptflops import get_model_complexity_info

            # ptflops's default input is torch.empty: garbage that can reach deform_conv2d as NaN offsets,
            # which torchvision's CPU kernel does not survive. Give it real numbers.
            try:
                macs, _ = get_model_complexity_info(real, tuple(args[0].shape[1:]), as_strings=False,
                                                    print_per_layer_stat=False, verbose=False,
                                                    input_constructor=lambda _: args[0])
                checks.append(Check("ptflops", "MACs", int(macs or 0), report.total.macs, Status.reference,
                                    "not reconciled: ptflops (pytorch backend) adds BN, activation and pooling "
                                    "elements to the MACs of hooked modules; shown for reference"))
            except Exception as err:
                checks.append(not_run("ptflops", "MACs", report.total.macs, err))
    return checks


def validate(*models: str, all_models: bool = False, inputs: Sequence[Any] | None = None, fvcore: bool = True,
             seed: int = 0) -> Validations:
    """cnncalc's counts of each model beside independent ones (numel, FlopCounterMode, fvcore when `fvcore`,
    torchvision's published tables, ptflops and thop for reference). No models: the zoo; `all_models`: every zoo
    and torchvision model. `inputs` as `analyze` takes them."""
    from cnncalc.modelzoo.catalogue import every_model
    from cnncalc.modelzoo.zoo import ZOO

    if models and all_models:
        raise CnncalcError("give models or all_models=True, not both")
    names = every_model() if all_models else (list(models) if models else list(ZOO))
    return Validations(tuple(validate_model(name, inputs, fvcore, seed) for name in names))


def validate_model(name: str, inputs: Sequence[Any] | None = None, fvcore: bool = True, seed: int = 0) -> Validation:
    """One model's validation (see `validate`)."""
    loaded = load_model(name)
    subject = subject_for(name, inputs=inputs)
    report = analyze_subject(subject, worst_case=False, seed=seed)
    real = loaded.real(seed)
    checks = [_params(report, real)]
    checks.append(_flop_counter(report, subject, real if report.real_run else None, seed))
    if loaded.source == "torchvision":
        checks += _torchvision_meta(report, loaded.name)
    if fvcore:
        args, _ = _arguments(subject, "cpu", seed)
        checks.append(_fvcore(report, real, args))
        checks += _optional_peers(report, real, args)
    return Validation(loaded.name, report.input_shape, report.total.params, report.total.macs, tuple(checks))
