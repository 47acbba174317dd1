"""Measured memory of a real training step, with PyTorch's own MemTracker: the yardstick for cnncalc's prediction.

Independent of cnncalc (it never imports it). `measure_training_step` runs N real CPU training steps (train-mode
forward + scalar loss, backward, optimizer.step(), zero_grad(set_to_none=True)) under
`torch.distributed._tools.mem_tracker.MemTracker` and reports the peak of the LAST step (steady state: the
optimizer state made by step 1 is resident), the bytes of each category at that peak, and the phase / module / aten
op where it was reached. `measure_training_step_fake` does the same on FakeTensorMode tensors (no data, no compute);
`measure_inference` gives the peak of one no_grad forward. Run `python tests/helpers/memtrack.py` for the table below.

How MemTracker works (torch 2.14, mem_tracker.py + mod_tracker.py + common_utils.py), and how this module uses it
---------------------------------------------------------------------------------------------------------------
- It is a TorchDispatchMode. Memory is counted per *storage*: every tensor output of every aten op dispatched
  inside the context has its `untyped_storage()` registered once (bytes = storage nbytes, exact on CPU; on CUDA
  rounded up to 512 B) with a weakref whose callback subtracts it when the storage dies. So the live set follows
  real Python/C++ lifetimes (saved tensors, autograd graph, refcounts), not a model of them.
- Construction: `MemTracker()` (no arguments). Anything created *outside* the context is invisible unless passed
  to `track_external(*objs)` before entering: a module (its params -> Parameter, buffers -> Buffer, existing
  .grad -> Gradient), an optimizer (tensors in `optimizer.state` -> Optstate), or plain tensors -> Other. This
  harness passes the model, the optimizer and the input batch, so the input batch counts, as "Other".
- Categories (`_MemRefType`, keys of the snapshot dict, str-valued enums): "Parameter", "Buffer", "Gradient",
  "Activation", "Temp", "Optstate", "Other", plus the key "Total". A new storage's category is decided by WHEN it
  is made: inside `optimizer.step()` (global optimizer step pre/post hooks set `_in_opt`) -> Optstate, whatever it
  is (real state AND the step's transient temporaries); inside backward (`torch._C._current_graph_task_id() != -1`)
  -> Temp (activation grads, the grads of weights before they land); otherwise -> Activation (every forward
  output incl. the loss, BN's save_mean/invstd, autocast's bf16 weight casts, the `.float()` copy of a bf16
  output, the ones_like seed that loss.backward() makes in Python). Re-categorisation: a hook on every param
  (`register_hook` + `register_post_accumulate_grad_hook`, installed in each module's pre-forward hook) turns the
  incoming grad (and the accumulated .grad) into Gradient; the optimizer post-step hook moves every tensor in
  `optimizer.state` to Optstate. A storage already tracked keeps its category otherwise (views and in-place ops
  add nothing).
- Peak: after EVERY dispatched op (its outputs tracked) the current total is compared to the peak; a strictly
  greater total deep-copies the snapshot. `get_tracker_snapshot("peak")` -> {device: {category: bytes, ...,
  "Total": bytes}} at that instant (one dict per device; a single CPU entry here). `get_tracker_snapshot()` (the
  default "current") is the live set now. The peak is reset to the current live set on each *outermost*
  `__enter__`; the live set itself persists across exits/entries (the weakrefs keep working outside the context).
- Per module (`tracker.memory_tracking[module]` -> `_ModMemStats`: mod_fqn like "ResNet.layer1.0.conv1",
  parameter_mem, buffer_mem, input_mem, output_mem, and `snapshots[_ModState] -> list[{device: {...}}]` for
  Pre-Forward, Post-Forward, Peak-Forward, Pre-Backward, Post-Backward, Peak-Backward; a module called twice in
  one step gets two entries). The root module may be called only once per entry: a second forward of the root
  raises NotImplementedError unless `reset_mod_stats()` is called. This harness therefore enters the tracker once
  per step: `reset_mod_stats()`, `with tracker:` one step, exit. Step 1 (which allocates the optimizer state,
  category Optstate) and step 2 share one tracker; the peak reported is step 2's.
- Phase: MemTracker only distinguishes forward / backward (Peak-Forward / Peak-Backward per module) and `_in_opt`.
  This harness subclasses it: the driver labels the phases ("forward" incl. the loss, "backward", "optimizer",
  "zero_grad"), and `_update_peak_stats` is extended to record the peak of each phase, and for the step peak the
  phase, the deepest module active (ModTracker.parents; approximate in backward, where parents are kept by grad
  hooks: e.g. the residual grad `add` of layer2.0 is reported under layer2.0.downsample.0) and the aten op whose
  output made it.
- FakeTensorMode works: enter FakeTensorMode first, then the tracker (it records `active_fake_mode()` at entry and
  only counts ops that run under that same mode). Fake storages have the real nbytes, so the numbers are identical
  to the real run (checked for every row of the table) except for one meta-kernel dtype (note (a) below).
  Adam's non-capturable `.item()` on the fake `step` scalar works (FakeTensorMode keeps small scalars as
  constants, through `step += 1` too). torchvision's deform_conv2d has fake kernels, backward included.

Pitfalls (what is and is not in the peak)
-----------------------------------------
- Kernel-internal scratch is NOT counted: while an op runs, the mode is popped, so allocations inside a kernel
  (mkldnn/oneDNN conv workspaces and weight reorders, slow_conv2d's im2col columns, deform_conv2d's CPU `columns`
  buffer, reductions' scratch) never appear. Only op outputs do (the autograd engine's sums of grads flowing
  into one tensor are ops, `add`, and do appear). The "peak" is the peak of live op outputs sampled right after
  each op; the allocator's true peak is higher by the largest in-kernel scratch.
- The input batch counts only if tracked (here: yes, as Other). The target of a loss captured in a closure is
  not tracked (pass it through `track=`). The loss (4 B) and the model output stay alive through the step (the
  driver keeps `out` and `loss` until the end of the step, as a normal training loop does) and count as
  Activation.
- A tensor made outside the context and NOT tracked, when it comes back from an op inside (a view, an in-place
  op), is registered then, with the WHOLE storage, under the current category (e.g. `x.view(...)` of an untracked
  1000-float input adds 4000 B of Activation). Always `track_external` the inputs.
- Views share a storage and add nothing; an op that returns several views (split, chunk, unbind) adds nothing.
  Storages freed inside the same op cannot be seen (see first point); storages freed between ops are subtracted
  as soon as their refcount drops (Python refcounting). Reference cycles would delay frees until the cyclic GC
  runs: the driver runs gc.collect() before each step and disables the cyclic GC during a step (determinism).
- Weight grads are born Temp: the grad hook that relabels them Gradient runs after the op that makes them, and
  the peak is sampled in between, so a raw MemTracker peak inside backward shows the newest weight grad as
  Temp. The harness re-labels (`grads` includes it; `grads_labelled_temp` says how much that was).
- Autograd saves only what the grads that are needed use: mm/addmm/linear whose input needs no grad (the first
  layer) save the input but not the weight (and make no grad_input); convolution saves input and weight
  whatever requires grad. This matters only for tensors that are not already resident (autocast casts).
- Autocast: the bf16/fp16 cast of each fp32 weight (`aten._to_copy` of a Parameter, cached for the autocast
  region) is Activation; conv (always) and linear (when its input needs grad) save it for backward, so it lives
  until that layer's backward. So is the bf16 cast of the fp32 input batch. Its grad is a bf16 Temp, then cast
  to the fp32 Gradient (both alive at that instant: the bf16 SGD peaks are at that `_to_copy`). The fp32 loss
  on a bf16 output costs an fp32 copy of the output (Activation, freed after `sum`). The harness reports the
  weight-cast bytes alive at the peak (`weight_casts`, included in `activations`).
- Optimizer implementation on CPU (torch 2.14): `_default_to_fused_or_foreach` picks foreach only on
  cuda/xpu/mtia/privateuse1 devices, and fused only when asked (`fused=True`). So SGD / Adam / AdamW on CPU run
  the per-parameter for-loop (`_single_tensor_*`) by default; FakeTensor params (type FakeTensor, not in
  `_foreach_supported_types`) would also fall back to the for-loop. Transients of the for-loop:
    * SGD (no momentum, wd=0): `param.add_(grad, alpha=-lr)`: none.
    * SGD momentum=0.9: step 1 `buf = grad.clone()` (state, 1x params); later `buf.mul_().add_()` in place: none.
    * Adam / AdamW: state exp_avg + exp_avg_sq (2x params) + one 4-byte float32 `step` per param tensor. Per
      param `denom = (exp_avg_sq.sqrt() / bc2).add_(eps)`: the sqrt and the div outputs coexist, AND the previous
      param's `denom` is still bound while the next one is computed, so the transient is
      max_i (2 * bytes(p_i) + bytes(p_{i-1})) in parameter order (AdamW's decoupled decay is an in-place mul_).
      All of it lands in Optstate: Optstate at the peak = state + transient (`optimizer_temporaries` here).
    * foreach=True (opt-in on CPU): `_foreach_sqrt` of all exp_avg_sq at once, then in-place div/add/addcdiv:
      the transient is 1x params (46,758,048 B for resnet18, vs 18,876,416 for the for-loop).

Measurements (torch 2.14.1, torchvision 0.29.1, CPU, fp32 unless noted; bytes; second step; deterministic: two
runs and the fake run give identical bytes). P params, B buffers, G grads, S optimizer state, T optimizer
temporaries, A activations, Tmp backward temporaries, O inputs. Times on a busy shared 2-core machine.

  optimizer            peak          G          S          T          A     Tmp  where (phase module op)
resnet18: P 46,758,048  B 38,560  O 98,304  (inference, eval no_grad: 47,943,488)
  sgd            95,917,096 46,128,032          0          0  2,500,936 393,216  bw layer2.0.downsample.0 add
  momentum      142,675,144 46,128,032 46,758,048          0  2,500,936 393,216  bw layer2.0.downsample.0 add
  adam          206,053,724 46,758,048 93,516,344 18,876,416      8,004       0  opt div
  adamw         206,053,724 46,758,048 93,516,344 18,876,416      8,004       0  opt div
  none           95,917,096 46,128,032          0          0  2,500,936 393,216  bw layer2.0.downsample.0 add
  sgd+bf16       95,079,944 45,832,096          0          0  1,959,720 393,216  bw layer2.0.downsample.0 to_copy (a)
  momentum+bf16 141,837,992 45,832,096 46,758,048          0  1,959,720 393,216  bw layer2.0.downsample.0 to_copy (a)
  adam+bf16     206,049,724 46,758,048 93,516,344 18,876,416      4,004       0  opt div (b)
  adamw+bf16    206,049,724 46,758,048 93,516,344 18,876,416      4,004       0  opt div (b)
  none+bf16      95,079,944 45,832,096          0          0  1,959,720 393,216  bw layer2.0.downsample.0 to_copy (a)
  adam foreach  233,935,356 46,758,048 93,516,344 46,758,048      8,004       0  opt _foreach_sqrt
mobilenet_v2: P 14,019,488  B 136,864  O 98,304  (inference, eval no_grad: 15,958,592)
  sgd            38,177,832 12,071,328          0          0 11,753,544  98,304  bw features.13.conv.2 conv_bw
  momentum       52,197,320 12,071,328 14,019,488          0 11,753,544  98,304  bw features.13.conv.2 conv_bw
  adam           66,566,876 14,019,488 28,039,608 10,245,120      8,004       0  opt div
  adamw          66,566,876 14,019,488 28,039,608 10,245,120      8,004       0  opt div
  none           38,177,832 12,071,328          0          0 11,753,544  98,304  bw features.13.conv.2 conv_bw
vit-tiny: P 582,304  B 0  O 24,576  (inference, eval no_grad: 685,216)
  sgd             1,206,168    477,856          0          0     25,688  95,744  bw enc0.mlp.2 add
  momentum        1,788,472    477,856    582,304          0     25,688  95,744  bw enc0.mlp.2 add
  adam            2,874,180    582,304  1,164,736    512,256      8,004       0  opt div
  adamw           2,874,180    582,304  1,164,736    512,256      8,004       0  opt div
  none            1,206,168    477,856          0          0     25,688  95,744  bw enc0.mlp.2 add
deform: P 9,928  B 0  O 16,384  (inference, eval no_grad: 95,952)
  sgd               153,888      4,672          0          0     69,648  53,256  bw deform deform_bw
  momentum          163,816      4,672      9,928          0     69,648  53,256  bw deform deform_bw
  adam              173,760      4,672     19,872          0     69,648  53,256  bw deform deform_bw
  adamw             173,760      4,672     19,872          0     69,648  53,256  bw deform deform_bw
  none              153,888      4,672          0          0     69,648  53,256  bw deform deform_bw
conv+se: P 39,200  B 0  O 65,536  (inference, eval no_grad: 236,064)
  sgd               369,096      2,208          0          0     65,544 196,608  bw 1.avgpool add
  momentum          408,296      2,208     39,200          0     65,544 196,608  bw 1.avgpool add
  adam              447,520      2,208     78,424          0     65,544 196,608  bw 1.avgpool add
  adamw             447,520      2,208     78,424          0     65,544 196,608  bw 1.avgpool add
  none              369,096      2,208          0          0     65,544 196,608  bw 1.avgpool add
  (a) the fake run's peak is 1,792 B lower: under autocast the META kernel of aten.native_batch_norm returns
      save_mean/save_invstd in bf16, the CPU kernel in fp32 (2 x C x 2 B per BN layer alive at the peak).
  (b) same peak; the fake run's forward/backward phase peaks are lower by the same BN-stat bytes.
  In the bf16 backward peaks, A includes 461,184 B of bf16 weight casts still saved for the layers whose
  backward has not run yet (layer1, layer2.0 ...).

Resnet18, 2x3x64x64, Adam -- peak of each phase of step 2 (live bytes after the op that made each phase's max):

  resident at the start of step 2: P 46,758,048 + B 38,560 + S 93,516,344 + O 98,304 = 140,411,256
  phase       highest live  live at its end   what is alive
  forward      143,984,316      143,984,316   resident + saved activations 3,565,056 + output/loss 8,004
  backward     189,433,440      187,177,308   resident + grads filling up + activations draining + act-grads
  optimizer    206,053,724      187,177,308   resident + G 46,758,048 + out/loss + T 18,876,416 (at the
                                              peak: sqrt + div of layer4.1.conv2.weight, 2 x 9,437,184, +
                                              the previous param's (layer4.1.bn1.bias) denom, 2,048)
  zero_grad    187,177,308      140,419,260   grads freed (the 8,004 B of output + loss die with the step)
  Same for SGD: resident 46,894,912; forward 50,467,972; backward 95,917,096 (the step peak); optimizer
  93,660,964 (no transient). bf16 autocast: forward 72,248,692 (SGD) / 165,765,036 (Adam): the bf16 weight
  casts (23,359,824 B: every conv / fc weight and the fc bias; BN keeps fp32) are saved through the
  forward; the peaks stay where they were.

Timing (whole measurement of 2 steps incl. model copy; machine shared, so +-50%): small blocks 0.5-1.8 s real,
0.5-1.2 s fake; resnet18 0.6-11 s real, 0.8-1.6 s fake; mobilenet_v2 5-24 s real, 3-5.4 s fake (its
tracker overhead: ~150 modules x a deep-copied snapshot per module per new peak). resnet18 Adam:
  2x3x64x64      real 4.0 s  fake 1.1 s   (same bytes)
  4x3x128x128    real 6.1 s  fake 1.3 s   (same bytes; the peak moves into backward: 211,363,232)
  32x3x224x224   fake 1.3 s               (876,141,344, backward; too big to run for real here)
  A bare 2-step loop without the tracker takes 0.17 s at 4x3x128x128: the tracker's Python bookkeeping
  dominates at these sizes; the fake run's cost does not grow with the input.

So at these small batches the Adam/AdamW peak is in optimizer.step() (P + G + S + T + O + out/loss), SGD's and
momentum's in backward (P + G-so-far + S + saved activations + activation grads), and the forward is never the
peak. At 2x3x64x64 resnet18 saves 3.6 MB of activations for 46.8 MB of params; at large batch backward wins.

Advice for a meta-device predictor (to land within 3% of these numbers)
- Predict max(forward, backward, optimizer) peaks; each is needed: at 2x3x64x64 resnet18 the Adam peak is in the
  optimizer, SGD's in backward; at 32x3x224x224 (fake run) both are in backward (SGD 782,625,000, Adam
  876,141,344; activations 661,666,312 at the peak).
- Count by storage, op by op, like the tracker: resident = params + buffers + optimizer state (SGD 0, momentum
  1x params, Adam/AdamW 2x params + 4 B per param tensor) + input batch (+ targets). Forward: each op's non-view
  output is live until its last use unless autograd saves it (conv: input + weight; BN: input + save_mean +
  save_invstd; ReLU: its output; add/flatten/view: nothing; mm with an input needing no grad: no weight);
  outputs of in-place ops add nothing; the loss, the output and the backward seed (4 B) stay alive.
- Backward: walk the ops in reverse; at each op add its grad outputs (activation grads, weight grads that then
  stay as Gradient to the end of the step), then release its saved tensors and the grads it consumed; sample the
  peak after each op. The shortcut "end-of-forward live + all grads" overestimates: resnet18 SGD 32x224^2
  gives 803.5e6 vs the measured 782.6e6 (+2.7%, right at the 3% edge, and worse where the grads are larger).
- Optimizer: all grads alive, activations gone but output + loss; add the for-loop transient (Adam/AdamW:
  max_i 2 x p_i + p_{i-1} in parameters() order; SGD/momentum: 0; foreach=True: 1x params).
- Autocast: add a low-precision copy of each conv/linear weight (+ linear bias) and of each fp32 tensor entering
  a low-precision op, alive while saved; activations of autocast ops in bf16; BN's save_mean/invstd stay fp32 on
  CPU although torch's meta kernel says bf16 (a meta trace must correct that, else it is low by 4 x C B per BN).
- What this measure excludes (kernel scratch) the predictor must exclude too, or report apart.
- The cheapest faithful check is this module's fake variant (FakeTensorMode + MemTracker): same bytes, no
  compute, ~1 s for resnet18 whatever the input size; cnncalc should match its per-phase peaks, not only the
  total.
"""

