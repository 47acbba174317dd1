"""How far this machine's measurements agree with themselves: the ceiling any latency predictor meets here.

    python benchmarks/repeatability.py out/v16/predict-report-dev-cpu-1t.rows.jsonl out/v17/predict-report-….rows.jsonl
    python benchmarks/repeatability.py --sitting out/predict-report-….rows.jsonl out/v*/predict-report-….rows.jsonl

Each file is the rows one run of `benchmarks/predict.py` kept (a sitting: the same models, measured in the same way,
at another time). For each ordered pair of sittings, one's measured times are taken as the prediction of the
other's and scored as `benchmarks/predict.py` scores cnncalc (`predict.scores`: within ±10% and ±5%, the median and
90th-percentile |error|, Spearman), on the models both measured; once as measured, and once with the first sitting's
times scaled by the median ratio between the two (a predictor that knew the machine's speed that day). A predictor
that knew every model's time exactly as one sitting measured it scores this against another: measurement alone
leaves that much error. With `--sitting`, the other files are each scored against that one, beside cnncalc's own
prediction in it.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
# predict.py imports torch.utils.benchmark, whose cpp_extension warns about CUDA_HOME on a machine without CUDA
logging.getLogger("torch.utils.cpp_extension").setLevel(logging.ERROR)

from predict import scores  # noqa: E402  (benchmarks/predict.py, beside this script)

Times = dict[tuple[str, int], float]


def read(path: Path) -> tuple[Times, Times]:
    """A sitting's measured and predicted milliseconds, by model and batch."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return ({(r["model"], r["batch"]): r["measured_ms"] for r in rows},
            {(r["model"], r["batch"]): r["predicted_ms"] for r in rows})


def compared(guess: Times, measured: Times) -> tuple[dict[str, float], dict[str, float], float, int]:
    """`guess` scored as a prediction of `measured` on their common models, as it is and scaled by the median
    ratio; the ratio, and the models compared."""
    common = sorted(set(guess) & set(measured))
    if not common:
        raise ValueError("no model in common")
    g, m = [guess[k] for k in common], [measured[k] for k in common]
    ratio = statistics.median(b / a for a, b in zip(g, m, strict=True))
    return scores(g, m), scores([v * ratio for v in g], m), ratio, len(common)


def line(label: str, s: dict[str, float]) -> str:
    return (f"{label:40s} {s['within_10']:5.0%} {s['within_5']:5.0%} {s['median']:7.1%} {s['p90']:7.1%} "
            f"{s['spearman']:8.3f}")


HEADER = f"{'':40s} {'±10%':>5s} {'±5%':>5s} {'median':>7s} {'p90':>7s} {'Spearman':>8s}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", nargs="+", type=Path, help="predict.py's rows files, one per sitting")
    parser.add_argument("--sitting", type=Path, help="score every other file against this one only")
    args = parser.parse_args()
    # a rescored run's rows repeat the measurements of the run it rescored: not a sitting of their own
    files = [p for p in args.rows if p != args.sitting and not p.name.endswith("-rescored.rows.jsonl")]
    if len(files) + (args.sitting is not None) < 2:
        raise SystemExit("repeatability: give at least two sittings' rows files")
    sittings = {}
    for path in [*files, *([args.sitting] if args.sitting else [])]:
        try:
            sittings[path] = read(path)
        except (OSError, KeyError, TypeError, ValueError) as e:  # ValueError: JSONDecodeError too
            raise SystemExit(f"repeatability: {path} is not the rows of a benchmarks/predict.py run "
                             f"({type(e).__name__}: {e})") from None
    pairs = ([(a, args.sitting) for a in files] if args.sitting else
             [(a, b) for a in files for b in files if a != b])
    print(HEADER)
    raw, scaled = [], []
    for a, b in pairs:
        try:
            s, t, ratio, n = compared(sittings[a][0], sittings[b][0])
        except ValueError:
            print(f"{a.parent.name}/ and {b.parent.name}/ measured no model in common: left out")
            continue
        raw.append(s)
        scaled.append(t)
        print(line(f"{a.parent.name}/ as {b.parent.name}/ ({n} models)", s))
        print(line(f"  × {ratio:.3f} (the median ratio)", t))
    if not raw:
        raise SystemExit("repeatability: no two sittings measured a model in common")
    for label, group in (("as measured", raw), ("scaled by the median ratio", scaled)):
        shares = sorted(s["within_10"] for s in group)
        medians = sorted(s["median"] for s in group)
        print(f"over {len(group)} pairs, {label}: within ±10% {shares[0]:.0%} to {shares[-1]:.0%} (median "
              f"{statistics.median(shares):.0%}); median |error| {medians[0]:.1%} to {medians[-1]:.1%} (median "
              f"{statistics.median(medians):.1%})")
    if args.sitting:
        measured, predicted = sittings[args.sitting]
        common = sorted(set(measured) & set(predicted))
        print(line(f"cnncalc predict in {args.sitting.parent.name}/ ({len(common)} models)",
                   scores([predicted[k] for k in common], [measured[k] for k in common])))


if __name__ == "__main__":
    main()
