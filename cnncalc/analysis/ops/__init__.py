"""The ops the tracer understands, each mapped onto the one formula for its op (`cnncalc.formulas`), in one
registry (`registry`) that users add to through `cnncalc.register_op`.

A built-in handler receives the op's name and bound arguments (meta tensors, or real ones on a real run) and
its output, and returns the formula's `OpCost` and, for ops that look through a spatial window, the window
(for the receptive field): a `Traced`. Ops that cost nothing (views, tensor factories) are declared free
(free.py). Anything else the tracer sees is reported as uncounted, never dropped.

One module per op family: conv, matmul, norm, elementwise, pool (and reductions), ordering, recurrent,
spectral, movement (copies, cat, shuffles), sample (interpolation, grid sample), foreach, backward, free;
torchvision's ops (torchvision.py) are registered only once torchvision is loaded. `common` holds what they
share (bind, shape, dims, the `Ops` namespace with placeholders for ops a PyTorch version lacks, `Traced`).
"""

from cnncalc.analysis.ops import (  # noqa: F401  (each registers its handlers on import)
    backward,
    conv,
    elementwise,
    foreach,
    free,
    matmul,
    movement,
    norm,
    ordering,
    pool,
    recurrent,
    sample,
    spectral,
)
from cnncalc.analysis.ops.common import Args, Bound, Handler, Traced, Window, bind
from cnncalc.analysis.ops.registry import Formula, lookup, register_extensions

__all__ = ["Args", "Bound", "Formula", "Handler", "Traced", "Window", "bind", "lookup", "register_extensions"]
