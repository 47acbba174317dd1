"""Recurrent layers (LSTM, GRU, Elman RNN): one layer in one direction over a sequence of T steps.

PyTorch runs a recurrent layer one of two ways. Decomposed (on the meta device; on the CPU for GRU, RNN, an
LSTM with projections or on a packed sequence): per-step matrix products and element-wise gate ops, each
counted by its own formula. Fused (on the CPU, nn.LSTM on a padded sequence): oneDNN's kernel,
`aten.mkldnn_rnn_layer`, one call per layer and direction, and `aten.mkldnn_rnn_layer_backward` in training.
The formulas here cost the fused calls, and count exactly what the decomposition counts for the same layer, so
that a layer costs the same on meta, on a real CPU run and in a training step.

G gates (LSTM 4, GRU 3, RNN 1), input size I, hidden size H, batch B. Per step and batch element the forward
runs the input projection (G·H·I MACs) and the hidden projection (G·H·H MACs); an LSTM projection of size P
makes the hidden projection G·H·P and adds P·H. The gate arithmetic, per step, batch element and hidden unit:

- LSTM 13: the sum of the two projections (4), three sigmoids and a tanh (4), f·c, i·g, their sum, tanh(c)
  and o·tanh(c) (5);
- GRU 10: the reset and update gates' sums of the two projections and their sigmoids (4), r·(W_hn·h + b_hn),
  its sum with the input part and the tanh (3), h' = (h − n)·z + n (3);
- RNN 2: the sum of the two projections and the tanh (or ReLU);
- with biases, the bias adds of both projections: 2·G more (an LSTM with biases: 21).

The backward of one step, per batch element and hidden unit (the chain rule through those gate ops):

- LSTM 12: the gradients of o and of tanh(c) (2 multiplies), tanh's backward, the cell gradient's sum with
  the next step's (1), the gradients of i, g, f and of the previous cell state (4 multiplies), three sigmoid
  backwards and one tanh backward (4);
- GRU 10: 4 multiplies, a negation, the new gate's gradient sum, two sigmoid and one tanh backward, and the
  previous hidden state's gradient sum (direct and through the hidden projection);
- RNN 1: the tanh (or ReLU) backward;
- with biases, the bias gradients: the gate gradients summed over the batch, for b_ih and for b_hh (2·G).
"""

from __future__ import annotations

from cnncalc.errors import CnncalcError
from cnncalc.formulas.cost import OpCost, OpKind, count_expr, register_formula

#: gates per cell
GATES = {"lstm": 4, "gru": 3, "rnn_tanh": 1, "rnn_relu": 1}
#: forward gate arithmetic per step, batch element and hidden unit, without the bias adds (module docstring)
GATE_FLOPS = {"lstm": 13, "gru": 10, "rnn_tanh": 2, "rnn_relu": 2}
#: backward gate arithmetic per step, batch element and hidden unit, without the bias gradients
BACKWARD_GATE_FLOPS = {"lstm": 12, "gru": 10, "rnn_tanh": 1, "rnn_relu": 1}
#: per batch element and hidden unit, what the first step's backward skips for a zero initial state (it needs no
#: gradient): LSTM the previous cell state's gradient (f·dc), GRU the previous hidden state's gradient sum
FIRST_STEP_SKIPPED = {"lstm": 1, "gru": 1, "rnn_tanh": 0, "rnn_relu": 0}


def _check(mode: str, input_size: int, hidden_size: int, steps: int, batch: int, proj_size: int = 0) -> int:
    if mode not in GATES:
        raise CnncalcError(f"recurrent mode {mode!r}: accepted are {', '.join(GATES)}")
    if min(input_size, hidden_size, steps, batch) < 1 or proj_size < 0:
        raise CnncalcError(f"a {mode} layer of input size {input_size}, hidden size {hidden_size} over {steps} steps "
                           f"of batch {batch}: all must be ≥ 1")
    if proj_size and (mode != "lstm" or proj_size >= hidden_size):
        raise CnncalcError(f"projection size {proj_size}: only an LSTM projects, to fewer than its {hidden_size} "
                           f"hidden units")
    return GATES[mode]


