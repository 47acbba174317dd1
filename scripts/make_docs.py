"""Writes the generated pages of docs/ from the code (tests/test_docs.py checks they are current).

    python scripts/make_docs.py

docs/agreement.md comes from benchmarks/agreement.py, docs/benchmarks.md from benchmarks/peers.py,
docs/families.md and docs/training.md from their benchmarks; this script writes index.md, conventions.md,
formulas.md, zoo.md, peers.md, models.md and api.md (the API reference, from the docstrings), and the
generated blocks of hand-written pages: the README's headline (what `cnncalc compare xception-dw standard
--cin 3 --cout 256` prints at 100 columns, checked by tests/test_readme.py) and the design table of
docs/designs.md.
"""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def conventions() -> str:
    from cnncalc.conventions import CONVENTION

    lines = ["# Counting conventions", "", "The convention is a named object (`cnncalc.CONVENTION`); every table "
             "ends with its short form, CSV and Markdown headers carry it, JSON has a `convention` object.", ""]
    lines += [f"- {line}" for line in CONVENTION.lines()]
    lines += ["", f"Short form: *{CONVENTION.short}*", ""]
    return "\n".join(lines)


def formulas() -> str:
    import cnncalc
    from cnncalc.formulas import FORMULAS
    from cnncalc.rendering import render

    lines = ["# Formulas", "", "## Layer designs", "", render(cnncalc.designs(), "markdown"), "",
             "## Primitive ops", "", "One pure function per op in `cnncalc/formulas/`; the layer designs and the "
             "model tracer both call these and nothing else computes a cost.", ""]
    for kind, fn in FORMULAS.items():
        doc = inspect.cleandoc(fn.__doc__ or "").replace("\n", " ")
        lines += [f"### `{kind.value}` — `{fn.__module__}.{fn.__name__}`", "", doc, ""]
    from cnncalc.formulas import deform, ordering, pool, recurrent, sample, spectral

    lines += ["### What deformable sampling costs", "", inspect.cleandoc(deform.__doc__ or ""), ""]
    lines += ["### What pooling windows cost", "", inspect.cleandoc(pool.__doc__ or ""), ""]
    lines += ["### What interpolation and grid sampling cost", "", inspect.cleandoc(sample.__doc__ or ""), ""]
    lines += ["### What recurrent layers cost", "", inspect.cleandoc(recurrent.__doc__ or ""), ""]
    lines += ["### What FFTs cost", "", inspect.cleandoc(spectral.__doc__ or ""), ""]
    lines += ["### What sorting costs", "", inspect.cleandoc(ordering.__doc__ or ""), ""]
    return "\n".join(lines)


PAPERS = """Each is checked in `tests/modelzoo/test_zoo.py` against what its paper publishes: AlexNet's
60,965,224 params, Xception's 22,855,952, MobileNet v1's table 6 at every width (569M, 325M, 149M, 41M multiply-adds),
ShuffleNet v1's table 1 for g = 1, 2, 3, 4, 8 (143, 140, 137, 133, 137 MFLOPs; the paper leaves the
classifier out), SE-ResNet-50's 28,088,024 and SE-ResNet-101's 49,326,872, GoogLeNet's table 1 per
inception module. Every torchvision classification model is checked against its weights' `num_params`
and `_ops`.
"""

