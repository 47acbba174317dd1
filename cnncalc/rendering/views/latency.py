"""Views of latency predictions (`predict`): the total, per module and per op kind, with what bounds the time."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text

from cnncalc.conventions import CONVENTION
from cnncalc.latency.report import LatencyReport, ModuleLatency
from cnncalc.numbers import shape
from cnncalc.rendering.registry import RenderContext, Rows, View, convention_data, views
from cnncalc.rendering.terminal import Column, FitTable
from cnncalc.rendering.text import markdown_table, terminal_view
from cnncalc.serialize import rows, to_data

#: module rows down to this depth, unless the reader asks for another (--depth)
DEPTH = 2
#: what the numbers are, under every view of a prediction
METHOD = ("predicted median of one forward pass (eval, inference_mode, eager): each op's time alone from the "
          "profile's model of its kind, corrected for running in a network (the bytes it fetches there), plus each "
          "module call's overhead; bound: overhead when an op takes within 2× its kind's smallest call, else memory "
          "or compute by the larger roofline term")


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def ms(value: float) -> str:
    return f"{value:.3f}" if value < 10 else f"{value:,.1f}"


def share(value: float, total: float) -> str:
    return f"{100 * value / total:.1f}%" if total else "–"


def title(r: LatencyReport) -> str:
    where = r.device or r.profile.device
    threads = f", {plural(r.profile.threads, 'thread')}" if r.profile.threads and not r.device else ""
    return f"{r.model} — input {shape(r.input_shape)}, {r.dtype}, on {where}{threads}"


def notes(r: LatencyReport) -> list[str]:
    lines = [f"predicted {ms(r.latency_ms)} ms per forward" + (" (partial: some ops are not predicted)"
                                                              if r.partial else "")
             # a network correction may fit no cost per module call apart from its ops' (then there is none to show)
             + (f"; module calls' overhead {ms(r.module_overhead_ms)} ms" if r.module_overhead_ms else "")
             + f"; bound by compute {ms(r.compute_ms)} ms, memory {ms(r.memory_ms)} ms, "
               f"overhead {ms(r.overhead_ms)} ms",
             f"profile: {r.profile.source} ({r.profile.device}, torch {r.profile.torch}, {r.profile.dtype}"
             + (f", {plural(r.profile.threads, 'thread')}" if r.profile.threads else "")
             + (", channels-last" if r.profile.channels_last else "") + f", made {r.profile.created})"]
    if r.estimate:
        lines.append(r.estimate)
    lines += [f"NOT PREDICTED: {n.op} ×{n.calls} (kind {n.kind}: the profile has no model for it)"
              for n in r.not_predicted]
    lines += [f"warning: {w}" for w in r.warnings]
    return lines


#: the modules of a prediction, by priority
MODULE_COLUMNS: tuple[Column, ...] = (
    Column("module", 1), Column("type", 5), Column("calls", 6, "right"), Column("ms", 2, "right", ms),
    Column("share", 3, "right"), Column("bound", 4),
)
KIND_COLUMNS: tuple[Column, ...] = (
    Column("kind", 1), Column("calls", 3, "right"), Column("ms", 2, "right", ms), Column("share", 4, "right"),
    Column("compute ms", 6, "right", ms), Column("memory ms", 7, "right", ms), Column("overhead ms", 5, "right", ms),
    Column("held-out error", 8, "right", lambda v: "–" if v is None else f"{100 * v:.1f}%",
           header="profile's held-out error"),
)


def visible(r: LatencyReport, depth: int) -> list[ModuleLatency]:
    return [m for m in r.modules if 0 < m.depth <= depth]


@views(LatencyReport)
class LatencyView(View):
    page = "predict.html"
    column_names = tuple(dict.fromkeys(c.name for c in MODULE_COLUMNS + KIND_COLUMNS))

    def table(self, r: LatencyReport, ctx: RenderContext) -> RenderableType:
        depth = DEPTH if ctx.depth is None else ctx.depth
        cells = [["  " * (m.depth - 1) + m.name.rsplit(".", 1)[-1] + (f" ×{m.calls}" if m.calls > 1 else ""),
                  m.type, m.calls, m.latency_ms, share(m.latency_ms, r.latency_ms), m.bound]
                 for m in visible(r, depth)]
        modules = FitTable(MODULE_COLUMNS, cells, title=title(r), view=terminal_view(ctx))
        ranked = sorted(r.kinds, key=lambda k: -k.latency_ms)
        kinds = FitTable(KIND_COLUMNS, [[k.kind, k.calls, k.latency_ms, share(k.latency_ms, r.latency_ms),
                                         k.compute_ms, k.memory_ms, k.overhead_ms, k.held_out_error]
                                        for k in ranked], title="by op kind", view=terminal_view(ctx))
        lines: list[RenderableType] = [Text(f"predicted latency: {ms(r.latency_ms)} ms", style="bold")]
        lines += [Text(line, style="red" if line.startswith("NOT") else "yellow" if line.startswith("warning")
                       else "dim") for line in notes(r)]
        lines.append(Text(METHOD, style="dim"))
        lines.append(Text(CONVENTION.short, style="dim"))
        return Group(modules, Text(""), kinds, Text(""), *lines)

    def rows(self, r: LatencyReport, ctx: RenderContext) -> Rows:
        selected = list(r.modules) if ctx.depth is None else [*visible(r, ctx.depth), r.modules[0]]
        return rows(ModuleLatency, selected)

    def data(self, r: LatencyReport, ctx: RenderContext) -> Any:
        return {**to_data(r), "method": METHOD, "convention": convention_data()}

    def markdown(self, r: LatencyReport, ctx: RenderContext) -> str:
        depth = DEPTH if ctx.depth is None else ctx.depth
        header, body = rows(ModuleLatency, visible(r, depth))
        kinds_header, kinds_body = rows(type(r.kinds[0]), list(r.kinds)) if r.kinds else ([], [])
        lines = [f"**{title(r)}: {ms(r.latency_ms)} ms**", "", *markdown_table(header, body), "",
                 *markdown_table(kinds_header, kinds_body), ""]
        lines += [f"- {line}" for line in notes(r)] + ["", f"_{METHOD}_  ", f"_{CONVENTION.short}_", ""]
        return "\n".join(lines)
