"""The self-contained HTML pages (`cnncalc/rendering/html/`, through `render(record, "html", context)`): each kind of
record rendered, parsed back to check that the figures are in the DOM, free of network references, escaped, and
that a field the templates do not know shows under "More in the record"; then opened in headless Chromium to
check that the script ran without errors, that the tree and the sort work, that names made like markup stay text,
and that the page is not blank.

The Chromium tests are named `test_chromium_*` (`pytest -k chromium` runs them alone, `-k "not chromium"`
leaves them out). Each page is rendered once and opened once (module-scoped fixtures: one Chromium run
gives both the dumped DOM and the screenshot), and every Chromium run has a time limit. Without Chromium
they skip, except in CI (`CI` set), where `.ci/run` installs it and a missing binary is a failure.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
import user_models as um
from locations import ROOT

import cnncalc
from cnncalc.analysis.analyze import analyze
from cnncalc.analysis.report import ModelReport
from cnncalc.conventions import CONVENTION
from cnncalc.layers.record import Comparison
from cnncalc.rendering import RenderContext, render
from cnncalc.serialize import to_data

CHROMIUM_TIMEOUT_S = 30  # a run takes about a second; the limit only stops a hung browser


def page_of(record: Any, command: str, depth: int | None = None) -> str:
    """A record's page, as `--format html` writes it."""
    return render(record, "html", RenderContext(command=command, depth=depth))


# --- a small DOM built with html.parser -----------------------------------------------------------------------
@dataclasses.dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    children: list[Element | str] = dataclasses.field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text for c in self.children)

    def iter(self) -> Iterator[Element]:
        yield self
        for c in self.children:
            if isinstance(c, Element):
                yield from c.iter()

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Element]:
        return [e for e in self.iter() if (tag is None or e.tag == tag)
                and all(e.attrs.get(k.rstrip("_")) == v for k, v in attrs.items())]

    def by_id(self, ident: str) -> Element:
        found = [e for e in self.iter() if e.attrs.get("id") == ident]
        assert len(found) == 1, f"expected one element with id {ident!r}, found {len(found)}"
        return found[0]

    def cells(self) -> list[str]:
        return [" ".join(c.text.split()) for c in self.children if isinstance(c, Element) and c.tag in ("th", "td")]


VOID = {"meta", "link", "br", "img", "input", "hr", "area", "base", "col", "source", "wbr"}


