"""Calibrate a lent GPU and check its predictions, in one short job (about 8 minutes on an H100).

    python benchmarks/gpu_calibrate.py [--budget 90] [--dtypes float32,bfloat16]

For each dtype: `cnncalc.calibrate(device="cuda", dtype=…)` into benchmarks/out/<gpu>-<dtype>.json.gz (the
profile to ship as cnncalc/latency/profiles/<gpu>-<dtype>.json.gz), then benchmarks/predict.py on its GPU set:
30 torchvision classification models at batch 1 and 64, measured with Timer.blocked_autorange (CUDA
synchronized around each block) and predicted from their meta traces. Everything it writes is also copied to
$OUT when that is set (the device machine hands $OUT back). Prepare and dry-run it on a CPU first:

    python benchmarks/gpu_calibrate.py --device cpu --budget 20 --dtypes float32 --quick
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=90.0, help="calibration seconds per dtype")
    parser.add_argument("--dtypes", default="float32,bfloat16")
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--min-time", type=float, default=0.2, help="seconds of blocked_autorange per model")
    parser.add_argument("--quick", action="store_true", help="three models only (a dry run)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    import torch

    import cnncalc

    if args.device.startswith("cuda") and not torch.cuda.is_available():
        sys.exit("gpu_calibrate: no CUDA device here")
    name = torch.cuda.get_device_name(0) if args.device.startswith("cuda") else "cpu"
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    OUT.mkdir(parents=True, exist_ok=True)
    written = []
    for dtype in args.dtypes.split(","):
        path = OUT / f"{slug}-{dtype}.json.gz"
        began = time.perf_counter()
        prof = cnncalc.calibrate(device=args.device, output=path, dtype=dtype, budget=args.budget)
        context = prof.context.held_out if prof.context else None
        print(f"{path.name}: {len(prof.kinds)} kinds, {prof.calibration['calls']} calls, "
              f"{prof.calibration.get('networks', 0)} networks in {time.perf_counter() - began:.0f} s; networks "
              f"held out: median {context.median if context else float('nan'):.1%}", flush=True)
        command = [sys.executable, str(ROOT / "benchmarks" / "predict.py"), "--profile", str(path), "--set", "gpu",
                   "--device", args.device, "--min-time", str(args.min_time)]
        if args.quick:
            command += ["--only", "resnet18,mobilenet_v3_large,vit_b_32"]
        subprocess.run(command, check=False, cwd=ROOT)
        written += [path, OUT / f"predict-gpu-{path.stem}.json"]
    target = os.environ.get("OUT")
    if target:
        for path in written:
            if path.exists():
                shutil.copy(path, Path(target) / path.name)


if __name__ == "__main__":
    main()
