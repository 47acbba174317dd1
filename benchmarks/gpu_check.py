"""The GPU checks, in one process: `cnncalc profile resnet50 --device cuda` at batch 1 and 64, in float32 and
bfloat16 with channels-last, beside an independent CUDA-event loop over the same model.

    PYTHONPATH=. python3 benchmarks/gpu_check.py [--out DIR]

The independent loop: the same architecture (torchvision's resnet50, random weights), the same dtype and
memory format, cudnn.benchmark on, 20 warm-up calls, then 100 back-to-back calls between one pair of
CUDA events: its mean per call is set beside cnncalc's median.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import torch
import torchvision

from cnncalc.profiling.run import profile
from cnncalc.rendering import render


def independent_loop(batch: int, dtype: torch.dtype, iterations: int = 100) -> float:
    model = torchvision.models.resnet50().eval().to("cuda", dtype=dtype, memory_format=torch.channels_last)
    x = torch.randn(batch, 3, 224, 224, device="cuda", dtype=dtype).contiguous(memory_format=torch.channels_last)
    torch.backends.cudnn.benchmark = True
    with torch.inference_mode():
        for _ in range(20):
            model(x)
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        for _ in range(iterations):
            model(x)
        end.record()
        torch.cuda.synchronize()
    return start.elapsed_time(end) / iterations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.environ.get("OUT", "."))
    args = parser.parse_args()
    print(f"# {torch.cuda.get_device_name()} | torch {torch.__version__} | torchvision {torchvision.__version__}")
    rows = []
    for dtype_name, dtype in (("float32", torch.float32), ("bfloat16", torch.bfloat16)):
        started = time.perf_counter()
        report = profile("resnet50", device="cuda", batch=[1, 64], dtype=dtype_name, channels_last=True,
                         min_time=2.0, warmup=20)
        with open(os.path.join(args.out, f"profile_resnet50_{dtype_name}.json"), "w", encoding="utf-8") as f:
            f.write(render(report, "json"))
        for run in report.runs:
            assert run.latency is not None
            loop_ms = independent_loop(run.batch, dtype)
            rows.append((dtype_name, run.batch, run.latency.median, run.latency.p10, run.latency.p90,
                         run.latency.cold, run.latency.samples, loop_ms, run.roofline_ms, run.flops_per_s,
                         run.peak_memory_bytes))
        print(f"profiled {dtype_name} in {time.perf_counter() - started:.1f} s; settings "
              f"{json.dumps(report.settings.to_dict())}; peaks {json.dumps(report.peaks.to_dict())}")
    print("\ndtype     batch  median_ms  p10-p90_ms        cold_ms  n     loop_ms  ratio  roofline_ms  TFLOP/s  "
          "peak_MiB")
    for d, b, med, p10, p90, cold, n, loop, roof, fps, mem in rows:
        print(f"{d:9} {b:5d} {med:10.3f}  {p10:7.3f}-{p90:<7.3f} {cold:9.1f} {n:4d} {loop:10.3f} {med / loop:6.3f} "
              f"{roof:12.3f} {fps / 1e12:8.1f} {mem / 2**20:9.0f}")


if __name__ == "__main__":
    main()
