"""Write the example pages: docs/example_report.html, the resnet18 analysis at depth 2, and
docs/example_training.html, the same model with a training step (8×3×112×112, Adam). Each is one self-contained
HTML page.

    python scripts/make_html_example.py                      # writes both into docs/
    python scripts/make_html_example.py OUT.html [TRAIN.html] # somewhere else
"""

from __future__ import annotations

import sys
from pathlib import Path

from cnncalc.analysis.analyze import analyze
from cnncalc.rendering import RenderContext, render

ROOT = Path(__file__).resolve().parent.parent
COMMAND = "python scripts/make_html_example.py"
#: the training example, and the `cnncalc` command that makes the same page
TRAINING_INPUT = (8, 3, 112, 112)
TRAINING_CLI = "cnncalc analyze resnet18 -i 8x3x112x112 --train --optimizer adam --format html"


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else ROOT / "docs" / "example_report.html"
    training = Path(argv[1]) if len(argv) > 1 else None if argv else ROOT / "docs" / "example_training.html"
    out.write_text(render(analyze("resnet18"), "html", RenderContext(command=COMMAND, depth=2)), encoding="utf-8")
    written = [out]
    if training is not None:
        report = analyze("resnet18", TRAINING_INPUT, train=True, optimizer="adam")
        context = RenderContext(command=f"{COMMAND}  # the page of: {TRAINING_CLI}", depth=2)
        training.write_text(render(report, "html", context), encoding="utf-8")
        written.append(training)
    for path in written:
        print(f"wrote {path} ({path.stat().st_size:,} bytes)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