from __future__ import annotations

import copy
import gc
import time
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn
from torch.distributed._tools.mem_tracker import MemTracker
from torch.utils._pytree import tree_flatten

OPTIMIZERS = ("sgd", "momentum", "adam", "adamw", "none")
PHASES = ("forward", "backward", "optimizer", "zero_grad")
# MemTracker's category names (values of torch.distributed._tools.mem_tracker._MemRefType) -> our field names
_CATEGORIES = {
    "Parameter": "params",
    "Buffer": "buffers",
    "Gradient": "grads",
    "Optstate": "optimizer",
    "Activation": "activations",
    "Temp": "temporaries",
    "Other": "other",
}
_TOTAL = "Total"


@dataclass(frozen=True)
class StepMemory:
    """The measured step's peak and what was alive at it (bytes). `peak_bytes` = the sum of the category fields."""

    peak_bytes: int
    params: int
    buffers: int
    grads: int
    optimizer_state: int  # tensors held in optimizer.state (exp_avg, momentum_buffer, step scalars ...)
    optimizer_temporaries: int  # transient outputs of optimizer.step() alive at the peak (Adam's sqrt / div)
    activations: int  # forward outputs incl. loss, BN saved stats, autocast weight casts
    temporaries: int  # backward outputs that are not weight grads (activation grads ...)
    other: int  # the input batch (and anything passed in `track`)
    weight_casts: int  # of `activations`: autocast's low-precision copies of parameters alive at the peak
    grads_labelled_temp: int  # of `grads`: weight grads MemTracker still called Temp at the peak (see docstring)
    phase: str  # "forward" (incl. loss), "backward", "optimizer", "zero_grad", or "start" (nothing rose)
    module: str  # deepest module active at the peak ("" outside any module, e.g. in optimizer.step())
    op: str  # the aten op whose output made the peak
    peak_step: int  # 1-based step whose peak is the largest of all steps run
    step_peaks: tuple[int, ...]  # peak of every step run, in order; peak_bytes == step_peaks[-1]
    phase_peaks: tuple[tuple[str, int], ...]  # measured step: highest live total reached inside each phase
    phase_ends: tuple[tuple[str, int], ...]  # measured step: live total at the end of each phase
    resident_bytes: int  # live at the start of the measured step
    module_peaks: tuple[tuple[str, int, int], ...] = field(repr=False)  # (fqn, forward peak, backward peak)
    seconds: float = 0.0  # wall time of the whole measurement (model copy/conversion + all steps)
    fake: bool = False

    def categories(self) -> dict[str, int]:
        return {
            name: getattr(self, name)
            for name in (
                "params",
                "buffers",
                "grads",
                "optimizer_state",
                "optimizer_temporaries",
                "activations",
                "temporaries",
                "other",
            )
        }

    def phase_peak(self, phase: str) -> int:
        return dict(self.phase_peaks).get(phase, 0)

    def same_bytes(self, other: StepMemory) -> bool:
        """Same memory figures (everything but timing and the fake flag)."""
        skip = {"seconds", "fake"}
        return all(getattr(self, k) == getattr(other, k) for k in self.__dataclass_fields__ if k not in skip)


