"""The self-contained HTML pages (`cnncalc/render/html.py`): each kind of record rendered, parsed back to check
that the figures are in the DOM, free of network references, escaped; then opened in headless Chromium to
check that the script ran without errors, that the tree and the sort work, and that the page is not blank.

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

import cnncalc
from cnncalc.analysis.analyze import analyze
from cnncalc.analysis.report import ModelReport
from cnncalc.conventions import CONVENTION
from cnncalc.render.html import profile_html, records_html, report_html, sweep_html, validation_html

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_TIMEOUT_S = 30  # a run takes about a second; the limit only stops a hung browser


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


# --- the pages, each rendered once ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def resnet18() -> ModelReport:
    return analyze("resnet18")


@pytest.fixture(scope="module")
def lenet5_profile() -> Any:
    from cnncalc.profile.run import profile

    return profile("lenet5", device="cpu", batch="1,2", min_time=0.1, warmup=1, per_layer=True)


@pytest.fixture(scope="module")
def pages(resnet18: ModelReport, lenet5_profile: Any) -> dict[str, str]:
    from cnncalc.analysis.validate import validate
    from cnncalc.sweep import sweep

    base = cnncalc.layer_options(cin=3, cout=256)
    return {
        "analyze": report_html(resnet18, "cnncalc analyze resnet18 --depth 2 --format html", depth=2),
        "analyze-lenet5": report_html(analyze("lenet5"), "cnncalc analyze lenet5 --format html"),
        "layer": records_html([cnncalc.layer("xception-dw", cin=3, cout=256)],
                              "cnncalc layer xception-dw --cin 3 --cout 256 --format html"),
        "compare": records_html(cnncalc.compare("xception-dw", "standard", cin=3, cout=256),
                                "cnncalc compare xception-dw standard --cin 3 --cout 256 --format html"),
        "compare-models": records_html([analyze("lenet5").summary(), resnet18.summary()],
                                       "cnncalc compare lenet5 resnet18 --format html"),
        "profile": profile_html(lenet5_profile, "cnncalc profile lenet5 --batch 1,2 --per-layer --format html"),
        "sweep": sweep_html(sweep("xception-dw", "cout=64,128,256", base), "xception-dw", "cout=64,128,256",
                            "cnncalc sweep xception-dw --cin 3 --vary cout=64,128,256 --format html"),
        "sweep-model": sweep_html(sweep("lenet5", "batch=1,2,4"), "lenet5", "batch=1,2,4",
                                  "cnncalc sweep lenet5 --vary batch=1,2,4 --format html"),
        "validate": validation_html([validate("lenet5", fvcore=False)],
                                    "cnncalc validate lenet5 --no-fvcore --format html"),
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


@pytest.mark.parametrize("kind", ["analyze", "analyze-lenet5", "layer", "compare", "compare-models", "profile",
                                  "sweep", "sweep-model", "validate"])
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


def test_embedded_json_is_the_record(doms: dict[str, Element], resnet18: ModelReport) -> None:
    assert embedded(doms["analyze"])["data"] == json.loads(json.dumps(resnet18.to_dict()))


def test_text_is_escaped(resnet18: ModelReport) -> None:
    hostile = "<script>alert('x')</script>&"
    page = report_html(dataclasses.replace(resnet18, model=hostile), f"cnncalc analyze '{hostile}'")
    assert hostile not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&amp;" in page
    dom = parse(page)
    assert embedded(dom)["data"]["model"] == hostile  # the JSON keeps it whole, and cannot close its <script>
    assert len(dom.find_all("script")) == 3  # the error trap, the data, the page script


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
    dom = parse(report_html(Later(**fields), "cnncalc analyze resnet18 --backward"))
    assert figure(dom, "backward-macs") == "3,628,146,688"
    assert "aten.frobnicate.default ×2 in layer1.0" in " ".join(dom.by_id("uncounted").text.split())
    more = dom.by_id("more").text
    assert "training_memory" in more and "46758048" in more


def test_profile_tree_groups_modules_by_name(lenet5_profile: Any) -> None:
    """Per-layer timings come for modules without submodules; the page nests them by their dotted names and
    a group row shows the sum of its modules."""
    from cnncalc.profile.report import LayerTime

    layers = (LayerTime("conv1", "Conv2d", 0.5, 1_000, 100, 0.001),
              LayerTime("layer1.0.conv1", "Conv2d", 0.25, 2_000, 200, 0.002),
              LayerTime("layer1.0.conv2", "Conv2d", 0.125, 4_000, 400, 0.004),
              LayerTime("layer1.1.conv1", "Conv2d", 0.0625, 8_000, 800, 0.008))
    dom = parse(profile_html(dataclasses.replace(lenet5_profile, layers=layers), "cnncalc profile lenet5 --per-layer"))
    # layer1 = 0.25 + 0.125 + 0.0625 = 0.4375 ms, 2,000 + 4,000 + 8,000 = 14,000 FLOPs
    assert row(dom, "layers", "layer1")[2:4] == ["0.438", "14,000"]
    assert row(dom, "layers", "(timed")[2:4] == ["0.938", "15,000"]
    depths = {tr.attrs["data-depth"] for tr in dom.by_id("layers").find_all("tr") if "data-depth" in tr.attrs}
    assert depths == {"0", "1", "2", "3"}


def test_layer_pages_do_not_import_torch() -> None:
    """`layer` and `compare` never import torch (DESIGN.md); neither does their page."""
    code = ("import sys, cnncalc; from cnncalc.render.html import records_html; "
            "records_html(cnncalc.compare('xception-dw', 'standard', cin=3, cout=256), 'c'); "
            "print('torch' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "False"


def test_a_large_model_page_stays_light() -> None:
    page = report_html(analyze("resnet50"), "cnncalc analyze resnet50 --depth 3", depth=3)
    assert len(page.encode()) < 1_000_000


def test_example_page_is_kept() -> None:
    example = (ROOT / "docs" / "example_report.html").read_text(encoding="utf-8")
    dom = parse(example)
    assert figure(dom, "params") == "11,689,512"  # torchvision's num_params for resnet18
    assert "python scripts/make_html_example.py" in dom.by_id("command").text


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


@pytest.mark.parametrize("kind", ["analyze", "layer", "compare", "profile", "sweep", "validate"])
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


def test_chromium_builds_the_module_tree(browser: Callable[[str], Rendered]) -> None:
    dom = parse(browser("analyze").dom)
    # the script adds a toggle to every module with modules under it: the model row (m0) and layer1 … layer4
    toggles = {e.attrs["id"] for e in dom.find_all("button", class_="tw")}
    assert "tw-modules-m0" in toggles and len(toggles) == 5
    assert dom.by_id("tools-modules").find_all("button")


@pytest.mark.parametrize("kind", ["analyze", "layer", "compare", "profile", "sweep", "validate"])
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