@register_formula(OpKind.recurrent)
def recurrent(mode: str, input_size: int, hidden_size: int, steps: int, batch: int, bias: bool = True,
              proj_size: int = 0) -> OpCost:
    """One recurrent layer (mode lstm, gru, rnn_tanh or rnn_relu) in one direction over `steps` steps of `batch`
    sequences (see the module docstring). Per step and batch element, with G gates (LSTM 4, GRU 3, RNN 1):
    MACs G·H·(I + H) (with an LSTM projection of size P: G·H·(I + P) + P·H); other FLOPs, the gate arithmetic,
    GATE_FLOPS·H (LSTM 13, GRU 10, RNN 2) + 2·G·H with biases: an LSTM with biases is 21·H. Exactly what the
    decomposed layer counts (the same per-step products and gate ops)."""
    gates = _check(mode, input_size, hidden_size, steps, batch, proj_size)
    h = hidden_size
    state = proj_size or h
    positions = steps * batch
    weights = gates * h * (input_size + state) + proj_size * h
    per_unit = GATE_FLOPS[mode] + (2 * gates if bias else 0)
    out = (steps, batch, state)
    cell = batch * h if mode == "lstm" else 0  # the cell state, read and written beside the hidden state
    return OpCost(kind=OpKind.recurrent, output_shape=out, macs=weights * positions,
                  other_flops=per_unit * h * positions,
                  inputs=positions * input_size + batch * state + cell,
                  weights=weights + (2 * gates * h if bias else 0),
                  outputs=positions * state + batch * state + cell, params_weight=weights,
                  params_bias=2 * gates * h if bias else 0,
                  mac_expr=count_expr(weights, steps, batch),
                  other_expr=f"{mode} gates {count_expr(per_unit, h, steps, batch)}")


@register_formula(OpKind.recurrent_backward)
def recurrent_backward(mode: str, input_size: int, hidden_size: int, steps: int, batch: int, bias: bool = True,
                       grad_output: bool = True, grad_hy: bool = False, grad_cy: bool = False) -> OpCost:
    """The backward of one recurrent layer in one direction, as the fused kernel (aten.mkldnn_rnn_layer_backward)
    computes it: every gradient (input, initial states, weights, biases). MACs: 2 × the forward's (each per-step
    product's gradient with respect to its input and to its weight). Other FLOPs: exactly what the decomposed
    backward counts for the same layer when its input requires grad and its initial states are zeros (T steps,
    batch B, G gates): BACKWARD_GATE_FLOPS·H (LSTM 12, GRU 10, RNN 1) + 2·G·H with biases (the bias gradients)
    per step and batch element; + (T − 1)·G·H·(H + 1 with biases) (the hidden weight's and bias's gradients
    summed over the steps); + the incoming gradients' sums: the output's into the recurrent one at every step but
    the last when the output has a gradient ((T − 1)·B·H), h_n's at the last step when the output has one too
    (B·H); an LSTM's last step has no later cell gradient to add (− B·H) unless c_n has one;
    − FIRST_STEP_SKIPPED·B·H (LSTM 1, GRU 1: what a zero initial state needs no gradient for). The decomposed
    backward skips the initial hidden state's gradient product (B·G·H·H MACs) and, when the input needs no
    gradient, the input's (T·B·G·H·I): the fused kernel computes both."""
    gates = _check(mode, input_size, hidden_size, steps, batch)
    h = hidden_size
    positions = steps * batch
    forward = recurrent(mode, input_size, hidden_size, steps, batch, bias)
    per_unit = BACKWARD_GATE_FLOPS[mode] + (2 * gates if bias else 0)
    accumulate = (steps - 1) * gates * h * (h + (1 if bias else 0))
    incoming = (steps - 1 + int(grad_hy)) * batch * h if grad_output else 0
    if mode == "lstm" and not grad_cy:
        incoming -= batch * h  # the last step's cell gradient has no later one to add
    skipped = FIRST_STEP_SKIPPED[mode] * batch * h
    other = per_unit * h * positions + accumulate + incoming - skipped
    return OpCost(kind=OpKind.recurrent_backward, output_shape=(steps, batch, input_size), macs=2 * forward.macs,
                  other_flops=other, inputs=forward.inputs + forward.outputs, weights=forward.weights,
                  outputs=forward.inputs + forward.weights, mac_expr=f"2·{forward.mac_expr}",
                  other_expr=f"{mode} gate gradients {count_expr(per_unit, h, steps, batch)} + weight gradients "
                             f"summed over steps {accumulate:,} + incoming gradients {incoming:,} − {skipped:,}")
