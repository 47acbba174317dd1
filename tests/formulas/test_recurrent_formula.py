"""The recurrent formulas (cnncalc/formulas/recurrent.py) by hand: LSTM, GRU and RNN layers forward and backward,
the arithmetic in the comments, params against numel of the real nn.LSTM. The tracer's use of them, on meta and on
real runs, is checked in tests/analysis/ops/test_recurrent.py."""

from __future__ import annotations

from torch import nn

from cnncalc.formulas.recurrent import recurrent, recurrent_backward


# --- the formula by hand ----------------------------------------------------------------------------------------
def test_formula_by_hand() -> None:
    # LSTM 8 → 16, 5 steps of batch 2: 4·16·(8 + 16) = 1,536 MACs per step and batch element
    lstm = recurrent("lstm", 8, 16, 5, 2)
    assert lstm.macs == 1_536 * 10 == 15_360
    # gate arithmetic 13·16 and the two bias adds 2·4·16: 21·16 = 336 per step and batch element
    assert lstm.other_flops == 21 * 16 * 10 == 3_360
    assert lstm.params == sum(p.numel() for p in nn.LSTM(8, 16).parameters()) == 1_664
    assert recurrent("lstm", 8, 16, 5, 2, bias=False).other_flops == 13 * 16 * 10
    # GRU: 3·16·24 = 1,152 MACs; 10·16 + 2·3·16 = 256 other per step and batch element
    gru = recurrent("gru", 8, 16, 5, 2)
    assert (gru.macs, gru.other_flops) == (11_520, 2_560)
    # RNN: 16·24 = 384 MACs; the sum, the tanh and two bias adds: 4·16 = 64
    assert (recurrent("rnn_tanh", 8, 16, 5, 2).macs, recurrent("rnn_relu", 8, 16, 5, 2).other_flops) == (3_840, 640)
    # LSTM projecting 16 → 4: 4·16·(8 + 4) + 4·16 = 832 MACs
    proj = recurrent("lstm", 8, 16, 5, 2, proj_size=4)
    assert proj.macs == 832 * 10 and proj.params == sum(p.numel() for p in nn.LSTM(8, 16, proj_size=4).parameters())


def test_backward_formula_by_hand() -> None:
    # LSTM 3 → 5, T = 4 steps, batch 2, biases; the loss reaches the output sequence only
    cost = recurrent_backward("lstm", 3, 5, 4, 2)
    assert cost.macs == 2 * 4 * 5 * (3 + 5) * 8 == 2_560
    # (12 + 8)·5·8 = 800 gate and bias gradients; 3·4·5·(5 + 1) = 360 for the weight and bias gradients summed
    # over the steps; (4 − 1)·2·5 = 30 output gradients added; − 2·5 for the last step's cell gradient (no later
    # one to add) and − 2·5 for the zero initial cell state: 800 + 360 + 30 − 20 = 1,170
    assert cost.other_flops == 1_170
    # h_n's and c_n's gradients too: + 2·5 + 2·5
    assert recurrent_backward("lstm", 3, 5, 4, 2, grad_hy=True, grad_cy=True).other_flops == 1_190
    # only h_n's (a classifier on the last state): no output gradients to add: 800 + 360 − 20 = 1,140
    assert recurrent_backward("lstm", 3, 5, 4, 2, grad_output=False, grad_hy=True).other_flops == 1_140
