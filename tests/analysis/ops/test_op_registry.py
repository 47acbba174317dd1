"""The op registry (`cnncalc.ops`): a custom op counted by a user's formula (registered in code and loaded from
a file), replacing built-ins only when asked, and the errors of registering, tracing and loading formulas.

The custom op, cnncalc_test::pointwise_relu (tests/fixtures/custom_op.py), is a fused 1×1 convolution and ReLU;
its formula (tests/fixtures/custom_op_formula.py) counts N·H·W·O·C MACs and one FLOP per output element.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import torch
from custom_op import PointwiseNet, pointwise_relu
from locations import CUSTOM_OP_FORMULA
from torch import nn

import cnncalc
from cnncalc.analysis.ops import registry
from cnncalc.analysis.tracer import trace
from cnncalc.errors import CnncalcError
from cnncalc.formulas.cost import OpCost, OpKind
from cnncalc.ops import RegisteredOp, load_ops, register_op, registered_ops

OP = "cnncalc_test::pointwise_relu"
HERE = Path(__file__).name

# PointwiseNet (C = 4 → O = 8) at N×C×H×W = 2×4×5×6:
# MACs 2·5·6 positions · 8·4 weights = 1,920; the ReLU 2·8·5·6 = 480 FLOPs; FLOPs 2·1,920 + 480 = 4,320
INPUT = (2, 4, 5, 6)
MACS, OTHER, FLOPS = 1_920, 480, 4_320


@pytest.fixture(autouse=True)
def clean_registry() -> Iterator[None]:
    """Every test starts and ends with the registry as it was (built-ins only, as far as these tests go)."""
    state = registry.snapshot()
    yield
    registry.restore(state)


def pointwise_cost(x: Any, weight: Any, *, out: Any) -> dict[str, int]:
    n, c, h, w = x.shape
    return {"macs": n * h * w * int(weight.shape[0]) * c, "other_flops": out.numel()}


def uncounted(report: Any) -> set[str]:
    return {u.op for u in report.uncounted}


def one_op(model: nn.Module, *inputs: torch.Tensor) -> OpCost:
    """The cost of the one counted op of a forward pass, traced on meta."""
    run = trace(model, list(inputs))
    assert len(run.tracer.ops) == 1, [o.op for o in run.tracer.ops]
    return run.tracer.ops[0].cost


# --- a custom op, before and after its formula ----------------------------------------------------------------
def test_custom_op_is_listed_uncounted_without_a_formula() -> None:
    report = cnncalc.analyze(PointwiseNet(), inputs=[INPUT])
    assert "cnncalc_test.pointwise_relu.default" in uncounted(report)
    assert report.total.macs == 0


def test_registered_formula_counts_the_custom_op_exactly() -> None:
    register_op(torch.ops.cnncalc_test.pointwise_relu, pointwise_cost)
    report = cnncalc.analyze(PointwiseNet(), inputs=[INPUT])
    assert not uncounted(report)
    assert (report.total.macs, report.total.flops) == (MACS, FLOPS)
    assert dict(report.by_kind)["custom"].macs == MACS


def test_decorator_and_the_counts_not_given() -> None:
    @register_op(pointwise_relu)  # the torch.library custom op itself
    def cost(x: Any, weight: Any, *, out: Any) -> dict[str, int]:
        return {"macs": 5}

    assert cost(torch.empty(1), torch.empty(1), out=None) == {"macs": 5}  # the decorator returns the function
    c = one_op(PointwiseNet(), torch.empty(INPUT, device="meta"))
    # other_flops left out: 0; inputs: x 2·4·5·6 = 240 + weight 8·4 = 32 → 272; outputs 2·8·5·6 = 480
    assert (c.kind, c.macs, c.other_flops, c.inputs, c.outputs) == (OpKind.custom, 5, 0, 272, 480)
    assert c.output_shape == (2, 8, 5, 6)


def test_memory_traffic_counts_from_the_formula() -> None:
    register_op(OP, lambda x, w, out: {"macs": 1, "other_flops": 2, "inputs": 3, "outputs": 4})
    c = one_op(PointwiseNet(), torch.empty(INPUT, device="meta"))
    assert (c.macs, c.other_flops, c.inputs, c.outputs) == (1, 2, 3, 4)


def test_formula_returning_an_op_cost_or_none() -> None:
    register_op(OP, lambda x, w, out: OpCost(kind=OpKind.conv, output_shape=(7,), macs=11, outputs=7))
    c = one_op(PointwiseNet(), torch.empty(INPUT, device="meta"))
    assert (c.kind, c.macs, c.output_shape) == (OpKind.conv, 11, (7,))
    # None: no formula for these arguments, so the op is listed uncounted
    register_op(OP, lambda x, w, out: None, override=True)
    assert "cnncalc_test.pointwise_relu.default" in uncounted(cnncalc.analyze(PointwiseNet(), inputs=[INPUT]))


def test_formula_sees_real_tensors_on_a_real_run() -> None:
    class Branchy(PointwiseNet):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            kept = torch.nonzero(x.flatten() > 0).shape[0]  # a size from values: counted on a real run
            return pointwise_relu(x, self.weight) * kept

    seen: list[str] = []

    def cost(x: Any, weight: Any, *, out: Any) -> dict[str, int]:
        seen.append(x.device.type)
        return pointwise_cost(x, weight, out=out)

    register_op(OP, cost)
    report = cnncalc.analyze(Branchy(), inputs=[INPUT])
    assert seen[-1] == "cpu"
    assert report.total.macs == MACS


# --- load_ops -------------------------------------------------------------------------------------------------
def test_load_ops_registers_the_file_once() -> None:
    assert load_ops(CUSTOM_OP_FORMULA) == (OP,)
    assert load_ops(str(CUSTOM_OP_FORMULA)) == (OP,)  # again: not imported again, no duplicate error
    report = cnncalc.analyze(PointwiseNet(), inputs=[INPUT])
    assert (report.total.macs, report.total.flops) == (MACS, FLOPS)
    mine = [r for r in registered_ops() if r.op == OP]
    assert len(mine) == 1 and not mine[0].builtin and mine[0].where.endswith("custom_op_formula.py:16")


def test_load_ops_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CnncalcError, match=r"^op formula file '.*nowhere\.py' does not exist$"):
        load_ops(tmp_path / "nowhere.py")


def test_load_ops_file_that_raises_is_named_and_undone(tmp_path: Path) -> None:
    bad = tmp_path / "bad_formulas.py"
    bad.write_text("from cnncalc.ops import register_op\n"
                   "register_op('cnncalc_test::pointwise_relu', lambda x, w, out: {'macs': 1})\n"
                   "1 / 0\n", encoding="utf-8")
    with pytest.raises(CnncalcError) as caught:
        load_ops(bad)
    message = str(caught.value)
    assert "bad_formulas.py" in message and "ZeroDivisionError: division by zero" in message
    assert "\n" not in message
    assert OP not in {r.op for r in registered_ops()}  # what it registered before raising is undone
    bad.write_text("raise ValueError('first line\\nsecond line')\n", encoding="utf-8")
    with pytest.raises(CnncalcError, match=r"ValueError: first line$"):
        load_ops(bad)


def test_load_ops_file_that_registers_nothing(tmp_path: Path) -> None:
    empty = tmp_path / "nothing.py"
    empty.write_text("x = 1\n", encoding="utf-8")
    with pytest.raises(CnncalcError, match=r"^op formula file '.*nothing\.py' registered no formula"):
        load_ops(empty)


# --- replacing and duplicates ---------------------------------------------------------------------------------
def conv_model() -> nn.Module:
    return nn.Conv2d(3, 8, 3, padding=1, bias=False)


def test_builtin_is_replaced_only_with_override() -> None:
    with pytest.raises(CnncalcError) as caught:
        register_op("aten::convolution", lambda *a, out, **k: {"macs": 7})
    message = str(caught.value)
    assert message.startswith("aten::convolution already has the built-in formula at cnncalc.analysis.ops.conv:")
    assert f"this one is at {__name__}:" in message and "override=True" in message
    # 3·3·3·8 = 216 weights at 4·4 positions: 3,456 MACs
    assert cnncalc.analyze(conv_model(), inputs=[(1, 3, 4, 4)]).total.macs == 3_456

    state = registry.snapshot()
    register_op(torch.ops.aten.convolution, lambda *a, out, **k: {"macs": 7}, override=True)
    assert cnncalc.analyze(conv_model(), inputs=[(1, 3, 4, 4)]).total.macs == 7
    registry.restore(state)
    assert cnncalc.analyze(conv_model(), inputs=[(1, 3, 4, 4)]).total.macs == 3_456


def test_overload_formula_wins_over_the_packets() -> None:
    register_op(OP, lambda x, w, out: {"macs": 1})
    register_op(torch.ops.cnncalc_test.pointwise_relu.default, lambda x, w, out: {"macs": 2})
    assert one_op(PointwiseNet(), torch.empty(INPUT, device="meta")).macs == 2
    # one overload of an op with a built-in formula for all: that replaces the built-in, so override it is
    with pytest.raises(CnncalcError, match=r"^aten::add has the built-in formula at .* which this one for "
                                           r"aten::add\.Tensor at .* would replace"):
        register_op("aten::add.Tensor", lambda *a, out, **k: {"macs": 1})
    register_op("aten::add.Tensor", lambda *a, out, **k: {"macs": 1}, override=True)


def test_registering_twice_names_both() -> None:
    register_op(OP, pointwise_cost)
    with pytest.raises(CnncalcError) as caught:
        register_op(OP, lambda x, w, out: {"macs": 1})
    message = str(caught.value)
    first = pointwise_cost.__code__.co_firstlineno
    assert f"{OP} already has the formula at {__name__}:{first}; this one is at {__name__}:" in message
    register_op(OP, lambda x, w, out: {"macs": 1}, override=True)  # a user's own, replaced on purpose


def test_builtin_handlers_refuse_a_second_one() -> None:
    def again(name: str, a: Any, out: Any) -> None:
        return None

    with pytest.raises(RuntimeError, match=r"aten::convolution already has the built-in formula at "
                                           r"cnncalc\.analysis\.ops\.conv:\d+; a second one at "):
        registry.handles(torch.ops.aten.convolution)(again)


def test_foreach_op_uses_the_formula_of_its_single_tensor_op() -> None:
    class Step(nn.Module):
        def forward(self, a: torch.Tensor, b: torch.Tensor) -> list[torch.Tensor]:
            return list(torch._foreach_add([a, b], [b, a], alpha=2))

    args = [torch.empty(2, 3, device="meta"), torch.empty(2, 3, device="meta")]
    # built in: one FLOP per element added, 2 tensors of 6 → 12
    assert one_op(Step(), *args).other_flops == 12
    calls: list[tuple[int, float]] = []

    def add(x: Any, y: Any, *, out: Any, alpha: float = 1) -> dict[str, int]:
        calls.append((len(x.shape), alpha))
        return {"macs": x.numel()}

    register_op("aten::add", add, override=True)
    # the user's add per pair, with the pair's arguments as add is called: 6 + 6 MACs
    assert one_op(Step(), *args).macs == 12
    assert calls == [(2, 2), (2, 2)]


# --- errors ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("op, match", [
    ("cnncalc_test::no_such_op", r"^unknown op 'cnncalc_test::no_such_op': torch has no op of that name in "
                                 r"'cnncalc_test'; register_op takes a torch op .* or its name, 'namespace::name'"),
    ("aten::convolutoin", r"^unknown op 'aten::convolutoin': did you mean 'aten::convolution'"),
    ("nolib::fused_block", r"torch has no op in the namespace 'nolib' \(is the library that defines it imported"),
    ("conv2d", r"^unknown op 'conv2d': not a 'namespace::name'; register_op takes"),
    ("aten::add.Nope", r"^unknown op 'aten::add\.Nope': aten::add has no overload 'Nope' \(it has .*'aten::add\."
                       r"Tensor'"),
])
def test_unknown_op_is_refused_at_registration(op: str, match: str) -> None:
    with pytest.raises(CnncalcError, match=match):
        register_op(op, pointwise_cost)


def test_something_that_is_not_an_op_is_refused() -> None:
    with pytest.raises(CnncalcError, match=r"cannot register a formula for a function: register_op takes a torch op"):
        register_op(torch.nn.functional.relu, pointwise_cost)
    with pytest.raises(CnncalcError, match=r"must be a function fn\(\*args, out=\.\.\., \*\*kwargs\), not an int"):
        register_op(OP, 3)  # type: ignore[call-overload]


def bad_list(x: Any, weight: Any, *, out: Any) -> Any:
    return [1, 2]


def bad_key(x: Any, weight: Any, *, out: Any) -> Any:
    return {"flops": 3}


def bad_value(x: Any, weight: Any, *, out: Any) -> Any:
    return {"macs": 1.5}


def bad_raise(x: Any, weight: Any, *, out: Any) -> Any:
    return {"macs": x.shape[7]}


@pytest.mark.parametrize("fn, what", [(bad_list, "returned a list"), (bad_key, "returned the key 'flops'"),
                                      (bad_value, r"returned 'macs': a float \(1\.5\), not a count"),
                                      (bad_raise, r"raised IndexError: tuple index out of range$")])
def test_formula_returning_no_counts_fails_when_traced(fn: Any, what: str) -> None:
    register_op(OP, fn)  # accepted: what it returns is only known when the op is traced
    line = sys._getframe().f_lineno - 1
    with pytest.raises(CnncalcError, match=rf"^the formula for {OP} registered at .*{HERE}:{line} "
                                           rf"\({__name__}\.{fn.__name__}\) {what}"):
        cnncalc.analyze(PointwiseNet(), inputs=[INPUT])


def test_trace_lets_a_formulas_error_through() -> None:
    @register_op(OP)
    def cost(x: Any, weight: Any, *, out: Any) -> Any:
        return (1, 2)

    line = cost.__code__.co_firstlineno  # the decorator's line: where it was registered
    with pytest.raises(CnncalcError, match=rf"registered at .*{HERE}:{line} \(.*cost\) returned a tuple; a "
                                           r"formula returns a dict of counts"):
        trace(PointwiseNet(), [torch.empty(INPUT, device="meta")])


# --- the view and the import rule -----------------------------------------------------------------------------
def test_registered_ops_lists_builtins_and_users() -> None:
    import torchvision  # noqa: F401  (its ops' formulas are registered once it is loaded)

    ops = {r.op: r for r in registered_ops()}
    assert ops["aten::convolution"].builtin and ops["aten::convolution"].where.startswith(
        "cnncalc.analysis.ops.conv:")
    assert ops["aten::view"].free and ops["aten::view"].builtin
    assert ops["torchvision::deform_conv2d"].where.startswith("cnncalc.analysis.ops.torchvision:")
    assert OP not in ops
    register_op(OP, pointwise_cost)
    line = pointwise_cost.__code__.co_firstlineno
    assert RegisteredOp(OP, f"{__name__}:{line}", builtin=False) in registered_ops()


def test_every_builtin_op_has_one_formula() -> None:
    """One entry per op, each a handler or a free declaration, named as torch names the op."""
    entries = registry.entries()
    names = [f.op for _, f in entries]
    assert len(names) == len(set(names))
    for op, formula in entries:
        assert formula.builtin and registry.op_name(op) == formula.op


def test_importing_cnncalc_and_its_op_api_does_not_import_torch() -> None:
    code = "import sys, cnncalc, cnncalc.ops; assert 'torch' not in sys.modules, 'torch imported'"
    subprocess.run([sys.executable, "-c", code], check=True)
