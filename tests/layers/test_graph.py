"""The layer graph (cnncalc/layers/graph.py), through which the designs compose their ops: merges and defaults,
held against numel and the forward pass of the real modules and against the receptive field measured from their
input gradients (tests/helpers/torchcount.py's `gradient_extent`)."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torchcount import gradient_extent

from cnncalc.layers.graph import LayerGraph


class _PlusConv(nn.Module):
    def __init__(self, swap: bool) -> None:
        super().__init__()
        self.conv, self.swap = nn.Conv2d(1, 1, 3, padding=1, bias=False), swap

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x) + x if self.swap else x + self.conv(x)


@pytest.mark.parametrize("swap", [False, True])
def test_add_sees_the_wider_field_of_either_branch(swap: bool) -> None:
    """x + conv3×3(x) sees 3×3 input positions whichever side of the add the conv is on: the gradient of one
    output of the real sum spans 3 positions per axis."""
    g = LayerGraph((1, 1, 9, 9))
    y = g.conv(g.input, 1, (3, 3))
    out = g.add(y, g.input) if swap else g.add(g.input, y)
    module = _PlusConv(swap).double()
    with torch.no_grad():
        module.conv.weight.fill_(1.0)
    measured = gradient_extent(module, torch.ones(1, 1, 9, 9, dtype=torch.float64), [(4, 4)])
    assert tuple(int(s) for s in out.field.size) == measured == (3, 3)


def test_layer_graph_transposed_conv_is_ungrouped_by_default() -> None:
    """LayerGraph.conv_transpose without `groups` is an ordinary transposed conv: params as numel of
    nn.ConvTranspose2d(4, 6, 3) (4·6·3·3 = 216), output shape as its forward."""
    g = LayerGraph((1, 4, 5, 5))
    out = g.conv_transpose(g.input, 6, (3, 3), (2, 2), (1, 1), (1, 1), (1, 1))
    module = nn.ConvTranspose2d(4, 6, 3, 2, 1, 1, bias=False)
    assert g.steps[-1].cost.params == sum(p.numel() for p in module.parameters()) == 216
    assert out.shape == tuple(module(torch.randn(1, 4, 5, 5)).shape)


def test_transposed_conv_after_a_strided_conv_field() -> None:
    """conv 3×3 stride 2 then transposed conv 4×4 stride 2: each output gathers 2 neighbouring positions of the
    strided map (4 taps over stride 2), 2 apart in the input, each seeing 3: 3 + (2 − 1)·2 = 5 per axis, as the
    gradient of the real pair spans (at every output phase)."""
    g = LayerGraph((1, 1, 16, 16))
    y = g.conv(g.input, 1, (3, 3), (2, 2), (1, 1))
    z = g.conv_transpose(y, 1, (4, 4), (2, 2), (1, 1), (0, 0), (1, 1))
    module = nn.Sequential(nn.Conv2d(1, 1, 3, 2, 1, bias=False), nn.ConvTranspose2d(1, 1, 4, 2, 1, bias=False))
    module = module.double()
    with torch.no_grad():
        for p in module.parameters():
            p.fill_(1.0)
    measured = gradient_extent(module, torch.ones(1, 1, 16, 16, dtype=torch.float64), [(8, 8), (9, 9), (8, 9)])
    assert tuple(int(s) for s in z.field.size) == measured == (5, 5)
    assert z.field.jump == (1, 1)
