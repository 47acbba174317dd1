"""The pooling formulas (cnncalc/formulas/pool.py): ceil_mode, global and adaptive windows against the output of
the real nn modules and the positions their gradients reach, FLOPs by hand, and refusals that name the value at
fault."""

from __future__ import annotations

import re
from typing import Any

import pytest
import torch
from torch import nn

from cnncalc.errors import CnncalcError
from cnncalc.formulas import pool as pool_f


def test_ceil_mode_window_starting_in_the_right_padding_is_dropped() -> None:
    """MaxPool2d(2, stride 2, padding 1, ceil_mode) on 3×3: ceil((3 + 2 − 2)/2) + 1 = 3 windows per axis, but the
    third starts at 2·2 − 1 = 3, past the input (only right padding): PyTorch drops it, 2×2 out. Taps per axis:
    window at −1 reads {0} (1), window at 1 reads {1, 2} (2): 3; FLOPs = 2·3 (N·C) · 3·3 = 54."""
    x = torch.randn(1, 3, 3, 3)
    real = nn.MaxPool2d(2, 2, padding=1, ceil_mode=True)(x)
    assert pool_f.pool_output_size(3, 2, 2, 1, 1, True, "height") == real.shape[-1] == 2
    cost = pool_f.pool((2, 3, 3, 3), (2, 2), (2, 2), (1, 1), ceil_mode=True)
    assert cost.output_shape == (2, 3, 2, 2)
    assert cost.other_flops == 54


def test_global_avg_pool_of_a_non_square_map() -> None:
    """Global average pooling of a 4×6 map: one 1×1 output per channel (as AdaptiveAvgPool2d(1)), and one add
    per input element: 2·3·4·6 = 144 FLOPs."""
    x = torch.randn(2, 3, 4, 6)
    cost = pool_f.global_avg_pool(tuple(x.shape))
    assert cost.output_shape == tuple(nn.AdaptiveAvgPool2d(1)(x).shape)
    assert cost.other_flops == 144


@pytest.mark.parametrize(("size", "out"), [(10, 3), (7, 4), (5, 5), (6, 4)])
def test_adaptive_windows_against_the_real_op(size: int, out: int) -> None:
    """Adaptive pooling's window lengths are integers, as AdaptiveAvgPool1d places them: the number of input
    positions with a non-zero gradient for each output. The pool's FLOPs sum those windows (times N·C) and it
    writes as many elements as the real output has."""
    windows = pool_f.adaptive_windows(size, out)
    measured = []
    for i in range(out):
        x = torch.ones(1, 1, size, requires_grad=True)
        nn.AdaptiveAvgPool1d(out)(x)[0, 0, i].backward()
        measured.append(int((x.grad != 0).sum()))
    assert windows == measured
    assert all(type(w) is int for w in windows)
    real = nn.AdaptiveAvgPool1d(out)(torch.randn(2, 3, size))
    cost = pool_f.adaptive_pool((2, 3, size), (out,))
    assert cost.outputs == real.numel()
    assert cost.other_flops == 2 * 3 * sum(measured)


def test_adaptive_pool_to_nothing_says_why() -> None:
    with pytest.raises(CnncalcError, match="adaptive pooling to 0×2: the output must be at least 1 along every axis"):
        pool_f.adaptive_pool((1, 2, 4, 4), (0, 2))


def test_pool_names_a_dilation_of_the_wrong_rank() -> None:
    """Three dilations for a 2-D pool: the message names the argument and the axes it needs."""
    with pytest.raises(CnncalcError, match=r"^dilation has 3 values \(1×1×1\) for a 2-D input"):
        pool_f.pool((1, 1, 8, 8), (2, 2), dilation=(1, 1, 1))


@pytest.mark.parametrize(("call", "words"), [
    (lambda: pool_f.pool((1, 3, 9, 9), (5, 5), (1, 1), (3, 3)), "at most half the kernel (5 // 2 = 2)"),
])
def test_errors_name_the_value_at_fault(call: Any, words: str) -> None:
    """A refused configuration says which option or axis is at fault, in the words the user typed."""
    with pytest.raises(CnncalcError, match=re.escape(words)):
        call()
