"""Charts as inline SVG, built with `svg.el` (every text escaped) and returned marked safe: a line chart over
categories, horizontal stacked bars, and the roofline. They lay out the values they are given; nothing here
computes a cost."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from markupsafe import Markup

from cnncalc.numbers import si
from cnncalc.rendering.html.format import g3, ms, rate
from cnncalc.rendering.html.svg import (
    LegendItem,
    Scale,
    axes,
    binary_unit,
    el,
    join,
    legend,
    log_domain,
    path,
    svg,
    text,
    titled,
)

#: Colours of chart series and point types, readable on light and dark backgrounds.
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#ff9da7", "#9c755f",
           "#8c8c8c")


def whole(value: float) -> str:
    return f"{value:,.0f}"


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]
    #: the hover text of each point (default: its label and value)
    titles: Sequence[str] = ()


@dataclass(frozen=True)
class Band:
    """A shaded run of categories (first to last, inclusive) named under the axis."""

    first: int
    last: int
    name: str


@dataclass(frozen=True)
class Ref:
    """A reference line at a value (a memory budget, the input size), labelled."""

    value: float
    name: str


@dataclass(frozen=True)
class LineChart:
    """A line chart over categories (module order, swept values): one or more series, optional shaded bands
    naming groups of categories, optional horizontal reference lines."""

    chart_id: str
    labels: Sequence[str]
    series: Sequence[Series]
    x_label: str
    y_label: str
    y_fmt: Callable[[float], str] = whole
    bands: Sequence[Band] = ()
    refs: Sequence[Ref] = ()
    show_x_labels: bool = True
    width: int = 1000
    height: int = 320
    log: bool = False
    colors: Sequence[str] = field(default=PALETTE)
    #: values are bytes: ticks fall on round numbers of KiB, MiB, GiB
    binary: bool = False

    def svg(self) -> Markup:
        n = len(self.labels)
        values = [v for s in self.series for v in s.values if v is not None] + [r.value for r in self.refs]
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
        body: list[Markup] = []
        for k, band in enumerate(self.bands):
            x0 = x(band.first - 0.5) if band.first else x.a
            x1 = x(band.last + 0.5) if band.last < n - 1 else x.b
            if band.last > band.first and k % 2 == 0:
                body.append(el("rect", {"class": "band", "x": x0, "y": top, "width": x1 - x0, "height": bottom - top}))
            if x1 - x0 > 8 * min(len(band.name), 12):
                body.append(text((x0 + x1) / 2, bottom + 14, band.name, "tick band-l", "middle"))
        unit = binary_unit(y.hi) if self.binary else 1.0
        body += axes(x, y, x_ticks, [(v, self.y_fmt(v)) for v in y.ticks(unit)], self.x_label, self.y_label)
        for ref in self.refs:
            body.append(el("line", {"class": "ref", "x1": x.a, "x2": x.b, "y1": y(ref.value), "y2": y(ref.value)}))
            body.append(text(x.b - 4, y(ref.value) - 5, ref.name, "tick", "end"))
        for k, s in enumerate(self.series):
            color = self.colors[k % len(self.colors)]
            points = [(x(i), y(v)) for i, v in enumerate(s.values) if v is not None]
            body.append(el("path", {"class": "line", "d": path(points), "stroke": color}))
            for i, v in enumerate(s.values):
                if v is None:
                    continue
                tip = s.titles[i] if i < len(s.titles) else f"{self.labels[i]}: {self.y_fmt(v)}"
                body.append(titled("circle", {"cx": x(i), "cy": y(v), "r": 3, "fill": color}, tip))
        chart = svg(self.chart_id, self.width, self.height, body, f"{self.y_label} against {self.x_label}")
        if len(self.series) > 1:
            chart += legend([LegendItem(s.name, self.colors[k % len(self.colors)])
                             for k, s in enumerate(self.series)], "sw")
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


def ink(color: str) -> str:
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
    fmt: Callable[[float], str] = si
    refs: Sequence[Ref] = ()
    #: values are bytes: ticks fall on round numbers of KiB, MiB, GiB
    binary: bool = False
    width: int = 1000
    bar_height: int = 24
    gap: int = 10

    def svg(self) -> Markup:
        totals = [sum(s.value for s in b.segments) for b in self.bars]
        hi = max(totals + [r.value for r in self.refs] + [0.0]) or 1.0
        left = 16 + 7 * max([len(b.label) for b in self.bars] + [4])
        top = 22 if self.refs else 6
        bottom = top + len(self.bars) * (self.bar_height + self.gap) - self.gap
        x = Scale(0, hi * 1.02, left, self.width - 20 - 7 * max(len(self.fmt(v)) for v in [*totals, hi]))
        ticks = x.ticks(binary_unit(hi) if self.binary else 1.0)
        body = [el("g", {"class": "grid"}, join(el("line", {"x1": x(v), "x2": x(v), "y1": top - 4, "y2": bottom + 4})
                                                for v in ticks)),
                el("path", {"class": "axis", "d": f"M{x.a:.1f},{top - 4} V{bottom + 4}"})]
        body += [text(x(v), bottom + 18, self.fmt(v), "tick", "middle") for v in ticks]
        body.append(text((x.a + x.b) / 2, bottom + 36, self.x_label, "lab", "middle"))
        for i, (b, total) in enumerate(zip(self.bars, totals, strict=True)):
            y0 = top + i * (self.bar_height + self.gap)
            mid = y0 + self.bar_height / 2 + 4
            body.append(text(left - 8, mid, b.label, "", "end"))
            start = 0.0
            for s in b.segments:
                if s.value <= 0:
                    continue
                x0, x1 = x(start), x(start + s.value)
                body.append(titled("rect", {"class": "seg", "x": x0, "y": y0, "width": max(x1 - x0, 0.5),
                                            "height": self.bar_height, "fill": s.color},
                                   s.title or f"{s.name}: {self.fmt(s.value)}"))
                if len(b.segments) > 1 and x1 - x0 > 7 * len(s.name) + 10:
                    body.append(text((x0 + x1) / 2, mid, s.name, ink(s.color), "middle"))
                start += s.value
            body.append(text(x(total) + 6, mid, self.fmt(total), "total"))
        for ref in self.refs:
            body.append(el("line", {"class": "ref", "x1": x(ref.value), "x2": x(ref.value), "y1": top - 8,
                                    "y2": bottom + 4}))
            body.append(text(x(ref.value), top - 11, ref.name, "tick ref-l",
                             "end" if x(ref.value) > x.b - 80 else "middle"))
        return svg(self.chart_id, self.width, bottom + 44, body, f"{self.x_label} by bar")


# --- the roofline ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Roof:
    """A compute peak (FLOP/s) of the device, by arithmetic kind."""

    label: str
    peak: float


@dataclass(frozen=True)
class Point:
    """A timed module: where it sits (FLOP/B, FLOP/s), its group (colour) and its hover text."""

    name: str
    group: str
    intensity: float
    flops_per_s: float
    tip: str
    #: the most time-consuming modules are named beside their point
    named: bool = False


@dataclass(frozen=True)
class Diamond:
    """A whole-model run: where it sits and its label."""

    label: str
    intensity: float
    flops_per_s: float
    tip: str


@dataclass(frozen=True)
class Roofline:
    """Achieved FLOP/s against arithmetic intensity, on log axes, under the device's roofs: one slanted
    (bandwidth) and one flat per compute peak."""

    roofs: Sequence[Roof]
    bandwidth: float | None
    points: Sequence[Point]
    runs: Sequence[Diamond]
    width: int = 1000
    height: int = 520

    def colors(self) -> dict[str, str]:
        groups = sorted({p.group for p in self.points})
        return {g: PALETTE[i % len(PALETTE)] for i, g in enumerate(groups)}

    def svg(self) -> Markup:
        bw = self.bandwidth
        xs = [p.intensity for p in self.points] + [r.intensity for r in self.runs]
        xs += [roof.peak / bw for roof in self.roofs] if bw else []
        ys = [p.flops_per_s for p in self.points] + [r.flops_per_s for r in self.runs] + [r.peak for r in self.roofs]
        x_lo, x_hi = log_domain(xs)
        y_lo, y_hi = log_domain(ys)
        x = Scale(x_lo, x_hi, 92, self.width - 20, log=True)
        y = Scale(y_lo, y_hi, self.height - 50, 16, log=True)
        body = axes(x, y, [(v, f"{v:g}") for v in x.ticks()], [(v, si(v)) for v in y.ticks()],
                    "arithmetic intensity (FLOP / byte of ideal-reuse traffic)", "achieved FLOP/s")
        for k, roof in enumerate(self.roofs):
            if bw:
                ridge = roof.peak / bw
                x0 = max(x_lo, y_lo / bw)
                corners = [(x0, bw * x0)] + ([(ridge, roof.peak)] if x_lo < ridge < x_hi else [])
                corners.append((x_hi, min(roof.peak, bw * x_hi)))
            else:
                corners = [(x_lo, roof.peak), (x_hi, roof.peak)]
            body.append(titled("path", {"class": "roof", "d": path([(x(a), y(b)) for a, b in corners]),
                                        "stroke-dasharray": (None, "8 4", "2 4")[k % 3]}, f"{roof.label} roof"))
            body.append(text(x.b - 4, y(roof.peak) - 6, f"{roof.label} {rate(roof.peak, 'FLOP/s')}", "tick roof-l",
                             "end"))
        if bw:
            # the bandwidth label along the slanted roof, a third of the way up its visible part
            a = max(x_lo, y_lo / bw)
            b = min(x_hi, max(r.peak for r in self.roofs) / bw if self.roofs else x_hi)
            xm = math.sqrt(a * b) if b > a else a
            angle = math.degrees(math.atan2(y(bw * xm * 2) - y(bw * xm), x(xm * 2) - x(xm)))
            body.append(text(x(xm), y(bw * xm) - 8, f"bandwidth {rate(bw, 'B/s')}", "tick roof-l", "middle",
                             f"rotate({angle:.1f} {x(xm):.1f} {y(bw * xm) - 8:.1f})"))
        color = self.colors()
        for p in self.points:
            body.append(titled("circle", {"class": "pt", "cx": x(p.intensity), "cy": y(p.flops_per_s), "r": 4.5,
                                          "fill": color[p.group]}, p.tip))
        for p in self.points:
            if p.named:
                body.append(text(x(p.intensity) + 7, y(p.flops_per_s) + 4, p.name, "tick pt-l"))
        for r in self.runs:
            xi, yi = x(r.intensity), y(r.flops_per_s)
            body.append(titled("rect", {"class": "run", "x": xi - 6, "y": yi - 6, "width": 12, "height": 12,
                                        "transform": f"rotate(45 {xi:.1f} {yi:.1f})"}, r.tip))
            body.append(text(xi + 10, yi - 8, r.label, "tick pt-l"))
        chart = svg("roofline", self.width, self.height, body, "roofline: achieved FLOP/s against arithmetic intensity")
        items = [LegendItem(g, c) for g, c in color.items()] + [LegendItem("whole model (one per batch)", "var(--fg)")]
        return chart + legend(items)


def point_tip(name: str, group: str, flops_per_s: float, intensity: float, ms_value: float) -> str:
    return f"{name} ({group}): {rate(flops_per_s, 'FLOP/s')} at {g3(intensity)} FLOP/B, {ms(ms_value)} ms"
