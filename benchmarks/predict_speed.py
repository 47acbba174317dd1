"""What predicting costs beside analysing: `cnncalc.predict` against `cnncalc.analyze` on the same models.

    python benchmarks/predict_speed.py --profile dev-cpu-1t [--runs 3]

Both trace the model on the meta device; predict also keeps every op call and asks the profile's models. Each is
timed in this process, the median of `--runs` after one warm-up run (the first imports and builds), and the
ratio predict ÷ analyze printed per model (the target is ≤ 1.2).
"""

from __future__ import annotations

import argparse
import statistics
import time

MODELS = ("resnet18", "resnet50", "mobilenet_v3_large", "efficientnet_b0", "densenet121", "convnext_tiny",
          "vit_b_16", "regnet_y_8gf")


def timed(fn: object, runs: int) -> float:
    fn()  # type: ignore[operator]
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="dev-cpu-1t")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    import cnncalc
    from cnncalc.latency.profile import load_profile

    prof = load_profile(args.profile)
    print(f"# predict ÷ analyze, median of {args.runs} runs each (profile {args.profile})")
    print(f"{'model':22} {'analyze s':>10} {'predict s':>10} {'ratio':>6}")
    ratios = []
    for name in MODELS:
        analysed = timed(lambda n=name: cnncalc.analyze(n), args.runs)
        predicted = timed(lambda n=name: cnncalc.predict(n, prof), args.runs)
        ratios.append(predicted / analysed)
        print(f"{name:22} {analysed:10.3f} {predicted:10.3f} {predicted / analysed:6.2f}", flush=True)
    print(f"largest ratio {max(ratios):.2f}, median {statistics.median(ratios):.2f}")


if __name__ == "__main__":
    main()
