"""One self-contained HTML page per record: inline CSS, inline SVG charts, the record as JSON in a
`<script type="application/json">`, a little vanilla JS (sortable columns, a collapsible module tree).
No network, no CDN, no external fonts: the file opens offline, prints, and travels as an attachment.

Every page is the same skeleton (`page`): a header, sections, the counting convention, and a footer with
the command and the versions that produced it. A page is a list of `Section`s, so a new part of a record
is one more function returning a `Section`. Renderers only render: every number comes from the record.
"""

from __future__ import annotations

import dataclasses
import html
import inspect
import json
import math
import platform
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from importlib import metadata
from typing import TYPE_CHECKING, Any

from cnncalc.conventions import CONVENTION
from cnncalc.render.formats import convention_dict
from cnncalc.render.numbers import integer, nbytes, near_one, ratio, shape

if TYPE_CHECKING:
    from cnncalc.analysis.report import FitPoint, FitReport, LayerRow, ModelReport, ModelSummary, RealRun, TensorInfo
    from cnncalc.analysis.validate import Validation
    from cnncalc.layers.record import LayerRecord
    from cnncalc.profiling.report import ProfileReport, Run
    from cnncalc.sweep import SweepPoint

__all__ = ["fit_html", "profile_html", "records_html", "report_html", "sweep_html", "validation_html"]

#: Colours of chart series and point types, readable on light and dark backgrounds.
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#ff9da7", "#9c755f",
           "#8c8c8c")
NONE = "–"


# --- text -----------------------------------------------------------------------------------------------------
def esc(value: object) -> str:
    """Any value as HTML text, quotes included (safe in attributes too)."""
    return html.escape(str(value), quote=True)


def _g(value: float | None) -> str:
    return NONE if value is None else f"{value:.3g}"


def _ms(value: float | None) -> str:
    return NONE if value is None else f"{value:.3f}" if value < 10 else f"{value:,.1f}"


def _si(value: float | None, unit: str = "") -> str:
    """1.23e12 → '1.23 T' + unit (rates and chart ticks; counts in tables stay exact)."""
    if value is None:
        return NONE
    for scale, prefix in ((1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= scale:
            return f"{value / scale:.3g} {prefix}{unit}"
    return f"{value:.3g} {unit}".rstrip()


def _int(value: Any) -> str:
    return NONE if value is None else integer(value) if isinstance(value, int) else str(value)


def _bytes(value: Any) -> str:
    return NONE if value is None else nbytes(int(value))


def _shape(dims: Sequence[int] | None) -> str:
    return shape(tuple(dims)) if dims else NONE


def _field(value: Sequence[Fraction] | None) -> str:
    """A receptive field or jump per axis: '627×627', '1/2×1/2'."""
    return "×".join(str(v) for v in value) if value else NONE


def _rf(record: Any) -> str:
    rf, jump = getattr(record, "receptive_field", None), getattr(record, "jump", None)
    return f"{_field(rf)}, jump {_field(jump)}" if rf else NONE


def _json_script(data: Any) -> str:
    """JSON that cannot end its <script> element early (every <, > and & escaped)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def _to_dict(record: Any) -> Any:
    to_dict = getattr(record, "to_dict", None)
    return to_dict() if callable(to_dict) else str(record)


def _doc(obj: Any) -> str:
    """An object's docstring as one paragraph."""
    return " ".join(inspect.cleandoc(getattr(obj, "__doc__", None) or "").split())


# --- the page skeleton ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Section:
    """One titled part of a page; `body` is HTML already escaped."""

    id: str
    title: str
    body: str

    def html(self) -> str:
        return f'<section id="{esc(self.id)}"><h2>{esc(self.title)}</h2>\n{self.body}\n</section>'


@dataclass(frozen=True)
class Figure:
    """A headline figure: a label, the value as shown, a smaller detail line, an exact value on hover."""

    key: str
    label: str
    value: str
    detail: str = ""
    exact: str = ""

    @classmethod
    def of_bytes(cls, key: str, label: str, value: int, detail: str = "") -> Figure:
        """A size in bytes: binary units shown (4.5 MiB), the exact count on hover."""
        return cls(key, label, nbytes(value), detail, _exact_bytes(value))


def figures(items: Sequence[Figure], cls: str = "") -> str:
    cards = []
    for f in items:
        title = f' title="{esc(f.exact)}"' if f.exact else ""
        detail = f'<dd class="d">{esc(f.detail)}</dd>' if f.detail else ""
        cards.append(f'<div id="fig-{esc(f.key)}"><dt>{esc(f.label)}</dt><dd{title}>{esc(f.value)}</dd>{detail}</div>')
    return f'<dl class="figs{" " + esc(cls) if cls else ""}">' + "".join(cards) + "</dl>"


def note(text: str, cls: str = "note") -> str:
    return f'<p class="{cls}">{esc(text)}</p>'


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


def _convention() -> Section:
    items = "".join(f"<li>{esc(line)}</li>" for line in CONVENTION.lines())
    return Section("convention", "Counting convention", f"<ul>{items}</ul>")


def _extras(record: Any, known: set[str], name: str = "record") -> Section | None:
    """Fields of a record this renderer does not know yet, shown as JSON rather than dropped."""
    if not dataclasses.is_dataclass(record):
        return None
    rows = []
    for f in dataclasses.fields(record):
        value = getattr(record, f.name, None)
        if f.name in known or value is None or value == () or value == {}:
            continue
        shown = _to_dict(value) if hasattr(value, "to_dict") else value
        if isinstance(shown, tuple) and shown and hasattr(shown[0], "to_dict"):
            shown = [_to_dict(v) for v in shown]
        text = json.dumps(shown, ensure_ascii=False, indent=1, default=str)
        rows.append(f"<tr><th>{esc(f.name)}</th><td><pre>{esc(text)}</pre></td></tr>")
    if not rows:
        return None
    return Section("more", "More in the record",
                   note(f"Fields of the {name} that this page does not lay out yet, as they are:")
                   + '<table class="kv">' + "".join(rows) + "</table>")


def page(kind: str, title: str, subtitle: str, sections: Sequence[Section | None], data: Any, command: str) -> str:
    """The one skeleton every page shares: head (CSS, error trap), header with contents, sections, the
    convention, the footer with command and versions, the embedded JSON, the script."""
    parts = [s for s in sections if s is not None] + [_convention()]
    nav = " · ".join(f'<a href="#{esc(s.id)}">{esc(s.title)}</a>' for s in parts)
    vers = versions()
    payload = {"kind": kind, "command": command, "versions": dict(vers),
               "convention": convention_dict(),
               "data": data}
    version_items = "".join(f"<li><b>{esc(k)}</b> {esc(v)}</li>" for k, v in vers)
    return f"""<!doctype html>
<html lang="en" data-kind="{esc(kind)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; \
script-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="cnncalc">
<title>{esc(title)}</title>
<script>{ERROR_TRAP}</script>
<style>{CSS}</style>
</head>
<body>
<main>
<header>
<h1>{esc(title)}</h1>
<p class="sub">{esc(subtitle)}</p>
<nav>{nav}</nav>
</header>
{chr(10).join(s.html() for s in parts)}
<footer id="provenance">
<h2>How this page was made</h2>
<pre class="cmd"><code id="command">{esc(command)}</code></pre>
<ul class="versions" id="versions">{version_items}</ul>
<p class="note">Every number on this page comes from the record embedded below as JSON
(<code>script#cnncalc-data</code>); the page needs no network.</p>
</footer>
</main>
<script type="application/json" id="cnncalc-data">{_json_script(payload)}</script>
<script>{JS}</script>
</body>
</html>
"""


# --- tables: flat or tree, sortable by every column, optional bars ---------------------------------------------
@dataclass(frozen=True)
class Column:
    """A table column: the row value's key, the header, how a value reads, and whether a bar shows its share."""

    key: str
    label: str
    fmt: Callable[[Any], str] = _int
    numeric: bool = True
    bar: bool = False
    #: the exact value on hover (bytes in binary units hide the byte count)
    exact: Callable[[Any], str] | None = None
    help: str = ""


@dataclass(frozen=True)
class Row:
    """A table row; `parent` is another row's id (tree tables), '' for a top row."""

    id: str
    label: str
    values: dict[str, Any]
    parent: str = ""
    depth: int = 0
    cls: str = ""
    sub: str = ""


def _exact_bytes(value: Any) -> str:
    return "" if value is None else f"{integer(int(value))} B"


def col(key: str, label: str, **kw: Any) -> Column:
    """A numeric column (exact integers with separators unless `fmt` says otherwise)."""
    return Column(key, label, **kw)


def bytes_col(key: str, label: str, **kw: Any) -> Column:
    return col(key, label, fmt=_bytes, exact=_exact_bytes, **kw)


def text_col(key: str, label: str, **kw: Any) -> Column:
    return col(key, label, fmt=lambda v: NONE if v is None else str(v), numeric=False, **kw)


def _sort_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    if hasattr(value, "__float__"):  # fractions, ratios
        return repr(float(value))
    return str(value)


def table(table_id: str, label: str, columns: Sequence[Column], rows: Sequence[Row], *, tree: bool = False,
          bar_max: dict[str, float] | None = None, open_depth: int = 2, caption: str = "") -> str:
    """A sortable table (click a header; a tree sorts within each parent). Bars show each value's share of
    `bar_max[key]` (default: the column's largest value)."""
    maxima = dict(bar_max or {})
    for c in columns:
        if c.bar and c.key not in maxima:
            values = [r.values.get(c.key) for r in rows]
            maxima[c.key] = max((float(v) for v in values if isinstance(v, int | float)), default=0.0)
    head = [f'<th data-sort="text" scope="col">{esc(label)}</th>']
    for c in columns:
        tip = f' title="{esc(c.help)}"' if c.help else ""
        head.append(f'<th data-sort="{"num" if c.numeric else "text"}" scope="col"'
                    f'{" class=" + chr(34) + "n" + chr(34) if c.numeric else ""}{tip}>{esc(c.label)}</th>')
    body = []
    for r in rows:
        attrs = f' data-id="{esc(r.id)}" data-parent="{esc(r.parent)}" data-depth="{r.depth}"'
        if r.cls:
            attrs += f' class="{esc(r.cls)}"'
        sub = f' <span class="t">{esc(r.sub)}</span>' if r.sub else ""
        cells = [f'<th scope="row" style="--d:{r.depth}" data-v="{esc(r.label)}">'
                 f'<span class="nm">{esc(r.label)}</span>{sub}</th>']
        for c in columns:
            v = r.values.get(c.key)
            classes, style, title = ["n"] if c.numeric else [], "", ""
            top = maxima.get(c.key, 0.0)
            if c.bar and top > 0 and isinstance(v, int | float) and v > 0:
                share = 100 * float(v) / top
                classes.append("b")
                style = f' style="--w:{min(share, 100):.1f}%"'
                title = f"{share:.1f}% of {'the total' if bar_max and c.key in bar_max else 'the largest'}"
            exact = c.exact(v) if c.exact and v is not None else ""
            tip = "; ".join(t for t in (exact, title) if t)
            cls_attr = f' class="{" ".join(classes)}"' if classes else ""
            title_attr = f' title="{esc(tip)}"' if tip else ""
            cells.append(f'<td{cls_attr}{style}{title_attr} data-v="{esc(_sort_value(v))}">{esc(c.fmt(v))}</td>')
        body.append(f"<tr{attrs}>{''.join(cells)}</tr>")
    kind = "sortable tree" if tree else "sortable"
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return (f'<div class="scroll"><table id="{esc(table_id)}" class="{kind}" data-open="{open_depth}">{cap}'
            f'<thead><tr>{"".join(head)}</tr></thead><tbody>\n' + "\n".join(body) + "\n</tbody></table></div>")


def kv_table(table_id: str, pairs: Sequence[tuple[str, str]]) -> str:
    rows = "".join(f"<tr><th scope=\"row\">{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in pairs)
    return f'<table id="{esc(table_id)}" class="kv">{rows}</table>'


# --- charts (inline SVG) ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Scale:
    """A linear or log10 map from data [lo, hi] to pixels [a, b]."""

    lo: float
    hi: float
    a: float
    b: float
    log: bool = False

    def __call__(self, v: float) -> float:
        if self.log:
            lo, hi, v = math.log10(self.lo), math.log10(self.hi), math.log10(max(v, self.lo * 1e-3))
        else:
            lo, hi = self.lo, self.hi
        t = (v - lo) / (hi - lo) if hi != lo else 0.5
        return self.a + t * (self.b - self.a)

    def ticks(self, unit: float = 1.0) -> list[float]:
        """Decades on a log scale; on a linear one about five round steps in `unit`s (1024³ puts byte ticks
        on whole GiB)."""
        if self.log:
            return [10.0 ** e for e in range(math.floor(math.log10(self.lo)), math.ceil(math.log10(self.hi)) + 1)
                    if self.lo <= 10.0 ** e <= self.hi * 1.0001]
        raw = (self.hi - self.lo) / unit / 5 or 1.0
        mag = 10 ** math.floor(math.log10(raw))
        step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw) * unit
        first = math.ceil(self.lo / step) * step
        return [first + i * step for i in range(int((self.hi - first) / step + 1e-9) + 1)]


def log_domain(values: Sequence[float]) -> tuple[float, float]:
    """Whole decades around the positive values."""
    pos = [v for v in values if v > 0] or [1.0]
    return 10.0 ** math.floor(math.log10(min(pos))), 10.0 ** math.ceil(math.log10(max(pos)) + 1e-9)


def _svg_text(x: float, y: float, text: str, cls: str = "", anchor: str = "start", extra: str = "") -> str:
    c = f' class="{cls}"' if cls else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{c}{extra}>{esc(text)}</text>'


def _axes(x: Scale, y: Scale, x_ticks: Sequence[tuple[float, str]], y_ticks: Sequence[tuple[float, str]],
          x_label: str, y_label: str) -> list[str]:
    out = ['<g class="grid">']
    for v, _ in y_ticks:
        out.append(f'<line x1="{x.a:.1f}" x2="{x.b:.1f}" y1="{y(v):.1f}" y2="{y(v):.1f}"/>')
    for v, _ in x_ticks:
        out.append(f'<line x1="{x(v):.1f}" x2="{x(v):.1f}" y1="{y.a:.1f}" y2="{y.b:.1f}"/>')
    out.append("</g>")
    out.append(f'<path class="axis" d="M{x.a:.1f},{y.b:.1f} V{y.a:.1f} H{x.b:.1f}"/>')
    out += [_svg_text(x.a - 6, y(v) + 4, label, "tick", "end") for v, label in y_ticks]
    out += [_svg_text(x(v), y.a + 16, label, "tick", "middle") for v, label in x_ticks]
    out.append(_svg_text((x.a + x.b) / 2, y.a + 34, x_label, "lab", "middle"))
    mid = (y.a + y.b) / 2
    out.append(_svg_text(14, mid, y_label, "lab", "middle", f' transform="rotate(-90 14 {mid:.1f})"'))
    return out


def _svg(chart_id: str, width: int, height: int, body: Sequence[str], label: str) -> str:
    return (f'<svg id="{esc(chart_id)}" class="chart" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="{esc(label)}">' + "".join(body) + "</svg>")


def legend(items: Sequence[tuple[str, str]], cls: str = "dot") -> str:
    return '<ul class="legend">' + "".join(
        f'<li><span class="{cls}" style="background:{esc(color)}"></span>{esc(name)}</li>' for name, color in items
    ) + "</ul>"


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]
    titles: Sequence[str] = ()


@dataclass(frozen=True)
class LineChart:
    """A line chart over categories (module order, swept values): one or more series, optional shaded bands
    naming groups of categories, optional horizontal reference lines."""

    chart_id: str
    labels: Sequence[str]
    series: Sequence[Series]
    x_label: str
    y_label: str
    y_fmt: Callable[[float], str] = lambda v: f"{v:,.0f}"
    bands: Sequence[tuple[int, int, str]] = ()
    refs: Sequence[tuple[float, str]] = ()
    show_x_labels: bool = True
    width: int = 1000
    height: int = 320
    log: bool = False
    colors: Sequence[str] = field(default=PALETTE)
    #: values are bytes: ticks fall on round numbers of KiB, MiB, GiB
    binary: bool = False

    def svg(self) -> str:
        n = len(self.labels)
        values = [v for s in self.series for v in s.values if v is not None] + [v for v, _ in self.refs]
        left = 18 + 8 * max([len(self.y_fmt(v)) for v in values] + [4])
        x = Scale(0, max(n - 1, 1), left, self.width - 16)
        top, bottom = 14, self.height - 44 - (16 if self.bands else 0)
        if self.log:
            lo, hi = log_domain(values)
            y = Scale(lo, hi, bottom, top, log=True)
        else:
            y = Scale(0, (max(values, default=1.0) or 1.0) * 1.08, bottom, top)
        every = max(1, math.ceil(n / 12))
        x_ticks = [(float(i), lbl) for i, lbl in enumerate(self.labels) if i % every == 0] if self.show_x_labels else []
        body = []
        for k, (start, end, name) in enumerate(self.bands):
            x0, x1 = x(start - 0.5) if start else x.a, x(end + 0.5) if end < n - 1 else x.b
            if end > start and k % 2 == 0:
                body.append(f'<rect class="band" x="{x0:.1f}" y="{top}" width="{x1 - x0:.1f}" '
                            f'height="{bottom - top}"/>')
            if x1 - x0 > 8 * min(len(name), 12):
                body.append(_svg_text((x0 + x1) / 2, bottom + 14, name, "tick band-l", "middle"))
        unit = 1024.0 ** max(0, math.floor(math.log(max(y.hi, 1.0), 1024))) if self.binary else 1.0
        body += _axes(x, y, x_ticks, [(v, self.y_fmt(v)) for v in y.ticks(unit)], self.x_label, self.y_label)
        for value, name in self.refs:
            body.append(f'<line class="ref" x1="{x.a:.1f}" x2="{x.b:.1f}" y1="{y(value):.1f}" y2="{y(value):.1f}"/>')
            body.append(_svg_text(x.b - 4, y(value) - 5, name, "tick", "end"))
        for k, s in enumerate(self.series):
            color = self.colors[k % len(self.colors)]
            pts = [(x(i), y(v)) for i, v in enumerate(s.values) if v is not None]
            path = " ".join(f"{'M' if j == 0 else 'L'}{px:.1f},{py:.1f}" for j, (px, py) in enumerate(pts))
            body.append(f'<path class="line" d="{path}" stroke="{color}"/>')
            for i, v in enumerate(s.values):
                if v is None:
                    continue
                tip = s.titles[i] if i < len(s.titles) else f"{self.labels[i]}: {self.y_fmt(v)}"
                body.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3" fill="{color}"><title>{esc(tip)}'
                            f"</title></circle>")
        chart = _svg(self.chart_id, self.width, self.height, body, f"{self.y_label} against {self.x_label}")
        if len(self.series) > 1:
            chart += legend([(s.name, self.colors[k % len(self.colors)]) for k, s in enumerate(self.series)], "sw")
        return chart