def _total(snapshot: dict[Any, dict[Any, int]]) -> int:
    return sum(dev.get(_TOTAL, 0) for dev in snapshot.values())


def _by_category(snapshot: dict[Any, dict[Any, int]]) -> dict[str, int]:
    out = dict.fromkeys(_CATEGORIES.values(), 0)
    for dev in snapshot.values():
        for key, val in dev.items():
            if key != _TOTAL:
                out[_CATEGORIES[str(getattr(key, "value", key))]] += val
    return out


def _deepest(parents: Iterable[str]) -> str:
    names = sorted(p for p in parents if p != "Global")
    return max(names, key=lambda n: n.count("."), default="")


def _storage_bytes(tensors: Iterable[torch.Tensor]) -> int:
    """Bytes of the distinct storages behind `tensors` (views and shared storages count once)."""
    seen = {t.untyped_storage()._cdata: t.untyped_storage().nbytes() for t in tensors}
    return sum(seen.values())


class _PhaseTracker(MemTracker):
    """MemTracker that also records, per step, the peak of each phase and where (phase, module, op) the step's
    peak was reached, and the bytes of autocast weight casts alive at it."""

    def __init__(self, param_ids: set[int]) -> None:
        super().__init__()
        self._param_ids = param_ids
        self.phase = "start"
        self._func: Any = None
        self._cast_from_param = False
        self._cast_live = 0
        self.start_step()

    def start_step(self) -> None:
        self.phase = "start"
        self.step_peak = _total(self._curr_mem_snap)
        self.step_peak_snap = copy.deepcopy(self._curr_mem_snap)
        self.step_where = ("start", "", "")
        self.step_casts = self._cast_live
        self.phase_peaks: dict[str, int] = {}
        self.phase_ends: dict[str, int] = {}
        self._temps: list[tuple[Any, weakref.ref[Any]]] = []
        self.step_peak_temps: list[Any] = []

    def end_phase(self) -> None:
        self.phase_ends[self.phase] = _total(self._curr_mem_snap)

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):  # type: ignore[no-untyped-def]
        self._func = func
        self._cast_from_param = (
            func is torch.ops.aten._to_copy.default and bool(args) and id(args[0]) in self._param_ids
        )
        return super().__torch_dispatch__(func, types, args, kwargs)

    def _track(self, reftype: Any, t: torch.Tensor) -> None:
        st = t.untyped_storage()
        new = st not in self._WINFO
        super()._track(reftype, t)
        if not new or st not in self._WINFO:
            return
        if self._cast_from_param:
            nbytes = st.nbytes()
            self._cast_live += nbytes
            # a finalizer on the storage object, like MemTracker's own weakref callback
            weakref.finalize(st, self._cast_freed, nbytes)
        if str(reftype.value) == "Temp":
            # a weight grad is born Temp and turned into Gradient by a hook that runs after its op: remember
            # the Temp storages so that those alive at the peak can be re-labelled once the step is over
            self._temps.append((self._WINFO[st][0], weakref.ref(st)))

    def _cast_freed(self, nbytes: int) -> None:
        self._cast_live -= nbytes

    def _update_peak_stats(self, peak_state: Any) -> None:
        super()._update_peak_stats(peak_state)
        total = _total(self._curr_mem_snap)
        if total > self.phase_peaks.get(self.phase, -1):
            self.phase_peaks[self.phase] = total
        if total > self.step_peak:
            self.step_peak = total
            self.step_peak_snap = copy.deepcopy(self._curr_mem_snap)
            self.step_where = (self.phase, _deepest(self._mod_tracker.parents), str(self._func))
            self.step_casts = self._cast_live
            self._temps = [(w, ref) for w, ref in self._temps if ref() is not None]
            self.step_peak_temps = [w for w, _ in self._temps if str(w.reftype.value) == "Temp"]

    def grads_labelled_temp(self) -> int:
        """Bytes that were Temp at the step's peak and are Gradient now (or were, until zero_grad freed them)."""
        return sum(w.mem_consumed for w in self.step_peak_temps if str(w.reftype.value) == "Gradient")

    def module_peaks(self) -> tuple[tuple[str, int, int], ...]:
        rows = []
        for stats in self.memory_tracking.values():
            fw = max((_total(s) for s in stats.snapshots.get(_peak_state("PEAK_FW"), [])), default=0)
            bw = max((_total(s) for s in stats.snapshots.get(_peak_state("PEAK_BW"), [])), default=0)
            rows.append((stats.mod_fqn, fw, bw))
        return tuple(rows)


