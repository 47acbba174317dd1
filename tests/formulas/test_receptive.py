"""The receptive-field arithmetic (cnncalc/formulas/receptive.py): fields merged across ranks by hand, and the
span of transposed convolutions against the input gradient of the real op (tests/helpers/torchcount.py's
`gradient_extent`)."""

from __future__ import annotations

from fractions import Fraction

import torch
from torch import nn
from torchcount import gradient_extent

from cnncalc.formulas import receptive as rf


def test_merge_aligns_fields_of_different_ranks_on_their_last_axes() -> None:
    """A 1-axis field (5, jump 2) merged with a 2-axis one (3×3, jump 1) applies to the last axis: the leading
    axis sees max(1, 3) = 3, the last max(5, 3) = 5; jumps max(1, 1) = 1 and max(2, 1) = 2, either order."""
    one = rf.Field((Fraction(5),), (Fraction(2),))
    two = rf.Field((Fraction(3), Fraction(3)), (Fraction(1), Fraction(1)))
    assert rf.merge(one, two) == rf.merge(two, one) == rf.Field((Fraction(3), Fraction(5)),
                                                                (Fraction(1), Fraction(2)))


def test_transposed_field_without_dilation() -> None:
    """A transposed conv's field with no dilation given is that of dilation 1: ConvTranspose2d(1, 1, (5, 4),
    stride (2, 3)) makes each output depend on 3 rows (taps 0, 2, 4 of one phase) and 2 columns (taps 0, 3),
    as the gradient of the real op spans at every output phase; the jump is 1/2 by 1/3."""
    field = rf.through_transposed(rf.Field.identity(2), (5, 4), (2, 3))
    module = nn.ConvTranspose2d(1, 1, (5, 4), (2, 3), bias=False).double()
    with torch.no_grad():
        module.weight.fill_(1.0)
    positions = [(i, j) for i in (6, 7) for j in (9, 10, 11)]
    measured = gradient_extent(module, torch.ones(1, 1, 8, 8, dtype=torch.float64), positions)
    assert tuple(int(s) for s in field.size) == measured == (3, 2)
    assert field.jump == (Fraction(1, 2), Fraction(1, 3))


def test_transposed_span_with_dilation_across_the_stride() -> None:
    """ConvTranspose1d k=3, s=3, d=2: the taps sit at 0, 2, 4, which are 0, 2, 1 mod 3, one per output phase, so
    every output reads one input position. The span the real module's gradient shows, at all three phases."""
    module = nn.ConvTranspose1d(1, 1, 3, stride=3, dilation=2, bias=False).double()
    with torch.no_grad():
        module.weight.fill_(1.0)
    measured = gradient_extent(module, torch.ones(1, 1, 6, dtype=torch.float64), [(6,), (7,), (8,)])
    assert rf.transposed_span(3, 3, 2) == measured[0] == 1


def test_dims_text_of_nothing_is_empty() -> None:
    """A model without a spatial op has no field: its text is empty, not an error."""
    assert rf.dims_text(None) == ""
    assert rf.dims_text((Fraction(3), Fraction(1, 2))) == "3×1/2"
