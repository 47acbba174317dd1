"""The linear and matrix-product formulas (cnncalc/formulas/linear.py): output shape and element counts against
torch's own ops, MACs against FlopCounterMode, bytes read and written against the aten ops a real forward runs
(tests/helpers/torchcount.py), parameters against numel, and exact integers by hand."""

from __future__ import annotations

import re
from typing import Any

import pytest
import torch
from torch import nn
from torchcount import count_traffic, flop_counter_macs

from cnncalc.errors import CnncalcError
from cnncalc.formulas import linear as linear_f


def test_linear_formula_on_tokens() -> None:
    from cnncalc.formulas.linear import linear

    cost = linear((2, 197, 768), 3072, bias=True)
    # weights 768·3,072 = 2,359,296 applied at 2·197 = 394 rows: 929,562,624 MACs; bias 3,072 params,
    # one add per output element 2·197·3,072 = 1,210,368
    assert (cost.params_weight, cost.params_bias) == (2_359_296, 3_072)
    assert cost.macs == 929_562_624 and cost.other_flops == 1_210_368


@pytest.mark.parametrize(("a", "b", "bias"), [
    ((5, 3, 4), (5, 4, 6), None),      # bmm
    ((5, 3, 4), (5, 4, 6), (5, 3, 6)),  # baddbmm
    ((3, 4), (4, 6), None),            # mm
    ((3, 4), (4, 6), (6,)),            # addmm, bias broadcast over the rows
    ((5, 3, 4), (4, 6), None),         # torch.matmul: a batch of matrices times one matrix
    ((3, 4), (5, 4, 6), None),         # torch.matmul: one matrix times a batch
    ((1, 6, 3, 4), (6, 4, 6), None),   # torch.matmul: batch axes (1, 6) and (6,), as many matrices (seed 1)
])
def test_matmul_output_shape_and_counts_against_torch(a: tuple[int, ...], b: tuple[int, ...],
                                                      bias: tuple[int, ...] | None) -> None:
    """The product's output keeps the batch axes and only them: shape and element count as torch's own op
    returns, MACs as FlopCounterMode counts, and the bias add 1 FLOP per output element."""
    ta, tb = torch.randn(a), torch.randn(b)
    if len(a) != len(b):
        op, args = torch.matmul, (ta, tb)
    elif bias is None:
        op, args = (torch.bmm if len(a) == 3 else torch.mm), (ta, tb)
    else:
        op, args = (torch.baddbmm if len(a) == 3 else torch.addmm), (torch.randn(bias), ta, tb)
    real = op(*args)
    cost = linear_f.matmul(a, b, bias)
    assert cost.output_shape == tuple(real.shape)
    assert cost.outputs == real.numel()
    assert cost.macs == flop_counter_macs(op, *args)
    assert cost.other_flops == (real.numel() if bias is not None else 0)


class _AddMm(nn.Module):
    def __init__(self, batched: bool) -> None:
        super().__init__()
        self.batched = batched
        self.bias = nn.Parameter(torch.randn(5, 3, 6) if batched else torch.randn(6))
        self.b = nn.Parameter(torch.randn(5, 4, 6) if batched else torch.randn(4, 6))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.baddbmm(self.bias, x, self.b) if self.batched else torch.addmm(self.bias, x, self.b)


@pytest.mark.parametrize("batched", [False, True], ids=["addmm", "baddbmm"])
def test_matmul_with_bias_reads_the_bias(batched: bool) -> None:
    """addmm (3×4 @ 4×6 + a bias of 6) and baddbmm (5×3×4 @ 5×4×6 + 5×3×6) read both operands and the bias, and
    write the product: the bytes the real op reads and writes, divided by 4 (float32)."""
    x = torch.randn(5, 3, 4) if batched else torch.randn(3, 4)
    module = _AddMm(batched)
    counter = count_traffic(module, x)
    cost = linear_f.matmul(tuple(x.shape), tuple(module.b.shape), tuple(module.bias.shape))
    assert cost.inputs == counter.read // 4
    assert cost.outputs == counter.written // 4


@pytest.mark.parametrize(("a", "b"), [
    ((2, 1, 3, 4), (5, 4, 6)),  # torch.matmul: batch (2, 1) against (5,) broadcasts to (2, 5): 10·3·4·6 = 720 MACs
    ((6, 3, 4), (1, 6, 4, 5)),  # batch (6,) against (1, 6) broadcasts to (1, 6): the output is 1×6×3×5
])
def test_matmul_broadcasts_batch_axes_as_torch(a: tuple[int, ...], b: tuple[int, ...]) -> None:
    """The formula's shapes (…, M, K) @ (…, K, N) are torch.matmul's: batch axes broadcast. Output shape as the
    real op, MACs as FlopCounterMode."""
    ta, tb = torch.randn(a), torch.randn(b)
    cost = linear_f.matmul(a, b)
    assert (cost.output_shape, cost.macs) == (tuple(torch.matmul(ta, tb).shape),
                                              flop_counter_macs(torch.matmul, ta, tb))


def test_matmul_refuses_batch_axes_torch_refuses() -> None:
    """(2, 3, 4) @ (5, 4, 6): batch 2 against 5 broadcasts nowhere; torch.matmul raises, and so must the formula."""
    with pytest.raises(RuntimeError):
        torch.matmul(torch.randn(2, 3, 4), torch.randn(5, 4, 6))
    with pytest.raises(CnncalcError, match="do not broadcast"):
        linear_f.matmul((2, 3, 4), (5, 4, 6))


def test_linear_layer_from_one_feature() -> None:
    """nn.Linear(1, 4) is a valid layer: 1·4 = 4 weights + 4 biases (numel), rows 2: 2·1·4 = 8 MACs
    (FlopCounterMode)."""
    x, layer = torch.randn(2, 1), nn.Linear(1, 4)
    cost = linear_f.linear((2, 1), 4, bias=True)
    assert cost.params == sum(p.numel() for p in layer.parameters()) == 8
    assert cost.macs == flop_counter_macs(layer, x) == 8
    assert cost.output_shape == tuple(layer(x).shape) == (2, 4)


def test_linear_of_no_features_names_them() -> None:
    """An empty input shape has no feature axis: the message says 0 features in, as given."""
    with pytest.raises(CnncalcError, match="linear layer from 0 to 4 features: both must be ≥ 1"):
        linear_f.linear((), 4)


@pytest.mark.parametrize(("call", "words"), [
    # torch.mm refuses inner sizes 4 and 5
    (lambda: linear_f.matmul((3, 4), (5, 6)), "inner dimensions do not match"),
])
def test_errors_name_the_value_at_fault(call: Any, words: str) -> None:
    """A refused configuration says which option or axis is at fault, in the words the user typed."""
    with pytest.raises(CnncalcError, match=re.escape(words)):
        call()
