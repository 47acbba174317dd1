"""`predict(model, profile)`: a model's latency on the profile's device, without running it there.

The model is traced as `analyze` traces it (on the meta device: no weights, no compute), keeping every op call
with its arguments. Each call's time alone comes from the profile's model of its kind (`cnncalc.latency.kinds`),
and the profile's network correction (`cnncalc.latency.context`) turns it into its time in a network; each module
call adds the correction's per-call cost. The sum is the predicted median of one forward pass in eval under
inference_mode, as `profile` measures it (docs/prediction.md). Every op is
labelled by what bounds it: overhead (its time is within twice the fixed cost of its kind's smallest call),
else memory or compute, whichever roofline term (bytes ÷ bandwidth, FLOPs ÷ peak, both measured by calibrate)
is larger. An op kind the profile has no model for is listed as not predicted, with its calls, and the total
says it is partial.

Another GPU on paper (`device=`): each op's time is scaled from the profile's GPU to the other one by the bound
it has — compute by the ratio of the datasheets' peak FLOP/s for the dtype, memory by the ratio of their
bandwidths, overhead unchanged — as Habitat (Yu et al., USENIX ATC 2021) scales measured op times. The report
says it is such an estimate.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from cnncalc.errors import CnncalcError
from cnncalc.latency.context import op_class, written
from cnncalc.latency.kinds import FALLBACKS, Kind, kind_of
from cnncalc.latency.profile import Profile, load_profile
from cnncalc.latency.report import KindLatency, LatencyReport, ModuleLatency, NotPredicted, ProfileInfo

#: an op whose predicted time is within this many times its kind's smallest call is overhead-bound
OVERHEAD_FACTOR = 2.0


@dataclass(frozen=True)
class Scaling:
    """Another GPU on paper: time factors by bound (the profile's device ÷ the other one), and the method."""

    device: str
    compute: float
    memory: float
    text: str


def _check(profile: Profile, dtype: str | None, channels_last: bool | None) -> tuple[str, bool, tuple[str, ...]]:
    """The dtype and layout to predict (the profile's unless told), refusing what the profile did not measure;
    warnings for a torch version other than this one's."""
    import torch

    from cnncalc.dtypes import parse_dtype

    dt = parse_dtype(dtype).value if dtype is not None else profile.dtype
    if dt != profile.dtype:
        raise CnncalcError(f"dtype={dt!r}: the profile {profile.source} was calibrated in {profile.dtype}; calibrate "
                           f"with dtype={dt!r} to predict it")
    layout = profile.channels_last if channels_last is None else channels_last
    if layout != profile.channels_last:
        raise CnncalcError(f"channels_last={layout}: the profile {profile.source} was calibrated with channels_last="
                           f"{profile.channels_last}; calibrate again to predict the other layout")
    warnings = []
    if profile.torch != torch.__version__:
        warnings.append(f"the profile was made with torch {profile.torch}, this trace with torch "
                        f"{torch.__version__}: their kernels may differ")
    return dt, layout, tuple(warnings)


def beside_measurement(profile: Profile | str, device_type: str, threads: int | None, dtype: str,
                       channels_last: bool) -> tuple[Profile, tuple[str, ...]]:
    """The profile to predict runs measured on a `device_type` device at `threads` CPU threads, refusing one of
    another kind of device, dtype or layout; warnings for another thread count or torch version."""
    prof = load_profile(profile)
    if prof.device.type != device_type:
        raise CnncalcError(f"predict={prof.source!r} is a profile of a {prof.device.type} ({prof.device.name}); the "
                           f"runs here are on a {device_type}: predict them with a {device_type} profile")
    _, _, warnings = _check(prof, dtype, channels_last)
    if threads is not None and prof.device.threads is not None and threads != prof.device.threads:
        warnings += (f"the profile was calibrated at {prof.device.threads} CPU thread"
                     f"{'s' if prof.device.threads != 1 else ''}, the runs here use {threads}: the prediction is "
                     f"for {prof.device.threads}",)
    return prof, warnings


def profile_info(prof: Profile) -> ProfileInfo:
    return ProfileInfo(prof.source, prof.device.type, prof.device.name, prof.device.threads, prof.torch, prof.dtype,
                       prof.channels_last, prof.created)


def scaling(profile: Profile, device: str, dtype: str) -> Scaling:
    """Factors from the profile's GPU to another one by both datasheets (`cnncalc.datasheets`)."""
    from cnncalc.datasheets import GPU_TABLE, gpu_peaks

    if profile.device.type != "cuda":
        raise CnncalcError(f"device={device!r}: scaling on paper goes from one GPU's profile to another GPU by their "
                           f"datasheets; the profile {profile.source} is of a {profile.device.type}")
    source, target = gpu_peaks(profile.device.name), gpu_peaks(device)
    if target.bandwidth is None or target.fp32 is None:
        known = ", ".join(sorted({label.split(" ")[0] for *_, label in GPU_TABLE}))
        raise CnncalcError(f"device={device!r} has no datasheet here: known are {known}")
    if source.bandwidth is None or source.fp32 is None:
        raise CnncalcError(f"the profile's GPU {profile.device.name!r} has no datasheet here: no ratio to scale by")
    peak = "half" if dtype in ("float16", "bfloat16") else "fp32"
    src, dst = getattr(source, peak) or source.fp32, getattr(target, peak) or target.fp32
    text = (f"an estimate for {target.name}: each op of the profile's {profile.device.name} scaled by what bounds "
            f"it — compute × {src / dst:.3g} ({peak} peaks, {source.source} ÷ {target.source}), memory × "
            f"{source.bandwidth / target.bandwidth:.3g} (bandwidths), overhead × 1 — as Habitat scales op times")
    return Scaling(target.name, src / dst, source.bandwidth / target.bandwidth, text)


def _ancestors(name: str) -> list[str]:
    parts = name.split(".") if name else []
    return [".".join(parts[:i]) for i in range(len(parts), -1, -1)]


def predict(model: Any, profile: Profile | str, input_shape: Sequence[int] | str | None = None, *,
            inputs: Sequence[Any] | None = None, kwargs: Mapping[str, Any] | None = None,
            batch: int | str | None = None,
            dtype: str | None = None, channels_last: bool | None = None, device: str | None = None,
            image: str | None = None) -> LatencyReport:
    """The predicted latency of one forward pass of `model` (a name or an nn.Module, with inputs as `analyze`
    takes them) on the device `profile` (a file or a shipped profile's name) was measured on; with `device`, on
    another GPU, scaled by the datasheets (see the module's docstring)."""
    from cnncalc.analysis.analyze import make_report, subject_for, trace_subject
    from cnncalc.dtypes import parse_dtype
    from cnncalc.layers.options import parse_int

    prof = load_profile(profile)
    dt, _, warnings = _check(prof, dtype, channels_last)
    scale = scaling(prof, device, dt) if device else None
    subject = subject_for(model, input_shape, inputs, kwargs, image,
                          parse_int("batch", batch) if batch is not None else None)
    module, run, _ = trace_subject(subject, parse_dtype(dt), worst_case=False, keep_calls=True)
    report = make_report(module, run, subject, parse_dtype(dt))
    return from_trace(module, run, report, prof, dt, scale, warnings)


def from_trace(module: Any, run: Any, report: Any, prof: Profile, dt: str, scale: Scaling | None = None,
               warnings: tuple[str, ...] = ()) -> LatencyReport:
    """The prediction of a run traced with its calls kept (`trace(..., keep_calls=True)`), and its ModelReport."""
    calls = run.tracer.calls or []
    by_kind, missing = _grouped(calls, prof)
    ctx = prof.correction
    gate = ctx.gate(written([(name, 0.0, k.out_bytes, k.weight_bytes) for name, members in by_kind.items()
                             for _, k in members]))
    seconds: dict[int, list[tuple[float, str]]] = {}
    kinds = []
    for name, members in sorted(by_kind.items()):
        entry = prof.kinds[name]
        times = entry.model.predict([k.features for _, k in members])
        cls = op_class(name)
        parts = {"compute": 0.0, "memory": 0.0, "overhead": 0.0}
        for (i, kind), alone in zip(members, times, strict=True):
            bound = _bound(kind, alone, entry.overhead, prof)
            if scale is not None:
                alone *= {"compute": scale.compute, "memory": scale.memory}.get(bound, 1.0)
            # what being in a network adds: a fixed cost, and fetching the bytes that stayed cached alone
            fixed, fetched = ctx.fixed(cls), ctx.fetched(cls, kind.out_bytes, kind.weight_bytes, gate)
            if scale is not None:  # fetching is memory traffic: scaled by the bandwidths, as memory-bound ops are
                fetched *= scale.memory
            seconds[i] = [(ctx.scale(cls) * alone, bound), (fixed, "overhead"), (fetched, "memory")]
            parts[bound] += ctx.scale(cls) * alone
            parts["overhead"] += fixed
            parts["memory"] += fetched
        error = entry.held_out.median if entry.held_out.median == entry.held_out.median else None
        kinds.append(KindLatency(name, len(members), sum(parts.values()) * 1e3, parts["compute"] * 1e3,
                                 parts["memory"] * 1e3, parts["overhead"] * 1e3, error))
    # each module's own time (its calls' ops and its calls' overhead), then added to every ancestor once per module
    own: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for i, shares in seconds.items():
        mine = own[calls[i].module]
        for t, bound in shares:
            mine[bound] += t
    overhead = ctx.per_module
    module_calls = {name: call.calls for name, call in run.tracer.modules.items()}
    for name, count in module_calls.items():
        own[name]["overhead"] += count * overhead
    per_module: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for name, costs in own.items():
        for ancestor in _ancestors(name):
            for bound, t in costs.items():
                per_module[ancestor][bound] += t
    rows = []
    for name, sub in module.named_modules():
        costs = per_module.get(name, {})
        rows.append(ModuleLatency(name or "(model)", type(sub).__name__, name.count(".") + 1 if name else 0,
                                  module_calls.get(name, 0), sum(costs.values()) * 1e3, costs.get("compute", 0) * 1e3,
                                  costs.get("memory", 0) * 1e3, costs.get("overhead", 0) * 1e3))
    total_ms = rows[0].latency_ms if rows else 0.0
    return LatencyReport(
        report.model, report.input_shape, dt, total_ms, profile_info(prof), tuple(rows), tuple(kinds),
        tuple(NotPredicted(op, kind, n) for (op, kind), n in sorted(missing.items())),
        sum(module_calls.values()) * overhead * 1e3, report.total.macs, report.total.flops,
        scale.device if scale else "", scale.text if scale else "", warnings)


Grouped = dict[str, list[tuple[int, Kind]]]


def _grouped(calls: Sequence[Any], prof: Profile) -> tuple[Grouped, dict[tuple[str, str], int]]:
    """The calls (by index) of each kind the profile models, and the count of those it does not, by op."""
    by_kind: Grouped = defaultdict(list)
    missing: dict[tuple[str, str], int] = defaultdict(int)
    for i, call in enumerate(calls):
        kind = kind_of(call)
        if kind is None:
            continue
        if kind.name not in prof.kinds and FALLBACKS.get(kind.name) in prof.kinds:
            kind = replace(kind, name=FALLBACKS[kind.name])  # a profile made before the kind existed
        if kind.name not in prof.kinds:
            missing[(call.op, kind.name)] += 1
            continue
        by_kind[kind.name].append((i, kind))
    return by_kind, missing


def op_times(module: Any, input_shape: Sequence[int],
             prof: Profile) -> tuple[list[tuple[str, float, float, float]], int]:
    """Each op's kind, predicted seconds alone (no network correction), bytes written and weight bytes in one
    forward of `module`, and its module calls: what the network correction is fitted on."""
    from cnncalc.analysis.analyze import subject_for, trace_subject
    from cnncalc.dtypes import parse_dtype

    subject = subject_for(module, input_shape, None, None, None, None)
    _, run, _ = trace_subject(subject, parse_dtype(prof.dtype), worst_case=False, keep_calls=True)
    by_kind, _ = _grouped(run.tracer.calls or [], prof)
    alone = []
    for name, members in by_kind.items():
        times = prof.kinds[name].model.predict([k.features for _, k in members])
        alone += [(name, t, k.out_bytes, k.weight_bytes) for (_, k), t in zip(members, times, strict=True)]
    return alone, sum(m.calls for m in run.tracer.modules.values())


def _bound(kind: Kind, seconds: float, overhead: float, profile: Profile) -> str:
    """What bounds one call: its fixed cost, memory or compute (see the module's docstring)."""
    if seconds <= OVERHEAD_FACTOR * overhead or (not kind.flops and not kind.bytes):
        return "overhead"
    compute, memory = roofline_terms(kind, profile)
    return "memory" if memory >= compute else "compute"


def roofline_terms(kind: Kind, profile: Profile) -> tuple[float, float]:
    """One call's roofline terms on the profile's device, in seconds: FLOPs ÷ peak FLOP/s, bytes ÷ bandwidth."""
    compute = kind.flops / profile.device.peak_flops if profile.device.peak_flops else 0.0
    memory = kind.bytes / profile.device.bandwidth if profile.device.bandwidth else 0.0
    return compute, memory
