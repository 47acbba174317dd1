"""Deformable convolution (DCN v1, Dai et al. 2017; v2 with a modulation mask, Zhu et al. 2019).

This is the cost of `torchvision.ops.deform_conv2d` itself: bilinear sampling of the input at the
offset positions, then the k×k convolution over the sampled columns. The offset branch (an ordinary
convolution producing the offsets, and for v2 the sigmoid of the mask) is costed by the ordinary conv
and activation formulas.

What the sampling costs, and why. For every sample point (one per batch item, offset group, kernel tap
and output position: P = N·G·kh·kw·Ho·Wo) the fractional position and the four bilinear weights are
computed once and shared by the cin/G channels of the group:
    y = y₀ + Δy, x = x₀ + Δx                       2 adds
    ⌊y⌋, ⌊x⌋                                       2 floors
    ly = y − ⌊y⌋, lx = x − ⌊x⌋                     2 subtractions
    hy = 1 − ly, hx = 1 − lx                       2 subtractions
    hy·hx, hy·lx, ly·hx, ly·lx                     4 multiplies           → 12 per point
    v2: the four weights times the mask            4 multiplies           → 16 per point
For every sampled value (one per batch item, input channel, kernel tap and output position:
V = N·cin·kh·kw·Ho·Wo) the four neighbours are weighted and summed: 4 multiplies + 3 adds = 7.
Neighbours outside the image read as zero and are counted like the others, as a dense kernel does.
These are element-wise FLOPs, not MACs. The convolution over the sampled columns is the k×k conv's
MACs exactly. A plain-torch reference implementation in the tests counts these ops one by one.
"""

from __future__ import annotations

from cnncalc.errors import CnncalcError
from cnncalc.formulas.conv import check_conv_args, conv_output_dims, kernel_factors
from cnncalc.formulas.cost import Dims, OpCost, OpKind, Shape, count_expr, numel, register_formula, weighted_cost
from cnncalc.formulas.sample import bilinear_point_flops, bilinear_value_flops

#: the offset added to each of the 2 coordinates, then the bilinear weights (formulas/sample.py): 2 + 10
FLOPS_PER_POINT = 2 + bilinear_point_flops(2)
#: v2: the four weights times the mask
FLOPS_PER_POINT_MODULATED = FLOPS_PER_POINT + 4
FLOPS_PER_VALUE = bilinear_value_flops(2)


def offset_channels(kernel: Dims, offset_groups: int, modulated: bool) -> int:
    """Channels of the offset branch: 2·kh·kw·G (Δy, Δx per tap), 3·kh·kw·G with v2's mask."""
    return (3 if modulated else 2) * kernel[0] * kernel[1] * offset_groups


@register_formula(OpKind.deform_conv)
def deform_conv2d(x: Shape, cout: int, kernel: Dims, stride: Dims = (1, 1), padding: Dims = (0, 0),
                  dilation: Dims = (1, 1), groups: int = 1, offset_groups: int = 1, bias: bool = False,
                  modulated: bool = False) -> OpCost:
    """Sampling plus convolution of x = (N, cin, H, W) to cout channels (see the module docstring)."""
    if len(x) != 4:
        raise CnncalcError(f"deformable convolution is 2-D only (torchvision's deform_conv2d): input {x} is not "
                           f"N×C×H×W")
    n, cin = x[0], x[1]
    check_conv_args(cin, cout, kernel, stride, padding, dilation, groups)
    if offset_groups < 1 or cin % offset_groups:
        raise CnncalcError(f"offset_groups={offset_groups} must be ≥ 1 and divide cin={cin}")
    ho, wo = conv_output_dims(x, kernel, stride, padding, dilation)
    taps = kernel[0] * kernel[1]
    points = n * offset_groups * taps * ho * wo
    values = n * cin * taps * ho * wo
    per_point = FLOPS_PER_POINT_MODULATED if modulated else FLOPS_PER_POINT
    offsets = n * 2 * offset_groups * taps * ho * wo
    mask = n * offset_groups * taps * ho * wo if modulated else 0
    return weighted_cost(
        OpKind.deform_conv, numel(x) + offsets + mask, (n, cout, ho, wo),
        kernel_factors(kernel, cin // groups, cout), (ho, wo, n), cout if bias else 0,
        other_flops=per_point * points + FLOPS_PER_VALUE * values,
        other_expr=f"sampling {per_point}·{count_expr(points)} + {FLOPS_PER_VALUE}·{count_expr(values)}")
