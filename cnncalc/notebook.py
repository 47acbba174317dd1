"""Notebooks: every record shows inline as the same page `--format html` writes, and becomes a pandas DataFrame.

The page goes into an <iframe srcdoc> so that its styles and script stay inside it (a notebook's own CSS is
not touched) and it reads the same in Jupyter, VS Code and a saved notebook. pandas is optional: `to_pandas()`
imports it when called and says how to install it when it is missing. Nothing here imports torch.
"""

from __future__ import annotations

import html
from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

from cnncalc.errors import CnncalcError

#: the inline frame's height; the page scrolls inside it
FRAME_HEIGHT_PX = 720


class Notebook:
    """Mixin for a record: `_repr_html_` (the HTML page, inline) and `to_pandas()` (the table's rows). Both go
    through `cnncalc.render`, the one way from a record to its views."""

    #: how the record is made from Python, for the page's footer: a format string over the record's attributes
    PYTHON: ClassVar[str] = ""

    def python_call(self) -> str:
        """What the page's footer says made it, in place of a command line."""
        try:
            call = self.PYTHON.format_map(_Attributes(self))
        except (AttributeError, KeyError, IndexError, ValueError):
            call = self.PYTHON
        return f"Python: {call}" if call else "Python"

    def _repr_html_(self) -> str:
        from cnncalc.rendering import RenderContext, render

        return inline(render(self, "html", RenderContext(command=self.python_call())), type(self).__name__)

    def to_pandas(self) -> Any:
        """The record's table as a pandas DataFrame (needs pandas; cnncalc does not depend on it)."""
        from cnncalc.rendering import table_rows

        return data_frame(*table_rows(self))


class Listing:
    """Mixin for a record that holds a list of records (a comparison, a sweep, …): it behaves as that list.
    `ITEMS` names the field that holds them."""

    ITEMS: ClassVar[str]

    def _items(self) -> tuple[Any, ...]:
        return tuple(getattr(self, self.ITEMS))

    def __iter__(self) -> Iterator[Any]:
        return iter(self._items())

    def __len__(self) -> int:
        return len(self._items())

    def __getitem__(self, index: int) -> Any:
        return self._items()[index]


class _Attributes(dict):  # type: ignore[type-arg]
    """A record's attributes by name, for str.format_map."""

    def __init__(self, record: Any) -> None:
        super().__init__()
        self.record = record

    def __missing__(self, key: str) -> Any:
        return getattr(self.record, key)


def inline(page: str, title: str) -> str:
    """A page in an isolated inline frame: its CSS and script cannot reach the notebook, nor the notebook's it."""
    return (f'<iframe title="cnncalc {html.escape(title)}" srcdoc="{html.escape(page, quote=True)}" '
            f'sandbox="allow-scripts" loading="lazy" '
            f'style="width:100%;height:{FRAME_HEIGHT_PX}px;border:1px solid #ccc;border-radius:4px"></iframe>')


def data_frame(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> Any:
    """A DataFrame of exact values: empty cells become missing values (None), integers stay integers."""
    try:
        import pandas
    except ImportError:
        raise CnncalcError("to_pandas() needs pandas, which cnncalc does not install: pip install pandas") from None
    frame = pandas.DataFrame([[None if cell == "" else cell for cell in row] for row in rows], columns=list(header))
    return frame.convert_dtypes()