def _peak_state(name: str) -> Any:
    from torch.distributed._tools.mem_tracker import _ModState

    return getattr(_ModState, name)


def make_optimizer(
    name: str, params: Iterable[nn.Parameter], lr: float = 1e-3, **kwargs: Any
) -> torch.optim.Optimizer | None:
    """An optimizer by name: sgd (no momentum), momentum (SGD, 0.9), adam, adamw (torch defaults otherwise), none."""
    params = list(params)
    if name == "none":
        return None
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, **kwargs)
    if name == "momentum":
        return torch.optim.SGD(params, lr=lr, momentum=0.9, **kwargs)
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, **kwargs)
    if name == "adamw":
        return torch.optim.AdamW(params, lr=lr, **kwargs)
    raise ValueError(f"optimizer must be one of {OPTIMIZERS}, not {name!r}")


def optimizer_kwargs(optimizer: str, foreach: bool) -> dict[str, Any] | None:
    """The implementation cnncalc traced, asked of torch.optim explicitly (its CPU default is the for-loop)."""
    return None if optimizer == "none" else {"foreach": foreach}


def default_loss(output: Any) -> torch.Tensor:
    """Sum of `.float().sum()` over every floating tensor in the output pytree."""
    tensors = [t for t in tree_flatten(output)[0] if isinstance(t, torch.Tensor) and t.is_floating_point()]
    if not tensors:
        raise ValueError("the model output holds no floating tensor to make a loss from")
    loss = tensors[0].float().sum()
    for t in tensors[1:]:
        loss = loss + t.float().sum()
    return loss


