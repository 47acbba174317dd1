"""Convolutions (aten.convolution: every rank, groups, dilation, stride, transposed), through
`cnncalc.formulas.conv`; the window they look through is the receptive field's."""

from __future__ import annotations

from typing import Any

from cnncalc.analysis.ops.common import Args, Traced, Window, aten, dims, shape
from cnncalc.analysis.ops.registry import handles
from cnncalc.formulas import conv as conv_f


@handles(aten.convolution, aten._convolution)
def convolution(name: str, a: Args, out: Any) -> Traced | None:
    """A convolution's cost from its input, weight and hyper-parameters (the backward's handler calls it for the
    forward's MACs)."""
    x, w, groups = a["input"], a["weight"], int(a["groups"])
    rank = w.dim() - 2
    xs = shape(x)
    if len(xs) == rank + 1:  # an unbatched input
        xs = (1, *xs)
    kernel = tuple(int(d) for d in w.shape[2:])
    stride, padding = dims(a["stride"], rank, 1), dims(a["padding"], rank, 0)
    dilation, output_padding = dims(a["dilation"], rank, 1), dims(a["output_padding"], rank, 0)
    bias = a["bias"] is not None
    if a["transposed"]:
        cost = conv_f.conv_transpose(xs, int(w.shape[1]) * groups, kernel, stride, padding, output_padding,
                                     dilation, groups, bias)
    else:
        cost = conv_f.conv(xs, int(w.shape[0]), kernel, stride, padding, dilation, groups, bias)
    return Traced(cost, Window(kernel, stride, dilation, transposed=bool(a["transposed"])))
