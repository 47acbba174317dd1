"""Every cnncalc figure printed in README.md's and docs/'s tables, held against a path that shares none of
cnncalc's code: hand arithmetic written here, numel of the real model, FlopCounterMode on meta tensors,
torchvision's published weights metadata, and FlopCounterMode on one real detector run.

test_readme.py and test_docs.py check that those pages are what the code prints today (freshness); this file
checks that what it prints is right. docs/agreement.md is recomputed by test_agreement.py; the design table's
formulas are symbols, and the timing columns measurements, so neither is checked here.
"""

from __future__ import annotations

import functools
import math
import re
from pathlib import Path
from typing import Any

import pytest
import torch
import torchvision
from torch import nn
from torchcount import flop_counter_macs

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = ROOT / "docs"


def integer(text: str) -> int:
    """'39,889,920' → 39889920 (the first number in a cell)."""
    match = re.search(r"\d[\d,]*", text)
    assert match, text
    return int(match.group(0).replace(",", ""))


def shown(value: float, text: str) -> bool:
    """Whether a decimal as printed ('49.6', '8.69', '49') is `value` rounded to the digits shown."""
    decimals = len(text.split(".")[1]) if "." in text else 0
    return abs(float(text) - value) <= 0.5 * 10 ** -decimals + 1e-12


def markdown_rows(text: str) -> list[dict[str, str]]:
    """The rows of every Markdown table in `text`, as {header: cell} (code spans unwrapped)."""
    rows: list[dict[str, str]] = []
    header: list[str] | None = None
    for line in text.splitlines():
        if not line.startswith("|"):
            header = None
            continue
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if header is None:
            header = cells
        elif not set("".join(cells)) <= set("-: "):
            rows.append(dict(zip(header, cells, strict=True)))
    return rows


def readme_block(name: str) -> str:
    match = re.search(rf"<!-- {name}:start -->\n(.*?)<!-- {name}:end -->", README, re.S)
    assert match, f"README has no {name} block"
    return match.group(1)


# --- the headline: xception-dw against standard, 3 → 256 channels, 3×3, 224×224, float32 ------------------------
HW = 224 * 224  # 50,176 output positions ('same' padding, stride 1)
# xception-dw: a depthwise 3×3 on 3 channels (3·3·3 = 27 weights), then a pointwise 3 → 256 (3·256 = 768)
SEP_PARAMS = 27 + 768  # 795
SEP_MACS = 27 * HW + 768 * HW  # 1,354,752 + 38,535,168 = 39,889,920
# standard: 3·3·3·256 = 6,912 weights, each used at every position
STD_PARAMS = 3 * 3 * 3 * 256  # 6,912
STD_MACS = STD_PARAMS * HW  # 346,816,512
# no bias, no activation: FLOPs = 2 · MACs
SEP_FLOPS, STD_FLOPS = 2 * SEP_MACS, 2 * STD_MACS  # 79,779,840 and 693,633,024
# activations written, float32: the depthwise output 3·224² and the pointwise output 256·224²; standard only the
# latter
SEP_ACT = (3 * HW + 256 * HW) * 4  # 51,982,336 B = 49.57 MiB
STD_ACT = 256 * HW * 4  # 51,380,224 B = 49.00 MiB
# memory traffic: each op reads its input and weights and writes its output, once
SEP_TRAFFIC = ((3 * HW + 27 + 3 * HW) + (3 * HW + 768 + 256 * HW)) * 4  # 53,189,740 B = 50.73 MiB
STD_TRAFFIC = (3 * HW + 6_912 + 256 * HW) * 4  # 52,009,984 B = 49.60 MiB
MIB = 2**20
HEADLINE_ROWS: dict[str, tuple[Any, Any]] = {
    "output shape": ("1×256×224×224", "1×256×224×224"),
    "params": (SEP_PARAMS, STD_PARAMS),
    "weights/biases": ((SEP_PARAMS, 0), (STD_PARAMS, 0)),
    "MACs": (SEP_MACS, STD_MACS),
    "FLOPs": (SEP_FLOPS, STD_FLOPS),
    "activations written": (SEP_ACT / MIB, STD_ACT / MIB),
    "memory traffic": (SEP_TRAFFIC / MIB, STD_TRAFFIC / MIB),
    "intensity (FLOP/B)": (SEP_FLOPS / SEP_TRAFFIC, STD_FLOPS / STD_TRAFFIC),  # 1.4999 and 13.34
    "receptive field": ("3×3, jump 1×1", "3×3, jump 1×1"),
}


