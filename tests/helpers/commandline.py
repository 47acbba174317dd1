"""The command line as the tests run it in this process: `in_process(capsys, *argv)` runs `cnncalc.cli.main` and
returns its exit code, stdout and stderr. The `cli` fixture of tests/cli/conftest.py hands it out as a `Cli`."""

from __future__ import annotations

from collections.abc import Callable

import pytest

#: the `cli` fixture: `cli("layer", "standard", "--cin", "3")` → (exit code, stdout, stderr)
Cli = Callable[..., tuple[int, str, str]]


def in_process(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    from cnncalc.cli import main

    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err
