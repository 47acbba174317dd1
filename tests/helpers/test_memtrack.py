"""Sanity tests of the measuring harness (tests/helpers/memtrack.py) against hand arithmetic; cnncalc is not involved.

The model is one nn.Linear(1000, 1000, bias=False) fed a 4x1000 fp32 batch, so every byte is countable by hand:
  weight W = 1000*1000*4 = 4,000,000 B, input X = 4*1000*4 = 16,000 B, output OUT = 4*1000*4 = 16,000 B,
  loss = 4 B (fp32 scalar), the ones seed loss.backward() makes = 4 B, Adam's `step` scalar = 4 B.
"""

from __future__ import annotations

import pytest
import torch
from memtrack import OPTIMIZERS, measure_inference, measure_training_step, measure_training_step_fake
from torch import nn

W = 1000 * 1000 * 4
X = 4 * 1000 * 4
OUT = 4 * 1000 * 4
SCALAR = 4


@pytest.fixture(scope="module")
def linear() -> tuple[nn.Module, torch.Tensor]:
    torch.manual_seed(0)
    return nn.Linear(1000, 1000, bias=False), torch.randn(4, 1000)


@pytest.mark.parametrize("optimizer", ["sgd", "none"])
def test_sgd_peak_is_in_backward_when_the_weight_grad_lands(linear, optimizer):
    model, x = linear
    m = measure_training_step(model, [x], optimizer=optimizer)
    assert m.phase == "backward"
    assert m.params == W  # 4,000,000
    assert m.grads == W  # the weight grad, just made by mm (MemTracker still calls it Temp at that instant)
    assert m.grads_labelled_temp == W
    assert (m.optimizer_state, m.optimizer_temporaries, m.temporaries, m.buffers) == (0, 0, 0, 0)
    assert m.other == X  # the input batch
    assert m.activations == OUT + SCALAR + SCALAR  # output, loss, backward's ones seed: 16,008
    assert m.peak_bytes == 2 * W + X + OUT + 2 * SCALAR == 8_032_008
    assert m.step_peaks == (8_032_008, 8_032_008)
    assert m.resident_bytes == W + X  # params + input at the start of step 2


def test_momentum_state_is_one_params_worth(linear):
    model, x = linear
    m = measure_training_step(model, [x], optimizer="momentum")
    assert m.optimizer_state == W  # momentum_buffer
    assert m.optimizer_temporaries == 0  # buf.mul_().add_() and param.add_() work in place
    assert m.peak_bytes == 3 * W + X + OUT + 2 * SCALAR == 12_032_008  # in backward, state resident
    # step 1 peaks in the optimizer when the buffer is cloned from the grad (the seed is gone by then)
    assert m.step_peaks == (3 * W + X + OUT + SCALAR, 12_032_008)
    assert m.peak_step == 2


@pytest.mark.parametrize("optimizer", ["adam", "adamw"])
def test_adam_peak_is_state_plus_sqrt_and_div(linear, optimizer):
    model, x = linear
    m = measure_training_step(model, [x], optimizer=optimizer)
    assert (m.phase, m.op) == ("optimizer", "aten.div.Tensor")
    assert m.params == W
    assert m.grads == W
    assert m.optimizer_state == 2 * W + SCALAR  # exp_avg + exp_avg_sq + step: 8,000,004
    assert m.optimizer_temporaries == 2 * W  # exp_avg_sq.sqrt() and its division by sqrt(bias correction)
    assert m.activations == OUT + SCALAR  # output + loss; the backward seed is freed by now
    assert m.other == X
    assert m.peak_bytes == 6 * W + X + OUT + 2 * SCALAR == 24_032_008
    assert m.resident_bytes == 3 * W + SCALAR + X == 12_016_004
    assert m.phase_peak("forward") == 3 * W + SCALAR + X + OUT + SCALAR  # + output + loss


def test_adam_transient_is_two_of_this_param_plus_the_previous_denominator():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(100, 200, bias=False), nn.Linear(200, 300, bias=False))
    p1, p2 = 200 * 100 * 4, 300 * 200 * 4  # 80,000 and 240,000 B
    m = measure_training_step(model, [torch.randn(2, 100)], optimizer="adam")
    assert m.phase == "optimizer"
    assert m.optimizer_temporaries == 2 * p2 + p1 == 560_000  # sqrt + div of p2 while p1's denom is still bound
    assert m.optimizer_state == 2 * (p1 + p2) + 2 * SCALAR
    # params + grads + state + transient + input (2x100) + output (2x300) + loss
    assert m.peak_bytes == 2 * (p1 + p2) + 2 * (p1 + p2) + 8 + 560_000 + 800 + 2400 + 4 == 1_843_212


def test_bf16_autocast_weight_copy_and_bf16_grad(linear):
    model, x = linear
    m = measure_training_step(model, [x], optimizer="sgd", amp="bf16")
    # forward: params + input + bf16 input cast (8,000) + bf16 weight cast (2,000,000) + bf16 output (8,000)
    # + its .float() copy (16,000) + loss
    assert m.phase_peak("forward") == W + X + X // 2 + W // 2 + OUT // 2 + OUT + SCALAR == 6_048_004
    # the weight cast is not saved (the input needs no grad, so mm keeps only the input cast): gone by the end
    assert dict(m.phase_ends)["forward"] == W + X + X // 2 + OUT // 2 + SCALAR
    # backward peak: ToCopyBackward turns the bf16 weight grad (Temp) into the fp32 Gradient
    assert (m.phase, m.op) == ("backward", "aten._to_copy.default")
    assert (m.grads, m.temporaries, m.weight_casts) == (W, W // 2, 0)
    assert m.peak_bytes == W + W // 2 + W + X + OUT // 2 + 2 * SCALAR == 10_024_008


def test_inference_is_params_input_output(linear):
    model, x = linear
    assert measure_inference(model, [x]) == W + X + OUT == 4_032_000


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_fake_tensor_run_gives_the_same_bytes(linear, optimizer):
    model, x = linear
    real = measure_training_step(model, [x], optimizer=optimizer)
    fake = measure_training_step_fake(model, [x.to("meta")], optimizer=optimizer)
    assert fake.fake and not real.fake
    assert fake.same_bytes(real)


def test_conv_bn_buffers_and_determinism():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.Conv2d(8, 4, 1))
    x = torch.randn(2, 3, 16, 16)
    first = measure_training_step(model, [x], optimizer="adam")
    second = measure_training_step(model, [x], optimizer="adam")
    fake = measure_training_step_fake(model, [x], optimizer="adam")
    assert first.same_bytes(second)
    assert first.same_bytes(fake)
    assert first.buffers == 8 * 4 + 8 * 4 + 8  # running_mean, running_var (fp32), num_batches_tracked (int64)
    # conv 8*3*3*3 + 8, bn 8 + 8, conv 4*8 + 4 = 276 params
    assert first.params == 276 * 4
    assert first.optimizer_state == 2 * 276 * 4 + 6 * SCALAR  # 6 parameter tensors, one step scalar each
    assert first.peak_bytes == sum(first.categories().values())
