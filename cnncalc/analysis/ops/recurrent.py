"""Recurrent layers: one layer in one direction of nn.LSTM / GRU / RNN on the CPU (oneDNN's fused kernel,
aten.mkldnn_rnn_layer), through `cnncalc.formulas.recurrent`."""

from __future__ import annotations

from typing import Any

from cnncalc.analysis.ops.common import Args, Traced, aten, shape
from cnncalc.analysis.ops.registry import handles
from cnncalc.formulas import recurrent as recurrent_f

#: oneDNN's cell kinds (ideep::rnn_kind, in cuDNN's order), the `mode` of aten.mkldnn_rnn_layer
MKLDNN_RNN_MODES = {0: "rnn_relu", 1: "rnn_tanh", 2: "lstm", 3: "gru"}


def rnn_layer(a: Args) -> tuple[str, int, int, int, int, bool] | None:
    """(mode, input size, hidden size, steps, batch, biases) of a fused recurrent layer's call (its input is
    steps × batch × features whatever batch_first says); None for a cell kind or layout it has no formula for."""
    mode = MKLDNN_RNN_MODES.get(int(a["mode"]))
    x, hidden = shape(a["input"]), int(a["hidden_size"])
    if mode is None or len(x) != 3 or int(a["weight0"].shape[0]) != recurrent_f.GATES[mode] * hidden:
        return None
    return mode, x[2], hidden, x[0], x[1], bool(a["has_biases"])


@handles(aten.mkldnn_rnn_layer)
def _mkldnn_rnn_layer(name: str, a: Args, out: Any) -> Traced | None:
    """One layer in one direction of nn.LSTM on the CPU (oneDNN's fused kernel)."""
    layer = rnn_layer(a)
    return Traced(recurrent_f.recurrent(*layer)) if layer is not None else None
