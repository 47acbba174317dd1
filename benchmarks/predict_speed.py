"""What predicting costs beside analysing: `cnncalc.predict` against `cnncalc.analyze` on the same models.

    python benchmarks/predict_speed.py --profile dev-cpu-1t [--runs 3]

Both trace the model on the meta device; predict also keeps every op call and asks the profile's models. Each is
timed in this process after one warm-up run of each (the first imports and builds), in `--runs` pairs, an analyze
then a predict, so that the machine's changes of speed (seconds to minutes on a shared VM) fall on both alike; the
ratio printed per model is the median of the pairs' ratios (the target is ≤ 1.2), beside each one's median time.
"""

from __future__ import annotations

import argparse
import statistics
import time

MODELS = ("resnet18", "resnet50", "mobilenet_v3_large", "efficientnet_b0", "densenet121", "convnext_tiny",
          "vit_b_16", "regnet_y_8gf")


def paired(first: object, second: object, runs: int) -> tuple[float, float, float]:
    """The median seconds of `first` and of `second`, timed in alternation after a warm-up of each, and the median
    of second ÷ first over the pairs."""
    first()  # type: ignore[operator]
    second()  # type: ignore[operator]
    pairs = []
    for _ in range(runs):
        times = []
        for fn in (first, second):
            start = time.perf_counter()
            fn()  # type: ignore[operator]
            times.append(time.perf_counter() - start)
        pairs.append(times)
    return (statistics.median(a for a, _ in pairs), statistics.median(b for _, b in pairs),
            statistics.median(b / a for a, b in pairs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="dev-cpu-1t")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    if args.runs < 1:
        parser.error(f"--runs {args.runs}: give at least 1 pair")
    import cnncalc
    from cnncalc.latency.profile import load_profile

    prof = load_profile(args.profile)
    print(f"# predict ÷ analyze, {args.runs} pairs each, medians (profile {args.profile})")
    print(f"{'model':22} {'analyze s':>10} {'predict s':>10} {'ratio':>6}")
    ratios = []
    for name in MODELS:
        analysed, predicted, ratio = paired(lambda n=name: cnncalc.analyze(n), lambda n=name: cnncalc.predict(n, prof),
                                            args.runs)
        ratios.append(ratio)
        print(f"{name:22} {analysed:10.3f} {predicted:10.3f} {ratio:6.2f}", flush=True)
    print(f"largest ratio {max(ratios):.2f}, median {statistics.median(ratios):.2f}")


if __name__ == "__main__":
    main()
