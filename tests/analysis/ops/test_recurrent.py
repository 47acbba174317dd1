"""Recurrent layers, written the way users write them: a CRNN (convolutions, a bidirectional LSTM, a classifier),
GRU and RNN stacks, cells stepped in a loop, packed sequences, a training step through an LSTM.

On the meta device PyTorch decomposes every recurrent layer into per-step matrix products and gate ops; on a
real CPU run nn.LSTM runs oneDNN's fused kernel (aten.mkldnn_rnn_layer, and its backward in training), which
cnncalc costs by one formula. The two must agree. A model that branches on a value is traced on meta, fails
there and is counted on a real CPU run: `ValueBranch` makes any layer such a model. Expected counts come from
hand arithmetic in the comments, from FlopCounterMode on a real run with the decomposition forced
(`flop_counter_macs(..., onednn=False)`: FlopCounterMode does not count the fused kernel), and from numel.
The formulas alone, by hand: tests/formulas/test_recurrent_formula.py.
"""

from __future__ import annotations

from typing import Any

import pytest
import torch
from other_packages import CRNN, ValueBranch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
from torchcount import flop_counter_macs

from cnncalc.analysis.analyze import analyze

FUSED = torch.backends.mkldnn.is_available()


def seeded(model: nn.Module) -> nn.Module:
    torch.manual_seed(0)
    return model.eval()


class First(nn.Module):
    """A recurrent layer's output sequence (dropping the final states)."""

    def __init__(self, rnn: nn.Module) -> None:
        super().__init__()
        self.rnn = rnn

    def forward(self, x: Any) -> torch.Tensor:
        return self.rnn(x)[0]


def fused_ops(report: Any) -> set[str]:
    return {op for op, _ in report.by_op if "mkldnn_rnn_layer" in op}


# --- a CRNN on meta and on a real run ---------------------------------------------------------------------------
# 1×1×32×64 line: conv1 3·3·1·16 = 144 weights at 32·64 = 294,912; pool → 16×32; conv2 3·3·16·32 = 4,608 at
# 16·32 = 2,359,296; pool → 8×16; conv3 3·3·32·32 = 9,216 at 8·16 = 1,179,648; pool (8, 1) → 16 columns.
# LSTM layer 1: 4·48·(32 + 48) = 15,360 per column and direction: ·16·2 = 491,520; layer 2 (input 96):
# 4·48·(96 + 48) = 27,648: ·16·2 = 884,736; classifier 96·11 = 1,056 at 16 columns = 16,896
CRNN_MACS = 294_912 + 2_359_296 + 1_179_648 + 491_520 + 884_736 + 16_896
#: the LSTM's gate arithmetic: 21·48 per column, direction and layer: 1,008·16·2·2
CRNN_RNN_OTHER = 21 * 48 * 16 * 2 * 2


def test_crnn_on_meta_and_on_a_real_run() -> None:
    model = seeded(CRNN())
    line = torch.rand(1, 1, 32, 64)
    meta = analyze(model, inputs=[(1, 1, 32, 64)])
    assert meta.real_run is None and not meta.uncounted
    assert meta.total.macs == CRNN_MACS == 5_227_008 == flop_counter_macs(model, line, onednn=False)
    assert meta.layer("rnn").costs.other_flops == CRNN_RNN_OTHER == 64_512
    real = analyze(ValueBranch(model), inputs=[line])
    assert real.real_run is not None and not real.uncounted
    assert real.total.macs == CRNN_MACS
    # the same arithmetic (the fused kernel writes fewer intermediates: bytes differ)
    assert real.layer("body.rnn").macs == meta.layer("rnn").macs
    assert real.layer("body.rnn").costs.other_flops == meta.layer("rnn").costs.other_flops == CRNN_RNN_OTHER
    if FUSED:
        assert fused_ops(real) and not fused_ops(meta)  # the real run ran oneDNN's kernel, meta the decomposition


LSTMS = [dict(num_layers=2, bidirectional=True), dict(batch_first=True, bias=False), dict(proj_size=3),
         dict(num_layers=3, bidirectional=True, batch_first=True, proj_size=2)]