def headline_table() -> dict[str, tuple[str, str]]:
    rows = {}
    for line in readme_block("headline").splitlines():
        cells = [c.strip() for c in line.split("│")]
        if len(cells) == 5 and cells[1]:
            rows[cells[1]] = (cells[2], cells[3])
    return rows


def test_headline_table_by_hand() -> None:
    rows = headline_table()
    assert set(rows) == {"design", *HEADLINE_ROWS}
    for label, (sep, std) in HEADLINE_ROWS.items():
        sep_cell, std_cell = rows[label]
        std_value, _, ratio = std_cell.partition("  ")  # the second column carries its ratio to the first
        for value, text in ((sep, sep_cell), (std, std_value.strip())):
            if isinstance(value, str):
                assert text == value, label
            elif isinstance(value, tuple):
                assert tuple(integer(t) for t in text.split("/")) == value, label
            elif isinstance(value, int):
                assert text == f"{value:,}", label
            else:
                assert shown(value, text.removesuffix(" MiB")), (label, text, value)
        if ratio:
            sign, number = ratio.strip()[0], ratio.strip()[1:]
            expected = std / sep if sign == "×" else sep / std
            assert shown(expected, number), (label, ratio, expected)
    # the ratios: 6,912 / 795 = 8.694 (params, MACs and FLOPs alike); 49.57 / 49.00 MiB = ÷1.01; 50.73 / 49.60 = ÷1.02
    assert rows["params"][1].endswith("×8.69") and rows["memory traffic"][1].endswith("÷1.02")


def formula_lines() -> list[tuple[str, str, str]]:
    """(design, quantity, formula) from the lines under the table; a line that starts with '=' continues the
    one above it."""
    lines: list[str] = []
    text = readme_block("headline").split("└")[1].split("\n", 1)[1]
    for line in text.split("\n\n")[0].splitlines():
        if line.strip().startswith("=") and lines:
            lines[-1] += " " + line.strip()
        else:
            lines.append(line)
    out, design = [], ""
    for line in lines:
        match = re.match(r"^(\S+)?\s+(params|MACs|FLOPs)\s+(.*)$", line)
        assert match, line
        design = match.group(1) or design
        out.append((design, match.group(2), match.group(3)))
    return out


def test_headline_formulas_by_hand() -> None:
    expected = {("xception-dw", "params"): SEP_PARAMS, ("xception-dw", "MACs"): SEP_MACS,
                ("xception-dw", "FLOPs"): SEP_FLOPS, ("standard", "params"): STD_PARAMS,
                ("standard", "MACs"): STD_MACS, ("standard", "FLOPs"): STD_FLOPS}
    found = formula_lines()
    assert {(d, q) for d, q, _ in found} == set(expected)
    for design, quantity, formula in found:
        # every numeric side of 'symbols = numbers = … = total' is the same number, and that is the hand figure
        numeric = [side for side in formula.split(" = ") if not re.search(r"[a-zA-Z]", side)]
        values = {sum(math.prod(integer(f) for f in term.split("·")) for term in side.split(" + ")) for side in numeric}
        assert values == {expected[design, quantity]}, (design, quantity, formula)


def test_headline_summary_by_hand() -> None:
    summary = readme_block("headline").split("\n\n")[1]
    # 6,912 / 795 = 8.69 for params, MACs and FLOPs (the same ratio: every weight is used at every position);
    # traffic 53,189,740 / 52,009,984 = 1.02 more bytes moved by the separable layer
    assert "8.69× fewer params, 8.69× fewer MACs, 8.69× fewer FLOPs, 1.02× more bytes" in " ".join(summary.split())
    assert shown(STD_PARAMS / SEP_PARAMS, "8.69") and shown(STD_MACS / SEP_MACS, "8.69")
    assert shown(SEP_TRAFFIC / STD_TRAFFIC, "1.02")
    assert "input 1×3×224×224, float32." in summary