@dataclass(frozen=True)
class Segment:
    """A part of a stacked bar: its name, value and colour; `title` shows on hover."""

    name: str
    value: float
    color: str
    title: str = ""


@dataclass(frozen=True)
class Bar:
    label: str
    segments: Sequence[Segment]


def _ink(color: str) -> str:
    """The text class that reads on a fill: dark text on light colours, light text on dark ones (by the fill's
    relative luminance, WCAG's formula)."""
    r, g, b = ((c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
               for c in (int(color[i:i + 2], 16) / 255 for i in (1, 3, 5)))
    return "seg-l" if 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.2 else "seg-d"


@dataclass(frozen=True)
class BarChart:
    """Horizontal bars on one linear axis, each a stack of segments (its total written after it), with
    optional vertical reference lines (a memory budget)."""

    chart_id: str
    bars: Sequence[Bar]
    x_label: str
    fmt: Callable[[float], str] = _si
    refs: Sequence[tuple[float, str]] = ()
    #: values are bytes: ticks fall on round numbers of KiB, MiB, GiB
    binary: bool = False
    width: int = 1000
    bar_height: int = 24
    gap: int = 10

    def svg(self) -> str:
        totals = [sum(s.value for s in b.segments) for b in self.bars]
        hi = max(totals + [v for v, _ in self.refs] + [0.0]) or 1.0
        left = 16 + 7 * max([len(b.label) for b in self.bars] + [4])
        top = 22 if self.refs else 6
        bottom = top + len(self.bars) * (self.bar_height + self.gap) - self.gap
        x = Scale(0, hi * 1.02, left, self.width - 20 - 7 * max(len(self.fmt(v)) for v in [*totals, hi]))
        unit = 1024.0 ** max(0, math.floor(math.log(max(hi, 1.0), 1024))) if self.binary else 1.0
        body = ['<g class="grid">']
        ticks = x.ticks(unit)
        body += [f'<line x1="{x(v):.1f}" x2="{x(v):.1f}" y1="{top - 4}" y2="{bottom + 4}"/>' for v in ticks]
        body.append("</g>")
        body.append(f'<path class="axis" d="M{x.a:.1f},{top - 4} V{bottom + 4}"/>')
        body += [_svg_text(x(v), bottom + 18, self.fmt(v), "tick", "middle") for v in ticks]
        body.append(_svg_text((x.a + x.b) / 2, bottom + 36, self.x_label, "lab", "middle"))
        for i, (b, total) in enumerate(zip(self.bars, totals, strict=True)):
            y0 = top + i * (self.bar_height + self.gap)
            mid = y0 + self.bar_height / 2 + 4
            body.append(_svg_text(left - 8, mid, b.label, "", "end"))
            start = 0.0
            for s in b.segments:
                if s.value <= 0:
                    continue
                x0, x1 = x(start), x(start + s.value)
                tip = s.title or f"{s.name}: {self.fmt(s.value)}"
                body.append(f'<rect class="seg" x="{x0:.1f}" y="{y0}" width="{max(x1 - x0, 0.5):.1f}" '
                            f'height="{self.bar_height}" fill="{esc(s.color)}"><title>{esc(tip)}</title></rect>')
                if len(b.segments) > 1 and x1 - x0 > 7 * len(s.name) + 10:
                    body.append(_svg_text((x0 + x1) / 2, mid, s.name, _ink(s.color), "middle"))
                start += s.value
            body.append(_svg_text(x(total) + 6, mid, self.fmt(total), "total"))
        for value, name in self.refs:
            body.append(f'<line class="ref" x1="{x(value):.1f}" x2="{x(value):.1f}" y1="{top - 8}" '
                        f'y2="{bottom + 4}"/>')
            body.append(_svg_text(x(value), top - 11, name, "tick ref-l", "end" if x(value) > x.b - 80 else "middle"))
        height = bottom + 44
        return _svg(self.chart_id, self.width, height, body, f"{self.x_label} by bar")


# --- memory by category (training steps, fit) -------------------------------------------------------------------
def _categories(*memories: Sequence[tuple[str, int]]) -> list[tuple[str, str, str]]:
    """The categories present in any breakdown, in reading order (cnncalc.render.memory.ORDER), as (key, label,
    colour); a category that order does not know yet follows, under its own name."""
    from cnncalc.render.memory import LABELS, ORDER

    present: dict[str, None] = {}
    for memory in memories:
        present.update((k, None) for k, v in memory if v)
    keys = [k for k in ORDER if k in present] + [k for k in present if k not in ORDER]
    return [(k, LABELS.get(k, k.replace("_", " ")),
             PALETTE[(ORDER.index(k) if k in ORDER else len(ORDER) + keys.index(k)) % len(PALETTE)]) for k in keys]


def _memory_bar(label: str, memory: Sequence[tuple[str, int]], categories: Sequence[tuple[str, str, str]]) -> Bar:
    values = dict(memory)
    return Bar(label, [Segment(name, float(values.get(k, 0)), color,
                               f"{name}: {nbytes(values.get(k, 0))} ({integer(values.get(k, 0))} B)")
                       for k, name, color in categories])


def _memory_legend(memory: Sequence[tuple[str, int]], categories: Sequence[tuple[str, str, str]]) -> str:
    values = dict(memory)
    return legend([(f"{name} {nbytes(values.get(k, 0))}", color) for k, name, color in categories])


def _bytes_fmt(value: float) -> str:
    return nbytes(int(value))


# --- model analysis ------------------------------------------------------------------------------------------------
MODULE_COLUMNS = (
    text_col("type", "type"),
    text_col("output", "output"),
    col("params", "params", bar=True, help="learnable elements of the module and everything under it"),
    col("macs", "MACs", bar=True, help="multiply-accumulates of the subtree"),
    col("flops", "FLOPs", help="2 × MACs + other arithmetic"),
    bytes_col("activation_bytes", "activations", bar=True, help="bytes of every tensor the subtree's ops write"),
    bytes_col("traffic_bytes", "traffic", help="bytes read and written, ideal reuse"),
    col("intensity", "FLOP/B", fmt=_g),
    text_col("rf", "RF", help="receptive field of the module's output (per axis)"),
)


#: with a training step: what each module's backward costs and what its forward keeps for it
TRAINING_COLUMNS = (
    col("backward_macs", "backward MACs", bar=True, help="multiply-accumulates of the subtree's gradient ops"),
    bytes_col("saved_bytes", "kept for backward", bar=True,
              help="bytes the subtree's forward leaves alive for the backward (saved activations)"),
)


def _module_row(row: LayerRow, parent: str, row_id: str) -> Row:
    costs = row.costs
    calls = getattr(row, "calls", 1) or 1
    label = "(model)" if row.depth == 0 else row.name.rsplit(".", 1)[-1]
    backward = getattr(row, "backward", None)
    return Row(row_id, label + (f" ×{calls}" if calls > 1 else ""), {
        "type": row.type, "output": _shape(row.output_shape), "params": row.params, "macs": costs.macs,
        "flops": costs.flops, "activation_bytes": costs.activation_bytes, "traffic_bytes": costs.traffic_bytes,
        "intensity": costs.intensity, "rf": _field(row.receptive_field) if row.receptive_field else None,
        "backward_macs": backward.macs if backward is not None else None,
        "saved_bytes": getattr(row, "saved_bytes", None),
    }, parent=parent, depth=row.depth, cls="root" if row.depth == 0 else "",
        sub=row.name if row.depth > 1 else "")


def _tree_rows(report: ModelReport, depth: int | None) -> list[Row]:
    """Rows in the record's order; each row's parent is the last row seen one level up."""
    rows: list[Row] = []
    stack: list[str] = []
    for i, layer in enumerate(report.layers):
        if depth is not None and layer.depth > depth:
            continue
        del stack[layer.depth:]
        parent = stack[-1] if stack else ""
        row_id = f"m{i}"
        rows.append(_module_row(layer, parent, row_id))
        stack.append(row_id)
    return rows


def _model_figures(report: ModelReport) -> list[Figure]:
    t = report.total
    c = t.costs
    figs = [
        Figure("params", "params", integer(t.params), f"{nbytes(t.param_bytes)} · weights {integer(t.weight_params)}"
               f" / biases {integer(t.bias_params)}", _exact_bytes(t.param_bytes)),
        Figure("buffers", "buffers", integer(t.buffers), f"{nbytes(t.buffer_bytes)} (BN running statistics)",
               _exact_bytes(t.buffer_bytes)),
        Figure("macs", "MACs", integer(t.macs), f"{_si(t.macs)} multiply-accumulates"),
        Figure("flops", "FLOPs", integer(t.flops), f"2 × MACs + {integer(c.other_flops)} other"),
        Figure.of_bytes("activations", "activations written", c.activation_bytes, "every tensor the ops write"),
        Figure.of_bytes("peak", "peak live activations", t.peak_activation_bytes, "inference, eager frees"),
        Figure.of_bytes("traffic", "memory traffic", c.traffic_bytes, "ideal-reuse lower bound"),
        Figure("intensity", "intensity", f"{c.intensity:.3g} FLOP/B", "FLOPs ÷ traffic"),
        Figure("rf", "receptive field", _field(t.receptive_field), f"jump {_field(t.jump)}"),
        Figure("output", "output", _shape(t.output_shape), f"input {_shape(getattr(report, 'input_shape', None))}"),
    ]
    b = getattr(report, "backward", None)
    step = getattr(report, "training", None)
    if step is not None:
        figs.append(Figure("step-flops", "training step FLOPs", integer(step.flops), f"forward, backward, "
                           f"{step.optimizer} step at batch {step.batch}; peak {nbytes(step.peak_bytes)}"))
    elif b is not None:
        figs += [Figure("backward-macs", "backward MACs", integer(b.macs), "autograd's gradient ops"),
                 Figure("backward-flops", "backward FLOPs", integer(b.flops),
                        f"training step {integer(t.flops + b.flops)} FLOPs")]
    return figs


def _leaves(report: ModelReport) -> list[LayerRow]:
    """Modules with no module under them, in execution order (when each was first entered, `LayerRow.order`);
    modules without an order (never called, or a record from before the field) keep the record's order, after."""
    layers = report.layers
    leaves = [(i, r) for i, r in enumerate(layers)
              if r.depth > 0 and not (i + 1 < len(layers) and layers[i + 1].depth > r.depth)]
    leaves.sort(key=lambda item: (getattr(item[1], "order", None) is None, getattr(item[1], "order", None) or 0,
                                  item[0]))
    return [r for _, r in leaves]


def _rf_section(report: ModelReport) -> Section | None:
    leaves = [r for r in _leaves(report) if r.receptive_field]
    if len(leaves) < 2:
        return None
    axes = len(leaves[0].receptive_field or ())
    names = ("height", "width", "depth") if axes <= 3 else tuple(f"axis {i}" for i in range(axes))
    per_axis = [[float(r.receptive_field[a]) if r.receptive_field and a < len(r.receptive_field) else None
                 for r in leaves] for a in range(axes)]
    same = all(s == per_axis[0] for s in per_axis)
    tips = [f"{r.name} ({r.type}): {_field(r.receptive_field)}, jump {_field(r.jump)}" for r in leaves]
    series = [Series("receptive field" if same else names[a], per_axis[a], tips)
              for a in range(1 if same else axes)]
    bands: list[tuple[int, int, str]] = []
    for i, r in enumerate(leaves):
        top = r.name.split(".")[0]
        if bands and bands[-1][2] == top:
            bands[-1] = (bands[-1][0], i, top)
        else:
            bands.append((i, i, top))
    input_shape: tuple[int, ...] = tuple(getattr(report, "input_shape", ()) or ())
    spatial = input_shape[2:]
    refs = [(float(spatial[0]), f"input {'×'.join(map(str, spatial))}")] if spatial else []
    ordered = any(getattr(r, "order", None) is not None for r in leaves)
    chart = LineChart("rf-chart", [r.name for r in leaves], series, "modules without submodules, in " + (
        "execution order" if ordered else "the record's order") + " (shaded by top-level module)",
        "receptive field (input pixels)", bands=bands, refs=refs, show_x_labels=False)
    final = report.total.receptive_field
    text = (f"Each point is a module's output: how many input pixels along an axis one of its elements sees. "
            f"The model's output sees {_field(final)}" + (
                f" of a {'×'.join(map(str, spatial))} input" if spatial else "") + ". Hover a "
            "point for the module. Branches take the largest field; a global pool or a flatten into a linear "
            "layer sees the whole map. A point below its neighbours is a parallel branch that starts earlier "
            "(a projection shortcut sees the block's input, not the main path's output).")
    return Section("receptive-field", "Receptive field along the network", note(text) + chart.svg())


def _paper(name: str) -> str:
    """The paper a zoo model cites, or where torchvision's comes from (static text from the registries)."""
    try:
        from cnncalc.models.zoo import ZOO
    except Exception:  # pragma: no cover - the zoo needs torch; a page without it still renders
        return ""
    entry = ZOO.get(name)
    return entry.paper if entry else ""


def _formula(kind: str) -> Any:
    """The registered formula of an op kind (its docstring says what it counts), or None."""
    try:
        from cnncalc.formulas import FORMULAS, OpKind

        return FORMULAS.get(OpKind(kind))
    except (ImportError, ValueError):
        return None


def _formulas_section(report: ModelReport) -> Section:
    by_kind = list(getattr(report, "by_kind", ()) or ())
    rows = []
    for kind, costs in by_kind:
        fn = _formula(kind)
        where = f"{fn.__module__}.{fn.__name__}" if fn else "(no formula)"
        rows.append(f'<tr><th scope="row">{esc(kind)}</th><td class="n">{esc(integer(costs.macs))}</td>'
                    f'<td class="n">{esc(integer(costs.other_flops))}</td><td><code>{esc(where)}</code></td>'
                    f'<td class="doc">{esc(_doc(fn))}</td></tr>')
    body = note("Every op the tracer saw went through one of these formulas (cnncalc/formulas/, one pure function "
                "per op; the layer designs use the same ones). Costs by op kind:")
    body += ('<div class="scroll"><table id="by-kind" class="formulas"><thead><tr><th>op kind</th><th class="n">MACs'
             '</th><th class="n">other FLOPs</th><th>formula</th><th>what it counts</th></tr></thead><tbody>'
             + "".join(rows) + "</tbody></table></div>")
    paper = _paper(report.model)
    body += (f'<p id="paper"><b>Architecture:</b> {esc(paper)}</p>' if paper else
             f'<p id="paper"><b>Architecture:</b> {esc(report.model)}: no paper string (only cnncalc\'s zoo records '
             "one; torchvision's models carry none)</p>")
    unread = _unread_params(report)
    if unread:
        body += unread
    uncounted = list(getattr(report, "uncounted", ()) or ())
    if uncounted:
        items = "".join(f"<li>{esc(u.op)} ×{u.count} in <code>{esc(u.module)}</code></li>" for u in uncounted)
        body += (f'<div id="uncounted" class="bad"><b>Uncounted ops</b> (no formula; listed, never dropped):'
                 f"<ul>{items}</ul></div>")
    else:
        body += note("Every op was counted, or is a view or tensor factory (free).", "note good")
    free = list(getattr(report, "free_ops", ()) or ())
    if free:
        body += note("Free ops (views, tensor factories): " + ", ".join(f"{op} ×{n}" for op, n in free))
    return Section("formulas", "Where the numbers come from", body)


def _unread_params(report: ModelReport) -> str:
    """Parameters that no traced op read: in the params count (numel), in no cost. Summed by top-level module."""
    unread = tuple(getattr(report, "unread_params", ()) or ())
    if not unread:
        return ""
    by_module: dict[str, int] = {}
    for name, count in unread:
        top = name.split(".")[0] if "." in name else "(model)"
        by_module[top] = by_module.get(top, 0) + count
    total = sum(count for _, count in unread)
    read = getattr(report.total, "params_read", 0)
    modules = ", ".join(f"{m} {integer(n)}" for m, n in by_module.items())
    items = "".join(f'<li><code>{esc(name)}</code> {esc(integer(count))}</li>' for name, count in unread)
    return (f'<div id="unread" class="warn"><p><b>Parameters no op read:</b> {esc(integer(total))} in '
            f"{len(unread)} tensor{'s' if len(unread) != 1 else ''} ({esc(modules)}). The params count (numel, "
            f"{esc(integer(report.total.params))}) includes them"
            + (f"; the traced ops read {esc(integer(read))}" if read else "")
            + ". The forward never used these (an auxiliary head used only in training, for example), so they "
            f"cost nothing here.</p><details><summary>each tensor</summary><ul>{items}</ul></details></div>")


def _io_table(table_id: str, label: str, tensors: Sequence[TensorInfo]) -> str:
    rows = [Row(f"{table_id}{i}", t.name, {"shape": shape(tuple(t.shape)) if t.shape else "scalar",
                                           "dtype": t.dtype}) for i, t in enumerate(tensors)]
    return table(f"{table_id}-table", label, (text_col("shape", "shape"), text_col("dtype", "dtype")), rows)


def _io_section(report: ModelReport) -> Section | None:
    inputs = tuple(getattr(report, "inputs", ()) or ())
    outputs = tuple(getattr(report, "outputs", ()) or ())
    if not inputs and not outputs:
        return None
    task, how = getattr(report, "task", ""), getattr(report, "input_note", "")
    lines = []
    if task:
        lines.append(f'<p id="task"><b>Task:</b> {esc(task.replace("_", " "))}</p>')
    paths = any(o.name.startswith("[") or "." in o.name for o in outputs)
    lines.append(f'<p id="input-note" class="note">{esc(_sentence(how) if how else "The inputs as given.")}'
                 + (" Outputs are named by their path in what the model returns (<code>[0]</code>: the first item, "
                    "<code>[0].boxes</code>: a key of it)." if paths else "") + "</p>")
    parts = []
    if inputs:
        parts.append(f"<figure><h3>{len(inputs)} input{'s' if len(inputs) != 1 else ''}</h3>"
                     + _io_table("inputs", "input", inputs) + "</figure>")
    if outputs:
        parts.append(f"<figure><h3>{len(outputs)} output{'s' if len(outputs) != 1 else ''}</h3>"
                     + _io_table("outputs", "output", outputs) + "</figure>")
    return Section("io", "Inputs and outputs", "".join(lines) + '<div class="charts io">' + "".join(parts) + "</div>")


def _sentence(text: str) -> str:
    text = text.strip()
    return (text[:1].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")) if text else text


def _counts_text(values: Sequence[int] | None) -> str:
    return NONE if values is None else ", ".join(integer(v) for v in values) or NONE


def _against(value: int, base: int) -> str:
    """'same', '×7.08', or the difference where the ratio rounds to 1."""
    if value == base:
        return "same"
    return f"{value - base:+,}" if not base or near_one(value, base) else ratio(value, base)


def _real_run_section(report: ModelReport) -> Section | None:
    run: RealRun | None = getattr(report, "real_run", None)
    if run is None:
        return None
    where = run.module or "(model)"
    body = note(f"The tracer could not count this model on the meta device: {run.op} in {where} needs real "
                "values (its output size, or the path the forward takes, depends on them). cnncalc counted the "
                "same ops on real CPU tensors instead, so every count on this page holds for this data: other "
                "inputs can keep more or fewer elements.", "note warn")
    body += kv_table("real-run-why", [("forced by", f"{run.op} in {where}"), ("torch says", run.reason or NONE),
                                      ("data", run.data or NONE)])
    if run.flows:
        flow_cols = (text_col("module", "module"), col("calls", "calls"), col("offered", "offered"),
                     col("kept", "kept"), col("share", "kept share", fmt=lambda v: NONE if v is None else f"{v:.1%}",
                                               bar=True))
        rows = [Row(f"f{i}", f.op, {"module": f.module or "(model)", "calls": f.calls, "offered": f.offered,
                                    "kept": f.kept, "share": f.kept / f.offered if f.offered else None})
                for i, f in enumerate(run.flows)]
        body += ("<h3>Data-dependent ops</h3>" + note("Over all their calls in a module: the elements each op was "
                                                       "offered and how many it kept (nonzero's index rows, the "
                                                       "boxes NMS kept, the values a branch read).")
                 + table("flows", "op", flow_cols, rows, bar_max={"share": 1.0}))
    if run.counts is not None:
        figs = [Figure("detections", "detections per image", _counts_text(run.counts.detections),
                       "what the detector returned on this data")]
        if run.counts.proposals is not None:
            figs.insert(0, Figure("proposals", "proposals per image", _counts_text(run.counts.proposals),
                                  "region proposals the RPN passed to the box head"))
        body += "<h3>What flowed through the detector</h3>" + figures(figs)
    worst = run.worst_case
    if worst is not None:
        total = report.total
        pairs: list[tuple[str, str, Any, Any]] = [
            ("macs", "MACs", total.macs, worst.costs.macs),
            ("flops", "FLOPs", total.flops, worst.costs.flops),
        ]
        if worst.counts.proposals is not None or (run.counts and run.counts.proposals is not None):
            pairs.append(("proposals", "proposals per image", run.counts.proposals if run.counts else None,
                          worst.counts.proposals))
        pairs.append(("detections", "detections per image", run.counts.detections if run.counts else None,
                      worst.counts.detections))
        rows_html = []
        for key, label, this, limit in pairs:
            if isinstance(this, int) and isinstance(limit, int):
                cells = (f'<td class="n">{esc(integer(this))}</td><td class="n">{esc(integer(limit))} '
                         f'<span class="ratio">{esc(_against(limit, this))}</span></td>')
            else:
                cells = (f'<td class="n">{esc(_counts_text(this))}</td>'
                         f'<td class="n">{esc(_counts_text(limit))}</td>')
            rows_html.append(f'<tr id="wc-{key}"><th scope="row">{esc(label)}</th>{cells}</tr>')
        limits = ", ".join(f"{k.replace('_', ' ')} {integer(v)}" for k, v in worst.limits)
        body += ("<h3>This run beside the worst case</h3>"
                 + note("The same model at its own limits: score and NMS thresholds relaxed so every candidate "
                        f"survives, so the caps decide ({limits or 'none recorded'}). Beside each worst case: its "
                        "ratio to this run, or the difference where that ratio rounds to 1.")
                 + '<div class="scroll"><table id="worst-case" class="compare"><thead><tr><th></th>'
                 '<th class="n" scope="col">this run</th><th class="n" scope="col">at the model\'s limits</th>'
                 "</tr></thead><tbody>" + "".join(rows_html) + "</tbody></table></div>")
    return Section("real-run", "Counted on a real run", body)


def _optimizer(record: Any) -> str:
    """'adam, foreach' where the record says which implementation ran (`optimizer_text`), else the name."""
    return str(getattr(record, "optimizer_text", None) or record.optimizer)


def _where_text(op: str, module: str, phase: str) -> str:
    """Where a peak happened: 'after aten.div.Tensor during the optimizer', 'after … in layer4.1.conv2 during the
    backward' (a module named after the phase, '(optimizer)', is not repeated)."""
    during = "in inference" if phase == "inference" else f"during the {phase}"
    inside = "" if module == f"({phase})" else f" in {module or '(model)'}"
    return f"after {op}{inside} {during}"


def _training_section(report: ModelReport) -> Section | None:
    t = getattr(report, "training", None)
    if t is None:
        return None
    from cnncalc.render.memory import MEMORY_NOTE, step_title

    figs = [
        Figure("train-flops", "step FLOPs", integer(t.flops), f"{integer(t.macs)} MACs; batch {t.batch}"),
        Figure("train-forward", "forward FLOPs", integer(t.forward.flops), f"{integer(t.forward.macs)} MACs, "
               "train mode"),
        Figure("train-backward", "backward FLOPs", integer(t.backward.flops), f"{integer(t.backward.macs)} MACs"),
        Figure("train-optimizer", "optimizer FLOPs", integer(t.step.flops), f"elementwise ({_optimizer(t)})"),
        Figure.of_bytes("train-peak", "peak memory", t.peak_bytes,
                        _where_text(t.peak_op, t.peak_module, t.peak_phase)),
        Figure.of_bytes("train-saved", "kept for backward", t.saved_activation_bytes,
                        "what the forward leaves alive for the backward"
                        + (", autocast copies included" if t.amp else "")),
    ]
    phases_flops = (("forward", t.forward.flops, PALETTE[0]), ("backward", t.backward.flops, PALETTE[1]),
                    ("optimizer", t.step.flops, PALETTE[3]))
    split = BarChart("train-flops-chart", [Bar("step", [Segment(name, float(v), color, f"{name}: {integer(v)} FLOPs")
                                                       for name, v, color in phases_flops])],
                     "FLOPs of one training step")
    categories = _categories(t.memory)
    memory = BarChart("train-memory", [_memory_bar("at the peak", t.memory, categories)],
                      f"bytes live after {t.peak_op} ({t.peak_phase})", fmt=_bytes_fmt, binary=True)
    phases = BarChart("train-phases", [
        Bar(phase + (" (peak)" if phase == t.peak_phase else ""), [
            Segment(phase, float(b), PALETTE[0] if phase == t.peak_phase else PALETTE[9],
                    f"{phase}: {nbytes(b)} ({integer(b)} B)")]) for phase, b in t.phase_peaks],
        "the peak of live bytes in each phase", fmt=_bytes_fmt, binary=True, bar_height=18, gap=8)
    body = (f'<p class="lead" id="train-title">{esc(_sentence(step_title(t)))} Loss: {esc(t.loss)}.</p>'
            + figures(figs, "three") + "<h3>Where the step's FLOPs go</h3>" + split.svg()
            + legend([(f"{name} {integer(v)}", color) for name, v, color in phases_flops])
            + "<h3>Memory at the peak, by category</h3>" + memory.svg() + _memory_legend(t.memory, categories)
            + "<h3>Peak of each phase</h3>" + phases.svg()
            + note(f"The optimizer state exists before the step (steady state). {_sentence(MEMORY_NOTE)}"))
    return Section("training", "Training step", body)


def report_html(report: ModelReport, command: str, depth: int | None = None) -> str:
    """A model analysis as one page: headline figures; the inputs and outputs; why and on what data it was
    counted on a real run (with a detector's counts and its worst case); the training step (FLOPs by phase,
    memory at the peak by category, the peak of each phase); the module tree with bars (with a training step,
    backward MACs and bytes kept for backward too); receptive-field growth in execution order; the formulas by
    op kind and the parameters no op read; the convention. `depth` limits the tree (None: every module; the
    page opens the first two levels)."""
    rows = _tree_rows(report, depth)
    root = report.layers[0] if report.layers and report.layers[0].depth == 0 else None
    bar_max = {} if root is None else {"params": root.params, "macs": root.costs.macs,
                                       "activation_bytes": root.costs.activation_bytes}
    columns: tuple[Column, ...] = MODULE_COLUMNS
    training = getattr(report, "training", None)
    if training is not None and root is not None:
        # room for the step's columns: traffic and intensity stay in the embedded JSON
        columns = tuple(c for c in columns if c.key not in ("traffic_bytes", "intensity")) + TRAINING_COLUMNS
        bar_max |= {"backward_macs": root.backward.macs if root.backward else 0, "saved_bytes": root.saved_bytes or 0}
    tree = table("modules", "module", columns, rows, tree=True, bar_max={k: float(v) for k, v in
                                                                         bar_max.items() if v})
    tree_note = note("Each row is a module with everything under it; bars show its share of the whole model. "
                     "Click a header to sort (children stay under their parent), ▸ to open or close a module."
                     + (" The last two columns are the training step's: its backward ops, and the bytes the "
                        "module's forward keeps for them (traffic and FLOP/B make room for them here; the JSON "
                        "below has them)." if training is not None else ""))
    input_shape = getattr(report, "input_shape", None)
    known = {"model", "input_shape", "dtype", "total", "layers", "uncounted", "free_ops", "by_kind", "by_op",
             "backward", "inputs", "outputs", "input_note", "task", "real_run", "unread_params", "training"}
    headline = figures(_model_figures(report))
    if getattr(report, "real_run", None) is not None:
        headline += note("Counted on a real run: these numbers hold for the data it ran on (see below).", "note warn")
    sections = [
        Section("headline", "Headline", headline),
        _io_section(report),
        _real_run_section(report),
        _training_section(report),
        Section("tree", "Modules", tree_note + tree),
        _rf_section(report),
        _formulas_section(report),
        _extras(report, known, "analysis"),
    ]
    inputs = tuple(getattr(report, "inputs", ()) or ())
    what = (", ".join(f"{i.name} {_shape(i.shape)}" for i in inputs) if len(inputs) > 1
            else f"input {_shape(input_shape)}")
    subtitle = f"{what}, {getattr(report, 'dtype', '')}" + (
        f"; {training.optimizer} training step, batch {training.batch}" if training is not None else "") + (
        f"; module tree to depth {depth}" if depth is not None else "")
    return page("analyze", f"cnncalc analyze {report.model}", subtitle, sections, _to_dict(report), command)


# --- layer designs (layer, compare) --------------------------------------------------------------------------
@dataclass(frozen=True)
class Quantity:
    """A row of the side-by-side table: how a record's value reads, and whether a ratio to the first shows."""

    key: str
    label: str
    get: Callable[[Any], Any]
    fmt: Callable[[Any], str] = _int
    ratio: bool = True
    bar: bool = True
    exact: Callable[[Any], str] | None = None


QUANTITIES = (
    Quantity("design", "design", lambda r: getattr(r, "title", r.name), str, False, False),
    Quantity("input", "input shape", lambda r: getattr(r, "input_shape", None), _shape, False, False),
    Quantity("output", "output shape", lambda r: getattr(r, "output_shape", None), _shape, False, False),
    Quantity("params", "params", lambda r: r.params),
    Quantity("weights", "weights / biases", lambda r: f"{integer(r.weight_params)} / {integer(r.bias_params)}", str,
             False, False),
    Quantity("buffers", "buffers (BN stats)", lambda r: getattr(r, "buffers", None)),
    Quantity("macs", "MACs", lambda r: r.macs),
    Quantity("flops", "FLOPs", lambda r: r.flops),
    Quantity("activations", "activations written", lambda r: getattr(r, "activation_bytes", None), _bytes,
             exact=_exact_bytes),
    Quantity("output-bytes", "output bytes", lambda r: getattr(r, "output_bytes", None), _bytes, exact=_exact_bytes),
    Quantity("traffic", "memory traffic", lambda r: r.traffic_bytes, _bytes, exact=_exact_bytes),
    Quantity("intensity", "intensity (FLOP/B)", lambda r: r.intensity, _g, False, False),
    Quantity("rf", "receptive field", _rf, str, False, False),
    Quantity("dtype", "dtype", lambda r: getattr(r, "dtype", None), lambda v: NONE if v is None else str(v), False,
             False),
)


def _compare_table(records: Sequence[Any]) -> str:
    base = records[0]
    head = "".join(f'<th scope="col" class="n">{esc(r.name)}' + (
        f'<br><span class="t">vs {esc(base.name)}</span>' if i else "") + "</th>" for i, r in enumerate(records))
    rows = []
    for q in QUANTITIES:
        values = [q.get(r) for r in records]
        if all(v is None for v in values) or (q.key == "buffers" and not any(values)):
            continue
        top = max((float(v) for v in values if isinstance(v, int | float)), default=0.0)
        cells = []
        for i, v in enumerate(values):
            classes, style, extra = ["n"], "", ""
            if q.bar and top > 0 and isinstance(v, int | float) and v > 0:
                classes.append("b")
                style = f' style="--w:{100 * float(v) / top:.1f}%"'
            if q.ratio and i and isinstance(v, int | float) and isinstance(values[0], int | float):
                extra = f' <span class="ratio">{esc(ratio(v, values[0]))}</span>'
            title = f' title="{esc(q.exact(v))}"' if q.exact and v is not None else ""
            cells.append(f'<td class="{" ".join(classes)}"{style}{title}>{esc(q.fmt(v))}{extra}</td>')
        rows.append(f'<tr id="q-{q.key}"><th scope="row">{esc(q.label)}</th>{"".join(cells)}</tr>')
    return (f'<div class="scroll"><table id="compare" class="compare"><thead><tr><th></th>{head}</tr></thead><tbody>'
            + "".join(rows) + "</tbody></table></div>")


def _record_figures(r: Any) -> list[Figure]:
    figs = [
        Figure("params", "params", integer(r.params), f"weights {integer(r.weight_params)} / biases "
               f"{integer(r.bias_params)}"),
        Figure("macs", "MACs", integer(r.macs), f"{_si(r.macs)} multiply-accumulates"),
        Figure("flops", "FLOPs", integer(r.flops), f"2 × MACs + {integer(r.other_flops)} other"),
        Figure.of_bytes("activations", "activations written", r.activation_bytes, "every tensor the ops write"),
        Figure.of_bytes("traffic", "memory traffic", r.traffic_bytes, "ideal-reuse lower bound"),
        Figure("intensity", "intensity", f"{r.intensity:.3g} FLOP/B", "FLOPs ÷ traffic"),
        Figure("rf", "receptive field", _field(r.receptive_field), f"jump {_field(r.jump)}"),
        Figure("output", "output", _shape(getattr(r, "output_shape", None)),
               f"input {_shape(getattr(r, 'input_shape', None))}, {getattr(r, 'dtype', '')}"),
    ]
    if getattr(r, "buffers", 0):
        figs.insert(1, Figure("buffers", "buffers", integer(r.buffers), "BN running statistics"))
    return figs


def _design_paper(record: Any) -> str:
    design = getattr(record, "design", None)
    if design is None:
        return _paper(record.name)
    from cnncalc.layers import PRESETS

    preset = PRESETS.get(design)
    return getattr(preset, "paper", "") if preset else ""


STEP_COLUMNS = (
    text_col("kind", "kind"),
    text_col("output", "output"),
    col("params", "params", bar=True),
    col("macs", "MACs", bar=True),
    col("flops", "FLOPs", bar=True),
    bytes_col("traffic_bytes", "traffic", bar=True),
)


def _record_detail(r: Any, index: int) -> str:
    """One design's idea, formulas (symbolic and with the numbers put in), paper, options and ops."""
    parts = []
    idea = getattr(r, "idea", ()) or ()
    if idea:
        parts.append('<blockquote class="idea">' + "<br>".join(esc(line) for line in idea) + "</blockquote>")
    formulas = getattr(r, "formulas", ()) or ()
    if formulas:
        rows = "".join(
            f'<tr><th scope="row">{esc(f.quantity)}</th><td class="sym">{esc(f.symbolic) or NONE}</td>'
            f'<td class="num">{esc(f.numeric)}</td></tr>' for f in formulas)
        parts.append(f'<table id="formulas-{index}" class="formulas"><thead><tr><th>quantity</th><th>in symbols'
                     f"</th><th>with the numbers put in</th></tr></thead><tbody>{rows}</tbody></table>")
    paper = _design_paper(r)
    if paper:
        parts.append(f'<p class="paper"><b>Paper:</b> {esc(paper)}</p>')
    options = getattr(r, "options", ()) or ()
    if options:
        parts.append(note("Options: " + ", ".join(f"{k}={v}" for k, v in options)))
    ignored = getattr(r, "ignored", ()) or ()
    if ignored:
        parts.append(note(f"{r.name} does not use: " + ", ".join("--" + o for o in ignored), "note warn"))
    steps = getattr(r, "steps", ()) or ()
    if steps:
        rows2 = [Row(f"s{i}", s.label, {"kind": s.kind, "output": _shape(s.output_shape), "params": s.params,
                                        "macs": s.macs, "flops": s.flops, "traffic_bytes": s.traffic_bytes})
                 for i, s in enumerate(steps)]
        parts.append("<h3>Ops</h3>" + table(f"steps-{index}", "op", STEP_COLUMNS, rows2,
                                             caption="bars: share of the design's largest op"))
    return "\n".join(parts)


def records_html(records: Sequence[LayerRecord | ModelSummary], command: str) -> str:
    """One record: the `layer` page (figures, idea, formulas, ops). Several: the `compare` page (one column per
    design with ratios to the first, the sentences that compare them, each design's formulas and ops)."""
    if not records:
        raise ValueError("records_html needs at least one record")
    first = records[0]
    known = {"name", "design", "title", "input_shape", "output_shape", "weight_params", "bias_params", "buffers",
             "macs", "other_flops", "activation_bytes", "output_bytes", "traffic_bytes", "receptive_field", "jump",
             "dtype", "formulas", "idea", "steps", "options", "ignored"}
    subtitle = f"input {_shape(getattr(first, 'input_shape', None))}, {getattr(first, 'dtype', '')}"
    if len(records) == 1:
        sections: list[Section | None] = [
            Section("headline", "Headline", f'<p class="lead">{esc(getattr(first, "title", first.name))}</p>'
                    + figures(_record_figures(first))),
            Section("design", "How it is counted", _record_detail(first, 0)),
            _extras(first, known, "layer record"),
        ]
        return page("layer", f"cnncalc layer {first.name}", subtitle, sections, _to_dict(first), command)
    from cnncalc.render.formats import summary_lines

    lines = "".join(f"<li>{esc(line)}</li>" for line in summary_lines(list(records)))  # type: ignore[arg-type]
    sections = [
        Section("headline", "Side by side", note(f"Ratios are to {first.name}; bars show each value against the "
                                                  "largest in its row.") + _compare_table(records)
                + f'<ul id="summary" class="summary">{lines}</ul>'),
    ]
    for i, r in enumerate(records):
        detail = _record_detail(r, i)
        if detail:
            sections.append(Section(f"design-{i}", f"{r.name}: how it is counted", detail))
    sections.append(_extras(first, known, "first record"))
    title = "cnncalc compare " + " ".join(r.name for r in records)
    return page("compare", title, subtitle, sections, [_to_dict(r) for r in records], command)


# --- profile -----------------------------------------------------------------------------------------------------
def _profile_figures(report: ProfileReport) -> list[Figure]:
    ok = [r for r in report.runs if r.latency is not None]
    figs = [Figure("device", "device", report.peaks.name, report.settings.device)]
    if not ok:
        return [*figs, Figure("error", "no run fitted", ", ".join(f"batch {r.batch}: {r.error}" for r in report.runs))]
    r = ok[0]
    lat = r.latency
    assert lat is not None
    training = getattr(report, "mode", "inference") == "training"
    if training:
        figs.append(Figure("mode", "training steps", _optimizer(report) if report.optimizer else NONE,
                           "forward, backward, optimizer step, zero_grad"
                           + (f"; autocast {report.amp}" if report.amp else "")))
    peak_detail = "allocator / resident set rise"
    if r.predicted_peak_bytes is not None:
        peak_detail = (f"{r.peak_source or 'measured'}; predicted {nbytes(r.predicted_peak_bytes)}"
                       if r.peak_memory_bytes is not None else "not measured here; predicted "
                       f"{nbytes(r.predicted_peak_bytes)}")
    figs += [
        Figure("latency", f"median {'step time' if training else 'latency'}, batch {r.batch}", f"{_ms(lat.median)} ms",
               f"p10–p90 {_ms(lat.p10)}–{_ms(lat.p90)} ms, {lat.samples} samples" + (" (noisy)" if lat.noisy else "")),
        Figure("throughput", "throughput", f"{r.throughput:,.1f} /s" if r.throughput else NONE, "items per second"),
        Figure("achieved", "achieved", _si(r.flops_per_s, "FLOP/s"), _si(r.macs_per_s, "MAC/s")),
        Figure("roofline", "roofline bound", f"{_ms(r.roofline_ms)} ms",
               f"measured ÷ bound {r.over_roofline:.2f}×" if r.over_roofline else "no bound without peaks"),
        Figure("macs", "MACs", integer(r.macs), f"FLOPs {integer(r.flops)}"),
        Figure.of_bytes("traffic", "memory traffic", r.traffic_bytes, "ideal-reuse lower bound"),
        Figure("peak-memory", "peak memory", _bytes(r.peak_memory_bytes), peak_detail,
               _exact_bytes(r.peak_memory_bytes)),
    ]
    return figs


RUN_COLUMNS = (
    text_col("dtype", "dtype"),
    col("median", "median ms", fmt=_ms, bar=True),
    text_col("spread", "p10–p90 ms"),
    col("min", "min ms", fmt=_ms),
    col("cold", "cold ms", fmt=_ms),
    col("samples", "samples"),
    col("throughput", "items/s", fmt=lambda v: NONE if v is None else f"{v:,.1f}"),
    col("macs_per_s", "MAC/s", fmt=lambda v: _si(v, "MAC/s")),
    col("flops_per_s", "FLOP/s", fmt=lambda v: _si(v, "FLOP/s")),
    bytes_col("peak", "peak memory", help="measured"),
    col("roofline", "roofline ms", fmt=_ms),
    col("over", "÷ bound", fmt=lambda v: NONE if v is None else f"{v:.2f}×"),
    text_col("error", "error"),
)


#: training steps: the traced step's predicted peak beside the measured one
PREDICTED_COLUMNS = (
    bytes_col("predicted", "predicted", help="the peak of the traced training step (cnncalc analyze --train)"),
    col("vs", "vs measured", fmt=lambda v: NONE if v is None else f"{v:+.2%}",
        help="(predicted − measured) ÷ measured"),
)


def _run_rows(report: ProfileReport) -> list[Row]:
    rows = []
    for i, r in enumerate(report.runs):
        lat = r.latency
        predicted, measured = getattr(r, "predicted_peak_bytes", None), r.peak_memory_bytes
        vs = (predicted - measured) / measured if predicted is not None and measured else None
        rows.append(Row(f"b{i}", f"batch {r.batch}", {
            "predicted": predicted, "vs": vs,
            "dtype": r.dtype, "median": lat.median if lat else None,
            "spread": f"{_ms(lat.p10)}–{_ms(lat.p90)}" + (" noisy" if lat.noisy else "") if lat else None,
            "min": lat.min if lat else None, "cold": lat.cold if lat else None, "samples": lat.samples if lat else 0,
            "throughput": r.throughput, "macs_per_s": r.macs_per_s, "flops_per_s": r.flops_per_s,
            "peak": r.peak_memory_bytes, "roofline": r.roofline_ms, "over": r.over_roofline, "error": r.error,
        }, cls="bad" if r.error else ""))
    return rows


LAYER_TIME_COLUMNS = (
    text_col("type", "type"),
    col("ms", "ms", fmt=_ms, bar=True, help="median per call, with hook overhead; groups: sum of their modules"),
    col("flops", "FLOPs", bar=True),
    bytes_col("traffic_bytes", "traffic", bar=True),
    col("intensity", "FLOP/B", fmt=_g),
    col("flops_per_s", "FLOP/s", fmt=lambda v: _si(v, "FLOP/s")),
    col("roofline_ms", "roofline ms", fmt=_ms),
    text_col("bound", "bound by"),
)


def _layer_time_rows(report: ProfileReport) -> list[Row]:
    """The timed modules as a tree by their dotted names; a group row shows the sums of its timed modules."""
    peaks = report.peaks
    balance = peaks.fp32 / peaks.bandwidth if peaks.fp32 and peaks.bandwidth else None
    groups: dict[str, dict[str, Any]] = {}
    order: list[tuple[str, str, int, Row | None]] = []  # (id, parent, depth, leaf row or None for a group)
    for i, layer in enumerate(report.layers):
        parts = layer.name.split(".")
        parent = "all"
        for d in range(len(parts) - 1):
            prefix = ".".join(parts[:d + 1])
            gid = f"g:{prefix}"
            if gid not in groups:
                groups[gid] = {"label": parts[d], "name": prefix, "depth": d + 1, "parent": parent, "ms": 0.0,
                               "flops": 0, "traffic_bytes": 0, "roofline_ms": 0.0}
                order.append((gid, parent, d + 1, None))
            parent = gid
        bound = None if balance is None else "memory" if layer.intensity < balance else "compute"
        leaf = Row(f"t{i}", parts[-1], {"type": layer.type, "ms": layer.ms, "flops": layer.flops,
                                        "traffic_bytes": layer.traffic_bytes, "intensity": layer.intensity,
                                        "flops_per_s": layer.flops_per_s, "roofline_ms": layer.roofline_ms,
                                        "bound": bound}, parent=parent, depth=len(parts),
                   sub=layer.name if len(parts) > 1 else "")
        order.append((leaf.id, parent, leaf.depth, leaf))
        for gid in _chain(parent, groups):
            g = groups[gid]
            g["ms"] += layer.ms
            g["flops"] += layer.flops
            g["traffic_bytes"] += layer.traffic_bytes
            g["roofline_ms"] = (g["roofline_ms"] + layer.roofline_ms
                                if g["roofline_ms"] is not None and layer.roofline_ms is not None else None)
    total = {"ms": sum(x.ms for x in report.layers), "flops": sum(x.flops for x in report.layers),
             "traffic_bytes": sum(x.traffic_bytes for x in report.layers)}
    rows = [Row("all", "(timed modules)", {"type": "Σ", **total}, depth=0, cls="root")]
    for row_id, parent, depth, timed in order:
        if timed is not None:
            rows.append(timed)
            continue
        g = groups[row_id]
        rows.append(Row(row_id, g["label"], {"type": "Σ", "ms": g["ms"], "flops": g["flops"],
                                             "traffic_bytes": g["traffic_bytes"], "roofline_ms": g["roofline_ms"]},
                        parent=parent, depth=depth, sub=g["name"] if depth > 1 else ""))
    return rows


def _chain(gid: str, groups: dict[str, dict[str, Any]]) -> list[str]:
    out = []
    while gid in groups:
        out.append(gid)
        gid = groups[gid]["parent"]
    return out


def _roofline_section(report: ProfileReport) -> Section | None:
    from cnncalc.render.profile import rate

    layers = [x for x in report.layers if x.intensity > 0 and x.flops_per_s > 0]
    runs = [r for r in report.runs if r.flops_per_s and r.traffic_bytes]
    if not layers and not runs:
        return None
    p = report.peaks
    roofs = [(lbl, v) for lbl, v in (("FP32", p.fp32), ("TF32", p.tf32), ("FP16/BF16", p.half)) if v]
    bw = p.bandwidth
    xs = [x.intensity for x in layers] + [r.flops / r.traffic_bytes for r in runs]
    xs += [v / bw for _, v in roofs] if bw else []
    ys = [x.flops_per_s for x in layers] + [r.flops_per_s or 0.0 for r in runs] + [v for _, v in roofs]
    width, height = 1000, 520
    x_lo, x_hi = log_domain(xs)
    y_lo, y_hi = log_domain(ys)
    x = Scale(x_lo, x_hi, 92, width - 20, log=True)
    y = Scale(y_lo, y_hi, height - 50, 16, log=True)
    body = _axes(x, y, [(v, f"{v:g}") for v in x.ticks()], [(v, _si(v)) for v in y.ticks()],
                 "arithmetic intensity (FLOP / byte of ideal-reuse traffic)", "achieved FLOP/s")
    for k, (label, peak) in enumerate(roofs):
        dash = ("", ' stroke-dasharray="8 4"', ' stroke-dasharray="2 4"')[k]
        if bw:
            ridge = peak / bw
            x0 = max(x_lo, y_lo / bw)
            pts = [(x0, bw * x0)] + ([(ridge, peak)] if x_lo < ridge < x_hi else []) + [(x_hi, min(peak, bw * x_hi))]
        else:
            pts = [(x_lo, peak), (x_hi, peak)]
        d = " ".join(f"{'M' if i == 0 else 'L'}{x(a):.1f},{y(b):.1f}" for i, (a, b) in enumerate(pts))
        body.append(f'<path class="roof" d="{d}"{dash}><title>{esc(label)} roof</title></path>')
        body.append(_svg_text(x.b - 4, y(peak) - 6, f"{label} {rate(peak, 'FLOP/s')}", "tick roof-l", "end"))
    if bw:
        # the bandwidth label along the slanted roof, a third of the way up its visible part
        a, b = max(x_lo, y_lo / bw), min(x_hi, max(v for _, v in roofs) / bw if roofs else x_hi)
        xm = math.sqrt(a * b) if b > a else a
        angle = math.degrees(math.atan2(y(bw * xm * 2) - y(bw * xm), x(xm * 2) - x(xm)))
        body.append(_svg_text(x(xm), y(bw * xm) - 8, f"bandwidth {rate(bw, 'B/s')}", "tick roof-l", "middle",
                              f' transform="rotate({angle:.1f} {x(xm):.1f} {y(bw * xm) - 8:.1f})"'))
    types = sorted({layer.type for layer in layers})
    color = {t: PALETTE[i % len(PALETTE)] for i, t in enumerate(types)}
    for layer in layers:
        tip = (f"{layer.name} ({layer.type}): {_si(layer.flops_per_s, 'FLOP/s')} at {layer.intensity:.3g} FLOP/B, "
               f"{_ms(layer.ms)} ms")
        body.append(f'<circle class="pt" cx="{x(layer.intensity):.1f}" cy="{y(layer.flops_per_s):.1f}" r="4.5" '
                    f'fill="{color[layer.type]}"><title>{esc(tip)}</title></circle>')
    for layer in sorted(layers, key=lambda t: t.ms, reverse=True)[:3]:
        body.append(_svg_text(x(layer.intensity) + 7, y(layer.flops_per_s) + 4, layer.name, "tick pt-l"))
    for r in runs:
        xi, yi = x(r.flops / r.traffic_bytes), y(r.flops_per_s or 0.0)
        median = r.latency.median if r.latency else None
        tip = f"whole model, batch {r.batch}: {_si(r.flops_per_s, 'FLOP/s')}, {_ms(median)} ms"
        body.append(f'<rect class="run" x="{xi - 6:.1f}" y="{yi - 6:.1f}" width="12" height="12" '
                    f'transform="rotate(45 {xi:.1f} {yi:.1f})"><title>{esc(tip)}</title></rect>')
        body.append(_svg_text(xi + 10, yi - 8, f"model, batch {r.batch}", "tick pt-l"))
    chart = _svg("roofline", width, height, body, "roofline: achieved FLOP/s against arithmetic intensity")
    items = [(t, color[t]) for t in types] + [("whole model (one per batch)", "var(--fg)")]
    text = ("Each point is a timed module (per-layer timings carry hook overhead), each diamond the whole model. "
            "Under the slanted roof a module is bound by memory bandwidth, under the flat ones by compute. "
            f"Peaks: {p.source}.")
    if not roofs or not bw:
        text += " Without " + ("a compute peak" if not roofs else "a bandwidth") + " the roofline is incomplete."
    return Section("roofline-section", "Roofline", note(text) + chart + legend(items))


def _peak_section(report: ProfileReport, runs: Sequence[Run]) -> Section | None:
    """Training steps: each batch's measured peak beside the traced step's prediction."""
    if not runs:
        return None
    bars = []
    for r in runs:
        predicted = r.predicted_peak_bytes or 0
        if r.peak_memory_bytes is not None:
            bars.append(Bar(f"batch {r.batch} measured", [Segment("measured", float(r.peak_memory_bytes), PALETTE[0],
                                                                 f"measured: {integer(r.peak_memory_bytes)} B")]))
        bars.append(Bar(f"batch {r.batch} predicted", [Segment("predicted", float(predicted), PALETTE[1],
                                                              f"predicted: {integer(predicted)} B")]))
    sources = sorted({r.peak_source for r in runs if r.peak_source and r.peak_memory_bytes is not None})
    text = ("The measured peak of a training step (" + ("; ".join(sources) or "not measured on this device")
            + ") beside the peak cnncalc predicts from the traced step, without running it.")
    chart = BarChart("peak-chart", bars, "peak bytes of one training step", fmt=_bytes_fmt, binary=True,
                     bar_height=18, gap=8)
    from cnncalc.render.profile import memory_lines

    lines = "".join(f"<li>{esc(line)}</li>" for line in memory_lines(report))
    return Section("peak-memory", "Peak memory: measured and predicted", note(text) + chart.svg()
                   + legend([("measured", PALETTE[0]), ("predicted", PALETTE[1])])
                   + f'<ul id="peak-lines">{lines}</ul>')


def profile_html(report: ProfileReport, command: str) -> str:
    """A profile as one page: headline latency and cost, the runs, the device and settings, the roofline
    chart, and the per-module timings as a tree with bars."""
    from cnncalc.render.profile import PER_LAYER_NOTE, device_lines

    device = "<ul>" + "".join(f"<li>{esc(line)}</li>" for line in device_lines(report)) + "</ul>"
    predicted = [r for r in report.runs if getattr(r, "predicted_peak_bytes", None) is not None]
    at = next(i for i, c in enumerate(RUN_COLUMNS) if c.key == "peak") + 1
    columns = RUN_COLUMNS[:at] + PREDICTED_COLUMNS + RUN_COLUMNS[at:] if predicted else RUN_COLUMNS
    runs = table("runs", "run", columns, _run_rows(report))
    warnings = []
    if any(r.error for r in report.runs):
        warnings.append(note(f"largest batch that fitted: {report.largest_batch}", "note warn"))
    if any(r.latency and r.latency.noisy for r in report.runs):
        warnings.append(note("noisy: (p90 − p10) / median above 10%; other work on the machine, or too short a "
                             "--min-time", "note warn"))
    layers = None
    if report.layers:
        rows = _layer_time_rows(report)
        total = rows[0].values
        bar_max = {k: float(total[k]) for k in ("ms", "flops", "traffic_bytes") if total.get(k)}
        layers = Section("tree", "Modules, timed", note(PER_LAYER_NOTE + ". Bars: share of all timed modules; a "
                                                        "group row sums its modules.")
                         + table("layers", "module", LAYER_TIME_COLUMNS, rows, tree=True, bar_max=bar_max))
    known = {"model", "input_shape", "peaks", "settings", "runs", "layers", "mode", "optimizer", "amp"}
    training = getattr(report, "mode", "inference") == "training"
    sections = [
        Section("headline", "Headline", figures(_profile_figures(report))),
        Section("runs-section", "Runs", (note("Each sample is one whole training step.") if training else "")
                + runs + "".join(warnings)),
        _peak_section(report, predicted),
        Section("device", "Device and settings", device),
        _roofline_section(report),
        layers,
        _extras(report, known, "profile"),
    ]
    subtitle = f"input {_shape(getattr(report, 'input_shape', None))} on {report.settings.device} ({report.peaks.name})"
    if training:
        subtitle += (f"; training steps ({_optimizer(report) if report.optimizer else NONE}"
                     + (f", autocast {report.amp}" if report.amp else "") + ")")
    return page("profile", f"cnncalc profile {report.model}", subtitle, sections, _to_dict(report), command)


# --- sweep ---------------------------------------------------------------------------------------------------------
SWEEP_COLUMNS = (
    text_col("output", "output"),
    col("params", "params", bar=True),
    col("macs", "MACs", bar=True),
    col("flops", "FLOPs"),
    bytes_col("activation_bytes", "activations", bar=True),
    bytes_col("traffic_bytes", "traffic", bar=True),
    col("intensity", "FLOP/B", fmt=_g),
    text_col("rf", "RF"),
)


def sweep_html(points: Sequence[SweepPoint], target: str, vary: str, command: str) -> str:
    """A sweep as one page: a table of every point (with the counterpart's ratio or the peak activations
    where the sweep has them) and small line charts of the main quantities against the swept value."""
    if not points:
        raise ValueError("sweep_html needs at least one point")
    columns = list(SWEEP_COLUMNS)
    counterpart = next((p.counterpart for p in points if p.counterpart is not None), None)
    is_model = any(p.peak_activation_bytes is not None for p in points)
    if counterpart is not None:
        columns += [col("params_vs", f"params vs {counterpart.name}", fmt=_ratio_text),
                    col("macs_vs", f"MACs vs {counterpart.name}", fmt=_ratio_text)]
    if is_model:
        columns += [bytes_col("peak", "peak live", bar=True),
                    col("coverage", "RF / input", fmt=_g, help="receptive field ÷ input height")]
    rows = []
    for i, p in enumerate(points):
        r, c = p.record, p.counterpart
        rows.append(Row(f"p{i}", p.value, {
            "output": _shape(r.output_shape), "params": r.params, "macs": r.macs, "flops": r.flops,
            "activation_bytes": r.activation_bytes, "traffic_bytes": r.traffic_bytes, "intensity": r.intensity,
            "rf": _field(r.receptive_field),
            "params_vs": _Ratio(r.params, c.params) if c else None, "macs_vs": _Ratio(r.macs, c.macs) if c else None,
            "peak": p.peak_activation_bytes, "coverage": p.coverage if is_model else None}))
    name = vary.partition("=")[0]
    labels = [p.value for p in points]
    charts = [
        LineChart("sweep-params", labels, [Series("params", [float(p.record.params) for p in points])], name, "params",
                  y_fmt=_si, width=560, height=260),
        LineChart("sweep-macs", labels, [Series("MACs", [float(p.record.macs) for p in points])], name, "MACs",
                  y_fmt=_si, width=560, height=260, colors=PALETTE[1:]),
        LineChart("sweep-traffic", labels, [Series("traffic", [float(p.record.traffic_bytes) for p in points])],
                  name, "memory traffic (bytes)", y_fmt=lambda v: nbytes(int(v)), width=560, height=260,
                  colors=PALETTE[2:], binary=True),
    ]
    if is_model:
        charts.append(LineChart("sweep-peak", labels, [Series("peak", [float(p.peak_activation_bytes or 0)
                                                                       for p in points])], name,
                                "peak live activations (bytes)", y_fmt=lambda v: nbytes(int(v)), width=560,
                                height=260, colors=PALETTE[3:], binary=True))
    else:
        charts.append(LineChart("sweep-rf", labels, [Series("RF", [float(p.record.receptive_field[0])
                                                                   for p in points])], name,
                                "receptive field (height)", width=560, height=260, colors=PALETTE[3:]))
    grid = '<div class="charts">' + "".join(f"<figure>{c.svg()}</figure>" for c in charts) + "</div>"
    first = points[0].record
    sections = [
        Section("points", "Points", table("sweep", name, columns, rows, caption="bars: share of the largest value")),
        Section("charts", "Against " + name, grid),
    ]
    subtitle = (f"{target} over {vary}; input {_shape(getattr(first, 'input_shape', None))}, "
                f"{getattr(first, 'dtype', '')}")
    return page("sweep", f"cnncalc sweep {target} over {name}", subtitle, sections, [_to_dict(p) for p in points],
                command)


@dataclass(frozen=True)
class _Ratio:
    """A value against a counterpart's, read as ×/÷ and sorted by value ÷ counterpart."""

    value: int
    base: int

    def __float__(self) -> float:
        return self.value / self.base if self.base else 0.0

    def __str__(self) -> str:
        return ratio(self.value, self.base)


def _ratio_text(v: Any) -> str:
    return NONE if v is None else str(v)


# --- fit -----------------------------------------------------------------------------------------------------------
def _fit_point_label(p: FitPoint, fits: bool) -> str:
    return f"batch {p.batch:,} ({'fits' if fits else 'does not fit'})"


def _where(p: FitPoint) -> str:
    return _where_text(p.peak_op, p.peak_module, p.peak_phase)


def fit_html(report: FitReport, command: str) -> str:
    """`cnncalc fit` as one page: the answer (the largest batch that fits the budget, and where the budget came
    from), a stacked bar of memory by category for the batch that fits and the next one up against the budget
    line, the breakdown table, the peak of each phase, every batch traced, and how memory is counted."""
    from cnncalc.render.memory import MEMORY_NOTE, fit_summary

    r = report
    budget = r.memory_bytes
    points: list[tuple[FitPoint, bool]] = ([(r.at, True)] if r.at is not None else []) + [(r.next, False)]
    what = (f"training step ({_optimizer(r)}" + (f", autocast {r.amp}" if r.amp else "") + ")"
            if r.mode == "training" else "inference")
    figs = [
        Figure("max-batch", "largest batch that fits", f"{r.max_batch:,}", f"batch {r.next.batch:,} does not"),
        Figure.of_bytes("budget", "memory budget", budget, r.memory_source),
    ]
    for p, fits in points:
        key = "fits" if fits else "next"
        figs.append(Figure.of_bytes(f"peak-{key}", f"peak at batch {p.batch:,}", p.peak_bytes,
                                    f"{p.peak_bytes / budget:.1%} of the budget" if budget else ""))
    figs.append(Figure("mode", "what is traced", "training step" if r.mode == "training" else "inference",
                       ", ".join(x for x in (_optimizer(r) if r.mode == "training" else "", f"autocast {r.amp}"
                                             if r.amp else "", r.dtype) if x)))
    answer = (f'<p class="lead" id="answer">{esc(fit_summary(r))}.</p>' + figures(figs)
              + note(f"Budget: {r.memory_source}. The batch is the first dimension of every input."))
    categories = _categories(*(p.memory for p, _ in points))
    chart = BarChart("fit-chart", [_memory_bar(_fit_point_label(p, fits), p.memory, categories)
                                   for p, fits in points], "bytes live at each batch's peak", fmt=_bytes_fmt,
                     refs=[(float(budget), f"budget {nbytes(budget)}")], binary=True, bar_height=30, gap=14)
    items = "".join(f"<li>batch {p.batch:,}: peak {esc(integer(p.peak_bytes))} B {esc(_where(p))}</li>"
                    for p, _ in points)
    chart_body = (note("Each bar is one batch's peak, split by what was live at that moment; the dashed line is the "
                       "budget. Hover a segment for its bytes.") + chart.svg()
                  + legend([(name, color) for _, name, color in categories]) + f'<ul id="fit-where">{items}</ul>')
    columns = [bytes_col(f"b{i}", _fit_point_label(p, fits), bar=True) for i, (p, fits) in enumerate(points)]
    rows = [Row("peak", "peak", {f"b{i}": p.peak_bytes for i, (p, _) in enumerate(points)}, cls="root")]
    for k, name, _ in categories:
        rows.append(Row(f"c-{k}", name, {f"b{i}": dict(p.memory).get(k, 0) for i, (p, _) in enumerate(points)},
                        parent="peak", depth=1))
    breakdown = table("fit-breakdown", "category", columns, rows, bar_max={c.key: float(budget) for c in columns},
                      caption="bars: share of the budget; the categories add up to the peak")
    phase_names = list(dict.fromkeys(ph for p, _ in points for ph, _ in p.phase_peaks))
    phase_body = ""
    if phase_names:
        phase_rows = [Row(f"ph-{ph}", ph, {f"b{i}": dict(p.phase_peaks).get(ph) for i, (p, _) in enumerate(points)})
                      for ph in phase_names]
        phase_body = "<h3>Peak of each phase</h3>" + table("fit-phases", "phase", columns, phase_rows, bar_max={
            c.key: float(budget) for c in columns}, caption="bars: share of the budget")
    traced = [Row(f"s{i}", f"batch {b:,}", {"order": i + 1, "peak": peak,
                                          "verdict": "fits" if peak <= budget else "does not fit"},
                  cls="" if peak <= budget else "bad") for i, (b, peak) in enumerate(r.searched)]
    traced_cols = (col("order", "traced", help="the order the search traced the batches in"),
                   bytes_col("peak", "peak", bar=True), text_col("verdict", "against the budget"))
    notes = [MEMORY_NOTE] + ([r.note] if r.note else [])
    sections = [
        Section("headline", "Answer", answer),
        Section("fit-memory", "Memory at the peak", chart_body),
        Section("breakdown", "Breakdown", breakdown + phase_body),
        Section("searched", "Batches traced", note("The search traced these batches (one trace each; the cost does "
                                                   "not grow with the batch). Bars: share of the budget.")
                + table("fit-searched", "batch", traced_cols, traced, bar_max={"peak": float(budget)})),
        Section("memory-note", "How memory is counted",
                "".join(f'<p class="note">{esc(_sentence(n))}</p>' for n in notes)),
        _extras(r, {"model", "memory_bytes", "memory_source", "mode", "optimizer", "foreach", "amp", "dtype",
                    "inputs", "max_batch", "at", "next", "searched", "note"}, "fit report"),
    ]
    subtitle = f"{what}, {r.dtype}, inputs {', '.join(r.inputs)} at batch 1; budget {nbytes(budget)}"
    return page("fit", f"cnncalc fit {r.model}", subtitle, sections, r.to_dict(), command)


# --- validate -----------------------------------------------------------------------------------------------------
CHECK_COLUMNS = (
    text_col("quantity", "quantity"),
    col("value", "theirs"),
    col("expected", "cnncalc's equivalent"),
    text_col("verdict", "agrees"),
    text_col("note", "reconciliation"),
)


VALIDATION_COLUMNS = (
    text_col("input", "input"),
    col("params", "params (cnncalc)"),
    col("macs", "MACs (cnncalc)"),
    col("checks", "checks"),
    text_col("verdict", "agrees"),
)


def validation_html(results: Sequence[Validation], command: str) -> str:
    """Validations as one page: a figure per model (params, MACs, verdict) and each peer's check."""
    if not results:
        raise ValueError("validation_html needs at least one result")
    agree = sum(1 for v in results if v.ok)
    figs = [Figure("models", "models", f"{agree} / {len(results)} agree",
                   ", ".join(v.model for v in results if not v.ok) or "every check reconciles")]
    if len(results) <= 4:
        figs += [Figure(f"model-{i}", v.model, integer(v.params), f"params · {integer(v.macs)} MACs · "
                        f"{'✓' if v.ok else '✗'}") for i, v in enumerate(results)]
    summary = table("models-table", "model", VALIDATION_COLUMNS, [
        Row(f"v{i}", v.model, {"input": _shape(v.input_shape), "params": v.params, "macs": v.macs,
                               "checks": len(v.checks), "verdict": "✓" if v.ok else "✗"}, cls="" if v.ok else "bad")
        for i, v in enumerate(results)]) if len(results) > 1 else ""
    sections: list[Section | None] = [Section("headline", "Headline", figures(figs) + summary)]
    for i, v in enumerate(results):
        rows = []
        for j, c in enumerate(v.checks):
            verdict = "ref" if c.reference else "✓" if c.agrees else "✗"
            rows.append(Row(f"c{j}", c.tool, {"quantity": c.quantity, "value": c.value, "expected": c.expected,
                                              "verdict": verdict, "note": c.note},
                            cls="bad" if not c.agrees else ""))
        head = note(f"input {_shape(v.input_shape)}; cnncalc: {integer(v.params)} params, {integer(v.macs)} MACs",
                    "note" if v.ok else "note bad")
        sections.append(Section(f"model-{i}-checks", v.model, head + table(f"checks-{i}", "tool", CHECK_COLUMNS, rows)))
    names = ", ".join(v.model for v in results)
    return page("validate", f"cnncalc validate {names}", "cnncalc's counts beside numel, FlopCounterMode, fvcore "
                "and published tables", sections, [_to_dict(v) for v in results], command)


# --- assets ---------------------------------------------------------------------------------------------------------
#: Installed first: any script error lands in the DOM (html[data-js-errors]) where a reader and the tests see it.
ERROR_TRAP = ("window.addEventListener('error',function(e){var d=document.documentElement;"
              "d.setAttribute('data-js-errors',(d.getAttribute('data-js-errors')||'')+(e.message||'error')+' | ');});")

CSS = """
:root{--fg:#1f2328;--muted:#59636e;--bg:#fff;--panel:#f6f8fa;--line:#d1d9e0;--accent:#0969da;--bar:#4e79a733;
--band:#eef2f6;--good:#1a7f37;--bad:#cf222e;--warn:#9a6700;color-scheme:light dark}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9198a1;--bg:#0d1117;--panel:#151b23;--line:#3d444d;
--accent:#4493f8;--bar:#6d9fd640;--band:#161c24;--good:#3fb950;--bad:#f85149;--warn:#d29922}}
*{box-sizing:border-box}
body{margin:0;color:var(--fg);background:var(--bg);
font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1240px;margin:0 auto;padding:20px 28px 48px}
h1{font-size:22px;margin:0 0 2px}
h2{font-size:17px;margin:0 0 10px;padding-bottom:4px;border-bottom:1px solid var(--line)}
h3{font-size:14px;margin:14px 0 6px}
header{margin-bottom:6px}.sub{color:var(--muted);margin:0 0 6px}
nav{font-size:13px}nav a,a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}
section,footer{margin-top:28px}
code,pre,.sym,.num{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:12.5px}
pre{margin:0;white-space:pre-wrap;word-break:break-word}
pre.cmd{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:8px 12px}
.note{color:var(--muted);margin:4px 0 10px}.warn{color:var(--warn)}.bad{color:var(--bad)}.good{color:var(--good)}
.lead{font-size:15px;margin:0 0 10px}
blockquote.idea{margin:0 0 12px;padding:6px 12px;border-left:3px solid var(--accent);background:var(--panel)}
dl.figs{display:grid;grid-template-columns:repeat(auto-fill,minmax(200px,1fr));gap:10px;margin:0 0 12px}
dl.figs.three{grid-template-columns:repeat(auto-fill,minmax(300px,1fr))}
dl.figs>div{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:8px 12px}
dl.figs dt{color:var(--muted);font-size:12px}
dl.figs dd{margin:0;font-size:19px;font-weight:600;font-variant-numeric:tabular-nums;overflow-wrap:anywhere}
dl.figs dd.d{font-size:12px;font-weight:400;color:var(--muted)}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:13px;font-variant-numeric:tabular-nums}
caption{caption-side:bottom;text-align:left;color:var(--muted);font-size:12px;padding-top:4px}
th,td{padding:3px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
thead th{position:sticky;top:0;background:var(--bg);border-bottom:2px solid var(--line);white-space:nowrap}
tbody th{font-weight:400}table.sortable tbody th{white-space:nowrap}
.n{text-align:right;white-space:nowrap}
td.b{background:linear-gradient(var(--bar),var(--bar)) no-repeat left center/var(--w) 76%}
table.kv{width:auto}table.kv th{color:var(--muted);padding-right:18px;white-space:nowrap}
table.compare td{min-width:150px}table.compare tbody th{white-space:nowrap}
.ratio{color:var(--muted);font-size:12px;margin-left:6px}
td.doc{color:var(--muted)}
.t{color:var(--muted);font-size:11.5px;margin-left:6px}
table.tree tbody th{white-space:nowrap;padding-left:calc(var(--d,0) * 16px + 24px)}
table.tree tr.root{font-weight:600}table.tree tr.root th{font-weight:600}
tr.hid{display:none}
tr.bad td,tr.bad th{color:var(--bad)}
th[data-sort]{cursor:pointer;user-select:none}
th[aria-sort=ascending]::after{content:" ▴"}th[aria-sort=descending]::after{content:" ▾"}
button.tw{border:0;background:none;color:var(--muted);cursor:pointer;width:16px;padding:0;margin:0 2px 0 -18px;
font:inherit}
.tools{margin:0 0 6px;display:flex;gap:6px}
.tools button{font:inherit;font-size:12px;color:var(--fg);background:var(--panel);border:1px solid var(--line);
border-radius:5px;padding:2px 8px;cursor:pointer}
ul.legend{list-style:none;padding:0;margin:6px 0 0;display:flex;flex-wrap:wrap;gap:4px 16px;font-size:12px}
.legend .dot{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:5px;vertical-align:-1px}
.legend .sw{display:inline-block;width:16px;height:3px;margin-right:5px;vertical-align:3px}
svg.chart{width:100%;height:auto;display:block;font-family:inherit}
svg text{fill:var(--fg);font-size:12px}svg text.tick{fill:var(--muted);font-size:11px}svg text.lab{font-size:12px}
svg .grid line{stroke:var(--line);stroke-width:.6}svg .axis{stroke:var(--muted);fill:none}
svg .band{fill:var(--band)}svg .ref{stroke:var(--warn);stroke-dasharray:5 4}
svg .line{fill:none;stroke-width:2}svg .roof{fill:none;stroke:var(--fg);stroke-width:1.6}
svg text.roof-l{fill:var(--fg)}svg text.pt-l{fill:var(--fg);font-size:10.5px}
svg .pt{stroke:var(--bg);stroke-width:.8;opacity:.9}svg .run{fill:var(--fg);stroke:var(--bg)}
svg .seg{stroke:var(--bg);stroke-width:1}svg text.seg-l{fill:#111;font-size:11px}
svg text.seg-d{fill:#fff;font-size:11px}
svg text.total{font-size:11.5px;font-variant-numeric:tabular-nums}svg text.ref-l{fill:var(--warn)}
details summary{cursor:pointer;color:var(--muted)}#unread p{margin:4px 0}#unread ul{columns:2;font-size:12.5px}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:16px}
.charts.io{grid-template-columns:repeat(auto-fit,minmax(300px,1fr))}.charts h3{margin-top:0}
.charts figure{margin:0}
ul.summary{padding-left:18px}ul.versions{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:4px 18px}
footer{color:var(--muted);font-size:13px}
@media print{
:root{--fg:#000;--muted:#444;--bg:#fff;--panel:#f4f4f4;--line:#bbb;--band:#f0f0f0;--bar:#4e79a740}
@page{margin:12mm}
body{font-size:10.5px}main{max-width:none;padding:0}nav,.tools,button.tw,#json-download,tbody .t{display:none}
.scroll{overflow:visible}table{font-size:8.5px}th,td{padding:1px 4px}
table.tree tbody th{padding-left:calc(var(--d,0) * 8px + 4px)}
table.compare td{min-width:0}
tr.hid{display:table-row}thead th{position:static}section{break-inside:auto}svg,dl.figs,figure{break-inside:avoid}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
"""

#: Sortable headers (a tree sorts within each parent; a third click restores the record's order), collapsible
#: tree rows, a download link for the embedded JSON. Without JS the page shows every row, expanded.
JS = r"""
(function () {
  "use strict";
  function rows(t) { return Array.prototype.slice.call(t.tBodies[0].rows); }
  function key(cell) {
    var v = cell.getAttribute("data-v");
    if (v === null || v === "") return null;
    var n = Number(v);
    return isNaN(n) ? v.toLowerCase() : n;
  }
  function refresh(t) {
    var hidden = {}, closed = {};
    rows(t).forEach(function (r) {
      var id = r.getAttribute("data-id"), p = r.getAttribute("data-parent") || "";
      var hide = p !== "" && (hidden[p] || closed[p]);
      hidden[id] = !!hide;
      closed[id] = r.classList.contains("closed");
      r.classList.toggle("hid", !!hide);
      var b = r.querySelector("button.tw");
      if (b) { b.textContent = closed[id] ? "\u25B8" : "\u25BE"; b.setAttribute("aria-expanded", String(!closed[id])); }
    });
  }
  function arrange(t, col, dir) {
    var kids = {}, body = t.tBodies[0];
    rows(t).forEach(function (r) { var p = r.getAttribute("data-parent") || ""; (kids[p] = kids[p] || []).push(r); });
    function cmp(a, b) {
      var ia = Number(a.getAttribute("data-i")), ib = Number(b.getAttribute("data-i"));
      if (col < 0) return ia - ib;
      var x = key(a.cells[col]), y = key(b.cells[col]);
      if (x === null || y === null) return x === y ? ia - ib : (x === null ? 1 : -1);
      return (x < y ? -1 : x > y ? 1 : 0) * dir || ia - ib;
    }
    (function walk(p) {
      (kids[p] || []).sort(cmp).forEach(function (r) { body.appendChild(r); walk(r.getAttribute("data-id")); });
    })("");
    refresh(t);
  }
  function setAll(t, closed) {
    rows(t).forEach(function (r) { if (r.querySelector("button.tw")) r.classList.toggle("closed", closed); });
    refresh(t);
  }
  function init(t) {
    var parents = {};
    rows(t).forEach(function (r, i) {
      r.setAttribute("data-i", String(i));
      if (!r.getAttribute("data-id")) r.setAttribute("data-id", "r" + i);
      parents[r.getAttribute("data-parent") || ""] = true;
    });
    var headers = Array.prototype.slice.call(t.tHead.rows[0].cells);
    headers.forEach(function (th, col) {
      th.tabIndex = 0;
      th.setAttribute("aria-sort", "none");
      var state = 0;
      function go() {
        state = (state + 1) % 3;
        headers.forEach(function (h) { h.setAttribute("aria-sort", "none"); });
        var first = th.getAttribute("data-sort") === "num" ? -1 : 1;
        var dir = state === 1 ? first : -first;
        if (state) th.setAttribute("aria-sort", dir > 0 ? "ascending" : "descending");
        arrange(t, state ? col : -1, dir);
      }
      th.addEventListener("click", go);
      th.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); go(); }
      });
    });
    if (!t.classList.contains("tree")) return;
    var open = Number(t.getAttribute("data-open") || "2");
    rows(t).forEach(function (r) {
      var id = r.getAttribute("data-id");
      if (!parents[id]) return;
      var b = document.createElement("button");
      b.className = "tw";
      b.type = "button";
      b.id = "tw-" + t.id + "-" + id;
      b.addEventListener("click", function () { r.classList.toggle("closed"); refresh(t); });
      r.cells[0].insertBefore(b, r.cells[0].firstChild);
      if (Number(r.getAttribute("data-depth")) >= open) r.classList.add("closed");
    });
    var tools = document.createElement("div");
    tools.className = "tools";
    tools.id = "tools-" + t.id;
    [["expand all", false], ["collapse all", true]].forEach(function (spec) {
      var b = document.createElement("button");
      b.type = "button";
      b.textContent = spec[0];
      b.addEventListener("click", function () { setAll(t, spec[1]); });
      tools.appendChild(b);
    });
    t.parentNode.parentNode.insertBefore(tools, t.parentNode);
    refresh(t);
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), init);
  var data = document.getElementById("cnncalc-data"), foot = document.getElementById("provenance");
  if (data && foot) {
    var a = document.createElement("a");
    a.id = "json-download";
    a.download = "cnncalc-" + document.documentElement.getAttribute("data-kind") + ".json";
    a.href = "data:application/json;charset=utf-8," + encodeURIComponent(data.textContent);
    a.textContent = "Download the data (JSON)";
    foot.appendChild(a);
  }
  document.documentElement.setAttribute("data-js", "ready");
})();
"""
