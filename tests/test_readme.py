"""The README's generated blocks are what the tool prints today, and its two commands are the real ones."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import cnncalc
from cnncalc.cli import main
from cnncalc.render import render

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def block(name: str) -> str:
    match = re.search(rf"<!-- {name}:start -->\n(.*?)<!-- {name}:end -->", README, re.S)
    assert match, f"README has no {name} block"
    return match.group(1)


def test_readme_opens_with_the_two_commands() -> None:
    first_code = re.search(r"```sh\n(.*?)```", README, re.S)
    assert first_code is not None
    commands = [line.split("#")[0].strip() for line in first_code.group(1).splitlines()]
    assert commands == ["make demo", "make test"]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "compare xception-dw standard --cin 3 --cout 256" in makefile
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_headline_block_is_current(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    assert main(["compare", "xception-dw", "standard", "--cin", "3", "--cout", "256"]) == 0
    printed = [line.rstrip() for line in capsys.readouterr().out.splitlines()]
    documented = block("headline").splitlines()[2:-1]  # inside the fence, after the $ line
    assert documented == printed


def test_design_table_is_current() -> None:
    assert block("designs").strip() == render(cnncalc.designs(), "markdown").strip()


def test_zoo_table_is_current() -> None:
    from cnncalc.analysis.entries import zoo_markdown

    assert block("zoo").strip() == zoo_markdown().strip()
