"""The layer record (cnncalc/layers/record.py) and what it shows: its title, options and JSON keys (cnncalc/
serialize.py), its formula lines (the arithmetic written out must be the count: each line evaluated as written, the
symbols evaluated with the numbers against numel of the real module and FlopCounterMode), and its HTML page in a
notebook; expected values by hand."""

from __future__ import annotations

import html
import re
from fractions import Fraction
from typing import Any

import pytest
from samples import build, cases
from torchcount import flop_counter_macs

import cnncalc
from cnncalc.serialize import to_data


def test_record_carries_title_options_and_json_keys() -> None:
    """The record shows the design's title, notes the options that shaped it (dtype included), and its JSON
    carries the name and the counts under their documented keys."""
    record = cnncalc.layer("atrous", cin=4, cout=8, size=9, dtype="float16")
    assert record.title == "dilated convolution"
    options = dict(record.options)
    assert (options["dtype"], options["cin"], options["size"], options["dims"]) == ("float16", 4, [9, 9], 2)
    data = to_data(record)
    # 3·3·4·8 = 288 weights; 288 · 9·9 = 23,328 MACs (dilation 2, padding 2 keeps 9×9)
    assert (data["name"], data["design"], data["params"], data["macs"]) == ("atrous", "dilated", 288, 23328)
    assert (data["weight_params"], data["bias_params"], data["flops"], data["other_flops"]) == (288, 0, 2 * 23328, 0)
    assert data["output_shape"] == [1, 8, 9, 9]


def test_layer_json_output_bytes_by_hand() -> None:
    """standard 3→8, 3×3 same padding at 16×16, float32: the output 1×8×16×16 holds 2,048 elements = 8,192 B."""
    data = to_data(cnncalc.layer("standard", cin=3, cout=8, size=16))
    assert data["output_bytes"] == 8 * 16 * 16 * 4 == 8192


def test_field_json_keeps_none_and_exact_values() -> None:
    from cnncalc.serialize import value_data

    assert value_data(None) is None
    assert value_data((Fraction(3), Fraction(1, 2))) == [3, 0.5]


def _value(expression: str) -> int:
    """The integer an expression as the records print it stands for: names dropped ('bias 8·9·9'), middle dots
    for products, thousands commas."""
    arithmetic = re.sub(r"[A-Za-z][\w-]*", "", expression).replace(",", "").replace("·", "*")
    assert re.fullmatch(r"[\d*+() ]+", arithmetic), expression
    return int(eval(arithmetic))  # digits, *, +, parentheses only (checked above)


def _check_line(numeric: str, count: int) -> None:
    *expressions, total = numeric.split(" = ")
    assert int(total.replace(",", "")) == count, numeric
    for expression in expressions:
        assert _value(expression) == count, numeric


@pytest.mark.parametrize("case", cases(size=9), ids=lambda c: f"{c[0]}-{sorted(c[1].items())}")
def test_formula_lines_add_up_to_the_counts(case: tuple[str, dict[str, Any]]) -> None:
    """Every formula line's arithmetic, evaluated as written, gives the record's count (params, MACs, FLOPs,
    other FLOPs): a bias or a norm left out of the text, or a product missing a factor, shows."""
    spec, opts = case
    record = cnncalc.layer(spec, **opts)
    lines = {f.quantity: f for f in record.formulas}
    assert list(lines)[:3] == ["params", "MACs", "FLOPs"]
    counts = {"params": record.params, "MACs": record.macs, "FLOPs": record.flops, "other": record.other_flops}
    for quantity, line in lines.items():
        if line.numeric != "0":
            _check_line(line.numeric, counts[quantity])
    assert ("other" in lines) == (record.other_flops > 0)


def test_formula_lines_show_the_symbols() -> None:
    """The params and MACs lines of a standard conv show its formula in symbols, as the README writes it."""
    lines = {f.quantity: f.symbolic for f in cnncalc.layer("standard", cin=3, cout=8).formulas}
    assert lines["params"] == "k²·cin·cout"
    assert lines["MACs"] == "k²·cin·cout·Ho·Wo·N"
    assert lines["FLOPs"] == "2·MACs + other"