@pytest.mark.parametrize("options", LSTMS, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()))
def test_lstm_variants_meta_real_and_flop_counter(options: dict[str, Any]) -> None:
    model = seeded(First(nn.LSTM(4, 6, **options)))
    x = torch.rand((2, 5, 4) if options.get("batch_first") else (5, 2, 4))
    meta = analyze(model, inputs=[tuple(x.shape)])
    real = analyze(ValueBranch(model), inputs=[x])
    assert not meta.uncounted and not real.uncounted
    assert meta.total.macs == real.total.macs == flop_counter_macs(model, x, onednn=False)
    assert real.layer("body").costs.other_flops == meta.total.costs.other_flops
    # the same 21·H (13·H without biases) per step, batch element, layer and direction
    layers = options.get("num_layers", 1) * (2 if options.get("bidirectional") else 1)
    assert meta.total.costs.other_flops == (21 if options.get("bias", True) else 13) * 6 * 10 * layers


def test_gru_and_rnn_stacks() -> None:
    gru = seeded(First(nn.GRU(4, 6, num_layers=2, bidirectional=True, batch_first=True)))
    x = torch.rand(2, 5, 4)
    meta, real = analyze(gru, inputs=[(2, 5, 4)]), analyze(ValueBranch(gru), inputs=[x])
    # layer 1: 3·6·(4 + 6) = 180 per step, batch element and direction: ·10·2 = 3,600; layer 2 (input 12):
    # 3·6·(12 + 6) = 324: ·10·2 = 6,480
    assert meta.total.macs == real.total.macs == 3_600 + 6_480 == flop_counter_macs(gru, x, onednn=False)
    # 10·6 gate arithmetic + 2·3·6 bias adds = 96 per step, batch element, direction and layer
    assert meta.total.costs.other_flops == real.layer("body").costs.other_flops == 96 * 10 * 2 * 2
    rnn = seeded(First(nn.RNN(4, 6, num_layers=2, nonlinearity="relu", bias=False)))
    x = torch.rand(5, 2, 4)
    meta, real = analyze(rnn, inputs=[(5, 2, 4)]), analyze(ValueBranch(rnn), inputs=[x])
    # 6·(4 + 6) = 60 and 6·(6 + 6) = 72 per step and batch element: 1,320; the sum and the ReLU 2·6 per layer
    assert meta.total.macs == real.total.macs == (60 + 72) * 10 == flop_counter_macs(rnn, x, onednn=False)
    assert meta.total.costs.other_flops == real.layer("body").costs.other_flops == 2 * 6 * 10 * 2
    assert not (meta.uncounted or real.uncounted)


class Stepper(nn.Module):
    """A cell stepped over the sequence by hand, as decoders and custom recurrences do."""

    def __init__(self, cell: nn.Module) -> None:
        super().__init__()
        self.cell = cell

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        state: Any = None
        for t in range(x.shape[0]):
            state = self.cell(x[t], state)
        return state[0] if isinstance(state, tuple) else state


@pytest.mark.parametrize("cell, gates, gate_flops", [(nn.LSTMCell, 4, 21), (nn.GRUCell, 3, 16), (nn.RNNCell, 1, 4)])
def test_cells(cell: type[nn.Module], gates: int, gate_flops: int) -> None:
    model = seeded(Stepper(cell(4, 6)))
    x = torch.rand(3, 2, 4)
    meta, real = analyze(model, inputs=[(3, 2, 4)]), analyze(ValueBranch(model), inputs=[x])
    # gates·6·(4 + 6) MACs and gate_flops·6 other per step and batch element (3 steps of 2)
    assert meta.total.macs == real.total.macs == gates * 6 * 10 * 6 == flop_counter_macs(model, x, onednn=False)
    assert meta.total.costs.other_flops == real.layer("body").costs.other_flops == gate_flops * 6 * 6
    assert not (meta.uncounted or real.uncounted)


class PackedTagger(nn.Module):
    """Sentences of different lengths, packed so that the LSTM skips the padding."""

    def __init__(self) -> None:
        super().__init__()
        self.rnn = nn.LSTM(4, 6, num_layers=2, bidirectional=True)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        packed = pack_padded_sequence(x, lengths.cpu(), enforce_sorted=False)  # (lengths must be on the CPU)
        return pad_packed_sequence(self.rnn(packed)[0])[0]