class DomBuilder(HTMLParser):
    """A tree of elements; it checks that every non-void tag is closed in order (well-formed markup)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Element(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        assert self.stack[-1].tag == tag, f"</{tag}> closes <{self.stack[-1].tag}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(page: str) -> Element:
    builder = DomBuilder()
    builder.feed(page)
    builder.close()
    assert builder.stack == [builder.root], f"unclosed: {[e.tag for e in builder.stack[1:]]}"
    return builder.root


def figure(dom: Element, key: str) -> str:
    """The value of a headline figure (`<div id="fig-KEY"><dt>…</dt><dd>VALUE</dd>…`)."""
    return dom.by_id(f"fig-{key}").find_all("dd")[0].text


def row(dom: Element, table_id: str, label: str) -> list[str]:
    """The cells of the row whose first cell reads `label` (the tree's name column)."""
    table = dom.by_id(table_id)
    rows = [tr.cells() for tr in table.find_all("tr")]
    found = [cells for cells in rows if cells and cells[0].split(" ")[0] == label]
    assert found, f"no row {label!r} in #{table_id}"
    return found[0]


def embedded(dom: Element) -> Any:
    return json.loads(dom.by_id("cnncalc-data").text)


def column(dom: Element, table_id: str, label: str, header: str) -> str:
    """One cell of a table, by the row's first cell and the column's header."""
    heads = [" ".join(th.text.split()) for th in dom.by_id(table_id).find_all("thead")[0].find_all("th")]
    return row(dom, table_id, label)[heads.index(header)]


def hover(element: Element) -> list[str]:
    """The <title> texts of an SVG chart's marks, in document order."""
    return [t.text for t in element.find_all("title")]


# --- the pages, each rendered once ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def resnet18() -> ModelReport:
    return analyze("resnet18")


@pytest.fixture(scope="module")
def lenet5_profile() -> Any:
    from cnncalc.profiling.run import profile

    return profile("lenet5", device="cpu", batch="1,2", min_time=0.1, warmup=1, per_layer=True)


@pytest.fixture(scope="module")
def resnet18_train() -> ModelReport:
    return analyze("resnet18", (2, 3, 64, 64), train=True, optimizer="adam")


@pytest.fixture(scope="module")
def fit_2gib() -> Any:
    from cnncalc.analysis.fit import fit

    return fit("resnet18", "2GiB")


@pytest.fixture(scope="module")
def lenet5() -> ModelReport:
    return analyze("lenet5")


def nothing_fits(report: Any) -> Any:
    """A fit whose smallest batch is over the budget (`fit` refuses to return one, but the record can say it):
    the lenet5 fit with its first point moved to batch 1 as the one that does not fit."""
    assert report.at is not None
    return dataclasses.replace(report, max_batch=0, at=None, next=dataclasses.replace(report.at, batch=1),
                               searched=((1, report.at.peak_bytes),), memory_bytes=report.at.peak_bytes - 1)


def hostile_model() -> Any:
    """A model whose modules are named like markup (nn.Module.add_module only refuses dots)."""
    from torch import nn

    model = nn.Sequential()
    model.add_module(HOSTILE, nn.Conv2d(3, 4, 3))
    model.add_module(BOLD, nn.ReLU())
    return model


HOSTILE = "<script>alert(1)</script>"
BOLD = "<b>x</b>"


@pytest.fixture(scope="module")
def sparse() -> tuple[ModelReport, int]:
    """The fixture's Sparse model (a nonzero) on seeded values, and how many positions its nonzero keeps,
    counted here with plain torch."""
    import torch

    torch.manual_seed(0)
    model = um.Sparse().eval()
    x = torch.rand(2, 3, 8, 8) - 0.5
    with torch.no_grad():
        kept = int((model.conv(x)[:, 0] > 0).sum())
    return analyze(model, inputs=[x]), kept


DETECTOR_CAPS = {"rpn_pre_nms_top_n_test": 100, "rpn_post_nms_top_n_test": 30, "box_detections_per_img": 8}


@pytest.fixture(scope="module")
def detector() -> ModelReport:
    """A two-stage detector as a user builds one (no weights, small images, small caps): seconds on a real run."""
    import torch
    import torchvision

    torch.manual_seed(0)
    model = torchvision.models.detection.fasterrcnn_mobilenet_v3_large_320_fpn(
        weights=None, weights_backbone=None, min_size=128, max_size=128, **DETECTOR_CAPS).eval()
    return analyze(model, inputs=[[torch.rand(3, 100, 120, generator=torch.Generator().manual_seed(1))]])


@pytest.fixture(scope="module")
def pages(resnet18: ModelReport, lenet5: ModelReport, lenet5_profile: Any, resnet18_train: ModelReport,
          fit_2gib: Any, sparse: tuple[ModelReport, int], detector: ModelReport) -> dict[str, str]:
    from cnncalc.analysis.fit import fit
    from cnncalc.analysis.validate import validate
    from cnncalc.profiling.run import profile
    from cnncalc.sweeps import sweep

    fit_lenet5 = fit("lenet5", "1MiB", train=False)
    hostile = analyze(hostile_model(), inputs=["1x3x8x8"])
    hostile = dataclasses.replace(hostile, model=HOSTILE, inputs=tuple(
        dataclasses.replace(i, name=BOLD) for i in hostile.inputs))
    return {
        "analyze": page_of(resnet18, "cnncalc analyze resnet18 --depth 2 --format html", depth=2),
        "analyze-lenet5": page_of(lenet5, "cnncalc analyze lenet5 --format html"),
        "layer": page_of(cnncalc.layer("xception-dw", cin=3, cout=256),
                         "cnncalc layer xception-dw --cin 3 --cout 256 --format html"),
        "explain": page_of(cnncalc.explain("xception-dw", cin=3, cout=256),
                           "cnncalc layer xception-dw --cin 3 --cout 256 --format html"),
        "compare": page_of(cnncalc.compare("xception-dw", "standard", cin=3, cout=256),
                           "cnncalc compare xception-dw standard --cin 3 --cout 256 --format html"),
        "compare-models": page_of(Comparison((lenet5.summary(), resnet18.summary())),
                                  "cnncalc compare lenet5 resnet18 --format html"),
        "profile": page_of(lenet5_profile, "cnncalc profile lenet5 --batch 1,2 --per-layer --format html"),
        "sweep": page_of(sweep("xception-dw", "cout=64,128,256", cin=3),
                         "cnncalc sweep xception-dw --cin 3 --vary cout=64,128,256 --format html"),
        "sweep-model": page_of(sweep("lenet5", "batch=1,2,4"), "cnncalc sweep lenet5 --vary batch=1,2,4 --format html"),
        "validate": page_of(validate("lenet5", fvcore=False), "cnncalc validate lenet5 --no-fvcore --format html"),
        "analyze-train": page_of(resnet18_train, "cnncalc analyze resnet18 -i 2x3x64x64 --train --optimizer adam "
                                 "--format html", depth=2),
        "analyze-bf16": page_of(analyze("resnet18", (2, 3, 64, 64), train=True, optimizer="adam", amp="bf16"),
                                "cnncalc analyze resnet18 -i 2x3x64x64 --train --optimizer adam --amp bf16 "
                                "--format html", depth=1),
        "analyze-raft": page_of(analyze("raft_small"), "cnncalc analyze raft_small --format html", depth=1),
        "analyze-masked": page_of(analyze(um.Masked(), inputs=["1x3x32x32", "mask=1x1x32x32"]),
                                  "cnncalc analyze tests/fixtures/user_models.py:Masked -i 1x3x32x32 "
                                  "-i mask=1x1x32x32 --format html"),
        "analyze-sparse": page_of(sparse[0], "cnncalc analyze tests/fixtures/user_models.py:Sparse --format html"),
        "analyze-detector": page_of(detector, "cnncalc analyze fasterrcnn_mobilenet_v3_large_320_fpn --format html",
                                    depth=1),
        "analyze-inception": page_of(analyze("inception_v3"), "cnncalc analyze inception_v3 --format html", depth=1),
        "analyze-hostile": page_of(hostile, f"cnncalc analyze '{HOSTILE}' -i {BOLD}=1x3x8x8 --format html"),
        "fit": page_of(fit_2gib, "cnncalc fit resnet18 --memory 2GiB --format html"),
        "fit-none": page_of(nothing_fits(fit_lenet5), "cnncalc fit lenet5 --memory 256KiB --inference --format html"),
        "fit-inference": page_of(fit_lenet5, "cnncalc fit lenet5 --memory 1MiB --inference --format html"),
        "profile-train": page_of(profile("lenet5", device="cpu", batch=[2], min_time=0.1, warmup=1, train=True,
                                         optimizer="adam"),
                                 "cnncalc profile lenet5 --batch 2 --train --optimizer adam --format html"),
    }


@pytest.fixture(scope="module")
def doms(pages: dict[str, str]) -> dict[str, Element]:
    return {kind: parse(page) for kind, page in pages.items()}


# --- what each page shows --------------------------------------------------------------------------------------
def test_resnet18_headline_and_tree(doms: dict[str, Element]) -> None:
    dom = doms["analyze"]
    # torchvision's ResNet18_Weights.IMAGENET1K_V1.meta["num_params"] is 11,689,512
    assert figure(dom, "params") == "11,689,512"
    # MACs by hand: conv1 7·7·3·64·112·112 = 118,013,952; layer1 four 3·3·64·64·56·56 = 4 · 115,605,504;
    # layer2..4 each: one strided 3·3·C·2C·(H/2)² = 57,802,752, three 3·3·2C·2C·(H/2)² = 3 · 115,605,504 and a
    # 1×1 projection C·2C·(H/2)² = 6,422,528; fc 512·1000. torchvision's meta "_ops" (1.814 G) rounds it.
    layer1 = 4 * 3 * 3 * 64 * 64 * 56 * 56
    stage = 3 * 3 * 64 * 128 * 28 * 28 + 3 * (3 * 3 * 128 * 128 * 28 * 28) + 64 * 128 * 28 * 28
    macs = 7 * 7 * 3 * 64 * 112 * 112 + layer1 + 3 * stage + 512 * 1000
    assert macs == 1_814_073_344
    assert figure(dom, "macs") == "1,814,073,344"
    assert figure(dom, "rf") == "627×627"
    # the tree: layer1's row carries its subtree's MACs; depth 2 stops at the blocks
    assert row(dom, "modules", "layer1")[4] == f"{layer1:,}"
    assert not [tr for tr in dom.by_id("modules").find_all("tr") if tr.attrs.get("data-depth") == "3"]
    # sortable headers, bars as a share of the whole model
    assert len(dom.by_id("modules").find_all("th", **{"data-sort": "num"})) >= 6
    assert any("b" in td.attrs.get("class", "").split() for td in dom.by_id("modules").find_all("td"))
    # receptive-field growth: one point per module without submodules: conv1, bn1, relu, maxpool; 8 blocks ×
    # (conv1, bn1, relu, conv2, bn2); 3 projections × (conv, bn); avgpool, fc: 4 + 40 + 6 + 2 = 52
    assert len(dom.by_id("rf-chart").find_all("circle")) == 52
    # the formulas section names the conv formula
    assert "cnncalc.formulas.conv.conv" in dom.by_id("by-kind").text


def test_lenet5_params_in_headline_and_rows(doms: dict[str, Element]) -> None:
    dom = doms["analyze-lenet5"]
    # conv 5·5·1·6 + 6 = 156, conv 5·5·6·16 + 16 = 2,416, conv 5·5·16·120 + 120 = 48,120,
    # fc 120·84 + 84 = 10,164, fc 84·10 + 10 = 850
    assert 156 + 2_416 + 48_120 + 10_164 + 850 == 61_706
    assert figure(dom, "params") == "61,706"
    assert [row(dom, "modules", name)[3] for name in ("0", "3", "6", "9", "11")] == [
        "156", "2,416", "48,120", "10,164", "850"]
    assert "LeCun" in dom.by_id("paper").text


def test_layer_page_shows_formulas(doms: dict[str, Element]) -> None:
    dom = doms["layer"]
    # 3·3·3 + 1·1·3·256 = 27 + 768 = 795 weights (no bias by default)
    assert figure(dom, "params") == "795"
    # (27 + 768)·224·224 = 39,889,920
    assert figure(dom, "macs") == "39,889,920"
    formulas = [tr.cells() for tr in dom.by_id("formulas-0").find_all("tr")]
    assert ["params", "k²·cin + cin·cout", "3·3·3 + 1·1·3·256 = 27 + 768 = 795"] in formulas
    assert len(dom.by_id("steps-0").find_all("tr")) == 1 + 2  # header, depthwise 3×3, pointwise 1×1


def test_compare_page_has_one_column_per_design_with_ratios(doms: dict[str, Element]) -> None:
    dom = doms["compare"]
    # standard: 3·3·3·256 = 6,912 params; 6,912 / 795 = 8.69
    assert dom.by_id("q-params").cells() == ["params", "795", "6,912 ×8.69"]
    # 6,912·224·224 = 346,816,512 MACs
    assert dom.by_id("q-macs").cells()[2] == "346,816,512 ×8.69"
    assert "8.69× fewer params" in dom.by_id("summary").text
    models = doms["compare-models"]
    assert models.by_id("q-params").cells()[1:] == ["61,706", "11,689,512 ×189"]


def test_layer_page_beside_its_counterpart(doms: dict[str, Element]) -> None:
    dom = doms["explain"]
    assert figure(dom, "params") == "795"
    # standard: 3·3·3·256 = 6,912 params; 6,912 / 795 = 8.69
    assert dom.by_id("q-params").cells() == ["params", "795", "6,912 ×8.69"]
    assert "8.69× fewer params" in dom.by_id("summary").text
    assert len(dom.by_id("steps-1").find_all("tr")) == 1 + 1  # header, standard's one 3×3 conv
    assert dom.find_all("h1")[0].text == "cnncalc layer xception-dw"


def test_compare_page_with_timings() -> None:
    from cnncalc.profiling.report import DesignTiming
    from cnncalc.profiling.stats import Stats

    records = cnncalc.compare("xception-dw", "standard", cin=3, cout=256)
    timings = (DesignTiming("xception-dw", "cpu", 2, Stats(2.0, 1.9, 2.1, 1.8, 3.0, 50)),
               DesignTiming("standard", "cpu", 2, Stats(4.0, 3.9, 4.1, 3.8, 5.0, 40)))
    dom = parse(page_of(Comparison(records.records, timings), "cnncalc compare xception-dw standard --time"))
    # speed-up = the first's median ÷ this one's: 2.0 / 4.0; MAC ratio 795 / 6,912 = 0.115
    assert column(dom, "timings", "standard", "speed-up vs first") == "0.50×"
    assert column(dom, "timings", "standard", "MAC ratio vs first") == "0.12×"
    assert "Measured on cpu, 2 threads" in dom.by_id("timed").text


def test_profile_page(doms: dict[str, Element]) -> None:
    dom = doms["profile"]
    runs = [tr.cells()[0] for tr in dom.by_id("runs").find_all("tr")[1:]]
    assert runs == ["batch 1", "batch 2"]
    assert figure(dom, "macs") == "416,520"  # lenet5 at 1×1×32×32: 117,600 + 240,000 + 48,000 + 10,080 + 840
    chart = dom.by_id("roofline")
    timed = dom.by_id("layers").find_all("tr", **{"data-parent": "all"})
    assert len(timed) == 12  # lenet5's 12 modules, each timed (Sequential: no groups)
    assert len(chart.find_all("circle")) >= 8  # the modules that do arithmetic (Flatten does none)
    assert len(chart.find_all("rect", class_="run")) == 2  # one diamond per batch
    assert "FP32" in chart.text and "bandwidth" in chart.text


def test_sweep_pages(doms: dict[str, Element]) -> None:
    dom = doms["sweep"]
    # xception-dw 3 → cout: 27 + 3·cout params
    assert [row(dom, "sweep", v)[2] for v in ("64", "128", "256")] == ["219", "411", "795"]
    assert {"sweep-params", "sweep-macs", "sweep-traffic", "sweep-rf"} <= {
        e.attrs.get("id") for e in dom.find_all("svg")}
    model = doms["sweep-model"]
    assert [row(model, "sweep", v)[3] for v in ("1", "2", "4")] == ["416,520", "833,040", "1,666,080"]


def test_validation_page(doms: dict[str, Element]) -> None:
    dom = doms["validate"]
    numel = row(dom, "checks-0", "numel")
    assert numel[2:5] == ["61,706", "61,706", "✓"]
    assert figure(dom, "models") == "1 / 1 agree"


# --- the record's newer parts, each in its section ----------------------------------------------------------------
def test_inputs_and_outputs(doms: dict[str, Element]) -> None:
    import inspect

    import torch
    import torchvision

    raft = doms["analyze-raft"]
    # RAFT.forward(image1, image2, num_flow_updates=12): two frames in, one flow per update out
    signature = inspect.signature(torchvision.models.optical_flow.RAFT.forward).parameters
    updates = signature["num_flow_updates"].default
    assert updates == 12
    inputs = [tr.cells() for tr in raft.by_id("inputs-table").find_all("tr")[1:]]
    assert [cells[0] for cells in inputs] == [p for p in signature if p.startswith("image")] == ["image1", "image2"]
    assert [cells[1:] for cells in inputs] == [["1×3×512×512", "float32"]] * 2  # the record's input size
    outputs = [tr.cells() for tr in raft.by_id("outputs-table").find_all("tr")[1:]]
    # each flow has 2 channels (dx, dy) at the frames' full size
    assert outputs == [[f"[{i}]", "1×2×512×512", "float32"] for i in range(updates)]
    assert raft.by_id("task").text == "Task: optical flow"
    assert "GFLOPS" in raft.by_id("input-note").text  # how the inputs were chosen
    masked = doms["analyze-masked"]
    # the inputs as given on the command line, the keyword one by its name
    assert [tr.cells() for tr in masked.by_id("inputs-table").find_all("tr")[1:]] == [
        ["x", "1×3×32×32", "float32"], ["mask", "1×1×32×32", "float32"]]
    with torch.no_grad():
        out = um.Masked()(torch.zeros(1, 3, 32, 32), mask=torch.zeros(1, 1, 32, 32))
    assert masked.by_id("outputs-table").find_all("tr")[1].cells() == [
        "output", "×".join(map(str, out.shape)), "float32"]
    assert "x 1×3×32×32, mask 1×1×32×32" in masked.find_all("p", class_="sub")[0].text


def test_real_run_of_a_nonzero(doms: dict[str, Element], sparse: tuple[ModelReport, int]) -> None:
    dom = doms["analyze-sparse"]
    _, kept = sparse
    assert "Counted on a real run" in dom.by_id("headline").text
    assert "aten.nonzero.default in (model)" in dom.by_id("real-run-why").text
    assert "seeded" in row(dom, "real-run-why", "data")[1]
    # nonzero was offered conv's first channel at 2·8·8 = 128 positions; `kept` counted with plain torch above
    flow = row(dom, "flows", "aten.nonzero.default")
    assert flow[1:5] == ["(model)", "1", "128", f"{kept:,}"]
    assert flow[5] == f"{kept / 128:.1%}"
    # no detector here: no detector counts, no worst case
    section = dom.by_id("real-run")
    assert not [e for e in section.iter() if e.attrs.get("id") in ("worst-case", "fig-detections")]


def test_real_run_of_a_detector(doms: dict[str, Element], detector: ModelReport) -> None:
    dom = doms["analyze-detector"]
    run = detector.real_run
    assert run is not None and run.counts is not None
    assert "nms" in dom.by_id("flows").text
    assert figure(dom, "detections") == ", ".join(f"{d:,}" for d in run.counts.detections)
    assert figure(dom, "proposals") == ", ".join(f"{p:,}" for p in run.counts.proposals or ())
    # at its limits the caps decide: the 30 proposals and 8 detections per image the model was built with
    caps = dom.by_id("worst-case")
    assert caps.by_id("wc-proposals").cells()[2] == f"{DETECTOR_CAPS['rpn_post_nms_top_n_test']}"
    assert caps.by_id("wc-detections").cells()[2] == f"{DETECTOR_CAPS['box_detections_per_img']}"
    # this run's MACs are the headline's
    assert caps.by_id("wc-macs").cells()[1] == figure(dom, "macs")
    assert "proposals per image 30, detections per image 8" in dom.by_id("real-run").text


def test_training_step(doms: dict[str, Element], resnet18_train: ModelReport) -> None:
    dom = doms["analyze-train"]
    t = resnet18_train.training
    assert t is not None
    # forward MACs of resnet18 at 64×64 by hand, per image: conv1 7·7·3·64·32·32 = 9,633,792; layer1
    # 4·3·3·64·64·16·16 = 37,748,736; layer2..4 each 4,718,592 + 3·9,437,184 + 524,288 = 33,554,432; fc 512,000
    forward = 2 * (9_633_792 + 37_748_736 + 3 * 33_554_432 + 512_000)
    assert forward == 297_115_648 and figure(dom, "train-forward") == f"{2 * forward + t.forward.other_flops:,}"
    # backward: input and weight gradients of every conv and linear (2 × forward) but the image's (conv1's
    # input needs none): 2·297,115,648 − 2·9,633,792 = 574,963,712
    backward = 2 * forward - 2 * 9_633_792
    assert f"{backward:,} MACs" in dom.by_id("fig-train-backward").text
    assert figure(dom, "train-flops") == f"{t.flops:,}"
    assert "aten." in dom.by_id("fig-train-peak").text and t.peak_phase in dom.by_id("fig-train-peak").text
    # memory at the peak, by category: params 11,689,512 (torchvision's num_params) × 4 B = 46,758,048; Adam's
    # state is two moments per param plus a float32 step per tensor: 2·46,758,048 + 62·4 = 93,516,344, where 62
    # tensors = conv1, bn1 (2), 8 blocks × (2 convs + 2 bns × 2), 3 projections × (conv + bn × 2), fc (2)
    assert 1 + 2 + 8 * 6 + 3 * 3 + 2 == 62
    segments = hover(dom.by_id("train-memory"))
    assert "params: 44.6 MiB (46,758,048 B)" in segments
    assert "optimizer state: 89.2 MiB (93,516,344 B)" in segments
    assert "input batch: 96 KiB (98,304 B)" in segments  # 2·3·64·64·4
    legend_text = dom.by_id("training").text
    assert "params 44.6 MiB" in legend_text and "gradients 44.6 MiB" in legend_text
    # the reading order is cnncalc.rendering.views.memory's
    from cnncalc.rendering.views.memory import LABELS, ORDER

    order = [title.split(":")[0] for title in segments]
    assert order == [LABELS[k] for k in ORDER if LABELS[k] in order]
    # one bar per phase, the step's peak marked
    phases = [e.text for e in dom.by_id("train-phases").find_all("text") if e.attrs.get("text-anchor") == "end"]
    assert phases == [p + (" (peak)" if p == t.peak_phase else "") for p, _ in t.phase_peaks]
    # the module tree gains the step's columns: conv1's backward is its weight gradient only, 2·9,633,792
    assert column(dom, "modules", "conv1", "backward MACs") == "19,267,584"
    assert column(dom, "modules", "layer1", "backward MACs") == f"{2 * 2 * 37_748_736:,}"
    assert column(dom, "modules", "(model)", "kept for backward") == figure(dom, "train-saved")
    assert "autocast" not in dom.by_id("train-title").text
    bf16 = doms["analyze-bf16"]
    assert "autocast bf16" in bf16.by_id("train-title").text
    assert "autocast copies" in bf16.by_id("fig-train-saved").text


def test_unread_params(doms: dict[str, Element]) -> None:
    dom = doms["analyze-inception"]
    # inception_v3's AuxLogits (InceptionAux(768, 1000)) runs only in training: conv0 1×1 768→128 = 98,304 + BN
    # 2·128; conv1 5×5 128→768 = 2,457,600 + BN 2·768; fc 768·1000 + 1000 = 769,000
    aux = 98_304 + 256 + 2_457_600 + 1_536 + 769_000
    assert aux == 3_326_696
    text = " ".join(dom.by_id("unread").text.split())
    assert f"{aux:,} in 8 tensors (AuxLogits {aux:,})" in text
    # torchvision's Inception_V3_Weights num_params: 27,161,264, auxiliary head included
    assert "(numel, 27,161,264)" in text and f"read {27_161_264 - aux:,}" in text
    assert len(dom.by_id("unread").find_all("li")) == 8


def test_receptive_field_chart_runs_in_execution_order() -> None:
    from torch import nn

    class Reversed(nn.Module):
        """Registered in one order, run in the other."""

        def __init__(self) -> None:
            super().__init__()
            self.late = nn.Conv2d(4, 4, 5)
            self.early = nn.Conv2d(3, 4, 3)

        def forward(self, x):  # type: ignore[no-untyped-def]
            return self.late(self.early(x))

    dom = parse(page_of(analyze(Reversed(), inputs=["1x3x16x16"]), "cnncalc analyze Reversed"))
    # early sees 3×3; late sees 3 + 5 − 1 = 7 pixels
    points = hover(dom.by_id("rf-chart"))
    assert [p.split(" ")[0] for p in points] == ["early", "late"]
    assert points[1].startswith("late (Conv2d): 7×7")
    assert "execution order" in dom.by_id("rf-chart").text


def test_fit_page(doms: dict[str, Element], fit_2gib: Any) -> None:
    from cnncalc.rendering.views.memory import MEMORY_NOTE

    dom = doms["fit"]
    r = fit_2gib
    assert figure(dom, "max-batch") == f"{r.max_batch:,}"
    # 2 GiB = 2·1024³ bytes
    assert dom.by_id("fig-budget").find_all("dd")[0].attrs["title"] == "2,147,483,648 B"
    assert r.at.peak_bytes <= 2 * 1024 ** 3 < r.next.peak_bytes
    assert f"batch {r.max_batch:,} fits" in dom.by_id("answer").text
    # one stacked bar per point, against the budget line
    chart = dom.by_id("fit-chart")
    labels = [e.text for e in chart.find_all("text") if e.attrs.get("text-anchor") == "end"]
    assert f"batch {r.max_batch:,} (fits)" in labels and f"batch {r.max_batch + 1:,} (does not fit)" in labels
    assert len(chart.find_all("line", class_="ref")) == 1 and "budget 2 GiB" in chart.text
    # the breakdown: params 11,689,512 × 4 B at every batch; the input batch 89·3·224·224·4 at batch 89
    params = dom.by_id("fit-breakdown").find_all("tr")[2]
    assert params.cells() == ["params", "44.6 MiB", "44.6 MiB"]
    assert params.find_all("td")[0].attrs["title"].startswith("46,758,048 B")
    batch = next(tr for tr in dom.by_id("fit-breakdown").find_all("tr") if tr.cells()[0] == "input batch")
    assert batch.find_all("td")[0].attrs["title"].startswith(f"{r.max_batch * 3 * 224 * 224 * 4:,} B")
    assert [tr.cells()[0] for tr in dom.by_id("fit-searched").find_all("tr")[1:]] == [
        f"batch {b:,}" for b, _ in r.searched]
    assert MEMORY_NOTE[0].upper() + MEMORY_NOTE[1:] in dom.by_id("memory-note").text  # as a sentence
    assert embedded(dom)["data"]["max_batch"] == r.max_batch
    # nothing fits: one bar, and the answer says so
    none = doms["fit-none"]
    assert figure(none, "max-batch") == "0"
    assert "even batch 1 needs" in none.by_id("answer").text
    assert len(none.by_id("fit-chart").find_all("rect", class_="seg")) >= 1
    assert "inference" in doms["fit-inference"].by_id("fig-mode").text


def test_training_profile_shows_measured_beside_predicted(doms: dict[str, Element]) -> None:
    dom = doms["profile-train"]
    data = embedded(dom)["data"]
    run = data["runs"][0]
    measured, predicted = run["peak_memory_bytes"], run["predicted_peak_bytes"]
    assert column(dom, "runs", "batch", "vs measured") == f"{(predicted - measured) / measured:+.2%}"
    lines = dom.by_id("peak-lines").text
    assert f"{measured:,} B measured" in lines and f"{predicted:,} B predicted" in lines
    assert len(dom.by_id("peak-chart").find_all("rect", class_="seg")) == 2
    # a whole step at batch 2: forward 2·416,520 = 833,040 MACs; backward twice that less conv1's input
    # gradient (2·117,600); the optimizer only adds FLOPs: 833,040 + 1,666,080 − 235,200 = 2,263,920
    assert figure(dom, "macs") == "2,263,920"
    assert figure(dom, "mode").startswith("adam")
    assert "median step time" in dom.by_id("fig-latency").text


@pytest.mark.parametrize("kind", ["analyze", "analyze-lenet5", "layer", "explain", "compare", "compare-models",
                                  "profile", "sweep", "sweep-model", "validate", "analyze-train", "analyze-bf16",
                                  "analyze-raft", "analyze-masked", "analyze-sparse", "analyze-detector",
                                  "analyze-inception", "analyze-hostile", "fit", "fit-none", "fit-inference",
                                  "profile-train"])
def test_every_page_is_self_contained(kind: str, pages: dict[str, str], doms: dict[str, Element]) -> None:
    page, dom = pages[kind], doms[kind]
    assert "http://" not in page and "https://" not in page
    assert not dom.find_all("link") and not dom.find_all("img") and not dom.find_all("iframe")
    for element in dom.iter():
        for attr in ("src", "href", "xlink:href", "action", "data"):
            value = element.attrs.get(attr, "")
            assert not value or value.startswith("#"), f"<{element.tag} {attr}={value!r}> loads something"
    assert "@import" not in page and "url(" not in page and "@font-face" not in page
    # the convention, the exact command and the versions
    convention = dom.by_id("convention").text
    assert all(line in convention for line in CONVENTION.lines())
    assert dom.by_id("command").text.startswith("cnncalc ")
    versions = dom.by_id("versions").text
    assert f"torch {metadata.version('torch')}" in versions and "python 3." in versions
    data = embedded(dom)
    assert data["command"] == dom.by_id("command").text
    assert data["data"]  # the record itself
    assert not [e for e in dom.iter() if e.attrs.get("id") == "more"]  # every field of these records laid out
    ids = [e.attrs["id"] for e in dom.iter() if "id" in e.attrs]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


def test_embedded_json_is_the_record(doms: dict[str, Element], resnet18: ModelReport) -> None:
    assert embedded(doms["analyze"])["data"] == json.loads(json.dumps(to_data(resnet18)))


def test_text_is_escaped(resnet18: ModelReport) -> None:
    hostile = "<script>alert('x')</script>&"
    page = page_of(dataclasses.replace(resnet18, model=hostile), f"cnncalc analyze '{hostile}'")
    assert hostile not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;" in page
    dom = parse(page)
    assert dom.find_all("h1")[0].text == f"cnncalc analyze {hostile}"
    assert embedded(dom)["data"]["model"] == hostile  # the JSON keeps it whole, and cannot close its <script>
    assert len(dom.find_all("script")) == 3  # the error trap, the data, the page script


def test_new_sections_escape_text(resnet18_train: ModelReport, fit_2gib: Any) -> None:
    """Names that come from a user's model (inputs, outputs, parameters, ops, modules) are text, never markup."""
    from cnncalc.analysis.report import DataFlow, RealRun, TensorInfo

    hostile = "<img src=x onerror=alert(1)>&"
    assert resnet18_train.training is not None
    report = dataclasses.replace(
        resnet18_train, task=hostile, input_note=hostile, inputs=(TensorInfo(hostile, (1, 3), hostile),),
        outputs=(TensorInfo(f"[0].{hostile}", (2,), "float32"),), unread_params=((f"{hostile}.w", 3),),
        real_run=RealRun(hostile, hostile, hostile, hostile, (DataFlow(hostile, hostile, 1, 2, 1),)),
        training=dataclasses.replace(resnet18_train.training, peak_op=hostile, peak_module=hostile, loss=hostile,
                                     memory=(*resnet18_train.training.memory, (hostile, 5))))
    pages = [page_of(report, hostile), page_of(dataclasses.replace(fit_2gib, model=hostile, note=hostile,
                                                                        memory_source=hostile), hostile)]
    for page in pages:
        assert hostile not in page and "<img" not in page
        assert "&lt;img src=x onerror=alert(1)&gt;&amp;" in page
        parse(page)


def test_markup_names_stay_text(pages: dict[str, str], doms: dict[str, Element]) -> None:
    """A module, a model, an input and a command line named like markup show as text: the DOM's text holds them
    whole and no element was made from them."""
    page, dom = pages["analyze-hostile"], doms["analyze-hostile"]
    assert HOSTILE not in page and BOLD not in page  # in markup and in the embedded JSON alike
    assert dom.find_all("h1")[0].text == f"cnncalc analyze {HOSTILE}"
    assert dom.by_id("command").text == f"cnncalc analyze '{HOSTILE}' -i {BOLD}=1x3x8x8 --format html"
    modules = [tr.find_all("span", class_="nm")[0].text for tr in dom.by_id("modules").find_all("tr")[1:]]
    assert modules == ["(model)", HOSTILE, BOLD]
    assert [tr.cells()[0] for tr in dom.by_id("inputs-table").find_all("tr")[1:]] == [BOLD]
    assert hover(dom.by_id("rf-chart"))[0].startswith(f"{HOSTILE} (Conv2d)")
    assert embedded(dom)["data"]["model"] == HOSTILE and embedded(dom)["command"].endswith("--format html")
    assert len(dom.find_all("script")) == 3  # the error trap, the data, the page script
    assert not [b for b in dom.find_all("b") if b.text == "x"]


def test_fields_a_page_does_not_lay_out_show_as_json(lenet5: ModelReport) -> None:
    """A field added to a record (here by a subclass) shows under "More in the record" without being listed
    anywhere; a field a page lays out, or an empty one, does not."""
    @dataclasses.dataclass(frozen=True)
    class Annotated(ModelReport):
        reviewer: str = ""
        budget: tuple[tuple[str, int], ...] = ()

    dom = parse(page_of(Annotated(**{f.name: getattr(lenet5, f.name) for f in dataclasses.fields(lenet5)},
                                  reviewer="<b>ann</b>"), "cnncalc analyze lenet5"))
    more = [tr.cells() for tr in dom.by_id("more").find_all("tr")]
    assert more == [["reviewer", '"<b>ann</b>"']]  # the empty `budget` is left out; the value is JSON, as text
    assert "More in the record" in dom.find_all("nav")[0].text

    @dataclasses.dataclass(frozen=True)
    class Sourced(cnncalc.LayerRecord):
        source: tuple[int, ...] = ()

    record = cnncalc.layer("standard", cin=8, cout=8)
    dom = parse(page_of(Sourced(**{f.name: getattr(record, f.name) for f in dataclasses.fields(record)},
                                source=(1, 2)), "cnncalc layer standard"))
    assert [tr.cells() for tr in dom.by_id("more").find_all("tr")] == [["source", "[ 1, 2 ]"]]


def test_how_the_model_was_built_and_ops_on_constants(lenet5: ModelReport) -> None:
    from cnncalc.analysis.report import BuildInfo, ConstantOp, Costs

    built = BuildInfo("cpu", "built on the CPU with real weights, then moved to the meta device",
                      ("on meta: aten.item needs a value",))
    # an arange of 16 positions times a 16-wide constant: 16 MACs, plus 16 additions
    constants = (ConstantOp("aten.mul.Tensor", "pos", 2, Costs(macs=16, other_flops=16)),)
    dom = parse(page_of(dataclasses.replace(lenet5, built=built, constant_ops=constants), "cnncalc analyze lenet5"))
    assert dom.by_id("built-way").text == "Built on the CPU with real weights, then moved to the meta device."
    assert dom.by_id("built-why").text == "On meta: aten.item needs a value."
    assert row(dom, "constant-ops", "aten.mul.Tensor")[1:5] == ["pos", "2", "16", "16"]
    assert not [e for e in dom.iter() if e.attrs.get("id") == "more"]
    plain = parse(page_of(dataclasses.replace(lenet5, built=BuildInfo("meta", "built on the meta device")),
                          "cnncalc analyze lenet5"))
    assert not [e for e in plain.iter() if e.attrs.get("id") in ("built", "constant-ops")]


def test_optional_and_new_fields_render(resnet18: ModelReport) -> None:
    """backward costs and uncounted ops where a report has them; a field this renderer does not know yet (the
    records are growing) is shown as it is, not dropped."""
    from cnncalc.analysis.report import Costs, UncountedOp

    @dataclasses.dataclass(frozen=True)
    class Later(ModelReport):
        training_memory: dict[str, int] = dataclasses.field(default_factory=dict)

    fields = {f.name: getattr(resnet18, f.name) for f in dataclasses.fields(resnet18)}
    fields.update(backward=Costs(macs=3_628_146_688, other_flops=7), training_memory={"gradients": 46_758_048},
                  uncounted=(UncountedOp("aten.frobnicate.default", "layer1.0", 2),))
    dom = parse(page_of(Later(**fields), "cnncalc analyze resnet18 --backward"))
    assert figure(dom, "backward-macs") == "3,628,146,688"
    assert "aten.frobnicate.default ×2 in layer1.0" in " ".join(dom.by_id("uncounted").text.split())
    more = dom.by_id("more").text
    assert "training_memory" in more and "46758048" in more


def test_pages_read_numbers_as_every_format_does() -> None:
    """Rates and chart ticks go through cnncalc.numbers.si, as the other formats do: 999,999 is 1 M (one
    formatter once said '1e+03 k')."""
    from cnncalc.numbers import si
    from cnncalc.rendering.html.format import rate

    assert si(999_999) == "1 M" and rate(999_999, "FLOP/s") == "1 MFLOP/s"
    assert rate(795, "B/s") == "795 B/s" and rate(4_089_184_256, "FLOP/s") == "4.09 GFLOP/s"


def test_profile_tree_groups_modules_by_name(lenet5_profile: Any) -> None:
    """Per-layer timings come for modules without submodules; the page nests them by their dotted names and
    a group row shows the sum of its modules."""
    from cnncalc.profiling.report import LayerTime

    layers = (LayerTime("conv1", "Conv2d", 0.5, 1_000, 100, 0.001),
              LayerTime("layer1.0.conv1", "Conv2d", 0.25, 2_000, 200, 0.002),
              LayerTime("layer1.0.conv2", "Conv2d", 0.125, 4_000, 400, 0.004),
              LayerTime("layer1.1.conv1", "Conv2d", 0.0625, 8_000, 800, 0.008))
    dom = parse(page_of(dataclasses.replace(lenet5_profile, layers=layers), "cnncalc profile lenet5 --per-layer"))
    # layer1 = 0.25 + 0.125 + 0.0625 = 0.4375 ms, 2,000 + 4,000 + 8,000 = 14,000 FLOPs
    assert row(dom, "layers", "layer1")[2:4] == ["0.438", "14,000"]
    assert row(dom, "layers", "(timed")[2:4] == ["0.938", "15,000"]
    depths = {tr.attrs["data-depth"] for tr in dom.by_id("layers").find_all("tr") if "data-depth" in tr.attrs}
    assert depths == {"0", "1", "2", "3"}


def test_layer_pages_do_not_import_torch() -> None:
    """`layer` and `compare` never import torch (DESIGN.md); neither does their page."""
    code = ("import sys, cnncalc; from cnncalc.rendering import RenderContext, render; "
            "render(cnncalc.compare('xception-dw', 'standard', cin=3, cout=256), 'html', RenderContext()); "
            "render(cnncalc.explain('xception-dw', cin=3, cout=256), 'html', RenderContext()); "
            "print('torch' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "False"


def test_a_large_model_page_stays_light() -> None:
    page = page_of(analyze("resnet50"), "cnncalc analyze resnet50 --depth 3", depth=3)
    assert len(page.encode()) < 1_000_000


def test_example_page_is_kept() -> None:
    example = (ROOT / "docs" / "example_report.html").read_text(encoding="utf-8")
    dom = parse(example)
    assert figure(dom, "params") == "11,689,512"  # torchvision's num_params for resnet18
    assert "python scripts/make_html_example.py" in dom.by_id("command").text
    assert not [e for e in dom.iter() if e.attrs.get("id") == "more"]  # every field of the record laid out
    training = parse((ROOT / "docs" / "example_training.html").read_text(encoding="utf-8"))
    assert figure(training, "params") == "11,689,512"
    # 8·3·112·112 float32 input batch = 1,204,224 B at the peak, whatever the phase
    assert "(1,204,224 B)" in " ".join(hover(training.by_id("train-memory")))
    assert "python scripts/make_html_example.py" in training.by_id("command").text


# --- in a browser -------------------------------------------------------------------------------------------
def chromium_binary() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    if os.environ.get("CI"):
        pytest.fail("chromium is missing in CI (.ci/run installs it: apt-get install chromium)")
    pytest.skip("chromium is not installed (apt-get install chromium)")


@dataclasses.dataclass(frozen=True)
class Rendered:
    dom: str
    log: str
    png: Path


def open_in_chromium(page: str, workdir: Path, name: str) -> Rendered:
    """One headless run: the DOM after the scripts ran, the console log, a 1280×2000 screenshot."""
    binary = chromium_binary()
    path = workdir / f"{name}.html"
    path.write_text(page, encoding="utf-8")
    png = workdir / f"{name}.png"
    cmd = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={workdir / ('profile-' + name)}", "--enable-logging=stderr", "--v=0",
           "--hide-scrollbars", f"--screenshot={png}", "--window-size=1280,2000", "--dump-dom", path.as_uri()]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=CHROMIUM_TIMEOUT_S, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return Rendered(done.stdout, done.stderr, png)


@pytest.fixture(scope="module")
def browser(pages: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Rendered]:
    """Each page kind opened once, on first use."""
    workdir = tmp_path_factory.mktemp("html")
    seen: dict[str, Rendered] = {}

    def get(kind: str) -> Rendered:
        if kind not in seen:
            seen[kind] = open_in_chromium(pages[kind], workdir, kind)
        return seen[kind]

    return get


def console_messages(log: str) -> list[str]:
    return [line for line in log.splitlines() if ":CONSOLE" in line or "Uncaught" in line]


@pytest.mark.parametrize("kind", ["analyze", "layer", "explain", "compare", "profile", "sweep", "validate", "fit",
                                  "analyze-train", "analyze-hostile"])
def test_chromium_runs_the_page_script_without_errors(kind: str, browser: Callable[[str], Rendered]) -> None:
    rendered = browser(kind)
    dom = parse(rendered.dom)
    html = dom.find_all("html")[0]
    assert html.attrs.get("data-js") == "ready"
    assert "data-js-errors" not in html.attrs, html.attrs.get("data-js-errors")
    assert console_messages(rendered.log) == []
    assert dom.by_id("json-download").attrs["href"].startswith("data:application/json")
    for th in dom.find_all("th", **{"data-sort": "num"}):
        assert th.attrs.get("aria-sort") == "none"  # the sort handler set every header up


def test_chromium_keeps_markup_names_as_text(browser: Callable[[str], Rendered]) -> None:
    """In the browser's own DOM (after its parser and the page script): the names are text, no element came
    from them and no script of theirs ran."""
    dom = parse(browser("analyze-hostile").dom)
    assert len(dom.find_all("script")) == 3
    assert not [b for b in dom.find_all("b") if b.text == "x"]
    assert dom.find_all("h1")[0].text == f"cnncalc analyze {HOSTILE}"
    assert [tr.find_all("span", class_="nm")[0].text for tr in dom.by_id("modules").find_all("tr")[1:]] == [
        "(model)", HOSTILE, BOLD]


def test_chromium_builds_the_module_tree(browser: Callable[[str], Rendered]) -> None:
    dom = parse(browser("analyze").dom)
    # the script adds a toggle to every module with modules under it: the model row (m0) and layer1 … layer4
    toggles = {e.attrs["id"] for e in dom.find_all("button", class_="tw")}
    assert "tw-modules-m0" in toggles and len(toggles) == 5
    assert dom.by_id("tools-modules").find_all("button")


@pytest.mark.parametrize("kind", ["analyze", "layer", "compare", "profile", "sweep", "validate", "fit",
                                  "analyze-train"])
def test_chromium_screenshot_is_not_blank(kind: str, browser: Callable[[str], Rendered]) -> None:
    png = browser(kind).png
    assert png.stat().st_size > 20_000
    pil = pytest.importorskip("PIL.Image")
    with pil.open(png) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 50  # text, bars and charts: many shades, not one colour
    # and not almost one colour either: the background covers less than 99% of the pixels
    total = sum(n for n, _ in colours)
    assert max(n for n, _ in colours) / total < 0.99


PROBE = """<script>
(function () {
  var out = [];
  function names() {
    return Array.prototype.map.call(document.querySelectorAll('#modules tbody tr[data-depth="1"]'),
      function (r) { return r.querySelector('.nm').textContent; }).join(',');
  }
  var macs = Array.prototype.filter.call(document.querySelectorAll('#modules thead th'),
    function (th) { return th.textContent.trim() === 'MACs'; })[0];
  macs.click();
  out.push('desc=' + names() + ';' + macs.getAttribute('aria-sort'));
  macs.click();
  out.push('asc=' + names() + ';' + macs.getAttribute('aria-sort'));
  macs.click();
  out.push('orig=' + names() + ';' + macs.getAttribute('aria-sort'));
  var layer1 = Array.prototype.filter.call(document.querySelectorAll('#modules tbody tr'),
    function (r) { return r.querySelector('.nm').textContent === 'layer1'; })[0];
  layer1.querySelector('button.tw').click();
  var hidden = document.querySelectorAll('#modules tr.hid').length;
  out.push('hidden=' + hidden);
  var p = document.createElement('pre');
  p.id = 'probe';
  p.textContent = out.join('\\n');
  document.body.appendChild(p);
})();
</script></body>"""


def test_chromium_sorts_within_the_tree_and_collapses(pages: dict[str, str], tmp_path: Path) -> None:
    page = pages["analyze"].replace("</body>", PROBE)
    rendered = open_in_chromium(page, tmp_path, "probe")
    probe = parse(rendered.dom).by_id("probe").text.splitlines()
    assert console_messages(rendered.log) == []
    # resnet18's top-level modules by MACs: layer1 462,422,016; layer2..4 411,041,792 each (ties keep their
    # order); conv1 118,013,952; fc 512,000; then the ones without MACs in their order
    assert probe[0] == "desc=layer1,layer2,layer3,layer4,conv1,fc,bn1,relu,maxpool,avgpool;descending"
    assert probe[1] == "asc=bn1,relu,maxpool,avgpool,fc,conv1,layer2,layer3,layer4,layer1;ascending"
    assert probe[2] == "orig=conv1,bn1,relu,maxpool,layer1,layer2,layer3,layer4,avgpool,fc;none"
    assert probe[3] == "hidden=2"  # layer1.0 and layer1.1 fold away under layer1


def test_pages_share_one_skeleton(pages: dict[str, str]) -> None:
    """Every page kind has the same head, the same stylesheet and the same script."""
    def between(page: str, start: str, end: str) -> str:
        match = re.search(re.escape(start) + "(.*?)" + re.escape(end), page, re.S)
        assert match is not None
        return match.group(1)

    styles = {between(p, "<style>", "</style>") for p in pages.values()}
    heads = {between(p, "<head>", "<title>") for p in pages.values()}
    assert len(styles) == 1 and len(heads) == 1
