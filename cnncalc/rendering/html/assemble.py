"""Page assembly: the Jinja2 environment (autoescaping on), the assets inlined into every page, and `page`, which
renders a record's template with the record behind a `Tracked` stand-in, then lists what the template did not read
under "More in the record".

Every page is base.html around one template per record page (analyze.html, designs.html, …): a header with the
contents, the sections the template declares (`m.section`), the fields nothing laid out, the counting convention,
the footer with the command and the versions, the record as JSON, the script. The CSS and JS are files in
assets/, inlined at render time: the page is one file that needs no network (its Content-Security-Policy allows
nothing else).
"""

from __future__ import annotations

import functools
import importlib
import platform
from dataclasses import dataclass, field
from importlib import metadata, resources
from types import ModuleType
from typing import Any

import jinja2
from markupsafe import Markup

from cnncalc.conventions import CONVENTION
from cnncalc.errors import CnncalcError
from cnncalc.rendering.html import format as fmt
from cnncalc.rendering.html.tracking import Extra, Tracked, unread
from cnncalc.rendering.registry import RenderContext, convention_data
from cnncalc.serialize import to_data

#: each page's template and the module of helpers that computes its display values
HELPERS = {"analyze.html": "analyze", "designs.html": "designs", "profile.html": "profile", "sweep.html": "sweep",
           "fit.html": "fit", "validate.html": "validate", "predict.html": "predict"}


@dataclass(frozen=True)
class Assets:
    """The page's stylesheet, its script and the error trap installed before anything else runs (any script
    error lands in the DOM, html[data-js-errors], where a reader and the tests see it)."""

    css: Markup
    js: Markup
    trap: Markup


def _asset(name: str) -> Markup:
    text = (resources.files("cnncalc.rendering.html") / "assets" / name).read_text(encoding="utf-8")
    if "</script" in text.lower() or "</style" in text.lower():
        raise RuntimeError(f"assets/{name} would end its element early")
    return Markup(text.strip())  # the package's own files, inlined as they are


@functools.cache
def assets() -> Assets:
    return Assets(_asset("page.css"), _asset("page.js"), _asset("errortrap.js"))


@functools.cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("cnncalc.rendering.html", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, extensions=["jinja2.ext.do"], trim_blocks=True,
                             lstrip_blocks=True)
    env.policies["json.dumps_kwargs"] = {"ensure_ascii": False, "separators": (",", ":"), "default": str}
    env.filters.update(count=fmt.count, size=fmt.size, exact_bytes=fmt.exact_bytes, dims=fmt.dims, axes=fmt.axes,
                       g3=fmt.g3, ms=fmt.ms, sentence=fmt.sentence, plural=fmt.plural)
    env.globals.update(convention=CONVENTION.lines())
    return env


def versions() -> list[tuple[str, str]]:
    """Python and the packages that made the page (from the installed distributions' metadata)."""
    out = [("python", platform.python_version())]
    for dist in ("torch", "torchvision", "cnncalc"):
        try:
            out.append((dist, metadata.version(dist)))
        except metadata.PackageNotFoundError:
            if dist == "cnncalc":
                import cnncalc

                out.append((dist, cnncalc.__version__))
            else:
                out.append((dist, "not installed"))
    return out


@dataclass(frozen=True)
class SectionRef:
    id: str
    title: str


@dataclass
class PageState:
    """What one rendering collects: the sections in order (for the contents), and, once the sections are
    rendered, the fields nothing read."""

    record: Tracked
    command: str
    data: Any
    versions: list[tuple[str, str]]
    sections: list[SectionRef] = field(default_factory=list)

    def add(self, section_id: str, title: str) -> str:
        self.sections.append(SectionRef(section_id, title))
        return ""

    def more(self) -> list[Extra]:
        """The record's fields that no section read (call after the sections are rendered)."""
        return unread(self.record)

    def payload(self, kind: str) -> dict[str, Any]:
        """The JSON embedded in the page: the record and how it was made."""
        return {"kind": kind, "command": self.command, "versions": dict(self.versions),
                "convention": convention_data(), "data": self.data}


def helpers(template: str) -> ModuleType:
    if template not in HELPERS:
        raise CnncalcError(f"no HTML template {template!r}: there are {', '.join(HELPERS)}")
    return importlib.import_module(f"cnncalc.rendering.html.{HELPERS[template]}")


def page(template: str, record: Any, ctx: RenderContext) -> str:
    """A record as one self-contained HTML page, from its template (a view names it: `View.page`)."""
    h = helpers(template)
    tracked = Tracked(record)
    state = PageState(tracked, ctx.command, to_data(record), versions())
    text = environment().get_template(template).render(record=tracked, ctx=ctx, h=h, page=state, assets=assets())
    return text if text.endswith("\n") else text + "\n"
