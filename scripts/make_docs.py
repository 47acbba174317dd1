"""Writes the generated pages of docs/ from the code (tests/test_docs.py checks they are current).

    python scripts/make_docs.py

docs/agreement.md comes from benchmarks/agreement.py and docs/benchmarks.md from benchmarks/peers.py;
this script writes index.md, conventions.md, formulas.md, zoo.md, peers.md and models.md, and the README's
generated blocks (the design table and the zoo).
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path

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
    from cnncalc.render import render

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


GAPS = """## Where a paper and torchvision differ

- **GoogLeNet**: torchvision's `googlenet` (6,624,904 params without auxiliary heads) uses a 3×3 conv where
  the paper's inception module has 5×5, and BN; `inception_v1` here follows the paper. The paper's table 1
  is not always consistent with its own widths (4c: 509,440 weights listed as 463K; 5a: 51.1M
  multiply-adds listed as 54M).
- **Inception v3**: built as its released weights are, it keeps the auxiliary classifier (27,161,264 params,
  torchvision's `num_params`), which the inference forward never calls: no op reads its 3,326,696 params
  (`cnncalc validate inception_v3` names them).
- **ResNet-50**: torchvision's (v1.5) strides the 3×3 conv, not the first 1×1: 4,089,184,256 MACs, same
  25,557,032 params.
- **LeNet-5**: the paper's 60,000 trainable parameters come from a partially connected C3, trainable
  sub-sampling coefficients and an RBF output; the modern form here has 61,706.
- **ShuffleNet v1**: the paper's complexity column (143, 140, 137, 133, 137 MFLOPs for g = 1, 2, 3, 4, 8)
  leaves the final classifier out.
"""


def zoo() -> str:
    from cnncalc.analysis.entries import zoo_markdown

    return "\n".join(["# The zoo", "", "Architectures torchvision lacks, with their papers; every torchvision "
                      "classification model is also available by name (`cnncalc models`).", "", zoo_markdown(),
                      GAPS])


TASK_TITLES = {"classification": "Classification", "detection": "Detection", "segmentation": "Segmentation",
               "video": "Video", "optical_flow": "Optical flow", "zoo": "The zoo"}


def models() -> str:
    """Every model by task, from the table `cnncalc models` ships (held against live analyses by the tests)."""
    from cnncalc.models.catalogue import catalogue

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

- [Counting conventions](conventions.md): MACs, FLOPs, params, buffers, traffic, intensity.
- [Formulas](formulas.md): every layer design and every primitive op, as the code computes them.
- [The zoo](zoo.md): the seed architectures, their papers, and where papers and torchvision differ.
- [Every model by name](models.md): every torchvision model of every task and the zoo, with the inputs
  their figures refer to; detectors on a real run and at their limits.
- [Analysis time per model family](families.md): cnncalc beside FlopCounterMode and fvcore, one process
  each, for classification, segmentation, video, optical flow and detection.
- [How cnncalc differs from each peer](peers.md) and the [agreement report](agreement.md) it comes from.
- [Benchmarks](benchmarks.md): time, memory and counts beside fvcore, ptflops, thop, torchinfo, torchscan
  and FlopCounterMode.
- [Training memory](training.md): the predicted peak of a training step beside torch's MemTracker (real and
  fake tensors), torchinfo's estimate and the params × constant rule, and how long `fit` takes.
- [Mutation testing](mutation.md): the formulas mutated one operator at a time, and what the suite caught.
- Example HTML reports: [a model](example_report.html) and [a training step](example_training.html).

Every page is generated: `python scripts/make_docs.py` (this index, conventions, formulas, zoo, peers),
`python benchmarks/agreement.py` (agreement), `python benchmarks/peers.py` (benchmarks),
`python benchmarks/families.py --markdown docs/families.md` (families),
`python benchmarks/training.py --markdown docs/training.md` (training),
`python benchmarks/mutation.py --markdown docs/mutation.md` (mutation),
`python scripts/make_html_example.py` (the example pages).
"""

PAGES = {"index.md": lambda: INDEX, "conventions.md": conventions, "formulas.md": formulas, "zoo.md": zoo,
         "peers.md": peers, "models.md": models}
README = ROOT / "README.md"


def readme_blocks() -> dict[str, str]:
    """The README's generated blocks (tests/test_readme.py checks them)."""
    import cnncalc
    from cnncalc.analysis.entries import zoo_markdown
    from cnncalc.render import render

    return {"designs": render(cnncalc.designs(), "markdown"), "zoo": zoo_markdown()}


def write_readme() -> None:
    import re

    text = README.read_text(encoding="utf-8")
    for name, body in readme_blocks().items():
        text = re.sub(rf"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)", lambda m, b=body: m.group(1) + b +
                      m.group(2), text, flags=re.S)
    README.write_text(text, encoding="utf-8")


def main() -> None:
    DOCS.mkdir(exist_ok=True)
    for name, make in PAGES.items():
        (DOCS / name).write_text(make(), encoding="utf-8")
        print(f"wrote docs/{name}")
    write_readme()
    print("wrote the README's generated blocks")


if __name__ == "__main__":
    main()
