"""Write cnncalc/modelzoo/catalogue.json, the model table `cnncalc models` reads, from live analyses.

    python scripts/make_catalogue.py            # every model (a few minutes: detectors run on real tensors)
    python scripts/make_catalogue.py --check    # exit 1 when the shipped table differs from a live analysis

tests/modelzoo/test_zoo.py, test_torchvision_models.py and test_models_tasks.py hold the shipped table against
live analyses too.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from cnncalc.analysis.entries import live_entry
from cnncalc.modelzoo.catalogue import TABLE
from cnncalc.modelzoo.sources import torchvision_names
from cnncalc.modelzoo.zoo import ZOO


def names() -> list[str]:
    return [*ZOO, *torchvision_names("all")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args()
    rows = []
    for name in names():
        start = time.perf_counter()
        rows.append(live_entry(name))
        print(f"{name:40s} {time.perf_counter() - start:6.2f} s", file=sys.stderr)
    text = json.dumps({"models": rows}, indent=1) + "\n"
    if args.check:
        shipped = json.loads(TABLE.read_text(encoding="utf-8"))["models"]
        differ = [r["name"] for r, s in zip(rows, shipped, strict=False) if r != s] + (
            ["(the list of models)"] if [r["name"] for r in rows] != [s["name"] for s in shipped] else [])
        if differ:
            print(f"catalogue.json differs from live analyses: {', '.join(differ)}", file=sys.stderr)
            return 1
        return 0
    TABLE.write_text(text, encoding="utf-8")
    print(f"wrote {TABLE} ({len(rows)} models)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
