"""Ops that cost nothing: views (no bytes move), tensor factories (allocations, not arithmetic), queries and
markers. The tracer counts how often each ran (`free_ops`); they are never listed as uncounted."""

from __future__ import annotations

import torch

from cnncalc.analysis.ops.common import Ops, aten
from cnncalc.analysis.ops.registry import declare_free

ZERO_COST = (
    aten.view, aten._unsafe_view, aten.reshape, aten._reshape_alias, aten.permute, aten.transpose, aten.t,
    aten.expand, aten.slice, aten.select, aten.split, aten.split_with_sizes, aten.unbind, aten.chunk,
    aten.unsqueeze, aten.squeeze, aten.unsqueeze_, aten.squeeze_, aten.flatten, aten.detach, aten.alias,
    aten.as_strided, aten.as_strided_, aten.lift_fresh, aten.unfold, aten.view_as_real, aten.view_as_complex,
    aten.narrow, aten.movedim, aten.empty, aten.empty_like, aten.empty_strided, aten.zeros, aten.zeros_like,
    aten.ones, aten.ones_like, aten.full, aten.full_like, aten.arange, aten.new_empty_strided, aten.new_empty,
    aten.new_zeros, aten.new_ones, aten.new_full,
    aten.scalar_tensor, aten.linspace, aten.rand, aten.randn, aten.rand_like, aten.randn_like, aten.bernoulli_,
    aten.dropout, aten.native_dropout, aten.feature_dropout, aten.alpha_dropout, aten.lift_fresh_copy,
    aten.unsafe_split, aten.unsafe_split_with_sizes, aten.unsafe_chunk, aten.transpose_, aten.t_, aten.swapaxes,
    aten.swapaxes_, aten.swapdims, aten.swapdims_, aten.detach_, aten._conj, aten.conj,
    aten._local_scalar_dense, aten.sym_size, aten.sym_stride, aten.sym_numel, aten.is_same_size,
    aten.resize_, aten.set_, aten.equal, aten.is_nonzero, aten._assert_async, aten.randint, aten.randperm,
    # queries and markers: a tensor's device, the profiler's ranges around an optimizer step
    Ops(torch.ops.prim).device, Ops(torch.ops.profiler)._record_function_enter_new,
    Ops(torch.ops.profiler)._record_function_exit,
)
declare_free(*ZERO_COST)
