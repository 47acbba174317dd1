"""A tiny markup builder for the charts: every attribute value and every text it is given is escaped (markupsafe),
and only what it builds comes back marked safe. Charts never write markup by hand."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

Attrs = Mapping[str, object]


def _value(value: object) -> str:
    """An attribute value: floats to one decimal (pixels), everything else as text."""
    return f"{value:.1f}" if isinstance(value, float) else str(value)


def el(tag: str, attrs: Attrs | None = None, *children: str | Markup) -> Markup:
    """`<tag a="v">children</tag>`: attribute values and plain-text children escaped, Markup children kept; an
    element without children closes itself (SVG). An attribute whose value is None or False is left out."""
    parts = [Markup("<") + tag]  # tags and attribute names are the code's own words, never data
    for name, value in (attrs or {}).items():
        if value is None or value is False:
            continue
        parts.append(Markup(' {}="{}"').format(Markup(name), _value(value)))
    if not children:
        return Markup("").join(parts) + Markup("/>")
    body = Markup("").join(escape(c) for c in children)
    return Markup("").join(parts) + Markup(">") + body + Markup("</{}>").format(Markup(tag))


def join(items: Iterable[Markup]) -> Markup:
    return Markup("").join(items)


def text(x: float, y: float, words: str, cls: str = "", anchor: str = "start", transform: str | None = None) -> Markup:
    """An SVG text at (x, y)."""
    return el("text", {"x": float(x), "y": float(y), "text-anchor": anchor, "class": cls or None,
                       "transform": transform}, words)


def titled(tag: str, attrs: Attrs, tip: str) -> Markup:
    """A mark with its hover text (`<title>`)."""
    return el(tag, attrs, el("title", None, tip))


def svg(chart_id: str, width: int, height: int, body: Iterable[Markup], label: str) -> Markup:
    return el("svg", {"id": chart_id, "class": "chart", "viewBox": f"0 0 {width} {height}", "role": "img",
                      "aria-label": label}, join(body))


def path(points: Sequence[tuple[float, float]]) -> str:
    """An SVG path through the points: 'M1.0,2.0 L3.0,4.0'."""
    return " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(points))


@dataclass(frozen=True)
class LegendItem:
    name: str
    color: str


def legend(items: Sequence[LegendItem], cls: str = "dot") -> Markup:
    """A legend under a chart: a coloured mark and a name each."""
    return el("ul", {"class": "legend"}, join(
        el("li", None, el("span", {"class": cls, "style": f"background:{item.color}"}, ""), item.name)
        for item in items))


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


def binary_unit(hi: float) -> float:
    """The power of 1024 below `hi` (ticks of a byte axis fall on whole KiB, MiB, GiB)."""
    return 1024.0 ** max(0, math.floor(math.log(max(hi, 1.0), 1024)))


def axes(x: Scale, y: Scale, x_ticks: Sequence[tuple[float, str]], y_ticks: Sequence[tuple[float, str]],
         x_label: str, y_label: str) -> list[Markup]:
    """Grid lines, the two axes, tick labels and axis titles."""
    grid = [el("line", {"x1": x.a, "x2": x.b, "y1": y(v), "y2": y(v)}) for v, _ in y_ticks]
    grid += [el("line", {"x1": x(v), "x2": x(v), "y1": y.a, "y2": y.b}) for v, _ in x_ticks]
    out = [el("g", {"class": "grid"}, join(grid)) if grid else Markup(""),
           el("path", {"class": "axis", "d": f"M{x.a:.1f},{y.b:.1f} V{y.a:.1f} H{x.b:.1f}"})]
    out += [text(x.a - 6, y(v) + 4, label, "tick", "end") for v, label in y_ticks]
    out += [text(x(v), y.a + 16, label, "tick", "middle") for v, label in x_ticks]
    out.append(text((x.a + x.b) / 2, y.a + 34, x_label, "lab", "middle"))
    mid = (y.a + y.b) / 2
    out.append(text(14, mid, y_label, "lab", "middle", f"rotate(-90 14 {mid:.1f})"))
    return out
