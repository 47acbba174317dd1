"""Data movement: concatenation, channel and pixel shuffles, copies, padding, indexing and table lookups. No
arithmetic: the inputs are read and the outputs written (`cnncalc.formulas.elementwise.copy`)."""

from __future__ import annotations

from typing import Any

import torch

from cnncalc.analysis.ops.common import Args, Traced, aten, first, shape
from cnncalc.analysis.ops.registry import handles
from cnncalc.formulas import elementwise as elem_f


@handles(aten.cat, aten.stack)
def _cat(name: str, a: Args, out: Any) -> Traced:
    result = shape(first(out))
    shapes = tuple(shape(t) for t in a["tensors"])
    return Traced(elem_f.copy(shapes, result))


@handles(aten.channel_shuffle, aten.native_channel_shuffle)
def _shuffle(name: str, a: Args, out: Any) -> Traced:
    return Traced(elem_f.channel_shuffle(shape(a["self"]), int(a["groups"])))


@handles(aten.pixel_shuffle, aten.pixel_unshuffle)
def _pixel_shuffle(name: str, a: Args, out: Any) -> Traced:
    inverse = name == "pixel_unshuffle"
    factor = int(a["downscale_factor"] if inverse else a["upscale_factor"])
    return Traced(elem_f.pixel_shuffle(shape(a["self"]), factor, inverse))


@handles(aten.clone, aten._to_copy, aten.copy_, aten.constant_pad_nd, aten.index, aten.index_select,
         aten.gather, aten.roll, aten.repeat, aten.flip, aten._unsafe_index, aten.reflection_pad1d,
         aten.reflection_pad2d, aten.reflection_pad3d, aten.replication_pad1d, aten.replication_pad2d,
         aten.replication_pad3d, aten.tril, aten.triu, aten.fill_, aten.zero_, aten.select_backward,
         aten.slice_backward, aten.index_put, aten.index_put_, aten.im2col, aten.col2im, aten.select_scatter,
         aten.slice_scatter, aten.scatter, aten.scatter_, aten.masked_scatter, aten.repeat_interleave, aten.tile,
         aten.masked_select, aten._pack_padded_sequence, aten._pad_packed_sequence)
def _copy(name: str, a: Args, out: Any) -> Traced:
    """Data movement: no arithmetic; the inputs are read and the outputs written."""
    reads = tuple(shape(v) for k, v in a.items()
                  if isinstance(v, torch.Tensor) and not (name in ("copy_", "index_put_") and k == "self"))
    if name in ("fill_", "zero_"):
        reads = ()
    return Traced(elem_f.copy(reads, shape(first(out))))


@handles(aten.embedding)
def _embedding(name: str, a: Args, out: Any) -> Traced:
    """A table lookup: the indices and the rows they pick are read (not the whole table)."""
    result = shape(first(out))
    return Traced(elem_f.copy((shape(a["indices"]), result), result))