GAPS = """## Where a paper and torchvision differ

- **GoogLeNet**: torchvision's `googlenet` (6,624,904 params, no auxiliary heads) uses a 3×3 conv where the
  paper's inception module has 5×5, and BN; `inception_v1` here is the paper's (6,998,552 params with conv
  biases; 1,582,671,872 MACs against the paper's "1.5 billion"). The paper's table 1 is not always
  consistent with its own widths: inception 4c's widths give 509,440 weights (497.5K), listed as 463K;
  5a's give 51.1M multiply-adds, listed as 54M.
- **Inception v3**: built as its released weights are, it keeps the auxiliary classifier (27,161,264 params,
  torchvision's `num_params`), which the inference forward never calls: no op reads its 3,326,696 params
  (`cnncalc validate inception_v3` names them).
- **ResNet-50**: torchvision's (v1.5) puts the stride on the 3×3 conv rather than the first 1×1, which
  changes the MACs (4,089,184,256) but not the params (25,557,032).
- **LeNet-5**: the paper's 60,000 trainable parameters come from a partially connected C3, trainable
  sub-sampling coefficients and an RBF output; the modern form here has 61,706.
- **ShuffleNet v1**: the paper's complexity column (143, 140, 137, 133, 137 MFLOPs for g = 1, 2, 3, 4, 8)
  leaves the final classifier out.
"""


def zoo() -> str:
    from cnncalc.analysis.entries import zoo_markdown

    return "\n".join(["# The zoo", "", "The seed architectures torchvision lacks, built from the same blocks as the "
                      "layer designs (`cnncalc/modelzoo/zoo/`), with their papers; every torchvision model of every "
                      "task is also available by name ([models.md](models.md)). How a model is analysed: "
                      "[analysis.md](analysis.md).", "", zoo_markdown(), PAPERS, GAPS])


TASK_TITLES = {"classification": "Classification", "detection": "Detection", "segmentation": "Segmentation",
               "video": "Video", "optical_flow": "Optical flow", "zoo": "The zoo"}


def models() -> str:
    """Every model by task, from the table `cnncalc models` ships (held against live analyses by the tests)."""
    from cnncalc.modelzoo.catalogue import catalogue

    entries = catalogue()
    lines = ["# Every model by name", "", "`cnncalc models [--task …]` lists these from a table that ships with the "
             "package (`scripts/make_catalogue.py` writes it from live analyses; the tests hold it against them). "
             "Each torchvision model is built as its released weights are (detection backbones with "
             "FrozenBatchNorm2d, segmentation models with their auxiliary head), so its params equal the weights' "
             "`num_params`, and analysed at the input its published GFLOPS were measured at: classification at the "
             "crop size of its DEFAULT weights, segmentation at 520×520, video at 16 frames of the crop "
             "(N×C×T×H×W), optical flow at two 512×512 frames, detection at one 3×224×224 image that the model "
             "resizes inside.", "",
             "Detectors keep boxes by score and NMS, so what follows depends on values: they are counted on a real "
             "CPU run (random weights, a seeded random image; `--image` takes a photo). MACs marked * are that "
             "run's; the worst case is the same model at its own limits (every candidate survives the thresholds, "
             "so RPN top-n and detections per image decide). torchvision's published figures were measured with "
             "the released weights: where the counts are fixed by the model (Faster R-CNN R50's 1,000 proposals, "
             "RetinaNet, FCOS and SSD, whose heads run before the NMS) they agree; where detections feed a head "
             "(Mask and Keypoint R-CNN) they were measured where none survived.",
             "", "Quantized builders (`quantized_resnet50`, …) are refused with one line: their int8 kernels run on "
             "packed weights the meta device cannot hold, and fusion folds BN into the convolutions.", ""]
    for task, title in TASK_TITLES.items():
        rows = [e for e in entries if e.task == task]
        lines += [f"## {title} ({len(rows)})", "", "| model | input | params | MACs | worst case MACs |",
                  "|---|---|---:|---:|---:|"]
        for e in rows:
            star = " *" if e.data_dependent else ""
            worst = f"{e.worst_case_macs:,}" if e.worst_case_macs is not None else ""
            lines.append(f"| `{e.name}` | {', '.join(e.inputs)} | {e.params:,} | {e.macs:,}{star} | {worst} |")
        lines.append("")
    lines.append("MACs = multiply-accumulates at the default input; FLOPs = 2 × MACs + other arithmetic.")
    return "\n".join(lines) + "\n"