@pytest.mark.parametrize(("spec", "opts", "words"), [
    ("inception", {}, "max pool 192·25·25"),  # the 3×3 pool, padding 1, on 9×9: 192 channels · (7·3 + 2·2)² taps
    ("shuffle", dict(cin=12, cout=24, stride=2), "avg pool 12·13·13"),  # 3×3 stride 2 padding 1: 2 + 3 + 3 + 3 + 2
])
def test_other_line_names_the_pool(spec: str, opts: dict[str, Any], words: str) -> None:
    """The other-FLOPs line names each pooling op by its mode, with its taps per axis: on 9 positions a 3×3 window
    (padding 1) reads 2 at each border and 3 elsewhere (stride 1: 7·3 + 2·2 = 25; stride 2, 5 windows: 2 + 3·3
    + 2 = 13)."""
    other = {f.quantity: f.numeric for f in cnncalc.layer(spec, size=9, **opts).formulas}["other"]
    assert words in other


def test_deformable_other_line_names_each_term() -> None:
    """deformable (4→8, 3×3, 9×9) with bias: the other-FLOPs line names its terms in order, joined by ' + ': the
    offset conv's bias (2·9 = 18 channels · 81), the sampling (12 per point: 9 taps · 81 = 729 points; 7 per
    value: 4·729 = 2,916 values) and the conv's bias (8·81): 1,458 + 8,748 + 20,412 + 648 = 31,266."""
    lines = {f.quantity: f.numeric for f in cnncalc.layer("deformable", cin=4, cout=8, size=9, bias=True).formulas}
    assert lines["other"] == "bias 18·9·9 + sampling 12·729 + 7·2,916 + bias 8·9·9 = 31,266"


def _evaluate_symbols(text: str, values: dict[str, int]) -> int:
    """A formula in symbols ('k³·cin·cout·To·Ho·Wo·N', '(n·(k−1)+1)³·cin·cout') with the numbers put in."""
    arithmetic = text.replace("·", "*").replace("−", "-").replace("²", "**2").replace("³", "**3")
    arithmetic = re.sub(r"[A-Za-z]\w*", lambda m: str(values[m.group(0)]), arithmetic)
    assert re.fullmatch(r"[\d*+\-() ]+", arithmetic), text
    return int(eval(arithmetic))  # digits, operators and parentheses only (checked above)


@pytest.mark.parametrize(("spec", "opts", "params", "macs"), [
    ("standard", dict(cin=2, cout=4, size=9, dims=1), "k·cin·cout", "k·cin·cout·Lo·N"),
    ("standard", dict(cin=2, cout=4, size="5x6x7"), "k³·cin·cout", "k³·cin·cout·To·Ho·Wo·N"),
    ("vgg-single", dict(cin=2, cout=4, size="5x6x7"), "(n·(k−1)+1)³·cin·cout", "params·To·Ho·Wo·N"),
    ("bottleneck", dict(cin=16, cout=16, size=9, dims=1), "cin·mid + k·mid² + mid·cout",
     "(cin·mid + k·mid² + mid·cout)·Lo·N"),
])
def test_symbols_at_ranks_1_and_3(spec: str, opts: dict[str, Any], params: str, macs: str) -> None:
    """The formulas in symbols, written for 2-D maps, in 1-D and 3-D: k² becomes k or k³, Ho·Wo becomes Lo or
    To·Ho·Wo. Evaluated with the numbers (k = 3, n = 2, mid = cout/4, the output's sizes), they give numel of
    the real module's parameters and FlopCounterMode's MACs."""
    record, module, x = build(spec, opts)
    lines = {f.quantity: f.symbolic for f in record.formulas}
    assert (lines["params"], lines["MACs"]) == (params, macs)
    sizes = record.output_shape[2:]
    names = ("Lo",) if len(sizes) == 1 else ("To", "Ho", "Wo")
    real_params = sum(p.numel() for p in module.parameters())
    values = {"k": 3, "n": 2, "cin": opts["cin"], "cout": opts["cout"], "mid": opts["cout"] // 4, "N": 1,
              "params": real_params, **dict(zip(names, sizes, strict=True))}
    assert _evaluate_symbols(params, values) == real_params == record.params
    assert _evaluate_symbols(macs, values) == flop_counter_macs(module, x) == record.macs


def test_record_page_shows_the_design() -> None:
    """A layer record's HTML page (a notebook's view) shows its title, its params formula with the numbers
    (3·3·3·8 = 216) and the Python call that made it."""
    page = html.unescape(html.unescape(cnncalc.layer("standard", cin=3, cout=8, size=9)._repr_html_()))
    assert "standard convolution" in page
    assert "3·3·3·8 = 216" in page
    assert "cnncalc.layer('standard', …)" in page


def test_comparison_page_shows_every_design() -> None:
    """The comparison's HTML page (a notebook's view) has a column for each design compared."""
    page = cnncalc.compare("standard", "atrous", cin=4, cout=8, size=9)._repr_html_()
    assert "standard" in page and "atrous" in page
