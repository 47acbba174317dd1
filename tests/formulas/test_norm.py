"""The normalisation formulas (cnncalc/formulas/norm.py): what a norm layer owns (numel of nn.BatchNorm2d's
parameters and buffers), reads and writes (the bytes a real forward's aten ops move), and the text that names it."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torchcount import count_traffic

from cnncalc.formulas import norm as norm_f


@pytest.mark.parametrize("track", [True, False])
@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_params_and_buffers_against_numel(affine: bool, track: bool) -> None:
    """BN owns γ, β only when affine, and running mean/var plus num_batches_tracked only when it tracks
    running statistics: as `numel` of nn.BatchNorm2d's parameters and buffers."""
    module = nn.BatchNorm2d(6, affine=affine, track_running_stats=track)
    cost = norm_f.batch_norm((2, 6, 5, 5), affine=affine, track_running_stats=track)
    assert cost.params == sum(p.numel() for p in module.parameters())
    assert cost.buffers == sum(b.numel() for b in module.buffers())


@pytest.mark.parametrize("track", [True, False])
@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_reads_the_operands_it_has(affine: bool, track: bool) -> None:
    """Inference BN reads γ, β when affine and the running mean/var when it tracks them: the bytes a real forward
    reads beyond the input, divided by 4 (float32), as the aten ops report them."""
    module = nn.BatchNorm2d(6, affine=affine, track_running_stats=track).eval()
    x = torch.randn(2, 6, 5, 5)
    counter = count_traffic(module, x)
    cost = norm_f.batch_norm(tuple(x.shape), affine=affine, track_running_stats=track)
    assert cost.weights == (counter.read - 4 * x.numel()) // 4
    assert cost.outputs == counter.written // 4


@pytest.mark.parametrize("module", [nn.LayerNorm([4, 5, 5]), nn.GroupNorm(2, 4), nn.InstanceNorm2d(4)],
                         ids=["layer", "group", "instance"])
def test_normalization_writes_its_output(module: nn.Module) -> None:
    """A layer/group/instance norm writes one element per input element and reads its affine parameters:
    outputs = the real forward's numel, weights = numel of the module's parameters."""
    x = torch.randn(2, 4, 5, 5)
    params = sum(p.numel() for p in module.parameters())
    cost = norm_f.normalization(tuple(x.shape), params)
    assert cost.outputs == module(x).numel()
    assert cost.weights == params
    assert cost.other_flops == x.numel()


def test_layer_norm_text_names_the_op() -> None:
    """A layer norm's other-FLOPs text says what it is by default: 'layer norm 2·4·5·5'."""
    assert norm_f.normalization((2, 4, 5, 5)).other_expr == "layer norm 2·4·5·5"