def peers() -> str:
    data = json.loads((DOCS / "agreement.json").read_text(encoding="utf-8"))
    lines = ["# How cnncalc differs from each peer", "", "Summarised from [agreement.md](agreement.md): for each "
             "tool, what it reports on the probe layers and the rules that reconcile it with cnncalc.", ""]
    for tool in data["tools"]:
        reasons: dict[str, list[str]] = {}
        for row in data["rows"]:
            reasons.setdefault(row["tools"][tool]["why"], []).append(row["probe"])
        lines += [f"## {tool} ({data['units'][tool]})", ""]
        lines += [f"- {why}: {', '.join(probes)}" for why, probes in reasons.items()]
        lines.append("")
    return "\n".join(lines)


INDEX = """# cnncalc documentation

What a convolutional network costs, and how cnncalc knows: guides by task, the reference, and the evidence.
The [README](../README.md) has the two commands, the headline and a tour of the commands.

## Guides, by task

- [Layer designs](designs.md): `layer`, `compare`, `designs` and `sweep`; every design's formulas, spec
  strings, 1-D and 3-D designs, and what deformable convolution costs.
- [Whole models](analysis.md): `analyze`, `validate` and `models`; how a model is traced, every torchvision
  model of every task, inputs and outputs, detectors and other data-dependent ops, models from other packages,
  ops without a formula (`--ops`, `cnncalc.register_op`) and the zoo.
- [Training](training-guide.md): `analyze --train`, `fit` and `profile --train`; a training step's FLOPs and
  memory by category, the largest batch that fits, and how the peak is proven.
- [Timing](profiling.md): `profile` and `compare --time`; how runs are timed, the roofline, per-layer times,
  measured on a GPU and a CPU.
- [Latency](prediction.md): `calibrate` and `predict`, and `--predict` on `compare`, `sweep` and `profile`; how a
  model's time is predicted from its trace without the device, the profile file, shipped profiles, another GPU
  on paper, and how accurate it is.
- [Reports](reports.md): tables that fit the terminal, JSON/CSV/Markdown, one HTML page, notebooks and
  `render(record, format)`.

## Reference

- [Counting conventions](conventions.md): MACs, FLOPs, params, buffers, traffic, intensity.
- [Formulas](formulas.md): every layer design and every primitive op, as the code computes them.
- [API reference](api.md): every public function, its signature and docstring, and every record's fields.
- [Architecture](architecture.md): the package map, the dependency rules, the flow of one command, and how to
  add an op, a design, a record field, a format or a view.
- [Every model by name](models.md): every torchvision model of every task and the zoo, with the inputs
  their figures refer to; detectors on a real run and at their limits.
- [The zoo](zoo.md): the seed architectures, their papers, and where papers and torchvision differ.

## Evidence

- [How the numbers are proven](proof.md): every independent path the tests hold the records to.
- [How cnncalc differs from each peer](peers.md) and the [agreement report](agreement.md) it comes from.
- [Performance](performance.md): cold start, a large input beside fvcore and ptflops, one model per family,
  training memory and `fit`.
- [Benchmarks](benchmarks.md): time, memory and counts beside fvcore, ptflops, thop, torchinfo, torchscan
  and FlopCounterMode.
- [Analysis time per model family](families.md): cnncalc beside FlopCounterMode and fvcore, one process
  each, for classification, segmentation, video, optical flow and detection.
- [Training memory](training.md): the predicted peak of a training step beside torch's MemTracker (real and
  fake tensors), torchinfo's estimate and the params × constant rule, and how long `fit` takes.
- [Mutation testing](mutation.md): the formulas mutated one operator at a time, and what the suite caught.
- Example HTML reports: [a model](example_report.html) and [a training step](example_training.html).

The guides, architecture, proof and performance pages are written by hand. Every other page is generated:
`python scripts/make_docs.py` (this index, conventions, formulas, API reference, zoo, models, peers, and the
design table in designs.md), `python benchmarks/agreement.py` (agreement), `python benchmarks/peers.py`
(benchmarks), `python benchmarks/families.py --markdown docs/families.md` (families),
`python benchmarks/training.py --markdown docs/training.md` (training),
`python scripts/mutation/run.py --sample 120 --seed 0 --markdown docs/mutation.md` (mutation),
`python benchmarks/predict.py --profile NAME --write-docs` (the accuracy tables in prediction.md),
`python scripts/make_html_example.py` (the example pages).
"""

