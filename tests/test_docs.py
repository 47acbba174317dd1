"""The generated pages of docs/ and the generated blocks of hand-written pages are what the code produces today;
every page is listed in docs/index.md and every relative link leads to a file."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
spec = importlib.util.spec_from_file_location("make_docs", ROOT / "scripts" / "make_docs.py")
assert spec is not None and spec.loader is not None
make_docs = importlib.util.module_from_spec(spec)
spec.loader.exec_module(make_docs)


@pytest.mark.parametrize("page", sorted(make_docs.PAGES))
def test_page_is_current(page: str) -> None:
    assert (DOCS / page).read_text(encoding="utf-8") == make_docs.PAGES[page](), \
        f"docs/{page} is stale: run python scripts/make_docs.py"


BLOCKS = [(page, name) for page, blocks in make_docs.BLOCKS.items() for name in blocks]


@pytest.mark.parametrize("page, name", BLOCKS, ids=[f"{p}:{n}" for p, n in BLOCKS])
def test_generated_block_is_current(page: str, name: str) -> None:
    # README.md:headline (also held to the command's output by test_readme.py), docs/designs.md:designs (the
    # design table, from cnncalc.designs())
    text = (ROOT / page).read_text(encoding="utf-8")
    assert make_docs.block_text(text, name) == make_docs.BLOCKS[page][name](), \
        f"the {name} block of {page} is stale: run python scripts/make_docs.py"


def test_api_reference_covers_the_public_api() -> None:
    import cnncalc

    api = (DOCS / "api.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^### `(?:cnncalc\.)?([\w.]+)`", api, re.M))
    assert set(cnncalc.__all__) <= documented | {n.rsplit(".", 1)[-1] for n in documented}, \
        set(cnncalc.__all__) - documented
    assert {"ops.registered_ops", "RenderContext", "ModelReport", "TrainingReport", "Totals"} <= documented


def test_readme_links_the_docs() -> None:
    assert "docs/index.md" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_index_lists_every_page() -> None:
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    linked = set(re.findall(r"\]\(([^)#\s]+)", index))
    pages = {p.name for p in DOCS.iterdir() if p.suffix in (".md", ".html") and p.name != "index.md"}
    assert not pages - linked, f"docs/index.md does not list {sorted(pages - linked)}"


PAGES = ["README.md", *sorted(f"docs/{p.name}" for p in DOCS.glob("*.md"))]


@pytest.mark.parametrize("page", PAGES)
def test_relative_links_lead_to_files(page: str) -> None:
    text = (ROOT / page).read_text(encoding="utf-8")
    links = [target for target in re.findall(r"\]\(([^)#\s]+)", text) if "://" not in target]
    missing = [t for t in links if not ((ROOT / page).parent / t).exists()]
    assert not missing, f"{page} links to files that do not exist: {missing}"