def test_packed_sequences() -> None:
    model = seeded(PackedTagger())
    x, lengths = torch.rand(5, 3, 4), torch.tensor([2, 5, 3])
    report = analyze(model, inputs=[x, lengths])
    assert report.real_run is not None and not report.uncounted
    # 2 + 5 + 3 = 10 tokens; per token and direction 4·6·(4 + 6) = 240 (layer 1) and 4·6·(12 + 6) = 432 (layer 2)
    assert report.total.macs == 10 * 2 * (240 + 432) == 13_440 == flop_counter_macs(model, x, lengths, onednn=False)
    # 21·6 per token, direction and layer: 126·10·2·2 = 5,040; the lengths' sort (enforce_sorted=False):
    # 3·⌈log₂3⌉ = 6 comparisons
    assert report.layer("rnn").costs.other_flops == 5_040
    assert report.total.costs.other_flops == 5_040 + 6


# --- a training step --------------------------------------------------------------------------------------------
class Tagger(nn.Module):
    """A linear embedding (so that the LSTM's input needs a gradient), an LSTM, its outputs."""

    def __init__(self, what: str = "o", **options: Any) -> None:
        super().__init__()
        self.embed = nn.Linear(3, 3)
        self.rnn = nn.LSTM(3, 5, **options)
        self.what = what

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        out, (h, c) = self.rnn(self.embed(x))
        return tuple(t for key, t in (("o", out), ("h", h), ("c", c)) if key in self.what)


def test_training_step_through_an_lstm() -> None:
    model = Tagger()
    shape = (4, 2, 3)  # 4 steps, batch 2
    fused = analyze(model, inputs=[shape], train=True, optimizer="none")
    with torch.backends.mkldnn.flags(enabled=False):
        decomposed = analyze(model, inputs=[shape], train=True, optimizer="none")
    for r in (fused, decomposed):
        assert not r.uncounted and r.training is not None
        # forward: embedding 3·3·8 = 72 MACs + 8·3 bias; LSTM 4·5·(3 + 5)·8 = 1,280 MACs + 21·5·8 = 840;
        # the loss sums the 4·2·5 = 40 outputs
        assert (r.training.forward.macs, r.training.forward.other_flops) == (72 + 1_280, 24 + 840 + 40)
    # backward: the embedding's weight gradient 3·3·8 = 72 MACs and bias gradient 24; the LSTM's: 1,170 other
    # (test_backward_formula_by_hand) and, fused, 2·1,280 MACs; the decomposition skips the zero initial
    # hidden state's gradient, 2·4·5·5 = 200 MACs
    assert fused.training is not None and decomposed.training is not None
    assert (decomposed.training.backward.macs, decomposed.training.backward.other_flops) == (72 + 2_360, 24 + 1_170)
    if FUSED:
        assert (fused.training.backward.macs, fused.training.backward.other_flops) == (72 + 2_560, 24 + 1_170)


@pytest.mark.parametrize("what, options", [("ohc", dict(num_layers=2, bidirectional=True)),
                                           ("h", dict(num_layers=2, bias=False)), ("hc", dict(batch_first=True))])
def test_fused_backward_agrees_with_the_decomposition(what: str, options: dict[str, Any]) -> None:
    """The loss reaching the output, h_n and c_n in turn: the fused backward's other FLOPs are the decomposed
    backward's, its MACs those plus the products the decomposition skips (the zero initial states' gradient,
    batch·4·H·H per layer and direction)."""
    model = Tagger(what, **options)
    shape = (2, 4, 3) if options.get("batch_first") else (4, 2, 3)
    fused = analyze(model, inputs=[shape], train=True, optimizer="none")
    with torch.backends.mkldnn.flags(enabled=False):
        decomposed = analyze(model, inputs=[shape], train=True, optimizer="none")
    assert fused.training is not None and decomposed.training is not None
    for phase in ("forward", "backward"):
        one, other = getattr(fused.training, phase), getattr(decomposed.training, phase)
        assert one.other_flops == other.other_flops, phase
    assert fused.training.forward.macs == decomposed.training.forward.macs
    layers = options.get("num_layers", 1) * (2 if options.get("bidirectional") else 1)
    skipped = layers * 2 * 4 * 5 * 5 if FUSED else 0  # (with no oneDNN both runs are the decomposition)
    assert fused.training.backward.macs - decomposed.training.backward.macs == skipped