_AMP = {None: None, "bf16": torch.bfloat16, "fp16": torch.float16}


def _autocast(amp: str | None, device_type: str) -> Any:
    if amp not in _AMP:
        raise ValueError(f"amp must be None, 'bf16' or 'fp16', not {amp!r}")
    dtype = _AMP[amp]
    if dtype is None:
        return torch.autocast(device_type, enabled=False)
    return torch.autocast(device_type, dtype=dtype)


def _as_tuple(inputs: Any) -> tuple[Any, ...]:
    if isinstance(inputs, torch.Tensor):
        return (inputs,)
    return tuple(inputs)


def _state_tensors(optimizer: torch.optim.Optimizer | None) -> list[torch.Tensor]:
    if optimizer is None:
        return []
    return [v for state in optimizer.state.values() for v in state.values() if isinstance(v, torch.Tensor)]


def _run_steps(
    model: nn.Module,
    inputs: tuple[Any, ...],
    *,
    loss_fn: Callable[[Any], torch.Tensor] | None,
    optimizer: str,
    amp: str | None,
    lr: float,
    steps: int,
    track: Sequence[torch.Tensor],
    optimizer_kwargs: dict[str, Any],
    t0: float,
    fake: bool,
) -> StepMemory:
    if steps < 1:
        raise ValueError("steps must be >= 1")
    loss_fn = loss_fn or default_loss
    model.train()
    for p in model.parameters():
        p.grad = None
    opt = make_optimizer(optimizer, model.parameters(), lr=lr, **optimizer_kwargs)
    device_type = next((p.device.type for p in model.parameters()), "cpu")
    tracker = _PhaseTracker({id(p) for p in model.parameters()})
    tracker.track_external(model, opt, *[t for t in inputs if isinstance(t, torch.Tensor)], *track)

    step_peaks: list[int] = []
    for _ in range(steps):
        gc.collect()
        gc.disable()
        try:
            tracker.reset_mod_stats()
            tracker.start_step()
            resident = _total(tracker.get_tracker_snapshot())
            with tracker:
                tracker.phase = "forward"
                with _autocast(amp, device_type):
                    out = model(*inputs)
                    loss = loss_fn(out)
                tracker.end_phase()
                tracker.phase = "backward"
                loss.backward()
                tracker.end_phase()
                tracker.phase = "optimizer"
                if opt is not None:
                    opt.step()
                tracker.end_phase()
                tracker.phase = "zero_grad"
                if opt is not None:
                    opt.zero_grad(set_to_none=True)
                else:
                    model.zero_grad(set_to_none=True)
                tracker.end_phase()
                del out, loss
            module_peaks = tracker.module_peaks()
        finally:
            gc.enable()
        mt_peak = _total(tracker.get_tracker_snapshot("peak"))
        if mt_peak != tracker.step_peak:
            raise AssertionError(f"MemTracker peak {mt_peak} != recorded peak {tracker.step_peak}")
        step_peaks.append(tracker.step_peak)

    cats = _by_category(tracker.step_peak_snap)
    labelled_temp = tracker.grads_labelled_temp()
    cats["grads"] += labelled_temp
    cats["temporaries"] -= labelled_temp
    state = _storage_bytes(_state_tensors(opt))
    phase, module, op = tracker.step_where
    return StepMemory(
        peak_bytes=tracker.step_peak,
        params=cats["params"],
        buffers=cats["buffers"],
        grads=cats["grads"],
        optimizer_state=min(state, cats["optimizer"]),
        optimizer_temporaries=cats["optimizer"] - min(state, cats["optimizer"]),
        activations=cats["activations"],
        temporaries=cats["temporaries"],
        other=cats["other"],
        weight_casts=tracker.step_casts,
        grads_labelled_temp=labelled_temp,
        phase=phase,
        module=module,
        op=op,
        peak_step=1 + step_peaks.index(max(step_peaks)),
        step_peaks=tuple(step_peaks),
        phase_peaks=tuple((p, tracker.phase_peaks[p]) for p in PHASES if p in tracker.phase_peaks),
        phase_ends=tuple((p, tracker.phase_ends[p]) for p in PHASES if p in tracker.phase_ends),
        resident_bytes=resident,
        module_peaks=module_peaks,
        seconds=time.perf_counter() - t0,
        fake=fake,
    )


