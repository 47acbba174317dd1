"""The display values of a sweep page (templates/sweep.html): a table of every point (with the ratios to the
counterpart, or a model's peak activations and field coverage) and small line charts against the swept value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from cnncalc.numbers import ratio, si
from cnncalc.rendering.html import format as fmt
from cnncalc.rendering.html.charts import PALETTE, LineChart, Series
from cnncalc.rendering.html.memory import bytes_tick
from cnncalc.rendering.html.tables import Column, Row, Table, bytes_col, col, table, text_col
from cnncalc.sweeps import Sweep, SweepPoint

COLUMNS = (
    text_col("output", "output"),
    col("params", "params", bar=True),
    col("macs", "MACs", bar=True),
    col("flops", "FLOPs"),
    bytes_col("activation_bytes", "activations", bar=True),
    bytes_col("traffic_bytes", "traffic", bar=True),
    col("intensity", "FLOP/B", fmt=fmt.g3),
    text_col("rf", "RF"),
)


@dataclass(frozen=True)
class Versus:
    """A value against a counterpart's, read as ×/÷ and sorted by value ÷ counterpart."""

    value: int
    base: int

    def __float__(self) -> float:
        return self.value / self.base if self.base else 0.0

    def __str__(self) -> str:
        return ratio(self.value, self.base)


def _text(value: Any) -> str:
    return fmt.NONE if value is None else str(value)


def is_model(sweep: Sweep) -> bool:
    """A model's sweep (its points carry peak activations), not a design's."""
    return any(p.peak_activation_bytes is not None for p in sweep.points)


def counterpart(sweep: Sweep) -> str:
    """The name of the counterpart the design is held against ('' without one)."""
    return next((p.counterpart.name for p in sweep.points if p.counterpart is not None), "")


def subtitle(sweep: Sweep) -> str:
    first = sweep.points[0].record if sweep.points else None
    where = f"; input {fmt.dims(first.input_shape)}, {first.dtype}" if first is not None else ""
    values = ", ".join(p.value for p in sweep.points)
    other = f", beside {counterpart(sweep)}" if counterpart(sweep) else ""
    return f"{sweep.target} over {sweep.vary} = {values}{where}{other}"


def _row(i: int, p: SweepPoint, model: bool) -> Row:
    r, c = p.record, p.counterpart
    return Row(f"p{i}", p.value, {
        "output": fmt.dims(r.output_shape), "params": r.params, "macs": r.macs, "flops": r.flops,
        "activation_bytes": r.activation_bytes, "traffic_bytes": r.traffic_bytes, "intensity": r.intensity,
        "rf": fmt.axes(r.receptive_field), "params_vs": Versus(r.params, c.params) if c else None,
        "macs_vs": Versus(r.macs, c.macs) if c else None, "peak": p.peak_activation_bytes,
        "coverage": p.coverage if model else None})


def points(sweep: Sweep) -> Table:
    columns: list[Column] = list(COLUMNS)
    other, model = counterpart(sweep), is_model(sweep)
    if other:
        columns += [col("params_vs", f"params vs {other}", fmt=_text), col("macs_vs", f"MACs vs {other}", fmt=_text)]
    if model:
        columns += [bytes_col("peak", "peak live", bar=True),
                    col("coverage", "RF / input", fmt=fmt.g3, help="receptive field ÷ input height")]
    rows = [_row(i, p, model) for i, p in enumerate(sweep.points)]
    return table("sweep", sweep.vary, columns, rows, caption="bars: share of the largest value")


def charts(sweep: Sweep) -> list[Markup]:
    """Params, MACs, traffic and the field (a design) or the peak (a model) against the swept value."""
    pts, name = sweep.points, sweep.vary
    labels = [p.value for p in pts]
    out = [
        LineChart("sweep-params", labels, [Series("params", [float(p.record.params) for p in pts])], name, "params",
                  y_fmt=si, width=560, height=260),
        LineChart("sweep-macs", labels, [Series("MACs", [float(p.record.macs) for p in pts])], name, "MACs",
                  y_fmt=si, width=560, height=260, colors=PALETTE[1:]),
        LineChart("sweep-traffic", labels, [Series("traffic", [float(p.record.traffic_bytes) for p in pts])], name,
                  "memory traffic (bytes)", y_fmt=bytes_tick, width=560, height=260, colors=PALETTE[2:], binary=True),
    ]
    if is_model(sweep):
        out.append(LineChart("sweep-peak", labels, [Series("peak", [float(p.peak_activation_bytes or 0) for p in pts])],
                             name, "peak live activations (bytes)", y_fmt=bytes_tick, width=560, height=260,
                             colors=PALETTE[3:], binary=True))
    else:
        out.append(LineChart("sweep-rf", labels, [Series("RF", [float(p.record.receptive_field[0]) for p in pts])],
                             name, "receptive field (height)", width=560, height=260, colors=PALETTE[3:]))
    return [c.svg() for c in out]