# --- the zoo: docs/zoo.md and the zoo section of docs/models.md --------------------------------------------------
def zoo_tables() -> dict[str, list[dict[str, str]]]:
    models = (DOCS / "models.md").read_text(encoding="utf-8").split("## The zoo")[1]
    return {"docs/zoo.md": markdown_rows((DOCS / "zoo.md").read_text(encoding="utf-8")),
            "docs/models.md": markdown_rows(models)}


ZOO_ROWS = zoo_tables()


def deform_conv_macs(module: nn.Module, x: torch.Tensor) -> int:
    """torchvision's deform_conv2d, which FlopCounterMode does not see, from each layer's shapes: a dense k×k
    convolution over the sampled columns, (cin/g)·kh·kw MACs per output element."""
    from torchvision.ops import DeformConv2d

    total = 0

    def count(layer: nn.Module, args: Any, out: torch.Tensor) -> None:
        nonlocal total
        total += layer.weight[0].numel() * out.numel()

    hooks = [m.register_forward_hook(count) for m in module.modules() if isinstance(m, DeformConv2d)]
    try:
        with torch.no_grad():
            module(x)
    finally:
        for hook in hooks:
            hook.remove()
    return total


@functools.cache
def zoo_oracle(name: str) -> tuple[tuple[int, ...], int, int]:
    """Input shape, params (numel of the model with real weights), MACs (FlopCounterMode on meta tensors, plus
    the deformable convolutions counted from their shapes)."""
    from cnncalc.modelzoo.sources import load_model

    loaded = load_model(name)
    real = loaded.real()
    params = sum(p.numel() for p in real.parameters())
    meta = real.to("meta")
    x = torch.empty(loaded.input_shape, device="meta")
    return loaded.input_shape, params, flop_counter_macs(meta, x) + deform_conv_macs(meta, x)


@pytest.mark.parametrize("name", [row["model"] for row in ZOO_ROWS["docs/zoo.md"]])
def test_zoo_tables_against_numel_and_flop_counter(name: str) -> None:
    shape, params, macs = zoo_oracle(name)
    for page, rows in ZOO_ROWS.items():
        row = next(r for r in rows if r["model"] == name)
        assert tuple(integer(d) for d in re.split("[×x]", row["input"])) == shape, page
        assert (integer(row["params"]), integer(row["MACs"])) == (params, macs), page


def test_zoo_tables_list_the_same_models() -> None:
    names = {page: [r["model"] for r in rows] for page, rows in ZOO_ROWS.items()}
    assert names["docs/zoo.md"] == names["docs/models.md"]
    assert len(names["docs/zoo.md"]) == 20


def test_deform_resnet50_deformable_macs_by_hand() -> None:
    from cnncalc.modelzoo.sources import load_model

    # stages 4 and 5 of ResNet-50 with deformable 3×3 convs: layer3's six 256→256 3×3 at 14×14 (the first has
    # the stride, from 28×28) and layer4's three 512→512 at 7×7: 9·256·256·196·6 + 9·512·512·49·3
    by_hand = 9 * 256 * 256 * 14 * 14 * 6 + 9 * 512 * 512 * 7 * 7 * 3
    assert by_hand == 693_633_024 + 346_816_512
    loaded = load_model("deform_resnet50")
    assert deform_conv_macs(loaded.module, torch.empty(loaded.input_shape, device="meta")) == by_hand


# --- docs/models.md: every torchvision model against its published weights metadata -----------------------------
def models_sections() -> dict[str, list[dict[str, str]]]:
    text = (DOCS / "models.md").read_text(encoding="utf-8")
    sections = re.split(r"^## ", text, flags=re.M)[1:]
    return {s.split("\n", 1)[0].split(" (")[0]: markdown_rows(s) for s in sections if "|" in s}


