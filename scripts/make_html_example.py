"""Write docs/example_report.html: the resnet18 analysis at depth 2 as one self-contained HTML page.

    python scripts/make_html_example.py            # writes docs/example_report.html
    python scripts/make_html_example.py OUT.html   # somewhere else
"""

from __future__ import annotations

import sys
from pathlib import Path

from cnncalc.analysis.analyze import analyze
from cnncalc.render.html import report_html

ROOT = Path(__file__).resolve().parent.parent
COMMAND = "python scripts/make_html_example.py"


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else ROOT / "docs" / "example_report.html"
    out.write_text(report_html(analyze("resnet18"), COMMAND, depth=2), encoding="utf-8")
    print(f"wrote {out} ({out.stat().st_size:,} bytes)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