# --- the API reference (docs/api.md), from the docstrings ---------------------------------------------------------
#: the public functions, grouped as a reader looks for them; a function of `cnncalc.__all__` left out of these
#: groups lands in "More functions", so the page never misses one
API_GROUPS = {
    "Layer designs (no torch)": ("layer", "explain", "compare", "designs", "sweep", "layer_options"),
    "Models": ("analyze", "validate", "models", "fit", "profile"),
    "Views": ("render",),
    "Latency without the device": ("calibrate", "predict"),
    "Op formulas": ("register_op", "load_ops", "ops.registered_ops"),
}


def _namespace() -> Any:
    """cnncalc's public namespace as its __init__ defines it, loaded afresh, so that the page does not depend on
    what was imported before."""
    import importlib.util

    import cnncalc

    spec = importlib.util.spec_from_file_location("cnncalc_public_api", cnncalc.__file__)
    assert spec is not None and spec.loader is not None
    namespace = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(namespace)
    return namespace


def _public(name: str) -> Any:
    """`cnncalc.NAME` as __init__ defines it (through its lazy __getattr__ where it is lazy), or `cnncalc.ops.NAME`
    for 'ops.NAME'."""
    import importlib

    module, _, attr = name.rpartition(".")
    return getattr(importlib.import_module(f"cnncalc.{module}") if module else _namespace(), attr)


def _delegate(fn: Any) -> Any:
    """The function a thin wrapper passes its `**options` on to, when its docstring names it ("see
    `cnncalc.comparison.compare`"); else None."""
    import importlib

    target = re.search(r"see `(cnncalc\.[\w.]+)`", _doc(fn))
    if target is None or not any(p.kind is p.VAR_KEYWORD for p in inspect.signature(fn).parameters.values()):
        return None
    module, _, attr = target.group(1).rpartition(".")
    return getattr(importlib.import_module(module), attr)


def _annotation(value: Any) -> str:
    if value is inspect.Parameter.empty:
        return ""
    return value if isinstance(value, str) else inspect.formatannotation(value)


def _default(value: Any) -> str:
    from enum import Enum

    if isinstance(value, Enum):
        return f"{type(value).__name__}.{value.name}"
    text = repr(value)
    return "…" if " at 0x" in text else text


def signature(name: str, fn: Any) -> str:
    """`cnncalc.layer(name: str, **options: Any) -> LayerRecord`, one parameter a line when it is long; the
    annotations as written in the source."""
    sig = inspect.signature(fn)
    params = []
    star = False
    for p in sig.parameters.values():
        if p.kind is p.KEYWORD_ONLY and not star:
            params.append("*")
            star = True
        prefix = "*" if p.kind is p.VAR_POSITIONAL else "**" if p.kind is p.VAR_KEYWORD else ""
        star = star or p.kind is p.VAR_POSITIONAL
        text = prefix + p.name
        ann = _annotation(p.annotation)
        if ann:
            text += f": {ann}"
        if p.default is not p.empty:
            text += f" = {_default(p.default)}" if ann else f"={_default(p.default)}"
        params.append(text)
    ret = _annotation(sig.return_annotation)
    tail = f" -> {ret}" if ret else ""
    one = f"cnncalc.{name}({', '.join(params)}){tail}"
    if len(one) <= 100:
        return one
    return f"cnncalc.{name}(\n" + "".join(f"    {p},\n" for p in params) + f"){tail}"


def _doc(obj: Any) -> str:
    """A docstring, cleaned ('' for a dataclass's generated one)."""
    doc = obj.__doc__ or ""
    if isinstance(obj, type) and doc.startswith(f"{obj.__name__}("):
        return ""
    return inspect.cleandoc(doc)