def measure_training_step(
    model: nn.Module,
    inputs: Sequence[Any] | torch.Tensor,
    loss_fn: Callable[[Any], torch.Tensor] | None = None,
    optimizer: str = "sgd",
    amp: str | None = None,
    lr: float = 1e-3,
    steps: int = 2,
    *,
    track: Sequence[torch.Tensor] = (),
    optimizer_kwargs: dict[str, Any] | None = None,
    copy_model: bool = True,
) -> StepMemory:
    """Run `steps` real training steps of `model(*inputs)` and return the memory of the last one.

    A step: train-mode forward and `loss_fn(output)` (default: `default_loss`) under `torch.autocast` when `amp`
    is "bf16"/"fp16" (no GradScaler), `loss.backward()`, `optimizer.step()`, `zero_grad(set_to_none=True)`.
    The model is deep-copied first (unless `copy_model=False`) so the caller's weights, stats and grads are left
    alone. `track`: extra tensors the loss uses (targets), counted as "other". `optimizer_kwargs` go to the
    optimizer's constructor (e.g. `{"foreach": True}`).
    """
    t0 = time.perf_counter()
    if copy_model:
        model = copy.deepcopy(model)
    return _run_steps(
        model,
        _as_tuple(inputs),
        loss_fn=loss_fn,
        optimizer=optimizer,
        amp=amp,
        lr=lr,
        steps=steps,
        track=track,
        optimizer_kwargs=dict(optimizer_kwargs or {}),
        t0=t0,
        fake=False,
    )


