"""Domain errors. Each names the bad value and what would be accepted.

The library raises these; the command line turns them into one line on stderr and exit code 2.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class CnncalcError(ValueError):
    """A request cnncalc cannot answer: an impossible shape, an unknown name, a malformed option."""


class UnknownNameError(CnncalcError):
    """A name that is not registered; the message suggests the closest registered names."""

    def __init__(self, kind: str, name: str, known: Iterable[str], aliases: Iterable[str] = ()) -> None:
        known = sorted(set(known))
        close = difflib.get_close_matches(name, sorted({*known, *aliases}), n=3, cutoff=0.5)
        hint = f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
        super().__init__(f"unknown {kind} {name!r}: {hint}known: {', '.join(known)}")
        self.name = name
        self.suggestions = tuple(close)
