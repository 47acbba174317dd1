"""Op calls as data (`cnncalc.analysis.calls`): a tensor's layout read from its strides, and real tensors made
again with that layout."""

from __future__ import annotations

import pytest
import torch

from cnncalc.analysis.calls import TensorArg, materialize

LAYOUTS = {
    "contiguous": torch.empty(3, 4),
    "transposed": torch.empty(4, 3).t(),  # a linear layer's weight as addmm reads it
    "channels-last": torch.empty(2, 3, 4, 5).contiguous(memory_format=torch.channels_last),
    "channels-last 3-D": torch.empty(2, 3, 4, 5, 6).contiguous(memory_format=torch.channels_last_3d),
    "keys transposed": torch.empty(2, 5, 7).transpose(1, 2),
    "length-1 axes": torch.empty(1, 3, 1, 1),
    "scalar": torch.empty(()),
}


@pytest.mark.parametrize("name", LAYOUTS)
def test_a_dense_layout_is_made_again_with_its_strides(name: str) -> None:
    t = LAYOUTS[name]
    made = materialize(TensorArg.of(t))
    assert made.shape == t.shape and made.stride() == t.stride()


def test_the_axes_order_by_hand() -> None:
    assert TensorArg.of(LAYOUTS["contiguous"]).order == (0, 1)
    assert TensorArg.of(LAYOUTS["transposed"]).order == (1, 0)  # strides (1, 3): axis 1 outermost
    assert TensorArg.of(LAYOUTS["channels-last"]).order == (0, 2, 3, 1)  # strides (60, 1, 15, 3)


@pytest.mark.parametrize("t", [torch.empty(3, 1).expand(3, 4), torch.empty(8, 6)[:, :3]],
                         ids=["expanded", "sliced"])
def test_a_layout_that_is_not_dense_is_made_contiguous(t: torch.Tensor) -> None:
    arg = TensorArg.of(t)
    assert arg.order is None
    made = materialize(arg)
    assert made.shape == t.shape and made.is_contiguous()
