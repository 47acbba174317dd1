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

The backward (`torch.ops.torchvision._deform_conv2d_backward`, one op returning the gradients of input,
weight, offset, mask and bias) is counted as torchvision's kernel structures it: five passes, each computing
its per-point quantities once, shared by the channels of the offset group, as the forward does. Gradients
are accumulated into zeroed buffers, as the kernel does (`+=`): one add per term accumulated (a sum written
out in one expression, as the 4 weighted neighbours, costs n − 1 adds). With ĝ the gradient of one sampled
column value (of the masked value, for v2), v_tl, v_tr, v_bl, v_br its four neighbours, (ly, lx) the
fraction and (hy, hx) its complement:
  1. column gradient ĝ = weightᵀ·grad_out, per weight group                 the forward's MACs
  2. offset (and mask) gradients, per sample point:
        position, floors, fractions, complements (no weight products)     8
        v2: the four bilinear weights, for the unmasked value              4
        v2: the two offset gradient sums times the mask                    2    → 8, v2 14 per point
     per sampled value:
        ∂v/∂y = hx·(v_bl − v_tl) + lx·(v_br − v_tr)                       5
        ∂v/∂x = hy·(v_tr − v_tl) + ly·(v_br − v_bl)  (as the kernel's       5
                get_coordinate_weight writes them)
        ĝ·∂v/∂y, ĝ·∂v/∂x, each accumulated over the group's channels       4
        v2: the unmasked value v (7), ĝ·v accumulated (2): mask gradient   9    → 14, v2 23 per value
  3. input gradient (col2im): per point the forward's 12 (v2 16: the weights times the mask); per value
     each of the 4 weights times ĝ, scattered (added) onto its neighbour: 4 multiplies + 4 adds = 8
  4. weight gradient: the kernel keeps no columns from the forward, so it samples them again (the
     forward's 12 or 16 per point and 7 per value) and multiplies grad_out·columnsᵀ: the forward's MACs
  5. bias gradient: grad_out summed over batch and positions: 1 add per output element. Counted only for
     a real bias: torchvision hands its kernel zeros when there is none, and the kernel sums anyway.
In all, 2 × the forward's MACs and 32·P + 29·V (v2 46·P + 38·V) + N·cout·Ho·Wo FLOPs. Neighbours outside
the image take their share of the gradient and are counted like the others (a dense kernel scatters into
a zero border and drops it), as the forward counts them read as zero. torchvision's kernel computes every
gradient whether or not it is needed; `input_grad` (passes 1–3) and `weight_grad` (pass 4) count a part.
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

#: backward, offset gradients per point: the position (2 adds) and per axis the floor, fraction and complement
COORD_POINT_FLOPS = 2 + 3 * 2
#: v2: the four bilinear weights (for the unmasked value) and the two offset gradients times the mask
COORD_POINT_FLOPS_MODULATED = COORD_POINT_FLOPS + 4 + 2
#: per value: ∂v/∂y and ∂v/∂x (2 subtractions, 2 multiplies, 1 add each), each times ĝ and accumulated
COORD_VALUE_FLOPS = 2 * 5 + 2 * 2
#: v2: the unmasked value (7), times ĝ and accumulated into the mask gradient (2)
COORD_VALUE_FLOPS_MODULATED = COORD_VALUE_FLOPS + FLOPS_PER_VALUE + 2
#: col2im per value: each of the 4 bilinear weights times ĝ, added onto its neighbour's gradient
COL2IM_VALUE_FLOPS = 4 + 4


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


def deform_conv2d_backward(x: Shape, cout: int, kernel: Dims, stride: Dims = (1, 1), padding: Dims = (0, 0),
                           dilation: Dims = (1, 1), groups: int = 1, offset_groups: int = 1, bias: bool = False,
                           modulated: bool = False, input_grad: bool = True, weight_grad: bool = True) -> OpCost:
    """The backward of `deform_conv2d` (see the module docstring): with input_grad, the column gradient (the
    forward's MACs), the offset (and mask) gradients and col2im; with weight_grad, re-sampling the columns and
    grad_out·columnsᵀ (the forward's MACs); with bias, 1 add per output element. Not a registered formula: the
    same kind as the forward, called by the tracer's handler of torchvision's backward op."""
    forward = deform_conv2d(x, cout, kernel, stride, padding, dilation, groups, offset_groups, bias, modulated)
    n, cin = x[0], x[1]
    ho, wo = forward.output_shape[2:]
    taps = kernel[0] * kernel[1]
    points = n * offset_groups * taps * ho * wo
    values = n * cin * taps * ho * wo
    sample_point = FLOPS_PER_POINT_MODULATED if modulated else FLOPS_PER_POINT
    coord_point = COORD_POINT_FLOPS_MODULATED if modulated else COORD_POINT_FLOPS
    coord_value = COORD_VALUE_FLOPS_MODULATED if modulated else COORD_VALUE_FLOPS
    offsets_and_mask = n * (3 if modulated else 2) * offset_groups * taps * ho * wo
    weight = forward.params_weight
    flops, parts, written, products = 0, [], 0, 0

    def part(name: str, per_point: int, per_value: int) -> None:
        nonlocal flops
        flops += per_point * points + per_value * values
        parts.append(f"{name} {per_point}·{count_expr(points)} + {per_value}·{count_expr(values)}")

    if input_grad:
        products += 1
        part("offset and mask gradients" if modulated else "offset gradients", coord_point, coord_value)
        part("col2im", sample_point, COL2IM_VALUE_FLOPS)
        written += numel(x) + offsets_and_mask
    if weight_grad:
        products += 1
        part("resampling", sample_point, FLOPS_PER_VALUE)
        written += weight
    if bias:
        flops += n * cout * ho * wo
        parts.append(f"bias gradient {count_expr(n, cout, ho, wo)}")
        written += cout
    out = x if input_grad else (cout, cin // groups, *kernel) if weight_grad else (cout,) if bias else ()
    mac_expr = {0: "", 1: forward.mac_expr}.get(products, f"2·({forward.mac_expr})")
    return OpCost(kind=OpKind.deform_conv, output_shape=out, macs=products * forward.macs, other_flops=flops,
                  inputs=forward.inputs + numel(forward.output_shape), weights=weight, outputs=written,
                  mac_expr=mac_expr, other_expr=" + ".join(parts))
