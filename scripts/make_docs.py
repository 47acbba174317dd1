"""Writes the generated pages of docs/ from the code (tests/test_docs.py checks they are current).

    python scripts/make_docs.py

docs/agreement.md comes from benchmarks/agreement.py and docs/benchmarks.md from benchmarks/peers.py;
this script writes index.md, conventions.md, formulas.md, zoo.md and peers.md.
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
    from cnncalc.formulas import FORMULAS
    from cnncalc.layers import PRESETS
    from cnncalc.render.designs import designs_markdown

    lines = ["# Formulas", "", "## Layer designs", "", designs_markdown(list(PRESETS.values())), "",
             "## Primitive ops", "", "One pure function per op in `cnncalc/formulas/`; the layer designs and the "
             "model tracer both call these and nothing else computes a cost.", ""]
    for kind, fn in FORMULAS.items():
        doc = inspect.cleandoc(fn.__doc__ or "").replace("\n", " ")
        lines += [f"### `{kind.value}` — `{fn.__module__}.{fn.__name__}`", "", doc, ""]
    from cnncalc.formulas import deform

    lines += ["### What deformable sampling costs", "", inspect.cleandoc(deform.__doc__ or ""), ""]
    return "\n".join(lines)


GAPS = """## Where a paper and torchvision differ

- **GoogLeNet**: torchvision's `googlenet` (6,624,904 params without auxiliary heads) uses a 3×3 conv where
  the paper's inception module has 5×5, and BN; `inception_v1` here follows the paper. The paper's table 1
  is not always consistent with its own widths (4c: 509,440 weights listed as 463K; 5a: 51.1M
  multiply-adds listed as 54M).
- **Inception v3**: torchvision's weight table counts the auxiliary classifier (27,161,264 params); built
  for inference it has 23,834,568.
- **ResNet-50**: torchvision's (v1.5) strides the 3×3 conv, not the first 1×1: 4,089,184,256 MACs, same
  25,557,032 params.
- **LeNet-5**: the paper's 60,000 trainable parameters come from a partially connected C3, trainable
  sub-sampling coefficients and an RBF output; the modern form here has 61,706.
- **ShuffleNet v1**: the paper's complexity column (143, 140, 137, 133, 137 MFLOPs for g = 1, 2, 3, 4, 8)
  leaves the final classifier out.
"""


def zoo() -> str:
    from cnncalc.models.catalogue import zoo_markdown

    return "\n".join(["# The zoo", "", "Architectures torchvision lacks, with their papers; every torchvision "
                      "classification model is also available by name (`cnncalc models`).", "", zoo_markdown(),
                      GAPS])


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
- [How cnncalc differs from each peer](peers.md) and the [agreement report](agreement.md) it comes from.
- [Benchmarks](benchmarks.md): time, memory and counts beside fvcore, ptflops, thop, torchinfo, torchscan
  and FlopCounterMode.

Every page is generated: `python scripts/make_docs.py` (this index, conventions, formulas, zoo, peers),
`python benchmarks/agreement.py` (agreement), `python benchmarks/peers.py` (benchmarks).
"""

PAGES = {"index.md": lambda: INDEX, "conventions.md": conventions, "formulas.md": formulas, "zoo.md": zoo,
         "peers.md": peers}


def main() -> None:
    DOCS.mkdir(exist_ok=True)
    for name, make in PAGES.items():
        (DOCS / name).write_text(make(), encoding="utf-8")
        print(f"wrote docs/{name}")


if __name__ == "__main__":
    main()