def _one_line(doc: str) -> str:
    """A docstring's first paragraph on one line."""
    return " ".join(doc.split("\n\n")[0].split())


def _sentence(text: str) -> str:
    """'the counterpart …' → 'The counterpart ….'"""
    text = text.rstrip(".")
    return f"{text[:1].upper()}{text[1:]}." if text else ""


def _clause(text: str) -> str:
    """'The record's table ….' → 'the record's table …' (to follow a colon)."""
    text = text.rstrip(".")
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def _comments(cls: type) -> dict[str, str]:
    """The `#:` comments above a class's attributes, by attribute name."""
    try:
        source = inspect.getsource(cls)
    except (OSError, TypeError):
        return {}
    out: dict[str, str] = {}
    pending: list[str] = []
    for line in source.splitlines()[1:]:
        stripped = line.strip()
        if stripped.startswith("#:"):
            pending.append(stripped[2:].strip())
            continue
        match = re.match(r"^\s+(\w+)\s*:", line)
        if match and pending:
            out[match.group(1)] = " ".join(pending)
        pending = []
    return out


def _nested(hint: Any) -> list[type]:
    """The cnncalc dataclasses and enums inside a type hint (`tuple[LayerRow, ...]`, `Costs | None`)."""
    import dataclasses
    import typing
    from enum import Enum

    found: list[type] = []
    for arg in typing.get_args(hint):
        found += _nested(arg)
    if isinstance(hint, type) and hint.__module__.startswith("cnncalc") and (
            dataclasses.is_dataclass(hint) or issubclass(hint, Enum)):
        found.append(hint)
    return found


def _members(cls: type) -> tuple[list[str], list[type]]:
    """The bullet list of a record class's fields and marked properties, and the records nested in them."""
    import dataclasses
    import typing

    from cnncalc.serialize import items

    hints = typing.get_type_hints(cls)
    types = {f.name: f.type for f in dataclasses.fields(cls)}
    notes = {}
    for klass in reversed(cls.__mro__):
        notes.update(_comments(klass))
    lines, nested = [], []
    for item in items(cls):
        s = item.spec
        if item.is_field:
            kind, about, hint = types[item.name], notes.get(item.name, ""), hints.get(item.name)
        else:
            getter = getattr(cls, item.name).fget
            kind = _annotation(inspect.signature(getter).return_annotation)
            about, hint = _one_line(_doc(getter)), typing.get_type_hints(getter).get("return")
        nested += _nested(hint)
        if s.skip:
            json = "not in JSON"
        elif s.flatten:
            json = "its keys join the record's in JSON"
        elif s.key or s.group:
            json = f"JSON `{'.'.join(k for k in (s.group, s.key or item.name) if k)}`"
        else:
            json = ""
        extra = "; ".join(x for x in (about.rstrip("."), json) if x)
        lines.append(f"- `{item.name}`: `{kind if isinstance(kind, str) else _annotation(kind)}`"
                     + (f". {_sentence(extra)}" if extra else ""))
    return lines, nested


def _extras(cls: type) -> list[str]:
    """Public methods and documented properties beyond the data, and what a Notebook or Listing record adds."""
    from cnncalc.notebook import Listing, Notebook
    from cnncalc.serialize import items

    data = {i.name for i in items(cls)}
    out: list[str] = []
    for klass in reversed(cls.__mro__):
        if not klass.__module__.startswith("cnncalc") or klass in (Notebook, Listing):
            continue
        for name, value in vars(klass).items():
            if name.startswith("_") or name in data:
                continue
            if isinstance(value, property) and _doc(value.fget):
                out.append(f"- `{name}` (property): {_clause(_one_line(_doc(value.fget)))}.")
            elif inspect.isfunction(value):
                params = ", ".join(list(inspect.signature(value).parameters)[1:])
                doc = _one_line(_doc(value))
                out.append(f"- `{name}({params})`" + (f": {_clause(doc)}." if doc else ""))
    if issubclass(cls, Listing):
        out.append(f"- It behaves as the list of its `{cls.ITEMS}` (iteration, `len`, indexing).")
    if issubclass(cls, Notebook):
        out.append("- In a notebook it shows as its HTML page (`_repr_html_`); `to_pandas()`: "
                   + _clause(_one_line(_doc(Notebook.to_pandas))) + ".")
    return out


