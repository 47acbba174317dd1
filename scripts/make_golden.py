"""Write tests/golden/: what a set of commands prints in every text format, as the files tests/test_golden_outputs.py
holds the command line to (JSON parsed, so key order is free; every other format byte for byte).

    python scripts/make_golden.py            # rewrite every file (after a deliberate change of an output)
    python scripts/make_golden.py --check    # exit 1 when an output differs from its file

Tables are printed piped (whole, at their natural width) and at 80 columns (COLUMNS=80 on a terminal). Timings
(profile) are not deterministic and are left out.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"
FIXTURES = "tests/fixtures/user_models.py"

#: name → (command line, formats); "table" is piped, "table80" a terminal of 80 columns
CASES: dict[str, tuple[list[str], tuple[str, ...]]] = {
    "layer": (["layer", "xception-dw", "--cin", "3", "--cout", "256"], ("json", "csv", "markdown", "table", "table80")),
    "layer_se": (["layer", "se", "--cin", "256", "--size", "56"], ("json", "table")),
    "compare": (["compare", "xception-dw", "standard", "se", "--cin", "64", "--cout", "64"],
                ("json", "csv", "markdown", "table", "table80")),
    "designs": (["designs"], ("json", "markdown", "table")),
    "analyze": (["analyze", "resnet18"], ("json", "csv", "markdown", "table", "table80")),
    "analyze_depth": (["analyze", "lenet5", "--depth", "2"], ("json", "csv", "markdown", "table")),
    "analyze_train": (["analyze", "resnet18", "--train", "--optimizer", "sgd", "--input", "2x3x64x64"],
                      ("json", "csv", "markdown", "table")),
    "analyze_real_run": (["analyze", f"{FIXTURES}:Branchy", "--input", "1x3x16x16"], ("json", "markdown", "table")),
    "compare_models": (["compare", "resnet18", "mobilenet_v2"], ("json", "table")),
    "sweep": (["sweep", "xception-dw", "--vary", "cout=16,64", "--cin", "64", "--size", "56"],
              ("json", "csv", "markdown", "table", "table80")),
    "sweep_model": (["sweep", "lenet5", "--vary", "batch=1,2"], ("json", "csv", "markdown", "table")),
    "fit": (["fit", "resnet18", "--memory", "4GiB", "--input", "1x3x64x64"], ("json", "csv", "markdown", "table")),
    "validate": (["validate", "lenet5", "--no-fvcore"], ("json", "csv", "markdown", "table")),
    "models": (["models", "--task", "zoo"], ("json", "csv", "markdown", "table")),
}
SUFFIX = {"json": "json", "csv": "csv", "markdown": "md", "table": "txt", "table80": "80.txt"}


def run(argv: list[str], fmt: str) -> str:
    """What the command prints on stdout in one format (in this process)."""
    from cnncalc.cli import main

    args = [*argv] if fmt.startswith("table") else [*argv, "--format", fmt]
    out, err = io.StringIO(), io.StringIO()
    env = os.environ.copy()
    with contextlib.ExitStack() as stack:
        if fmt == "table80":  # as on a terminal 80 columns wide
            os.environ["COLUMNS"] = "80"
            os.environ["NO_COLOR"] = "1"
            stack.callback(lambda: (os.environ.clear(), os.environ.update(env)))
            stack.enter_context(_terminal())
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(args)
    if code not in (0, 1):
        raise SystemExit(f"{' '.join(args)} failed: {err.getvalue()}")
    return out.getvalue()


@contextlib.contextmanager
def _terminal() -> Iterator[None]:
    """Tables laid out as on a terminal (stdout is a StringIO here)."""
    from cnncalc.rendering import terminal

    real = terminal.is_terminal
    terminal.is_terminal = lambda file: True  # type: ignore[assignment]
    try:
        yield
    finally:
        terminal.is_terminal = real  # type: ignore[assignment]


def path(name: str, fmt: str) -> Path:
    return GOLDEN / f"{name}.{SUFFIX[fmt]}"


def same(fmt: str, expected: str, actual: str) -> bool:
    return json.loads(expected) == json.loads(actual) if fmt == "json" else expected == actual


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args()
    GOLDEN.mkdir(exist_ok=True)
    stale = []
    for name, (argv, formats) in CASES.items():
        for fmt in formats:
            text = run(argv, fmt)
            if args.check:
                if not path(name, fmt).exists() or not same(fmt, path(name, fmt).read_text(encoding="utf-8"), text):
                    stale.append(path(name, fmt).name)
            else:
                path(name, fmt).write_text(text, encoding="utf-8")
    if stale:
        print("differ: " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
