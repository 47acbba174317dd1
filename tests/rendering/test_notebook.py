"""Notebooks: every record's `_repr_html_` is its `--format html` page in an isolated frame, and `to_pandas()` is
its CSV's table with exact integers. Expected figures come from hand arithmetic or numel, not from cnncalc."""

from __future__ import annotations

import html
import re
import sys
from typing import Any

import pytest
import torch
import torchvision

import cnncalc
from cnncalc.errors import CnncalcError
from cnncalc.notebook import Notebook
from cnncalc.rendering import RenderContext, render
from cnncalc.sweeps import Sweep

pandas = pytest.importorskip("pandas")


def framed_page(notebook_html: str) -> str:
    """The page inside the inline frame, unescaped."""
    match = re.fullmatch(r'<iframe title="cnncalc \w+" srcdoc="([^"]*)" sandbox="allow-scripts" loading="lazy" '
                         r'style="[^"]*"></iframe>', notebook_html)
    assert match, notebook_html[:200]
    return html.unescape(match.group(1))


def check_repr(record: Notebook, *figures: str) -> str:
    page = framed_page(record._repr_html_())
    # the same page --format html writes, with the Python call in place of the command line
    assert page == render(record, "html", RenderContext(command=record.python_call()))
    assert page.startswith("<!doctype html>") and page.rstrip().endswith("</html>")
    assert "multiply-accumulates" in page  # the counting convention travels with the numbers
    for figure in figures:
        assert figure in page, figure
    return page


def test_comparison_behaves_as_a_list_a_page_and_a_frame() -> None:
    records = cnncalc.compare("xception-dw", "standard", cin=3, cout=256)
    assert isinstance(records, cnncalc.Comparison)
    assert len(records) == 2 and [r.name for r in records] == ["xception-dw", "standard"]
    assert records[1].params == 3 * 3 * 3 * 256
    # xception-dw: 3·3·3 + 3·256 = 795 params; standard: 3·3·3·256 = 6,912; MACs ×224² positions
    check_repr(records, "795", "6,912")
    df = records.to_pandas()
    assert list(df["name"]) == ["xception-dw", "standard"]
    assert list(df["params"]) == [795, 6_912]
    assert list(df["macs (multiply-accumulates)"]) == [795 * 224 * 224, 6_912 * 224 * 224]
    assert str(df["params"].dtype) == "Int64"  # exact integers, not floats


def test_layer_record() -> None:
    record = cnncalc.layer("standard", cin=8, cout=8, size=16)
    page = check_repr(record, "576")  # 3·3·8·8 = 576 params
    assert "Python: cnncalc.layer('standard'" in html.unescape(page)  # what made it, in place of a command line
    df = record.to_pandas()
    assert df.shape[0] == 1 and df.loc[0, "macs (multiply-accumulates)"] == 576 * 16 * 16


def test_model_report_one_row_per_module() -> None:
    report = cnncalc.analyze("resnet18")
    check_repr(report, "11,689,512")
    df = report.to_pandas()
    model = torchvision.models.resnet18()
    assert len(df) == len(list(model.named_modules()))  # each module called once; the whole model first
    assert df.loc[0, "params"] == sum(p.numel() for p in model.parameters())
    conv1 = df[df["name"] == "conv1"].iloc[0]
    assert conv1["params"] == 64 * 3 * 7 * 7  # 9,408
    assert conv1["macs (multiply-accumulates)"] == 64 * 3 * 7 * 7 * 112 * 112  # 118,013,952
    assert conv1["output_shape"] == "1x64x112x112"


def test_layer_report_beside_its_counterpart() -> None:
    report = cnncalc.explain("xception-dw", cin=3, cout=256)
    # 795 params beside standard's 3·3·3·256 = 6,912
    page = check_repr(report, "795", "6,912")
    assert "Python: cnncalc.explain('xception-dw'" in html.unescape(page)
    df = report.to_pandas()
    assert list(df["params"]) == [795]


def test_sweep_points() -> None:
    points = cnncalc.sweep("group", "groups=1,2,4", cin=8, cout=8, size=16)
    assert isinstance(points, Sweep) and [p.value for p in points] == ["1", "2", "4"]
    check_repr(points, "group")
    df = points.to_pandas()
    assert list(df["value"]) == ["1", "2", "4"]
    assert list(df["params"]) == [3 * 3 * 8 * 8 // g for g in (1, 2, 4)]  # 576, 288, 144


def test_validation() -> None:
    result = cnncalc.validate("lenet5", fvcore=False)
    assert [v.model for v in result] == ["lenet5"]  # a Validations behaves as the list of them
    check_repr(result, "lenet5")
    df = result.to_pandas()
    assert set(df["model"]) == {"lenet5"} and len(df) == len(result[0].checks)
    numel = df[df["quantity"] == "params"].iloc[0]
    # LeNet-5: 5·5·1·6 + 6 = 156, 5·5·6·16 + 16 = 2,416, 400·120 + 120 = 48,120, 120·84 + 84 = 10,164,
    # 84·10 + 10 = 850; 156 + 2,416 + 48,120 + 10,164 + 850 = 61,706
    assert numel["tool"].startswith("numel") and numel["status"] == "agrees" and numel["value"] == 61_706


def test_profile_report() -> None:
    report = cnncalc.profile("lenet5", device="cpu", batch=[1, 2], warmup=1, min_time=0.01)
    check_repr(report, "lenet5")
    df = report.to_pandas()
    assert list(df["batch"]) == [1, 2]


def test_fit_report() -> None:
    budget = 64 * 2**20
    report = cnncalc.fit("lenet5", "64MiB", train=True, optimizer="sgd")
    check_repr(report, "lenet5")
    df = report.to_pandas()
    # the largest batch that fits, then the next one up, which does not
    assert list(df["batch"]) == [report.max_batch, report.max_batch + 1]
    assert df["peak_bytes"].iloc[0] <= budget < df["peak_bytes"].iloc[1]


def test_pandas_is_optional(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas now fails, as where it is not installed
    record = cnncalc.layer("standard", cin=8, cout=8)
    with pytest.raises(CnncalcError, match=r"to_pandas\(\) needs pandas.*pip install pandas"):
        record.to_pandas()
    assert record._repr_html_().startswith("<iframe")  # the page needs nothing


def test_the_frame_escapes_the_page() -> None:
    """A name with quotes and markup cannot break out of the frame's attribute."""
    records: Any = cnncalc.compare("standard", cin=8, cout=8)
    shown = records._repr_html_()
    inner = shown.split('srcdoc="', 1)[1].rsplit('" sandbox=', 1)[0]
    assert '"' not in inner and "<" not in inner
    assert torch.__version__.split("+")[0] in html.unescape(inner)  # the versions that made it


def test_the_public_functions_stay_functions_once_their_packages_are_imported() -> None:
    """`cnncalc.render` and `cnncalc.models` are functions; their code lives in cnncalc.rendering and
    cnncalc.modelzoo, whose import would otherwise put a module in the function's place."""
    import cnncalc
    import cnncalc.modelzoo.catalogue
    import cnncalc.rendering.registry

    assert callable(cnncalc.render) and callable(cnncalc.models)
    assert cnncalc.render(cnncalc.layer("standard", cin=3, cout=8), "csv").startswith("name,")
    assert len(cnncalc.models(["classification"])) > 50