def _class_section(cls: type, seen: set[type], heading: str = "###") -> tuple[list[str], list[type]]:
    import dataclasses
    from enum import Enum

    seen.add(cls)
    lines = [f"{heading} `{cls.__name__}`", "", f"`{cls.__module__}.{cls.__qualname__}`", ""]
    doc = _doc(cls)
    if doc:
        lines += [doc, ""]
    nested: list[type] = []
    if isinstance(cls, type) and issubclass(cls, Enum):
        lines += ["Values: " + ", ".join(f"`{m.value}`" for m in cls), ""]
    elif dataclasses.is_dataclass(cls):
        members, nested = _members(cls)
        lines += [*members, ""]
    extras = _extras(cls) if dataclasses.is_dataclass(cls) else []
    if extras:
        lines += ["Also:", "", *extras, ""]
    return lines, [n for n in dict.fromkeys(nested) if n not in seen]


def _records(roots: list[type], seen: set[type]) -> list[str]:
    """Each record and, after it, the records nested in its fields (depth first, each once)."""
    lines: list[str] = []
    for cls in roots:
        if cls in seen:
            continue
        section, nested = _class_section(cls, seen)
        lines += section + _records(nested, seen)
    return lines


#: the module whose docstring opens a group of functions
API_INTROS = {"Op formulas": "cnncalc.ops"}


def api() -> str:
    import importlib

    import cnncalc
    from cnncalc.rendering import formats
    from cnncalc.rendering.registry import VIEWS

    formats()  # the views register on first use
    lines = ["# API reference", "",
             "Generated from the docstrings by `python scripts/make_docs.py` (tests/test_docs.py checks it is "
             "current): every name in `cnncalc.__all__`, the records the functions return with their fields, and "
             "the op-formula registry (`cnncalc.ops`). Guides: [index.md](index.md).", "",
             "## `cnncalc`", "", inspect.cleandoc(cnncalc.__doc__ or ""), ""]
    public = list(cnncalc.__all__)
    functions = [n for n in public if inspect.isfunction(_public(n))]
    groups = {title: [n for n in names if n in functions or n.startswith("ops.")]
              for title, names in API_GROUPS.items()}
    groups = {title: names for title, names in groups.items() if names}
    placed = {n for names in groups.values() for n in names}
    more = [n for n in functions if n not in placed]
    if more:
        groups["More functions"] = more
    returned: list[str] = []
    for title, names in groups.items():
        lines += [f"## {title}", ""]
        intro = API_INTROS.get(title)
        if intro is not None:
            lines += [inspect.cleandoc(importlib.import_module(intro).__doc__ or ""), ""]
        for name in names:
            fn = _public(name)
            lines += [f"### `cnncalc.{name}`", "", "```python", signature(name, fn), "```", "", _doc(fn), ""]
            inner = _delegate(fn)
            if inner is not None:
                lines += [f"Its options, as `{inner.__module__}.{inner.__name__}` takes them:", "", "```python",
                          signature(name, inner), "```", "", _doc(inner), ""]
            returned.append(_annotation(inspect.signature(inner or fn).return_annotation))
    seen: set[type] = set()
    lines += ["## Records", "", "What the functions return: frozen dataclasses of exact values, each rendered by "
              "`cnncalc.render(record, format)`. Their fields are their data: every field below is in the JSON "
              "(under its name unless said), and most scalar ones are also columns of the CSV/Markdown rows and "
              "DataFrames. A record nested in another's field follows it.", ""]
    by_name = {cls.__name__: cls for cls in VIEWS}
    ordered = [by_name[r] for r in dict.fromkeys(returned) if r in by_name]  # in the order of the functions
    lines += _records([*ordered, *(cls for cls in VIEWS if cls not in ordered)], seen)
    lines += ["## Other classes", ""]
    others = [_public(n) for n in public if isinstance(_public(n), type) and _public(n) not in seen]
    from cnncalc.ops import RegisteredOp

    lines += _records([*others, RegisteredOp], seen)
    lines += ["## Constants", ""]
    for name in public:
        obj = getattr(cnncalc, name)
        if inspect.isfunction(obj) or inspect.ismodule(obj) or isinstance(obj, type):
            continue
        lines += [f"### `cnncalc.{name}`", ""]
        if isinstance(obj, dict):
            from cnncalc.layers.registry import Preset

            assert all(isinstance(v, Preset) for v in obj.values()), name
            lines += [f"A dict of {len(obj)} entries, name → `Preset` ({_clause(_one_line(_doc(Preset)))}): "
                      + ", ".join(f"`{k}`" for k in obj) + ".", ""]
        else:
            lines += [f"A `{type(obj).__name__}`:", ""]
            lines += [f"- {line}" for line in obj.lines()] if hasattr(obj, "lines") else [f"- `{obj!r}`"]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


