"""Backward-pass ops, for `--backward` and training steps: the real gradient ops autograd runs, each costed
by formula.

A convolution's backward is two convolutions' worth of MACs when both gradients are needed: the input
gradient (a transposed convolution of the output gradient, as many MACs as the forward) and the weight
gradient (a correlation of input and output gradient, as many again); the first layer skips the input
gradient. Linear layers' backward shows up as plain matrix products, counted by the forward handlers.
Element-wise gradients (ReLU, sigmoid, BN, pooling, softmax, …) count 1 FLOP per element written, as
the convention counts other arithmetic. nn.LSTM's fused CPU backward (one call per layer and direction)
computes every gradient at once: `cnncalc.formulas.recurrent.recurrent_backward`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import torch

from cnncalc.analysis.ops.common import Args, Traced, aten, first, shape
from cnncalc.analysis.ops.conv import convolution
from cnncalc.analysis.ops.recurrent import rnn_layer
from cnncalc.analysis.ops.registry import handles
from cnncalc.formulas import elementwise as elem_f
from cnncalc.formulas import recurrent as recurrent_f
from cnncalc.formulas.cost import OpCost, numel


@handles(aten.convolution_backward)
def _convolution_backward(name: str, a: Args, out: Any) -> Traced | None:
    forward = convolution("convolution", {
        "input": a["input"], "weight": a["weight"], "bias": None, "stride": a["stride"], "padding": a["padding"],
        "dilation": a["dilation"], "transposed": a["transposed"], "output_padding": a["output_padding"],
        "groups": a["groups"]}, None)
    if forward is None:
        return None
    mask = list(a["output_mask"])
    grad_out = shape(a["grad_output"])
    macs = forward.cost.macs * (int(mask[0]) + int(mask[1]))
    bias_adds = numel(grad_out) if mask[2] else 0
    outputs = [t for t in out if isinstance(t, torch.Tensor)]
    cost = OpCost(kind=forward.cost.kind, output_shape=shape(outputs[0]) if outputs else grad_out, macs=macs,
                  other_flops=bias_adds,
                  inputs=numel(grad_out) + numel(shape(a["input"])) + numel(shape(a["weight"])),
                  outputs=sum(int(t.numel()) for t in outputs),
                  mac_expr=f"{int(mask[0]) + int(mask[1])}·forward", other_expr="bias gradient" if bias_adds else "")
    return Traced(replace(cost))


@handles(aten.mkldnn_rnn_layer_backward)
def _mkldnn_rnn_layer_backward(name: str, a: Args, out: Any) -> Traced | None:
    """nn.LSTM's fused backward on the CPU, one layer and direction: every gradient, and the gradients that came
    in (output, h_n, c_n; None where the loss did not reach them) decide the sums of incoming gradients."""
    layer = rnn_layer({**a, "weight0": a["weight1"]})  # (this op numbers its weights from 1)
    if layer is None:
        return None
    grad_output, grad_hy, grad_cy = (a.get(key) is not None for key in ("grad_output", "grad_hy", "grad_cy"))
    return Traced(recurrent_f.recurrent_backward(*layer, grad_output=grad_output, grad_hy=grad_hy, grad_cy=grad_cy))


ELEMENTWISE_BACKWARD = (
    aten.threshold_backward, aten.sigmoid_backward, aten.tanh_backward, aten.gelu_backward, aten.silu_backward,
    aten.hardswish_backward, aten.hardsigmoid_backward, aten.hardtanh_backward, aten.leaky_relu_backward,
    aten.elu_backward, aten._softmax_backward_data, aten._log_softmax_backward_data,
    aten.native_batch_norm_backward, aten.native_layer_norm_backward, aten.native_group_norm_backward,
    aten.max_pool2d_with_indices_backward, aten.avg_pool2d_backward, aten._adaptive_avg_pool2d_backward,
    aten.adaptive_max_pool2d_backward, aten.avg_pool3d_backward, aten.mish_backward,
    aten.upsample_bilinear2d_backward, aten.upsample_nearest2d_backward,
)


@handles(*ELEMENTWISE_BACKWARD)
def _elementwise_backward(name: str, a: Args, out: Any) -> Traced:
    reads = tuple(shape(v) for v in a.values() if isinstance(v, torch.Tensor))
    outputs = [t for t in (out if isinstance(out, tuple | list) else [out]) if isinstance(t, torch.Tensor)]
    result = shape(first(outputs)) if outputs else ()
    cost = elem_f.elementwise(result, reads, name)
    written = sum(int(t.numel()) for t in outputs)
    return Traced(replace(cost, other_flops=written, outputs=written))