def _fake_like(t: torch.Tensor) -> torch.Tensor:
    """Inside a FakeTensorMode: an uninitialised fake tensor with t's layout (meta tensors become CPU ones)."""
    device = torch.device("cpu") if t.is_meta else t.device
    return torch.empty_strided(t.shape, t.stride(), dtype=t.dtype, device=device)


def _fake_model(model: nn.Module) -> nn.Module:
    """A copy of `model` whose parameters and buffers are fake (shared/tied tensors stay shared); no data copied."""
    memo: dict[int, Any] = {}
    for p in model.parameters():
        if id(p) not in memo:
            memo[id(p)] = nn.Parameter(_fake_like(p.detach()), requires_grad=p.requires_grad)
    for b in model.buffers():
        if id(b) not in memo:
            memo[id(b)] = _fake_like(b)
    return copy.deepcopy(model, memo)


def measure_training_step_fake(
    model: nn.Module | Callable[[], nn.Module],
    inputs: Sequence[Any] | torch.Tensor,
    loss_fn: Callable[[Any], torch.Tensor] | None = None,
    optimizer: str = "sgd",
    amp: str | None = None,
    lr: float = 1e-3,
    steps: int = 2,
    *,
    track: Sequence[torch.Tensor] = (),
    optimizer_kwargs: dict[str, Any] | None = None,
) -> StepMemory:
    """`measure_training_step` on FakeTensorMode tensors: same figures, no data, no arithmetic.

    `model` is a module (real or meta; converted to fake parameters/buffers of the same layout, CPU for meta) or
    a zero-argument factory called inside the fake mode. `inputs` (and `track`) are real or meta tensors, only
    their layout is used; non-tensor inputs are passed as they are.
    """
    from torch._subclasses.fake_tensor import FakeTensorMode

    t0 = time.perf_counter()
    mode = FakeTensorMode(allow_non_fake_inputs=True)
    with mode:
        fake_model = _fake_model(model) if isinstance(model, nn.Module) else model()
        fake_inputs = tuple(_fake_like(t) if isinstance(t, torch.Tensor) else t for t in _as_tuple(inputs))
        fake_track = [_fake_like(t) for t in track]
        return _run_steps(
            fake_model,
            fake_inputs,
            loss_fn=loss_fn,
            optimizer=optimizer,
            amp=amp,
            lr=lr,
            steps=steps,
            track=fake_track,
            optimizer_kwargs=dict(optimizer_kwargs or {}),
            t0=t0,
            fake=True,
        )


def measure_inference(model: nn.Module, inputs: Sequence[Any] | torch.Tensor, amp: str | None = None) -> int:
    """Peak bytes of one eval-mode `torch.no_grad()` forward of `model(*inputs)` (params + buffers + inputs +
    live forward outputs, the returned output included), same tracker and conventions as the training step."""
    inputs = _as_tuple(inputs)
    was_training = model.training
    model.eval()
    tracker = MemTracker()
    tracker.track_external(model, *[t for t in inputs if isinstance(t, torch.Tensor)])
    device_type = next((p.device.type for p in model.parameters()), "cpu")
    gc.collect()
    gc.disable()
    try:
        with tracker, torch.no_grad(), _autocast(amp, device_type):
            out = model(*inputs)
        del out
    finally:
        gc.enable()
        model.train(was_training)
    return _total(tracker.get_tracker_snapshot("peak"))


# ----------------------------------------------------------------------------------------------------------------
# The table in the docstring: `python tests/helpers/memtrack.py` (about a minute on 2 cores).