PAGES = {"index.md": lambda: INDEX, "conventions.md": conventions, "formulas.md": formulas, "zoo.md": zoo,
         "peers.md": peers, "models.md": models, "api.md": api}

#: the command the README's headline shows, and the width it is printed at
HEADLINE = ["compare", "xception-dw", "standard", "--cin", "3", "--cout", "256"]
HEADLINE_COLUMNS = "100"


def headline() -> str:
    """The README's headline block: the command and what it prints at 100 columns."""
    import contextlib
    import io
    import os

    from cnncalc.cli import main as cli

    out = io.StringIO()
    before = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = HEADLINE_COLUMNS
    try:
        with contextlib.redirect_stdout(out):
            code = cli(HEADLINE)
    finally:
        if before is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = before
    if code != 0:
        raise RuntimeError(f"cnncalc {' '.join(HEADLINE)} exited with {code}")
    printed = [line.rstrip() for line in out.getvalue().splitlines()]
    return "\n".join(["```", f"$ cnncalc {' '.join(HEADLINE)}", *printed, "```"]) + "\n"


def design_table() -> str:
    import cnncalc
    from cnncalc.rendering import render

    return render(cnncalc.designs(), "markdown")


#: the generated blocks of hand-written pages, `<!-- name:start -->` … `<!-- name:end -->`, by page
BLOCKS = {"README.md": {"headline": headline}, "docs/designs.md": {"designs": design_table}}


def block_text(text: str, name: str) -> str | None:
    """What a page's block holds now (None: the page has no such block)."""
    match = re.search(rf"<!-- {name}:start -->\n(.*?)<!-- {name}:end -->", text, re.S)
    return match.group(1) if match else None


def write_blocks() -> None:
    for page, blocks in BLOCKS.items():
        path = ROOT / page
        text = path.read_text(encoding="utf-8")
        for name, make in blocks.items():
            if block_text(text, name) is None:
                raise RuntimeError(f"{page} has no <!-- {name}:start --> … <!-- {name}:end --> block")
            start, end = f"<!-- {name}:start -->\n", f"<!-- {name}:end -->"
            before, rest = text.split(start, 1)
            text = before + start + make() + end + rest.split(end, 1)[1]
        path.write_text(text, encoding="utf-8")
        print(f"wrote the generated blocks of {page}")


def main() -> None:
    DOCS.mkdir(exist_ok=True)
    for name, make in PAGES.items():
        (DOCS / name).write_text(make(), encoding="utf-8")
        print(f"wrote docs/{name}")
    write_blocks()


if __name__ == "__main__":
    main()
