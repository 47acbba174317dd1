"""The counting convention, as a named object that every view prints."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CountingConvention:
    """How cnncalc counts. MACs and FLOPs are separate quantities, never synonyms."""

    macs: str = ("MACs = multiply-accumulates of convolution, transposed convolution, linear and matmul "
                 "(one fused multiply-add = 1 MAC; torchvision's 'GFLOPS' and fvcore's 'flops' are MACs)")
    flops: str = ("FLOPs = 2 × MACs + 1 per element of other arithmetic (bias add, normalisation, "
                  "activation, pooling window element, residual add, SE scale, deformable sampling)")
    params: str = "params = learnable elements (weights + biases); BN running statistics are buffers, apart"
    memory: str = ("traffic = bytes each op reads (inputs, weights) and writes (outputs), each at its own dtype, "
                   "an ideal-reuse lower bound; intensity = FLOPs / traffic")
    constants: str = ("ops on constants (tensors the forward makes from nothing, such as torch.arange, or from such "
                      "tensors only) are counted at every forward, as eager PyTorch runs them, and listed as "
                      "constant ops; making a tensor from nothing (a factory) is free")

    @property
    def short(self) -> str:
        """One line for the foot of a table."""
        return "MACs = multiply-accumulates; FLOPs = 2 × MACs + other arithmetic (bias, norm, activation, pool, add)"

    def lines(self) -> tuple[str, ...]:
        """The convention in full, one line per quantity (as docs/conventions.md and Markdown show it)."""
        return (self.macs, self.flops, self.params, self.memory, self.constants)


CONVENTION = CountingConvention()
