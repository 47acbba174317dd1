"""The GPU checks of the training step, in one process (issue 10), for a machine with CUDA:

    PYTHONPATH=. python3 benchmarks/gpu_training_check.py [--out DIR] [--batches 8,32,64]

1. Predicted against measured peak memory: for resnet50 at three batch sizes, in float32 and under bf16
   autocast, cnncalc's predicted peak of a steady-state AdamW step (`analyze(..., train=True)`, the optimizer in
   its foreach form, PyTorch's CUDA default) beside `torch.cuda.max_memory_allocated` over the second of two
   real steps (reset_peak_memory_stats between them, so the state of the first step is resident). The measured
   figure also holds what the prediction leaves out by design: cuDNN's workspaces (allocated through PyTorch's
   caching allocator) and the allocator's 512-byte rounding; the difference is printed, not hidden.
2. `cnncalc profile resnet50 --train` against a hand-written loop: the same model, batch, optimizer and dtype,
   20 warm-up steps, then 50 back-to-back steps between one pair of CUDA events; its mean beside cnncalc's
   median.

With `--device cpu` (for checking the script without a GPU) the measured peak comes from torch's MemTracker on
real CPU steps (tests/helpers/memtrack.py) and the loop times with perf_counter.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import torch
import torchvision

from cnncalc.analysis.analyze import analyze
from cnncalc.profiling.run import profile

ROOT = Path(__file__).resolve().parents[1]
MODEL = "resnet50"


def measured_peak(batch: int, amp: str | None, device: torch.device) -> int:
    """The peak of the second of two real AdamW steps (train mode, loss = the output's sum in float32)."""
    torch.manual_seed(0)
    model = torchvision.models.resnet50().to(device).train()
    x = torch.rand(batch, 3, 224, 224, device=device)
    if device.type != "cuda":
        sys.path.insert(0, str(ROOT / "tests" / "helpers"))
        from memtrack import measure_training_step

        return measure_training_step(model, [x], optimizer="adamw", amp=amp,
                                     optimizer_kwargs={"foreach": True}).peak_bytes
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)  # foreach: the CUDA default
    cast = torch.autocast("cuda", dtype=torch.bfloat16) if amp == "bf16" else torch.autocast("cuda", enabled=False)

    def step() -> None:
        with cast:
            out = model(x)
        out.float().sum().backward()
        opt.step()
        opt.zero_grad(set_to_none=True)

    step()
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    step()
    torch.cuda.synchronize()
    return torch.cuda.max_memory_allocated()


def memory_rows(batches: list[int], device: torch.device) -> list[dict[str, Any]]:
    rows = []
    for amp in (None, "bf16"):
        for b in batches:
            t0 = time.perf_counter()
            report = analyze(MODEL, batch=b, train=True, optimizer="adamw", amp=amp)
            seconds = time.perf_counter() - t0
            assert report.training is not None
            predicted = report.training.peak_bytes
            measured = measured_peak(b, amp, device)
            if device.type == "cuda":
                torch.cuda.empty_cache()  # the last model's blocks, cached, are not the next one's
            rows.append({"batch": b, "amp": amp or "fp32", "predicted": predicted, "measured": measured,
                         "difference": measured - predicted, "relative": (predicted - measured) / measured,
                         "predict_s": seconds, "peak_phase": report.training.peak_phase,
                         "peak_op": report.training.peak_op})
            print(f"{MODEL} batch {b:>3} {amp or 'fp32':>4}: predicted {predicted:>15,} B  measured "
                  f"{measured:>15,} B  ({(predicted - measured) / measured:+.2%}; measured − predicted "
                  f"{measured - predicted:,} B)  traced in {seconds:.1f} s", flush=True)
    return rows


def hand_loop(batch: int, device: torch.device, steps: int = 50) -> float:
    """Mean milliseconds per AdamW training step, back to back."""
    torch.manual_seed(0)
    model = torchvision.models.resnet50().to(device).train()
    x = torch.rand(batch, 3, 224, 224, device=device)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    torch.backends.cudnn.benchmark = True

    def step() -> None:
        model(x).float().sum().backward()
        opt.step()
        opt.zero_grad(set_to_none=True)

    for _ in range(20 if device.type == "cuda" else 2):
        step()
    if device.type != "cuda":
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        return (time.perf_counter() - t0) * 1e3 / steps
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    torch.cuda.synchronize()
    start.record()
    for _ in range(steps):
        step()
    end.record()
    torch.cuda.synchronize()
    return start.elapsed_time(end) / steps


def timing_row(batch: int, device: torch.device) -> dict[str, Any]:
    min_time = 2.0 if device.type == "cuda" else 0.5
    report = profile(MODEL, device=str(device), batch=[batch], train=True, optimizer="adamw", warmup=10,
                     min_time=min_time)
    run = report.runs[0]
    assert run.latency is not None
    loop = hand_loop(batch, device, steps=50 if device.type == "cuda" else 3)
    row = {"batch": batch, "cnncalc_median_ms": run.latency.median, "p10_ms": run.latency.p10,
           "p90_ms": run.latency.p90, "samples": run.latency.samples, "hand_loop_ms": loop,
           "ratio": run.latency.median / loop, "measured_peak": run.peak_memory_bytes,
           "predicted_peak": run.predicted_peak_bytes}
    print(f"profile --train batch {batch}: median {run.latency.median:.2f} ms (p10 {run.latency.p10:.2f}, "
          f"p90 {run.latency.p90:.2f}, {run.latency.samples} steps); hand loop {loop:.2f} ms "
          f"(ratio {row['ratio']:.3f}); peak measured {run.peak_memory_bytes:,} B, predicted "
          f"{run.predicted_peak_bytes:,} B", flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.environ.get("OUT", "."), help="folder for gpu_training_check.json")
    parser.add_argument("--batches", default="8,32,64", help="batch sizes of the memory check")
    parser.add_argument("--timing-batch", type=int, default=32, help="batch of the profile --train check")
    parser.add_argument("--device", default="cuda", help="cuda (the check), or cpu (to try the script)")
    args = parser.parse_args()
    device = torch.device(args.device)
    if device.type == "cuda":
        print(f"{torch.cuda.get_device_name(device)}, torch {torch.__version__}", flush=True)
    batches = [int(b) for b in args.batches.split(",")]
    result = {"device": str(device), "torch": torch.__version__, "memory": memory_rows(batches, device),
              "timing": timing_row(args.timing_batch, device)}
    path = Path(args.out) / "gpu_training_check.json"
    path.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(f"# wrote {path}")


if __name__ == "__main__":
    main()