class DeformBlock(nn.Module):
    """torchvision DeformConv2d fed by a plain conv offset branch (8 -> 16 channels, 3x3)."""

    def __init__(self, cin: int = 8, cout: int = 16, k: int = 3) -> None:
        super().__init__()
        import torchvision

        self.offset = nn.Conv2d(cin, 2 * k * k, k, padding=k // 2)
        self.deform = torchvision.ops.DeformConv2d(cin, cout, k, padding=k // 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.deform(x, self.offset(x))


def demo_cases() -> list[tuple[str, Callable[[], nn.Module], tuple[int, ...]]]:
    import torchvision

    def se() -> nn.Module:
        return nn.Sequential(nn.Conv2d(32, 32, 3, padding=1), torchvision.ops.SqueezeExcitation(32, 8))

    def vit() -> nn.Module:
        return torchvision.models.VisionTransformer(
            image_size=32, patch_size=8, num_layers=2, num_heads=2, hidden_dim=64, mlp_dim=128
        )

    return [
        ("resnet18", torchvision.models.resnet18, (2, 3, 64, 64)),
        ("mobilenet_v2", torchvision.models.mobilenet_v2, (2, 3, 64, 64)),
        ("vit-tiny", vit, (2, 3, 32, 32)),
        ("deform", DeformBlock, (2, 8, 16, 16)),
        ("conv+se", se, (2, 32, 16, 16)),
    ]


def _row(name: str, label: str, real: StepMemory, fake: StepMemory) -> str:
    c = real
    op = c.op.split(".")[1] if c.op.count(".") >= 2 else c.op
    where = f"{c.phase}:{c.module.split('.', 1)[-1] if '.' in c.module else c.module}:{op}"
    diff = real.peak_bytes - fake.peak_bytes
    return (
        f"{name:<12} {label:<14} {c.peak_bytes:>11,} {c.params:>10,} {c.buffers:>7,} {c.grads:>10,} "
        f"{c.optimizer_state:>10,} {c.optimizer_temporaries:>10,} {c.activations:>9,} {c.weight_casts:>9,} "
        f"{c.temporaries:>9,} {c.other:>6,}  {where:<40} {real.seconds:5.2f} {fake.seconds:5.2f} "
        f"{'=' if real.same_bytes(fake) else f'{diff:+,}'}"
    )


def main() -> None:
    torch.manual_seed(0)
    print(
        f"{'model':<12} {'optimizer':<14} {'peak':>11} {'P':>10} {'B':>7} {'G':>10} {'S':>10} {'T':>10} "
        f"{'A':>9} {'(casts)':>9} {'Tmp':>9} {'O':>6}  {'phase:module:op':<40} {'real':>5} {'fake':>5} fake"
    )
    phase_runs: dict[str, StepMemory] = {}
    for name, factory, shape in demo_cases():
        model = factory()
        x = torch.randn(shape)
        runs: list[tuple[str, str | None, dict[str, Any]]] = [(opt, None, {}) for opt in OPTIMIZERS]
        if name == "resnet18":
            runs += [(o, "bf16", {}) for o in OPTIMIZERS] + [("adam", None, {"foreach": True})]
        for opt, amp, kw in runs:
            real = measure_training_step(model, [x], optimizer=opt, amp=amp, optimizer_kwargs=kw)
            again = measure_training_step(model, [x], optimizer=opt, amp=amp, optimizer_kwargs=kw)
            fake = measure_training_step_fake(model, [x], optimizer=opt, amp=amp, optimizer_kwargs=kw)
            if not real.same_bytes(again):
                raise AssertionError(f"not deterministic: {real} != {again}")
            label = opt + ("+" + amp if amp else "") + (" foreach" if kw else "")
            print(_row(name, label, real, fake), flush=True)
            if name == "resnet18" and opt in ("sgd", "adam") and not kw:
                phase_runs[label] = real
        t0 = time.perf_counter()
        inf = measure_inference(model, [x])
        print(f"{name:<12} {'inference':<14} {inf:>11,}  (eval no_grad forward, {time.perf_counter() - t0:.2f} s)")
    for label, run in phase_runs.items():
        print(f"\nresnet18 2x3x64x64 {label}, step 2: resident at start {run.resident_bytes:,}")
        for (phase, peak), (_, end) in zip(run.phase_peaks, run.phase_ends, strict=True):
            print(f"  {phase:<10} highest {peak:>12,}   at its end {end:>12,}")
        print(f"  step peaks {run.step_peaks}; the peak: {run.phase} {run.module} {run.op}")
    print("\ntiming, resnet18 adam (seconds, whole measurement of 2 steps)")
    model = torchvision_resnet18()
    for shape in ((2, 3, 64, 64), (4, 3, 128, 128), (32, 3, 224, 224)):
        fake = measure_training_step_fake(model, [torch.empty(shape, device="meta")], optimizer="adam")
        line = f"  {shape!s:<18} fake {fake.seconds:5.2f} s  peak {fake.peak_bytes:>12,} ({fake.phase})"
        if shape[0] * shape[2] * shape[3] <= 4 * 128 * 128:
            real = measure_training_step(model, [torch.randn(shape)], optimizer="adam")
            line += f"   real {real.seconds:5.2f} s  {'same bytes' if real.same_bytes(fake) else 'DIFFERENT'}"
        print(line, flush=True)


def torchvision_resnet18() -> nn.Module:
    import torchvision

    return torchvision.models.resnet18()


if __name__ == "__main__":
    main()
