"""Views of layer designs: one design (`layer`), designs or models side by side (`compare`), the catalogue of
designs (`designs`), and a design or model across the values of one option (`sweep`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text

from cnncalc.conventions import CONVENTION
from cnncalc.layers.catalogue import Designs
from cnncalc.layers.record import Comparison, Derived, LayerRecord, LayerReport
from cnncalc.numbers import compare_phrase, integer, nbytes, ratio, shape, si
from cnncalc.rendering.registry import RenderContext, Rows, View, convention_data, views
from cnncalc.rendering.terminal import Cell, Column, FitTable, number
from cnncalc.rendering.text import markdown_table, terminal_view
from cnncalc.serialize import rows, to_data
from cnncalc.sweeps import Sweep


# --- text shared by the views -----------------------------------------------------------------------------------
def summary_lines(records: Sequence[Derived], latencies: Sequence[float] | None = None) -> list[str]:
    """One sentence per record after the first: how it compares with the first (and how much faster it is
    predicted to run, given each one's predicted `latencies`)."""
    base = records[0]
    lines = []
    for i, r in enumerate(records[1:], start=1):
        parts = [compare_phrase(base.params, r.params, "params"), compare_phrase(base.macs, r.macs, "MACs"),
                 compare_phrase(base.flops, r.flops, "FLOPs"),
                 compare_phrase(base.traffic_bytes, r.traffic_bytes, "bytes moved")]
        rf = ("same receptive field" if base.receptive_field == r.receptive_field
              else f"receptive field {base.rf_text} vs {r.rf_text}")
        speed = f", {speed_phrase(latencies[0], latencies[i])}" if latencies else ""
        lines.append(f"{getattr(base, 'name', '')} vs {getattr(r, 'name', '')}: {', '.join(parts)}, {rf}{speed}")
    return lines


def speed_phrase(base_ms: float, other_ms: float) -> str:
    """'5.55× faster (predicted)' / '1.2× slower (predicted)': the first's predicted latency against another's."""
    if base_ms == other_ms or not base_ms or not other_ms:
        return "the same predicted latency"
    if base_ms < other_ms:
        return f"{other_ms / base_ms:.3g}× faster (predicted)"
    return f"{base_ms / other_ms:.3g}× slower (predicted)"


def formula_lines(records: Sequence[Any]) -> list[str]:
    """Each record's formulas, as Markdown list items."""
    lines: list[str] = []
    for r in records:
        lines += [f"**{r.name}** ({r.title})", ""]
        lines += [f"- {f.quantity}: {f.symbolic + ' = ' if f.symbolic else ''}{f.numeric}" for f in r.formulas]
        if r.ignored:
            lines.append(f"- ignored options: {', '.join(r.ignored)}")
        lines.append("")
    return lines


def records_markdown(records: Sequence[Any], table: Rows | None = None,
                     latencies: Sequence[float] | None = None) -> str:
    header, body = table or rows(type(records[0]), records)
    lines = [*markdown_table(header, body), ""]
    lines += formula_lines(records)
    if len(records) > 1:
        lines += [f"- {line}" for line in summary_lines(records, latencies)] + [""]
    lines += [f"_{line}_  " for line in CONVENTION.lines()]
    return "\n".join(lines) + "\n"


# --- terminal tables ----------------------------------------------------------------------------------------------
def quantity_rows(records: Sequence[Derived]) -> list[tuple[str, list[Cell]]]:
    """The rows of the side-by-side table: a label and one cell per record (counts with their ratio to the
    first; each count also in its short form)."""
    base = records[0]

    def counts(get: Callable[[Any], int]) -> list[Cell]:
        cells = []
        for i, r in enumerate(records):
            tail = f"  {ratio(get(r), get(base))}" if i > 0 else ""
            cells.append(Cell(integer(get(r)) + tail, si(get(r)) + tail))
        return cells

    def texts(get: Callable[[Any], str]) -> list[Cell]:
        return [Cell(get(r)) for r in records]

    def nbytes_cells(get: Callable[[Any], int]) -> list[Cell]:
        return [Cell(nbytes(get(r)) + (f"  {ratio(get(r), get(base))}" if i else "")) for i, r in enumerate(records)]

    table = [
        ("output shape", texts(lambda r: shape(r.output_shape))),
        ("params", counts(lambda r: r.params)),
        ("  weights/biases", [Cell(f"{integer(r.weight_params)} / {integer(r.bias_params)}",
                                   f"{si(r.weight_params)} / {si(r.bias_params)}") for r in records]),
    ]
    if any(getattr(r, "buffers", 0) for r in records):
        table.append(("buffers (BN stats)", counts(lambda r: r.buffers)))
    table += [
        ("MACs", counts(lambda r: r.macs)),
        ("FLOPs", counts(lambda r: r.flops)),
        ("activations written", nbytes_cells(lambda r: r.activation_bytes)),
        ("memory traffic", nbytes_cells(lambda r: r.traffic_bytes)),
        ("intensity (FLOP/B)", texts(lambda r: f"{r.intensity:.3g}")),
        ("receptive field", texts(lambda r: f"{r.rf_text}, jump {r.jump_text}")),
    ]
    return table


def _formulas(records: Sequence[Any], ctx: RenderContext) -> FitTable:
    cells = [[r.name if i == 0 else "", f.quantity, (f"{f.symbolic} = " if f.symbolic else "") + f.numeric]
             for r in records for i, f in enumerate(r.formulas)]
    columns = (Column("design", style="bold"), Column("quantity", style="cyan"),
               Column("formula", wrap=True, min_width=30))
    return FitTable(columns, cells, boxed=False, show_header=False, selectable=False, view=terminal_view(ctx))


def _footer(records: Sequence[Any]) -> list[RenderableType]:
    notes: list[RenderableType] = []
    for r in records:
        if getattr(r, "ignored", ()):
            notes.append(Text(f"{r.name} does not use: {', '.join('--' + o for o in r.ignored)}", style="yellow"))
    first = records[0]
    notes.append(Text(f"input {shape(first.input_shape)}, {first.dtype}. {CONVENTION.short}", style="dim"))
    return notes


def compare_columns(names: Sequence[str]) -> tuple[Column, ...]:
    """The side-by-side table's columns: the quantity, then one per design (the later, the lower priority)."""
    columns = [Column("quantity", 1, header="")]
    columns += [Column(n, i + 2, "right", header=n + ("" if i == 0 else f"\n(vs {names[0]})"), together="designs")
                for i, n in enumerate(names)]
    return tuple(columns)


def side_by_side(records: Sequence[Any], ctx: RenderContext, extra: Sequence[tuple[str, list[Cell]]] = ()
                 ) -> FitTable:
    """Designs as columns, quantities as rows; where a terminal is too narrow for every design, designs go as
    rows and quantities as columns (quantities can be left out to fit, with a note; a design never is)."""
    names = [r.name for r in records]
    quantities = [*quantity_rows(records), *extra]
    cells: list[list[Any]] = [["design", *[Cell(r.title, wrap=True) for r in records]]]
    cells += [[label, *values] for label, values in quantities]
    table = FitTable(compare_columns(names), cells, title="cnncalc compare", row_styles=["dim"],
                     view=terminal_view(ctx))
    if ctx.width is None or ctx.wide or not table.layout(ctx.width).dropped:
        return table
    labels = [label.strip() for label, _ in quantities]
    columns = (Column("design", 1), *(Column(label, ROW_PRIORITY.get(label, 20), "right", header=label)
                                      for label in labels))
    transposed = [[r.name, *[values[j] for _, values in quantities]] for j, r in enumerate(records)]
    return FitTable(columns, transposed, title="cnncalc compare (one row per design, to fit)",
                    view=terminal_view(ctx))


#: with designs as rows, which quantities stay longest on a narrow terminal
ROW_PRIORITY = {"predicted latency": 2, "predicted speed-up": 3, "params": 4, "MACs": 5, "FLOPs": 6,
                "memory traffic": 7, "intensity (FLOP/B)": 8, "receptive field": 9, "activations written": 10,
                "output shape": 11, "weights/biases": 12, "buffers (BN stats)": 13}


def latencies(predictions: Sequence[Any] | None) -> list[float] | None:
    """Each one's predicted latency in ms (from its LatencyReport), when there are predictions."""
    return [p.latency_ms for p in predictions] if predictions else None


def predicted_note(comparison: Comparison) -> str:
    p = comparison.predictions[0].profile
    return f"predicted on {p.device} ({p.source}): the median of one forward pass, eval, inference_mode"


def predicted_rows(comparison: Comparison) -> list[tuple[str, list[Cell]]]:
    """The predicted latency of each, with its ratio to the first, and the speed-up that means."""
    ms = latencies(comparison.predictions)
    if not ms:
        return []
    latency = [Cell(f"{v:.3f} ms" + (f"  {ratio(v, ms[0])}" if i else "")) for i, v in enumerate(ms)]
    speedup = [Cell(f"×{ms[0] / v:.3g}" if v else "–") for v in ms]
    return [("predicted latency", latency), ("predicted speed-up", speedup)]


def compare_table(records: Sequence[Any], ctx: RenderContext, extra: Sequence[tuple[str, list[Cell]]] = (),
                  latencies: Sequence[float] | None = None) -> RenderableType:
    parts: list[RenderableType] = [side_by_side(records, ctx, extra)]
    if any(r.formulas for r in records):
        parts.append(_formulas(records, ctx))
    parts.append(Text(""))
    parts += [Text(line, style="bold green") for line in summary_lines(records, latencies)]
    return Group(*parts, *_footer(records))


#: The ops of one design (`cnncalc layer`), by priority.
OPS_COLUMNS: tuple[Column, ...] = (
    Column("op", 1),
    Column("output", 2, "right", shape),
    number("params", 3),
    number("MACs", 4),
    number("FLOPs", 5),
    Column("traffic", 6, "right", nbytes),
)


def layer_table(record: LayerRecord, counterpart: LayerRecord | None, ctx: RenderContext) -> RenderableType:
    head = Text.assemble((f"{record.name}", "bold"), f" — {record.title}\n", (record.idea[0] + "\n", "italic"),
                         (record.idea[1], "italic"))
    pairs: list[list[Any]] = [["input", shape(record.input_shape)]]
    pairs += [[label.strip(), cells[0]] for label, cells in quantity_rows([record])]
    summary = FitTable((Column("quantity", style="bold"), Column("value", justify="right")), pairs,
                       boxed=False, show_header=False, indent=2, selectable=False, view=terminal_view(ctx))
    steps = FitTable(OPS_COLUMNS, [[s.label, s.output_shape, s.params, s.macs, s.flops, s.traffic_bytes]
                                   for s in record.steps], title="ops", view=terminal_view(ctx))
    parts: list[RenderableType] = [head, Text(""), summary, Text(""), _formulas([record], ctx), Text(""), steps]
    if counterpart is not None:
        parts.append(Text(summary_lines([record, counterpart])[0], style="bold green"))
    return Group(*parts, *_footer([record]))


# --- the views ----------------------------------------------------------------------------------------------------
@views(LayerRecord)
class LayerRecordView(View):
    page = "designs.html"

    def table(self, record: LayerRecord, ctx: RenderContext) -> RenderableType:
        return layer_table(record, None, ctx)

    def markdown(self, record: LayerRecord, ctx: RenderContext) -> str:
        return records_markdown([record])


@views(LayerReport)
class LayerReportView(View):
    page = "designs.html"

    def table(self, report: LayerReport, ctx: RenderContext) -> RenderableType:
        return layer_table(report.record, report.counterpart, ctx)

    def rows(self, report: LayerReport, ctx: RenderContext) -> Rows:
        return rows(LayerRecord, [report.record])

    def markdown(self, report: LayerReport, ctx: RenderContext) -> str:
        text = records_markdown([report.record])
        if report.counterpart is None:
            return text
        return text.replace("\n_", f"\n- {summary_lines([report.record, report.counterpart])[0]}\n\n_", 1)


@views(Comparison)
class ComparisonView(View):
    page = "designs.html"

    def table(self, comparison: Comparison, ctx: RenderContext) -> RenderableType:
        table = compare_table(comparison.records, ctx, predicted_rows(comparison), latencies(comparison.predictions))
        if comparison.predictions:
            table = Group(table, Text(predicted_note(comparison), style="dim"))
        if not comparison.timings:
            return table
        return Group(table, timing_table(comparison.records, comparison.timings, ctx))

    def rows(self, comparison: Comparison, ctx: RenderContext) -> Rows:
        header, body = rows(type(comparison.records[0]), comparison.records)
        if comparison.timings:  # each design's measured latency beside its counts
            header += ["device", "threads", "median_ms", "p10_ms", "p90_ms"]
            body = [[*row, t.device, t.threads, t.latency.median, t.latency.p10, t.latency.p90]
                    for row, t in zip(body, comparison.timings, strict=True)]
        if comparison.predictions:
            header += ["predicted_latency_ms"]
            body = [[*row, p.latency_ms] for row, p in zip(body, comparison.predictions, strict=True)]
        return header, body

    def data(self, comparison: Comparison, ctx: RenderContext) -> Any:
        convention = convention_data()
        timings = comparison.timings or (None,) * len(comparison.records)
        predictions = comparison.predictions or (None,) * len(comparison.records)
        return [{**to_data(r), "convention": convention} | ({"timing": to_data(t)} if t is not None else {})
                | ({"predicted_latency_ms": p.latency_ms, "prediction_profile": p.profile.source}
                   if p is not None else {})
                for r, t, p in zip(comparison.records, timings, predictions, strict=True)]

    def markdown(self, comparison: Comparison, ctx: RenderContext) -> str:
        text = records_markdown(comparison.records, self.rows(comparison, ctx), latencies(comparison.predictions))
        return text + (f"_{predicted_note(comparison)}_  \n" if comparison.predictions else "")


#: `cnncalc compare --time`, by priority: the measured speed-up beside the MAC ratio it was promised.
TIMING_COLUMNS: tuple[Column, ...] = (
    Column("design", 1),
    Column("median ms", 2, "right"),
    Column("p10–p90 ms", 7, "right"),
    Column("speed-up", 3, "right", header="speed-up vs first"),
    Column("MAC ratio", 4, "right", header="MAC ratio vs first"),
    Column("FLOP/s", 6, "right", lambda v: "?" if v is None else f"{si(v)}FLOP/s", lambda v: "?" if v is None
           else si(v)),
    Column("FLOP/B", 5, "right", lambda v: f"{v:.3g}"),
)


def ms(value: float | None) -> str:
    """Milliseconds: three decimals below 10, one above."""
    return "–" if value is None else f"{value:.3f}" if value < 10 else f"{value:.1f}"


def timing_table(records: Sequence[Any], timings: Sequence[Any], ctx: RenderContext) -> RenderableType:
    """Measured latency and speed-up beside the MAC ratio: memory-bound designs fall short of their MAC
    savings."""
    base_ms, base_macs = timings[0].latency.median, records[0].macs
    cells = []
    for record, timing in zip(records, timings, strict=True):
        lat = timing.latency
        speed = base_ms / lat.median if lat.median else 0.0
        mac_ratio = base_macs / record.macs if record.macs else float("inf")
        cells.append([record.name, ms(lat.median) + (" (noisy)" if lat.noisy else ""),
                      f"{ms(lat.p10)}–{ms(lat.p90)}", f"{speed:.2f}×", f"{mac_ratio:.2f}×",
                      record.flops / (lat.median / 1e3) if lat.median else None, record.intensity])
    title = f"measured on {timings[0].device}" + (f", {timings[0].threads} threads" if timings[0].threads else "")
    note = Text("speed-up = first design's median ÷ this one's; MAC ratio = first design's MACs ÷ this one's. "
                "A design with far fewer MACs but low FLOP/B is memory-bound and gains far less than its MACs "
                "promise.", style="dim")
    return Group(FitTable(TIMING_COLUMNS, cells, title=title, view=terminal_view(ctx)), note)


# --- the catalogue of designs -------------------------------------------------------------------------------------
#: `cnncalc designs`, by priority: the design and what it is, then its formulas; everything but names wraps.
DESIGN_COLUMNS: tuple[Column, ...] = (
    Column("design", 1, wrap=True),  # aliases break between names, never inside one
    Column("what it is", 2, wrap=True, min_width=16),
    Column("params", 3, wrap=True, min_width=18),
    Column("MACs", 4, wrap=True, min_width=18),
    Column("spec keys", 5, wrap=True),
)


@views(Designs)
class DesignsView(View):
    def table(self, designs: Designs, ctx: RenderContext) -> RenderableType:
        cells = [[d.name + (f"\n({', '.join(d.aliases)})" if d.aliases else ""), d.title, d.params_formula,
                  d.macs_formula, d.spec_keys] for d in designs]
        return FitTable(DESIGN_COLUMNS, cells, title="layer designs (MACs = multiply-accumulates)", lines=True,
                        view=terminal_view(ctx))

    def rows(self, designs: Designs, ctx: RenderContext) -> Rows:
        header = ["design", "aliases", "params", "MACs", "spec keys", "paper"]
        return header, [[f"`{d.name}`", ", ".join(f"`{a}`" for a in d.aliases), d.params_formula, d.macs_formula,
                         d.spec_keys, d.paper] for d in designs]

    def data(self, designs: Designs, ctx: RenderContext) -> Any:
        return [to_data(d) for d in designs]

    def markdown(self, designs: Designs, ctx: RenderContext) -> str:
        header, body = self.rows(designs, ctx)
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |" for row in body]
        return "\n".join(lines) + "\n"


# --- sweeps ---------------------------------------------------------------------------------------------------------
def sweep_rows(sweep: Sweep) -> Rows:
    """Header and rows (exact values) of a sweep, for every format."""
    points = sweep.points
    header = ["value", "output_shape", "params", "macs (multiply-accumulates)", "flops (2*macs + other)",
              "activation_bytes", "traffic_bytes", "intensity (flop/byte)", "receptive_field"]
    counterpart = next((p.counterpart for p in points if p.counterpart is not None), None)
    is_model = any(p.peak_activation_bytes is not None for p in points)
    if counterpart is not None:
        header += [f"params vs {counterpart.name}", f"macs vs {counterpart.name}"]
    if is_model:
        header += ["peak_activation_bytes", "rf / input"]
    predicted = any(p.predicted_ms is not None for p in points)
    if predicted:
        header += ["predicted_latency_ms"]
    body = []
    for p in points:
        r = p.record
        row: list[Any] = [p.value, "x".join(map(str, r.output_shape)), r.params, r.macs, r.flops, r.activation_bytes,
                          r.traffic_bytes, round(r.intensity, 4), r.rf_text.replace("×", "x")]
        if counterpart is not None:
            row += [round(p.params_ratio, 6) if p.params_ratio is not None else None,
                    round(p.macs_ratio, 6) if p.macs_ratio is not None else None]
        if is_model:
            row += [p.peak_activation_bytes, round(p.coverage, 3) if p.coverage else None]
        if predicted:
            row += [p.predicted_ms]
        body.append(row)
    return header, body


#: A sweep's columns by the header of `sweep_rows`: (name, priority). Ratios to the counterpart and a model's
#: peak memory come right after the counts; the layer's memory and receptive field last.
SWEEP_COLUMNS: dict[str, tuple[str, int]] = {
    "value": ("value", 1), "output_shape": ("output", 5), "params": ("params", 2),
    "macs (multiply-accumulates)": ("MACs", 3), "flops (2*macs + other)": ("FLOPs", 4),
    "activation_bytes": ("activations", 10), "traffic_bytes": ("traffic", 9),
    "intensity (flop/byte)": ("FLOP/B", 11), "receptive_field": ("RF", 12),
    "params vs": ("params ratio", 6), "macs vs": ("MACs ratio", 7),
    "peak_activation_bytes": ("peak live", 8), "rf / input": ("rf / input", 13),
    "predicted_latency_ms": ("predicted ms", 2),
}
SWEEP_COLUMN_NAMES = tuple(name for name, _ in SWEEP_COLUMNS.values())


def _sweep_column(header: str) -> Column:
    key = header.rsplit(" vs ", 1)[0] + " vs" if " vs " in header else header
    name, priority = SWEEP_COLUMNS[key]
    display = header if " vs " in header else name
    if header.endswith("bytes"):
        return Column(name, priority, "right", lambda v: "–" if v is None else nbytes(v), header=display)
    if header in ("params", "macs (multiply-accumulates)", "flops (2*macs + other)"):
        return number(name, priority)
    if header == "value":
        return Column(name, priority)
    return Column(name, priority, "right", lambda v: f"{v:.4g}" if isinstance(v, float) else "–" if v is None
                  else str(v), header=display)


@views(Sweep)
class SweepView(View):
    page = "sweep.html"

    def table(self, sweep: Sweep, ctx: RenderContext) -> RenderableType:
        header, body = sweep_rows(sweep)
        table = FitTable([_sweep_column(h) for h in header], body, title=f"cnncalc sweep {sweep.target} over "
                         f"{sweep.vary}", view=terminal_view(ctx))
        notes = [Text(f"predicted on {sweep.predicted_on}: the median of one forward pass, eval, inference_mode",
                      style="dim")] if sweep.predicted_on else []
        return Group(table, *notes, Text(CONVENTION.short, style="dim"))

    def rows(self, sweep: Sweep, ctx: RenderContext) -> Rows:
        return sweep_rows(sweep)

    def data(self, sweep: Sweep, ctx: RenderContext) -> Any:
        convention = convention_data()
        return [{**to_data(p), "convention": convention} for p in sweep]

    def markdown(self, sweep: Sweep, ctx: RenderContext) -> str:
        header, body = sweep_rows(sweep)
        return "\n".join([*markdown_table(header, body), "", f"_{CONVENTION.short}_", ""])
