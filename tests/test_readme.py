"""The README's headline is what the tool prints today, its two commands are the real ones, and it stays a short
tour (the rest is in docs/, checked by test_docs.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cnncalc.cli import main

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


def test_readme_is_short() -> None:
    # issue 16: the README is for people (what and why, the two commands, the headline, a tour, links); the rest
    # lives in docs/
    assert len(README.splitlines()) <= 200


def test_readme_tours_every_command() -> None:
    from cnncalc.cli import app

    commands = {c.name or c.callback.__name__ for c in app.registered_commands if c.callback is not None}
    tour = README.split("## A tour of the commands", 1)[1].split("\n## ", 1)[0]
    missing = sorted(name for name in commands if f"cnncalc {name} " not in tour)
    assert not missing, f"the README's tour has no example of: {missing}"
