"""Domain errors. Each names the bad value and what would be accepted.

The library raises these; the command line turns them into one line on stderr and exit code 2.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class CnncalcError(ValueError):
    """A request cnncalc cannot answer: an impossible shape, an unknown name, a malformed option."""


class UnknownNameError(CnncalcError):
    """A name that is not registered: one short line with the closest few registered names, then every name when
    there are few of them, or else the command that lists them all."""

    #: up to this many names are listed in the message itself
    LIST_AT_MOST = 12

    def __init__(self, kind: str, name: str, known: Iterable[str], aliases: Iterable[str] = (),
                 listing: str | None = None) -> None:
        """`listing` says where every name is listed, with {n} for how many, e.g. "cnncalc designs lists all {n}";
        it replaces the list when there are more than LIST_AT_MOST names."""
        known = sorted(set(known))
        close = difflib.get_close_matches(name.lower(), sorted({*known, *aliases}), n=3, cutoff=0.5)
        if not close:
            close = difflib.get_close_matches(name, sorted({*known, *aliases}), n=3, cutoff=0.5)
        hint = f"did you mean {_either(close)}? " if close else ""
        if listing and len(known) > self.LIST_AT_MOST:
            rest = listing.format(n=len(known))
        else:
            rest = f"known: {', '.join(known)}"
        super().__init__(f"unknown {kind} {name!r}: {hint}{rest}")
        self.name = name
        self.suggestions = tuple(close)


def _either(names: list[str]) -> str:
    quoted = [repr(n) for n in names]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"