MODEL_SECTIONS = models_sections()
TORCHVISION_ROWS = [(task, row) for task, rows in MODEL_SECTIONS.items() if task != "The zoo" for row in rows]


def test_models_page_lists_every_torchvision_model() -> None:
    from torchvision.models import list_models

    listed = {row["model"] for _, row in TORCHVISION_ROWS}
    quantized = set(list_models(module=torchvision.models.quantization))
    assert listed == set(list_models()) - quantized
    assert set(MODEL_SECTIONS) == {"Classification", "Detection", "Segmentation", "Video", "Optical flow",
                                   "The zoo"}


@pytest.mark.parametrize("task, row", TORCHVISION_ROWS, ids=[row["model"] for _, row in TORCHVISION_ROWS])
def test_models_page_against_weights_metadata(task: str, row: dict[str, str]) -> None:
    meta = torchvision.models.get_model_weights(row["model"]).DEFAULT.meta
    assert integer(row["params"]) == meta["num_params"]
    if task == "Detection":  # MACs depend on the detections (a real run): see the next test
        assert row["MACs"].endswith("*")
        return
    # torchvision's "GFLOPS" are MACs rounded to 3 decimals
    assert abs(integer(row["MACs"]) / 1e9 - meta["_ops"]) <= 0.0005 + 1e-9, (integer(row["MACs"]), meta["_ops"])


def test_ssdlite_on_a_real_run() -> None:
    """The one detector checked on a real run: SSDlite's heads run on every anchor before the NMS, so its MACs do
    not depend on the detections, and its worst case (every candidate kept) is the same."""
    name = "ssdlite320_mobilenet_v3_large"
    row = next(r for _, r in TORCHVISION_ROWS if r["model"] == name)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = torchvision.models.get_model(name, weights=None, weights_backbone=None).eval()
        image = torch.rand(3, 224, 224)
    assert sum(p.numel() for p in model.parameters()) == integer(row["params"])
    macs = flop_counter_macs(model, [image])  # type: ignore[arg-type]
    assert integer(row["MACs"]) == integer(row["worst case MACs"]) == macs


# --- docs/benchmarks.md: cnncalc's count column ------------------------------------------------------------------
def benchmark_rows() -> list[tuple[str, tuple[int, ...], int]]:
    rows = markdown_rows((DOCS / "benchmarks.md").read_text(encoding="utf-8"))
    return [(r["model"], tuple(int(d) for d in r["input"].split("×")), integer(r["cnncalc"].split(",", 2)[-1]))
            for r in rows]


BENCHMARK_ROWS = benchmark_rows()


