"""`validate`: cnncalc's counts beside numel, FlopCounterMode, fvcore, torchvision's published metadata, and
ptflops / thop when installed, with a line that reconciles every difference (which ops each tool counts)."""

from __future__ import annotations

import importlib.util
import warnings
from dataclasses import dataclass
from typing import Any

import torch

from cnncalc.analysis.analyze import analyze_module
from cnncalc.analysis.report import ModelReport
from cnncalc.models.sources import LoadedModel, load_model

MAC_OPS = ("conv", "linear", "addmm", "matmul", "mm", "bmm", "einsum", "baddbmm")


@dataclass(frozen=True)
class Check:
    """One peer's figure for one quantity, and how it reconciles with cnncalc's."""

    tool: str
    quantity: str
    value: int | float | None
    expected: int | float
    agrees: bool
    note: str
    #: shown for reference: the peer's conventions are not reconciled term by term
    reference: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"tool": self.tool, "quantity": self.quantity, "value": self.value, "expected": self.expected,
                "agrees": self.agrees, "reference": self.reference, "note": self.note}


@dataclass(frozen=True)
class Validation:
    model: str
    input_shape: tuple[int, ...]
    params: int
    macs: int
    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        return all(c.agrees for c in self.checks)

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, "input_shape": list(self.input_shape), "params": self.params,
                "macs": self.macs, "ok": self.ok, "checks": [c.to_dict() for c in self.checks]}


def _real_model(loaded: LoadedModel) -> torch.nn.Module:
    """The same architecture with real (random) weights on the CPU, for peers that run real tensors."""
    from cnncalc.models.sources import rebuild_real

    return rebuild_real(loaded)


def _flop_counter(report: ModelReport, loaded: LoadedModel) -> Check:
    from torch.utils.flop_counter import FlopCounterMode

    deform = report.kind("deform_conv").macs
    with torch.no_grad(), FlopCounterMode(display=False) as mode:
        loaded.module(torch.empty(report.input_shape, device="meta"))
    value = mode.get_total_flops() // 2
    note = "FlopCounterMode counts 2 FLOPs per MAC of conv/matmul (halved here) and nothing else"
    if deform:
        note += f"; it skips torchvision::deform_conv2d ({deform:,} MACs)"
    expected = report.total.macs - deform
    return Check("FlopCounterMode", "MACs", value, expected, value == expected, note)


def _fvcore(report: ModelReport, real: torch.nn.Module) -> Check:
    from fvcore.nn import FlopCountAnalysis

    analysis = FlopCountAnalysis(real, torch.randn(report.input_shape))
    analysis.unsupported_ops_warnings(False)
    analysis.uncalled_modules_warnings(False)
    with warnings.catch_warnings():  # fvcore traces with torch.jit, which warns that it is deprecated
        warnings.simplefilter("ignore")
        by_op = analysis.by_operator()
    macs = int(sum(v for k, v in by_op.items() if k in MAC_OPS))
    extras = {k: int(v) for k, v in by_op.items() if k not in MAC_OPS and v}
    deform = report.kind("deform_conv").macs
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
    return Check("fvcore", "MACs", macs, expected, macs == expected, "; ".join(parts))


def _torchvision_meta(report: ModelReport, name: str) -> list[Check]:
    import torchvision

    try:
        weights = torchvision.models.get_model_weights(name)
    except (ValueError, KeyError):
        return []
    meta = next(iter(weights)).meta
    checks = []
    if "num_params" in meta:
        expected = meta["num_params"]
        note = "torchvision's weight table"
        if name == "inception_v3":
            note += " counts the auxiliary head, which inference leaves out"
        checks.append(Check("torchvision weights", "params", expected, report.total.params,
                            expected == report.total.params or name == "inception_v3", note))
    if "_ops" in meta:
        gmacs = round(report.total.macs / 1e9, 3)
        checks.append(Check("torchvision weights", "GMACs", meta["_ops"], gmacs,
                            abs(meta["_ops"] - gmacs) <= 0.0015,
                            "torchvision's 'GFLOPS' column is MACs, rounded to 3 decimals"))
    return checks


def _optional_peers(report: ModelReport, real: torch.nn.Module) -> list[Check]:
    checks = []
    if importlib.util.find_spec("thop") is not None:
        import thop

        macs, _ = thop.profile(real, inputs=(torch.randn(report.input_shape),), verbose=False)
        checks.append(Check("thop", "MACs", int(macs), report.total.macs, True,
                            "thop adds BN, activation and pooling elements to the MACs of the modules it "
                            "knows; shown for reference, not reconciled term by term", reference=True))
    if importlib.util.find_spec("ptflops") is not None:
        from ptflops import get_model_complexity_info

        # ptflops's default input is torch.empty: garbage that can reach deform_conv2d as NaN offsets,
        # which torchvision's CPU kernel does not survive. Give it real numbers.
        macs, _ = get_model_complexity_info(real, tuple(report.input_shape[1:]), as_strings=False,
                                            print_per_layer_stat=False, verbose=False,
                                            input_constructor=lambda _: torch.randn(report.input_shape))
        checks.append(Check("ptflops", "MACs", int(macs or 0), report.total.macs, True,
                            "ptflops (pytorch backend) adds BN, activation and pooling elements to the MACs of "
                            "hooked modules; shown for reference, not reconciled term by term", reference=True))
    return checks


def validate(name: str, input_shape: tuple[int, ...] | None = None, fvcore: bool = True) -> Validation:
    loaded = load_model(name)
    shape = tuple(input_shape) if input_shape else loaded.input_shape
    report = analyze_module(loaded.module, shape, loaded.name, copy=True)
    numel = sum(int(p.numel()) for p in loaded.module.parameters())
    checks = [Check("numel", "params", numel, report.total.params, numel == report.total.params,
                    "sum of parameter numel, each shared parameter once")]
    checks.append(_flop_counter(report, loaded))
    if loaded.source == "torchvision":
        checks += _torchvision_meta(report, loaded.name)
    if fvcore:
        real = _real_model(loaded).eval()
        try:
            checks.append(_fvcore(report, real))
        except Exception as err:  # fvcore's jit trace fails on some models; say so instead of stopping
            checks.append(Check("fvcore", "MACs", None, report.total.macs, True, f"fvcore could not trace: {err}"))
        checks += _optional_peers(report, real)
    return Validation(loaded.name, shape, report.total.params, report.total.macs, tuple(checks))

