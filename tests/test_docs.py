"""The generated pages of docs/ are what the code produces today."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("make_docs", ROOT / "scripts" / "make_docs.py")
assert spec is not None and spec.loader is not None
make_docs = importlib.util.module_from_spec(spec)
spec.loader.exec_module(make_docs)


@pytest.mark.parametrize("page", sorted(make_docs.PAGES))
def test_page_is_current(page: str) -> None:
    assert (ROOT / "docs" / page).read_text(encoding="utf-8") == make_docs.PAGES[page](), \
        f"docs/{page} is stale: run python scripts/make_docs.py"


def test_readme_links_the_docs() -> None:
    assert "docs/index.md" in (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("page", ["README.md", "docs/index.md"])
def test_relative_links_lead_to_files(page: str) -> None:
    import re

    text = (ROOT / page).read_text(encoding="utf-8")
    links = [target for target in re.findall(r"\]\(([^)#\s]+)", text) if "://" not in target]
    assert links
    missing = [t for t in links if not ((ROOT / page).parent / t).exists()]
    assert not missing, f"{page} links to files that do not exist: {missing}"
