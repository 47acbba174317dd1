"""A layer design as a small graph of primitive ops, costed as it is written down.

Presets call these methods with symbolic tensors; each call applies the one formula for its op
(`cnncalc.formulas`), records a `Step`, and carries shape and receptive field forward. No torch here.
"""

from __future__ import annotations

import dataclasses

from cnncalc.errors import CnncalcError
from cnncalc.formulas import conv as conv_f
from cnncalc.formulas import deform as deform_f
from cnncalc.formulas import elementwise as elem_f
from cnncalc.formulas import linear as linear_f
from cnncalc.formulas import norm as norm_f
from cnncalc.formulas import pool as pool_f
from cnncalc.formulas import receptive as rf
from cnncalc.formulas.cost import Dims, OpCost, Shape


@dataclasses.dataclass(frozen=True)
class Tensor:
    """A symbolic activation (N, C, *spatial): its shape and the receptive field of its elements."""

    shape: Shape
    field: rf.Field

    @property
    def channels(self) -> int:
        return self.shape[1]

    @property
    def rank(self) -> int:
        """Spatial axes: 1, 2 or 3."""
        return len(self.shape) - 2


@dataclasses.dataclass(frozen=True)
class Step:
    """One op of a design: a label for people, the op's cost, the tensor it produced."""

    label: str
    cost: OpCost
    output: Tensor


class LayerGraph:
    """Records the ops a layer design performs, in order."""

    def __init__(self, input_shape: Shape) -> None:
        self.input = Tensor(input_shape, rf.Field.identity(len(input_shape) - 2))
        self.steps: list[Step] = []

    def _add(self, label: str, cost: OpCost, field: rf.Field) -> Tensor:
        out = Tensor(cost.output_shape, field)
        self.steps.append(Step(label, cost, out))
        return out

    # convolutions
    def conv(self, x: Tensor, cout: int, kernel: Dims, stride: Dims | None = None, padding: Dims | None = None,
             dilation: Dims | None = None, groups: int = 1, bias: bool = False, label: str = "conv") -> Tensor:
        """A convolution over x's spatial axes; stride and dilation default to 1, padding to 'same'."""
        stride, dilation = stride or ones(x.rank), dilation or ones(x.rank)
        pad = same_padding(kernel, dilation) if padding is None else padding
        cost = conv_f.conv(x.shape, cout, kernel, stride, pad, dilation, groups, bias)
        return self._add(label, cost, rf.through_window(x.field, kernel, stride, dilation))

    def conv_transpose(self, x: Tensor, cout: int, kernel: Dims, stride: Dims, padding: Dims,
                       output_padding: Dims, dilation: Dims, groups: int = 1, bias: bool = False,
                       label: str = "transposed conv") -> Tensor:
        cost = conv_f.conv_transpose(x.shape, cout, kernel, stride, padding, output_padding, dilation,
                                     groups, bias)
        return self._add(label, cost, rf.through_transposed(x.field, kernel, stride, dilation))

    def deform_conv(self, x: Tensor, offset: Tensor, mask: Tensor | None, cout: int, kernel: Dims,
                    stride: Dims, padding: Dims, dilation: Dims, groups: int, offset_groups: int,
                    bias: bool, label: str = "deformable conv") -> Tensor:
        cost = deform_f.deform_conv2d(x.shape, cout, kernel, stride, padding, dilation, groups,
                                      offset_groups, bias, modulated=mask is not None)
        # The regular k×k sampling grid, as offsets of zero give; real offsets move it anywhere.
        field = rf.through_window(x.field, kernel, stride, dilation)
        field = rf.merge(field, offset.field, *([mask.field] if mask is not None else []))
        return self._add(label, cost, field)

    def linear(self, x: Tensor, fout: int, bias: bool = False, label: str = "linear") -> Tensor:
        return self._add(label, linear_f.linear(x.shape, fout, bias), x.field)

    # normalisation, activation, pooling
    def bn(self, x: Tensor, label: str = "batch norm") -> Tensor:
        return self._add(label, norm_f.batch_norm(x.shape), x.field)

    def act(self, x: Tensor, name: str = "relu") -> Tensor:
        return self._add(name, elem_f.activation(x.shape, name), x.field)

    def pool(self, x: Tensor, kernel: Dims, stride: Dims, padding: Dims | None = None, mode: str = "max") -> Tensor:
        cost = pool_f.pool(x.shape, kernel, stride, padding, mode=mode)
        label = f"{mode} pool {dims_label(kernel)}"
        return self._add(label, cost, rf.through_window(x.field, kernel, stride))

    def global_pool(self, x: Tensor) -> Tensor:
        kernel = x.shape[2:]
        return self._add("global avg pool", pool_f.global_avg_pool(x.shape),
                         rf.through_window(x.field, kernel, kernel))

    # merges and data movement
    def add(self, a: Tensor, b: Tensor, label: str = "residual add") -> Tensor:
        if a.shape != b.shape:
            raise CnncalcError(f"{label}: the branches' shapes {a.shape} and {b.shape} differ")
        return self._add(label, elem_f.add(a.shape, b.shape), rf.merge(a.field, b.field))

    def mul(self, a: Tensor, b: Tensor, label: str = "scale") -> Tensor:
        return self._add(label, elem_f.mul(a.shape, b.shape), rf.merge(a.field, b.field, grid=a.field))

    def concat(self, parts: list[Tensor], label: str = "concat") -> Tensor:
        cost = elem_f.concat(tuple(p.shape for p in parts))
        return self._add(label, cost, rf.merge(*(p.field for p in parts)))

    def shuffle(self, x: Tensor, groups: int) -> Tensor:
        return self._add(f"channel shuffle g={groups}", elem_f.channel_shuffle(x.shape, groups), x.field)

    def split(self, x: Tensor, sizes: list[int]) -> list[Tensor]:
        """Channel slices of x: views, no bytes moved."""
        outs = []
        for i, c in enumerate(sizes):
            shape = (x.shape[0], c, *x.shape[2:])
            outs.append(self._add(f"split {i}", elem_f.view(x.shape, shape), x.field))
        return outs


def same_padding(kernel: Dims, dilation: Dims | None = None) -> Dims:
    """dilation·(k−1)/2 per axis (rounded down for even kernels, which then shrink the output by one)."""
    dilation = dilation or ones(len(kernel))
    return tuple(d * (k - 1) // 2 for k, d in zip(kernel, dilation, strict=True))


def ones(rank: int) -> Dims:
    return (1,) * rank


def dims_label(dims: Dims) -> str:
    """(3, 3) → '3×3'; (1, 3, 3) → '1×3×3'."""
    return "×".join(map(str, dims))
