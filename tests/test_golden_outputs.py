"""What the command line prints, in every text format, against the files in tests/golden/ (written by
scripts/make_golden.py): JSON as data (key order is free), CSV, Markdown and tables byte for byte, piped and at 80
columns. A deliberate change of an output rewrites them (`python scripts/make_golden.py`) in the same commit."""

from __future__ import annotations

import pytest
from make_golden import CASES, path, run, same


@pytest.mark.parametrize(("name", "fmt"), [(name, fmt) for name, (_, formats) in CASES.items() for fmt in formats])
def test_output_is_golden(name: str, fmt: str) -> None:
    argv, _ = CASES[name]
    expected = path(name, fmt).read_text(encoding="utf-8")
    assert same(fmt, expected, run(argv, fmt)), f"{' '.join(argv)} ({fmt}) differs from {path(name, fmt).name}"
