"""The convolution formulas (cnncalc/formulas/conv.py) at their defaults and at their limits: output shape against
a real forward pass, MACs against FlopCounterMode, and refusals that name the value at fault."""

from __future__ import annotations

import re
from typing import Any

import pytest
import torch
from torch import nn
from torchcount import flop_counter_macs, forward_shape

from cnncalc.errors import CnncalcError
from cnncalc.formulas import conv as conv_f


@pytest.mark.parametrize("transposed", [False, True])
def test_conv_formula_defaults_are_pytorchs(transposed: bool) -> None:
    """Without stride, padding, dilation (and output padding), the formulas are nn.Conv2d's and
    nn.ConvTranspose2d's defaults: 1, 0, 1 (0): output shape as the forward, MACs as FlopCounterMode."""
    x = torch.randn(1, 3, 9, 9)
    if transposed:
        module: nn.Module = nn.ConvTranspose2d(3, 8, 3, bias=False)
        cost = conv_f.conv_transpose(tuple(x.shape), 8, (3, 3))
    else:
        module = nn.Conv2d(3, 8, 3, bias=False)
        cost = conv_f.conv(tuple(x.shape), 8, (3, 3))
    assert cost.output_shape == forward_shape(module, x)
    assert cost.macs == flop_counter_macs(module, x)


@pytest.mark.parametrize(("call", "words"), [
    (lambda: conv_f.conv((1, 0, 9, 9), 8, (3, 3)), "cin=0"),
    (lambda: conv_f.conv((1, 4, 9, 9), 0, (3, 3)), "cout=0"),
    (lambda: conv_f.conv((1, 4, 9, 9), 8, (3, 3), groups=0), "groups=0"),
    (lambda: conv_f.conv((1, 3, 9, 9), 8, (0, 3)), "kernel=0 along height is not allowed: it must be ≥ 1"),
    # a wrong-length padding; a wrong-length output padding
    (lambda: conv_f.conv_transpose((1, 4, 9, 9), 4, (3, 3), padding=(1, 1, 1)), "padding has 3 values"),
    (lambda: conv_f.conv_transpose((1, 4, 9, 9), 4, (3, 3), (2, 2), output_padding=(1,)),
     "output_padding has 1 values"),
])
def test_errors_name_the_value_at_fault(call: Any, words: str) -> None:
    """A refused configuration says which option or axis is at fault, in the words the user typed."""
    with pytest.raises(CnncalcError, match=re.escape(words)):
        call()
