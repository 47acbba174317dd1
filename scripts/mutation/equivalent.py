"""Survivors known to be equivalent: no input cnncalc can be given tells them from the original code.

Keyed by the file and the mutated line(s) as `mutmut show` writes them (the `+` lines, stripped), with the reason;
a line as generic as `return Traced(None)` is keyed by `file:function` instead, so that it matches in that function
only. They stay in the `survived` column; the report lists them apart, with the reason, so that the survivors left
are those that want a test. An entry matches only that exact mutation: a change of the source line retires it.
"""

EQUIVALENT: dict[tuple[str, str], str] = {
    ("cnncalc/analysis/ops/pool.py", "cost = pool_f.pool(x, x[2:], x[2:], mode=None)"):
        "the mode only names the op in its expression text, which no model report shows; the one mode pool() "
        "acts on, 'avg', is never a reduction's name",
    ("cnncalc/analysis/ops/backward.py",
     'mac_expr=f"{int(mask[0]) + int(mask[1])}·forward", other_expr=None)'):
        "a traced op's expression text is shown nowhere (only layer records print their formulas)",
    ("cnncalc/analysis/ops/backward.py", "result = shape(first(outputs)) if (outputs) or True else ()"):
        "each op this handler is registered for returns at least one tensor (autograd runs a backward only for "
        "a gradient it needs): the else branch is never taken",
    ("cnncalc/layers/presets/residual.py",
     "for axis, n, ka, sa in zip(axis_names(c.rank), c.opts.spatial, k, s, ):"):
        "the four sequences all have the design's rank (Config.dims checks it), so strict= never fires",
    ("cnncalc/formulas/norm.py", 'param_expr=product_expr(2, c) if affine else "XXXX",'):
        "without affine parameters there is no params term: the text is never written",
    ("cnncalc/formulas/sample.py", "if pairs > boxes * (boxes - 1) / 2 or kept > boxes:"):
        "boxes·(boxes − 1) is even, so the float quotient equals the integer one",
    ("cnncalc/formulas/sample.py", "inputs=numel(x) + numel(grid), outputs=numel(out), )"):
        "grid_sample is only traced (no layer design uses it), and a traced op's expression text is shown nowhere",
    ("cnncalc/analysis/ops/pool.py", "rank = _rank(name, None)"):
        "every op the pooling handlers are registered for is named with its rank (max_pool2d_with_indices, "
        "adaptive_avg_pool3d, …), so _rank returns from the name and never reads x",
    ("cnncalc/analysis/ops/foreach.py:_foreach", "return Traced(None)"):
        "the branch is for empty tensor lists, which PyTorch refuses ('Tensor list must have at least one "
        "tensor') when the tracer runs the op, before the handler is called",
    ("cnncalc/analysis/ops/torchvision.py",
     "hits = (inter / (kept_area + areas[cols][:, None] - inter) > threshold) & (kept <= cols[:, None])"):
        "`kept` holds the visiting positions of the kept boxes and `cols` those of the others: the two never "
        "share a position, so < and <= agree",
    ("cnncalc/formulas/cost.py", "return AXES.get(rank, )"):
        "every caller has a rank of 1, 2 or 3 (spatial_rank, parse_rank and parse_dims refuse others), all in "
        "AXES; deform_conv2d's kernel of another length fails in zip(strict=True) or unpacking either way",
    ("cnncalc/formulas/deform.py",
     'part("offset and mask gradients" if (modulated) or True else "offset gradients", coord_point, coord_value)'):
        "deform_conv2d_backward is only called by the tracer's handler of torchvision's backward op, and a "
        "traced op's expression text is shown nowhere",
    ("cnncalc/formulas/deform.py", 'part("RESAMPLING", sample_point, FLOPS_PER_VALUE)'):
        "deform_conv2d_backward is only called by the tracer's handler of torchvision's backward op, and a "
        "traced op's expression text is shown nowhere",
    ("cnncalc/formulas/elementwise.py",
     "if len(a) != len(b) or any(p != q and 1 not in (p, q) for p, q in zip(a, b, strict=None)):"):
        "the lengths are compared first: zip only runs on shapes of one length, so strict= never fires",
    ("cnncalc/formulas/elementwise.py", "return tuple(max(p, q) for p, q in zip(a, b, strict=None))"):
        "the line before refuses shapes of different lengths: strict= never fires",
    ("cnncalc/formulas/receptive.py:Field.with_rank", "if rank < self.rank:"):
        "at rank == self.rank the padding is empty and the new Field equals self (a frozen dataclass, compared "
        "by value)",
    ("cnncalc/analysis/ops/conv.py",
     'dilation, output_padding = dims(a["dilation"], rank, 2), dims(a["output_padding"], rank, 0)'):
        "aten.convolution refuses a dilation that is empty ('expected dilation to be a single integer value or a "
        "list of 2 values') or None (no schema matches), so the default is never used",
    ("cnncalc/formulas/linear.py:matmul", "mac_expr=count_expr(batch, m, k, ),"):
        "matmul is only traced (no layer design uses it), and a traced op's expression text is shown nowhere",
    ("cnncalc/formulas/linear.py:matmul", ")"):
        "matmul is only traced (no layer design uses it), and a traced op's expression text is shown nowhere",
    ("cnncalc/formulas/sample.py:nms", "other_expr=None)"):
        "nms is only traced (no layer design uses it), and a traced op's expression text is shown nowhere",
    ("cnncalc/layers/options.py",
     "number = int(str(value).strip()) if (not isinstance(value, int)) or True else value"):
        "bool is refused before, and int(str(n)) == n for every other int",
    ("cnncalc/layers/presets/convs.py:Group.describe",
     'return g.conv(g.input, c.cout, k, s, p, None, groups, c.bias, label=f"group conv {kxk(k)} g={groups}")'):
        "the group design fixes its dilation at 1 (geometry(c, dilation=ones(c.rank)); a dilation given is listed "
        "as ignored), and None means 1 to g.conv",
    ("cnncalc/layers/options.py", "name = name.strip().upper()"):
        "configure hands the name only to get_preset, which strips and lowercases it again",
}