def block_macs(name: str, shape: tuple[int, ...]) -> int:
    """The two layer blocks the benchmarks time, by hand."""
    n, c, h, w = shape
    if name == "block:se":  # C = 256, r = 16: two 1×1 convs on the pooled vector, 2·256·16 = 8,192 per item
        return n * 2 * c * (c // 16)
    # deformable 3×3, 256 → 256, v1: the offset conv to 2·9 = 18 channels (9·256·18 = 41,472 weights) and the
    # k×k conv over the sampled columns (9·256·256 = 589,824), both at every output position
    assert name == "block:deformable"
    return n * h * w * (9 * c * 18 + 9 * c * 256)


@pytest.mark.parametrize("name, shape, macs", BENCHMARK_ROWS, ids=[f"{n}-{'x'.join(map(str, s))}"
                                                                   for n, s, _ in BENCHMARK_ROWS])
def test_benchmark_counts(name: str, shape: tuple[int, ...], macs: int) -> None:
    if name.startswith("block:"):
        assert macs == block_macs(name, shape)
        return
    with torch.device("meta"):
        model = torchvision.models.get_model(name).eval()
    assert macs == flop_counter_macs(model, torch.empty(shape, device="meta"))


def test_performance_peers_table_count() -> None:
    # docs/performance.md's tracer_vs_peers table: cnncalc's count for ResNet-50 at 8×3×1024², as docs/benchmarks.md
    row = next(r for r in markdown_rows((DOCS / "performance.md").read_text(encoding="utf-8"))
               if r.get("tool") == "cnncalc")
    assert integer(row["count"]) == next(m for n, s, m in BENCHMARK_ROWS if (n, s) == ("resnet50", (8, 3, 1024, 1024)))


def test_models_page_exact_macs_of_the_benchmarked_models() -> None:
    # _ops has 3 decimals; where the benchmarks hold a classifier's exact count at 224² to FlopCounterMode (above),
    # docs/models.md must print the same integer
    listed = {row["model"]: integer(row["MACs"]) for _, row in TORCHVISION_ROWS}
    exact = {n: m for n, s, m in BENCHMARK_ROWS if s == (1, 3, 224, 224) and n in listed}
    assert {"resnet18", "resnet50", "mobilenet_v2", "shufflenet_v2_x1_0"} <= set(exact)
    assert all(listed[n] == m for n, m in exact.items()), (listed, exact)


# --- figures in the prose of README.md and the pages of docs/ written by hand (and zoo.md) ------------------------
PROSE_PAGES = ["zoo.md", "designs.md", "analysis.md", "training-guide.md", "profiling.md", "reports.md", "proof.md",
               "performance.md", "architecture.md"]
PROSE = " ".join((README + "".join((DOCS / p).read_text(encoding="utf-8") for p in PROSE_PAGES)).split())


def test_prose_figures_by_hand_and_numel() -> None:
    with torch.device("meta"):
        googlenet = torchvision.models.googlenet(aux_logits=False, init_weights=False)
        inception_v3 = torchvision.models.inception_v3(aux_logits=True, init_weights=False)
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    # torchvision's googlenet without auxiliary heads; inception_v3 with its auxiliary classifier and without
    assert "`googlenet` (6,624,904 params" in PROSE and count(googlenet) == 6_624_904
    assert "27,161,264 params" in PROSE and count(inception_v3) == 27_161_264
    assert "its 3,326,696 params" in PROSE and count(inception_v3.AuxLogits) == 3_326_696
    # GoogLeNet's table 1 widths: 4c (cin 512: 128, 128, 256, 24, 64, 64) and 5a (cin 832, 7×7: 256, 160, 320,
    # 32, 128, 128), weights only
    four_c = 512 * 128 + 512 * 128 + 9 * 128 * 256 + 512 * 24 + 25 * 24 * 64 + 512 * 64
    five_a = (832 * 256 + 832 * 160 + 9 * 160 * 320 + 832 * 32 + 25 * 32 * 128 + 832 * 128) * 7 * 7
    assert "509,440 weights" in PROSE and four_c == 509_440 and shown(four_c / 1024, "497.5")
    assert "51.1M multiply-adds" in PROSE and shown(five_a / 1e6, "51.1")
    # inception (3a): 192·64 + 192·96 + 9·96·128 + 192·16 + 25·16·32 + 192·32 weights at 28×28
    three_a = 192 * 64 + 192 * 96 + 9 * 96 * 128 + 192 * 16 + 25 * 16 * 32 + 192 * 32
    assert "163,328 params" in PROSE and three_a == 163_328 and three_a * 28 * 28 == 128_049_152
    # the published figures README quotes for torchvision's models
    ops = {n: torchvision.models.get_model_weights(n).DEFAULT.meta
           for n in ("resnet50", "r3d_18", "deeplabv3_resnet50")}
    assert "4,089,184,256" in PROSE and abs(4_089_184_256 / 1e9 - ops["resnet50"]["_ops"]) < 5e-4
    assert "25,557,032" in PROSE and ops["resnet50"]["num_params"] == 25_557_032
    assert "40.697 GMACs" in PROSE and ops["r3d_18"]["_ops"] == pytest.approx(40.697)
    assert "aux head included: 178.722" in PROSE and ops["deeplabv3_resnet50"]["_ops"] == pytest.approx(178.722)
