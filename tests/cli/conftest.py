"""Fixtures of the command-line tests: `cli` runs a command in this process and returns (exit code, stdout,
stderr); every test here sees a terminal 200 columns wide unless it sets COLUMNS itself, so that tables do not
depend on the terminal the tests run in."""

from __future__ import annotations

import functools

import pytest
from commandline import Cli, in_process


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Cli:
    return functools.partial(in_process, capsys)


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
