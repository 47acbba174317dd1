"""cnncalc's CPU timing against torch.utils.benchmark at the same thread count.

    python benchmarks/profile_vs_timer.py [--min-time 2]

torch.utils.benchmark.Timer defaults to one thread; here it is given torch.get_num_threads(), the count
cnncalc profile uses and reports. Both medians should agree within their spreads.
"""

from __future__ import annotations

import argparse

import torch
import torch.utils.benchmark as tb

from cnncalc.modelzoo.sources import load_model, rebuild_real
from cnncalc.profiling.run import profile


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min-time", type=float, default=2.0)
    args = parser.parse_args()
    threads = torch.get_num_threads()
    print(f"# CPU, {threads} threads (torch.get_num_threads); medians in ms")
    print(f"{'model':20} {'batch':>5} {'cnncalc':>9} {'p10-p90':>15} {'Timer':>9} {'IQR':>15} {'ratio':>6}")
    for name, batch in (("lenet5", 8), ("mobilenet_v1_025", 1), ("resnet18", 1), ("resnet18", 4)):
        report = profile(name, device="cpu", batch=[batch], min_time=args.min_time, warmup=5)
        ours = report.runs[0].latency
        assert ours is not None
        model = rebuild_real(load_model(name)).eval()
        x = torch.randn((batch, *report.input_shape[1:]))
        with torch.inference_mode():
            timer = tb.Timer(stmt="model(x)", globals={"model": model, "x": x}, num_threads=threads)
            measured = timer.blocked_autorange(min_run_time=args.min_time)
        theirs = measured.median * 1e3
        iqr = f"{measured._p25 * 1e3:.2f}-{measured._p75 * 1e3:.2f}"
        print(f"{name:20} {batch:5d} {ours.median:9.2f} {ours.p10:7.2f}-{ours.p90:<7.2f} {theirs:9.2f} "
              f"{iqr:>15} {ours.median / theirs:6.2f}")


if __name__ == "__main__":
    main()
