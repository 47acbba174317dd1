"""Mutation testing of the formulas, the layer presets and the tracer's aten handlers, on a fast test selection.

    pip install mutmut==3.8.1                                   # not a dependency of cnncalc, not run in CI
    nice python benchmarks/mutation.py --max-mutants 120 --seeds 0,1 --time-budget 1800 --markdown docs/mutation.md
    python benchmarks/mutation.py --modules aten --max-per-file 20 --time-budget 600
    python benchmarks/mutation.py --only 'cnncalc.formulas.conv.x_conv2d__mutmut_7'   # recheck one survivor
    python benchmarks/mutation.py                               # all ~5,000 mutants: hours

mutmut changes one thing at a time in a function (`*` → `/`, `2` → `3`, `<` → `<=`, an argument dropped or
set to None, a string changed, …) and runs the tests of the selection that call that function; a mutant that
no test notices ("survived") is a change to a count, a shape or a label that the tests let through. The report
gives, per module, the mutants generated, sampled, killed, survived, not reached by any test, timed out, and
the score; then each surviving mutant as file:line with the changed lines, to be turned into a test.

The working tree is never written to: cnncalc/, tests/ and pyproject.toml are copied (from the working tree,
or with --ref from a git revision) to a temporary directory; mutmut's configuration goes into that copy's
pyproject.toml and mutmut runs there, writing its mutated files under `mutants/`. The directory is removed at
the end, also when the script is interrupted (--keep leaves it for a look).

What the script adds to mutmut, only in the temporary copy:
- mutmut 3 does not mutate decorated functions, and the formulas (`@register_formula`), the aten handlers
  (`@handles`) and the cost properties (`@property`) are decorated. Their decorators are applied at the end
  of the module instead (`conv2d = (register_formula(OpKind.conv))(conv2d)`), the decorator lines left blank
  so that line numbers are those of the source.
- Code that runs at import (the registering decorators, `register_layer`, `Ops.__getattr__`) is credited by
  mutmut to the first test. So the first test is one written into the copy that imports the mutated modules
  and compares their module-level tables (HANDLERS, FORMULAS, PRESETS, …) with those of the unmutated copy;
  mutmut forks each mutant's run from a process that has imported torch but not cnncalc, so cnncalc is
  imported with the mutant switched on.
- --max-mutants / --max-per-file draw a sample with a fixed seed, round-robin over the files so that every
  module gets its share; --seeds 0,1 draws one sample per seed and runs their union once (a mutant in two
  samples runs once), reporting a table per seed and a combined line over the distinct mutants. The report
  says, per seed, whether tests/test_mutation_survivors.py was written against that sample's survivors
  (WRITTEN_AGAINST) or the seed is out of sample: only an out-of-sample score estimates what the tests let
  through, since a sample's survivors, once read, get a test or an EQUIVALENT entry.
  --skip-strings leaves out mutants of string literals; --time-budget stops mutmut and reports what finished.

mutmut mutates function and method bodies only: module-level tables (the aten op lists, ZERO_COST) and class
attributes (a preset's `defaults`) are not mutated.

Exit status: 0 once the report is written, whatever the score; 1 when mutmut fails before any mutant ran (the
end of its log is printed); 2 when mutmut is not installed.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import fnmatch
import importlib
import importlib.metadata
import json
import os
import random
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MUTMUT = "mutmut==3.8.1"

#: The modules mutated, by group: the one source of each formula, the layer presets, the tracer's op handlers.
GROUPS: dict[str, tuple[str, ...]] = {
    "formulas": ("cnncalc/formulas/*.py",),
    "layers": ("cnncalc/layers/*.py", "cnncalc/layers/presets/*.py"),
    "aten": ("cnncalc/analysis/aten*.py",),
}

#: Tests that exercise those modules and take seconds (about 40 s together): exact integers by hand, every
#: layer preset against numel / FlopCounterMode / fvcore / real outputs, the deformable reference (forward and
#: backward), the tracer on the zoo against FlopCounterMode and the layer calculator (forward and backward),
#: and the tests written for the mutants earlier runs let through (tests/test_mutation_survivors.py).
FAST_TESTS: tuple[str, ...] = (
    "tests/test_layers_arithmetic.py",
    "tests/test_layers_against_torch.py",
    "tests/test_deform_reference.py",
    "tests/test_deform_backward.py",
    "tests/test_models.py::test_lenet5_by_hand",
    "tests/test_models.py::test_alexnet_grouped_params_by_hand",
    "tests/test_models.py::test_zoo_models_count_every_op",
    "tests/test_models.py::test_macs_against_flop_counter_mode",
    "tests/test_models.py::test_tracer_agrees_with_the_layer_calculator",
    "tests/test_models.py::test_shared_module_counted_per_call_shown_once",
    "tests/test_models.py::test_ops_without_formula_are_listed_not_dropped",
    "tests/test_models.py::test_peak_live_activations_by_hand",
    "tests/test_models.py::test_backward_by_hand",
    "tests/test_mutation_survivors.py",
)

#: What the temporary copy needs: the package and the tests, with the pytest configuration; and what some tests
#: read (tests/test_docs.py compares docs/ with scripts/make_docs.py's output).
READ_BY_TESTS = ("README.md", "docs", "scripts")
COPY = ("cnncalc", "tests", "pyproject.toml", *READ_BY_TESTS)

#: Imported once by mutmut's fork server, before any mutant is switched on (never cnncalc itself).
PRELOAD = ("pytest", "numpy", "torch", "torch.utils.flop_counter", "torchvision", "torchvision.ops", "fvcore.nn",
           "rich", "typer")
PRELOAD_FILE = "mutmut-preload.txt"

#: mutmut's exit codes, by what they mean here. Anything else (a crash, an interrupted check) is "other".
#: A mutant that breaks an import (the registering decorators run then) fails the collection of the tests: pytest
#: exits 2, or 4 when given the test's id, on which mutmut's worker raises and exits 255 (mutmut's own table calls
#: that a timeout). The clean run having passed, both are the mutant's doing: killed.
STATUS = {1: "killed", 2: "killed", 3: "killed", 255: "killed", 0: "survived", 5: "no tests", 33: "no tests",
          None: "not run", 36: "timeout", -24: "timeout", 24: "timeout", 152: "timeout"}
COLUMNS = ("killed", "survived", "no tests", "timeout", "other", "not run")

#: Decorators that cannot be applied after the class or module body has run; their functions stay decorated
#: (and so are not mutated).
LATE_UNSAFE = {"abstractmethod", "overload", "cached_property", "setter", "getter", "deleter", "final",
               "override", "staticmethod", "classmethod"}


#: Survivors known to be equivalent: no input cnncalc can be given tells them from the original. Keyed by the
#: file and the mutated line(s) as the report shows them (the `+` lines, stripped), with the reason; a line as
#: generic as `return Traced(None)` is keyed by `file:function` instead, so that it matches in that function
#: only. They stay in the `survived` column; the report lists them apart, with the reason, so that the survivors
#: left are those that want a test. An entry matches only that exact mutation: a change of the source line
#: retires it.
EQUIVALENT: dict[tuple[str, str], str] = {
    ("cnncalc/analysis/aten.py", "cost = pool_f.pool(x, x[2:], x[2:], mode=None)"):
        "the mode only names the op in its expression text, which no model report shows; the one mode pool() "
        "acts on, 'avg', is never a reduction's name",
    ("cnncalc/analysis/aten_backward.py",
     'mac_expr=f"{int(mask[0]) + int(mask[1])}·forward", other_expr=None)'):
        "a traced op's expression text is shown nowhere (only layer records print their formulas)",
    ("cnncalc/analysis/aten_backward.py", "result = shape(first(outputs)) if (outputs) or True else ()"):
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
    # seed 1
    ("cnncalc/analysis/aten.py", "rank = _rank(name, None)"):
        "every op the pooling handlers are registered for is named with its rank (max_pool2d_with_indices, "
        "adaptive_avg_pool3d, …), so _rank returns from the name and never reads x",
    ("cnncalc/analysis/aten.py:_foreach", "return Traced(None)"):
        "the branch is for empty tensor lists, which PyTorch refuses ('Tensor list must have at least one "
        "tensor') when the tracer runs the op, before the handler is called",
    ("cnncalc/analysis/aten_torchvision.py",
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
    # the draw of seeds 0 and 1 on the final code (6,614 mutants)
    ("cnncalc/analysis/aten.py",
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

#: The seeds whose samples (--max-mutants WRITTEN_AGAINST_SIZE over every group, nothing else restricting them)
#: tests/test_mutation_survivors.py was written against: each of their survivors was read, then killed by a test
#: or entered in EQUIVALENT. A score on such a sample says those survivors are handled, not how many mutants the
#: tests let through; any other seed is out of sample. Seed → how the tests came to it (shown in the report).
#: A sample is drawn from the whole list of mutants with one generator, so when the code under test changes the
#: count of any file's mutants, every seed draws anew: the samples are those of WRITTEN_AGAINST_POPULATION only.
WRITTEN_AGAINST_SIZE = 120
WRITTEN_AGAINST_POPULATION = 6614
WRITTEN_AGAINST: dict[int, str] = {
    0: "the first round of tests/test_mutation_survivors.py was written against this seed's sample of the "
       "6,600 mutants of an earlier version of the code, the third against its sample of these 6,614; before the "
       "third, out of sample, this sample scored 89% (107 killed, 11 survived, 2 no tests)",
    1: "the second round of tests/test_mutation_survivors.py was written against this seed's sample of the "
       "6,600 mutants of an earlier version of the code (out of sample before it: 73%, 88 killed, 26 survived, "
       "6 no tests), the third against its sample of these 6,614; before the third, out of sample, this sample "
       "scored 87% (104 killed, 15 survived, 1 no tests)",
}


@dataclass
class Mutant:
    name: str
    path: str
    status: str = "not run"
    line: int = 0
    function: str = ""
    diff: list[str] = field(default_factory=list)
    #: whether the mutation changes a string literal (a label, a message, a formula's text)
    string: bool = False
    #: the seeds whose samples hold this mutant (filled in when a run has several)
    seeds: tuple[int, ...] = ()

    @property
    def equivalent(self) -> str | None:
        """Why this survivor cannot change a result, when it is a known equivalent mutant (EQUIVALENT)."""
        if self.status != "survived":
            return None
        mutated = "\n".join(t[1:].strip() for t in self.diff if t.startswith("+"))
        return EQUIVALENT.get((f"{self.path}:{self.function}", mutated)) or EQUIVALENT.get((self.path, mutated))


@dataclass
class ModuleResult:
    path: str
    generated: int
    mutants: list[Mutant]

    def count(self, column: str) -> int:
        return sum(1 for m in self.mutants if bucket(m.status) == column)


def bucket(status: str) -> str:
    return status if status in COLUMNS else "other"


def score(counts: Counter[str]) -> str:
    """(killed + timed out) / (killed + timed out + survived + no tests): mutants detected among those judged."""
    detected = counts["killed"] + counts["timeout"]
    judged = detected + counts["survived"] + counts["no tests"]
    return f"{100 * detected / judged:.0f}%" if judged else "–"


# the tool ----------------------------------------------------------------------------------------------------
def require_mutmut() -> str:
    """mutmut's version, or exit 2 with the install line."""
    try:
        version = importlib.metadata.version("mutmut")
        for module in ("mutmut.mutation.diff_apply", "mutmut.mutation.file_mutation", "libcst"):
            importlib.import_module(module)
    except (importlib.metadata.PackageNotFoundError, ImportError):
        print(f"mutmut is not installed: pip install {MUTMUT}", file=sys.stderr)
        raise SystemExit(2) from None
    if not version.startswith("3.8."):
        print(f"warning: written for {MUTMUT} (uses its mutant files); found mutmut {version}", file=sys.stderr)
    return version


# the temporary copy ------------------------------------------------------------------------------------------
def target_files(specs: list[str], root: Path) -> list[str]:
    """Group names or paths/globs relative to the repository root → the Python files to mutate."""
    patterns = [p for spec in specs for p in GROUPS.get(spec, (spec,))]
    found: list[str] = []
    for pattern in patterns:
        matches = sorted(p.relative_to(root).as_posix() for p in root.glob(pattern) if p.suffix == ".py")
        if not matches:
            raise SystemExit(f"--modules: {pattern!r} matches no Python file (groups: {', '.join(GROUPS)})")
        found += [m for m in matches if m not in found]
    return found


def git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=True).stdout


def copy_tree(dest: Path, ref: str | None) -> str:
    """The package, tests and pyproject.toml of the working tree (or of git revision `ref`) into `dest`;
    returns what was copied, in words."""
    if ref is not None:
        commit = git("rev-parse", "--short", f"{ref}^{{commit}}").strip()
        present = set(git("ls-tree", "--name-only", commit).split())
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit, *(p for p in COPY if p in present)],
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
        return f"git revision {commit}"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis", ".pytest_cache", "mutants")
    for name in COPY:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, dest / name, ignore=ignore)
        elif source.exists():
            shutil.copy2(source, dest / name)
    try:
        head = git("rev-parse", "--short", "HEAD").strip()
        dirty = git("status", "--porcelain", "--", *COPY).strip()
    except (OSError, subprocess.CalledProcessError):
        return "the working tree"
    return f"the working tree (git {head}{' with uncommitted changes' if dirty else ''})"


def decorator_name(node: ast.expr) -> str:
    node = node.func if isinstance(node, ast.Call) else node
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def move_decorators_late(source: str) -> str:
    """Blank the decorator lines of top-level functions and of methods of top-level classes, and apply the
    decorators at the end of the module instead, so that mutmut (which skips decorated functions) mutates
    them. Line numbers are unchanged. Decorators that must run with the class body are left in place."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    late: list[str] = []

    def unwrap(fn: ast.FunctionDef | ast.AsyncFunctionDef, owner: str | None) -> None:
        if not fn.decorator_list or any(decorator_name(d) in LATE_UNSAFE for d in fn.decorator_list):
            return
        expression = fn.name if owner is None else f"{owner}.__dict__[{fn.name!r}]"
        for decorator in reversed(fn.decorator_list):
            expression = f"({ast.get_source_segment(source, decorator)})({expression})"
            for i in range(decorator.lineno - 1, (decorator.end_lineno or decorator.lineno)):
                lines[i] = "\n"
        late.append(f"{fn.name if owner is None else f'{owner}.{fn.name}'} = {expression}\n")

    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            unwrap(node, None)
        elif isinstance(node, ast.ClassDef):
            for child in node.body:
                if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                    unwrap(child, node.name)
    if not late:
        return source
    text = "".join(lines)
    return text + ("" if text.endswith("\n") else "\n") + "\n\n# decorators applied late for mutmut\n" + "".join(late)


def toml_list(values: list[str] | tuple[str, ...]) -> str:
    return "[" + ", ".join(json.dumps(v) for v in values) + "]"


def configure(dest: Path, files: list[str], tests: list[str]) -> None:
    """mutmut's configuration, in the temporary copy's pyproject.toml (the working tree's is not touched)."""
    pyproject = dest / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    if re.search(r"^\[tool\.mutmut\]", text, re.M):
        raise SystemExit("pyproject.toml already has a [tool.mutmut] table; this script brings its own")
    pyproject.write_text(text + "\n".join([
        "", "[tool.mutmut]",
        'source_paths = ["cnncalc"]',
        f"also_copy = {toml_list([p for p in READ_BY_TESTS if (dest / p).exists()])}",
        f"only_mutate = {toml_list(files)}",
        f"pytest_add_cli_args_test_selection = {toml_list(tests)}",
        'pytest_add_cli_args = ["-p", "no:cacheprovider"]',
        # Each mutant runs in a process forked from a server that has imported torch & co. but not cnncalc,
        # so cnncalc is imported with the mutant switched on and code that runs at import (the registering
        # decorators, `Ops.__getattr__`) is tested too. A mutant that breaks the import is killed.
        'process_isolation = "forkserver"',
        'forkserver_warmup = "import"',
        f"preload_modules_file = {json.dumps(PRELOAD_FILE)}",
        "use_git_change_detection = false",
        "",
    ]), encoding="utf-8")
    (dest / PRELOAD_FILE).write_text("\n".join(PRELOAD) + "\n", encoding="utf-8")


#: A test written into the copy and run first. mutmut credits whatever runs while the tests are collected
#: (imports: the registering decorators, `Ops.__getattr__`, `register_layer`) to the first test, and that test
#: alone is run against those mutants. This one compares every module-level table of the mutated modules, as
#: left by their import, with the same tables imported from the unmutated copy (less mutmut's own tables).
#: The preloaded modules are imported first, as mutmut's fork server has them: some tables depend on them
#: (aten_torchvision's handlers are placeholders until torchvision is imported), and pytest may collect a test
#: module that imports torchvision before this one.
IMPORT_STATE = """
import importlib
import inspect
import json
import os
from enum import Enum

MODULES = {modules}
PRELOAD = {preload}


def summary(value, root, depth=0):
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Enum):
        return f"{{type(value).__qualname__}}.{{value.name}}"
    if isinstance(value, str):
        return value.replace(root, "<root>")
    if depth > 4:
        return type(value).__qualname__
    if isinstance(value, dict):
        return {{str(summary(k, root, depth + 1)): summary(v, root, depth + 1) for k, v in value.items()}}
    if isinstance(value, list | tuple):
        return [summary(v, root, depth + 1) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((summary(v, root, depth + 1) for v in value), key=json.dumps)
    if isinstance(value, type) or inspect.isroutine(value):
        return f"{{getattr(value, '__module__', '')}}.{{value.__qualname__}}"
    text = repr(value)
    return type(value).__qualname__ if " at 0x" in text else text.replace(root, "<root>")


def import_state():
    for name in PRELOAD:
        importlib.import_module(name)
    modules = [importlib.import_module(name) for name in MODULES]
    state = {{}}
    for module in modules:
        root = os.path.dirname(os.path.dirname(os.path.abspath(module.__file__)))
        tables = {{k: v for k, v in vars(module).items() if isinstance(v, dict | list | tuple | set | frozenset)}}
        state[module.__name__] = {{key: summary(value, root) for key, value in tables.items()
                                  if not key.startswith(("__", "mutants_x"))}}
    return json.loads(json.dumps(state))
"""
IMPORT_TEST = "tests/test_0_mutation_import_state.py"


def module_name(path: str) -> str:
    return path.removesuffix(".py").removesuffix("/__init__").replace("/", ".")


def write_import_test(dest: Path, files: list[str]) -> None:
    """The import-state test, its expected tables taken from the unmutated copy in a fresh interpreter."""
    code = IMPORT_STATE.format(modules=repr([module_name(f) for f in files]), preload=repr(list(PRELOAD)))
    snapshot = subprocess.run([sys.executable, "-c", code + "print(json.dumps(import_state()))"], cwd=dest,
                              capture_output=True, text=True)
    if snapshot.returncode != 0:
        raise SystemExit(f"the copied sources do not import:\n{snapshot.stderr[-3000:]}")
    expected = snapshot.stdout
    (dest / IMPORT_TEST).write_text(
        '"""Written by benchmarks/mutation.py into its temporary copy: the tables the mutated modules leave at '
        'import."""\n' + code + f"\n\nEXPECTED = json.loads({expected.strip()!r})\nAT_IMPORT = import_state()\n\n\n"
        "def test_module_tables_after_import():\n    assert AT_IMPORT == EXPECTED\n", encoding="utf-8")


@contextmanager
def working_directory(path: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


# mutants -----------------------------------------------------------------------------------------------------
def generate(files: list[str]) -> tuple[dict[str, list[str]], set[str]]:
    """Every mutant mutmut makes of each file (run in the temporary copy): file → mutant names; and the names
    of those that change a string literal (a label, a message, a formula's text)."""
    from mutmut.mutation.file_mutation import mutate_file_contents
    from mutmut.utils.format_utils import get_mutant_name

    names, strings = {}, set()
    for f in files:
        code = Path(f).read_text("utf-8")
        names[f] = [get_mutant_name(Path(f), n) for n in mutate_file_contents(f, code).mutant_names]
        strings |= string_mutants(f, code, set(names[f]))
    return names, strings


def string_mutants(path: str, code: str, names: set[str]) -> set[str]:
    """The mutants of `path` whose mutated node is a string literal, named as mutmut names them (the i-th
    mutation inside a function or method is its `__mutmut_i`)."""
    import libcst
    from mutmut.mutation.file_mutation import create_mutations
    from mutmut.mutation.trampoline_templates import mangle_function_name
    from mutmut.utils.format_utils import get_mutant_name

    module, mutations, _, _ = create_mutations(path, code)
    owner: dict[libcst.CSTNode, str] = {}
    for node in module.body:
        if isinstance(node, libcst.FunctionDef):
            owner[node] = mangle_function_name(name=node.name.value, class_name=None)
        elif isinstance(node, libcst.ClassDef) and isinstance(node.body, libcst.IndentedBlock):
            owner.update({m: mangle_function_name(name=m.name.value, class_name=node.name.value)
                          for m in node.body.body if isinstance(m, libcst.FunctionDef)})
    seen: Counter[str] = Counter()
    strings, mapped = set(), set()
    for mutation in mutations:
        function = owner.get(mutation.contained_by_top_level_function)  # type: ignore[arg-type]
        if function is None:
            continue
        seen[function] += 1
        name = get_mutant_name(Path(path), f"{function}__mutmut_{seen[function]}")
        mapped.add(name)
        if isinstance(mutation.original_node, libcst.BaseString):
            strings.add(name)
    if mapped != names:
        print(f"warning: cannot tell the string mutants of {path} (mutmut names them differently)", file=sys.stderr)
        return set()
    return strings


def sample(names: dict[str, list[str]], total: int | None, per_file: int | None, seed: int) -> dict[str, list[str]]:
    """A reproducible sample: each file's mutants shuffled with `seed` and cut to `per_file`, then taken
    round-robin over the files until `total`."""
    rng = random.Random(seed)
    queues = {}
    for path, all_names in names.items():
        shuffled = list(all_names)
        rng.shuffle(shuffled)
        queues[path] = shuffled[:per_file] if per_file is not None else shuffled
    if total is None:
        return queues
    chosen: dict[str, list[str]] = {path: [] for path in queues}
    left = total
    while left > 0 and any(queues.values()):
        for path, queue in queues.items():
            if queue and left > 0:
                chosen[path].append(queue.pop(0))
                left -= 1
    return chosen


def run_mutmut(names: list[str], jobs: int, budget: float | None, niceness: int, log: Path,
               verbose: bool) -> tuple[int, bool]:
    """`mutmut run` on the named mutants, in the current (temporary) directory; SIGINT at the time budget.
    Returns mutmut's exit status and whether the budget stopped it."""
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", HYPOTHESIS_PROFILE="ci",
               PYTHONDONTWRITEBYTECODE="1")
    # not `python -m mutmut`: its multiprocessing pool would import mutmut.__main__ a second time
    command = [sys.executable, "-c", "from mutmut.__main__ import cli; cli()", "run", "--max-children", str(jobs),
               *names]
    with open(log, "w", encoding="utf-8") as out:
        process = subprocess.Popen(command, env=env, stdout=None if verbose else out, stderr=subprocess.STDOUT,
                                   start_new_session=True, preexec_fn=(lambda: os.nice(niceness)) if niceness else None)
        try:
            return process.wait(timeout=budget), False
        except subprocess.TimeoutExpired:
            print(f"time budget of {budget:.0f} s spent: stopping mutmut", file=sys.stderr)
            return stop(process, grace=60), True
        except BaseException:
            stop(process, grace=5)
            raise


def stop(process: subprocess.Popen[bytes], grace: float) -> int:
    """SIGINT to mutmut alone: it stops its workers and keeps the results it has (the workers are not
    interrupted themselves: pytest would report an interrupted run as 2, read here as killed). After `grace`
    seconds, SIGKILL to all of mutmut's processes."""
    process.send_signal(signal.SIGINT)
    try:
        return process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # mutmut's session, its leader still alive
        return process.wait()


def log_tail(log: Path, lines: int = 40) -> str:
    """The end of mutmut's log, less its spinner."""
    text = log.read_text("utf-8", errors="replace") if log.exists() else ""
    kept = [line for line in re.split(r"[\r\n]+", text) if line.strip() and not re.match(r"[\u2800-\u28ff]", line)]
    return "\n".join(kept[-lines:])


def function_lines(path: str) -> dict[str, int]:
    """mutmut's mangled function key (`x_conv2d`, `xǁOpCostǁflops`) → the line of its `def`."""
    from mutmut.mutation.trampoline_templates import mangle_function_name

    lines = {}
    for node in ast.parse(Path(path).read_text("utf-8")).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            lines[mangle_function_name(name=node.name, class_name=None)] = node.lineno
        elif isinstance(node, ast.ClassDef):
            for child in node.body:
                if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                    lines[mangle_function_name(name=child.name, class_name=node.name)] = child.lineno
    return lines


def locate(mutant: Mutant, def_lines: dict[str, int]) -> None:
    """The mutant's line in the source file and the changed lines (`-` original, `+` mutant)."""
    from mutmut.mutation import diff_apply
    from mutmut.utils.format_utils import mangled_name_from_mutant_name, orig_function_and_class_names_from_key

    functions = diff_apply.read_functions_from_index(mutant.name, mutant.path)
    if functions is None:
        module = diff_apply.read_mutants_module(mutant.path)
        functions = (diff_apply.read_original_function(module, mutant.name),
                     diff_apply.read_mutant_function(module, mutant.name))
    import libcst

    original, mutated = (libcst.Module([f]).code.rstrip("\n").split("\n") for f in functions)
    name, cls = orig_function_and_class_names_from_key(mutant.name)
    name = name.rpartition(".")[2]
    mutant.function = f"{cls}.{name}" if cls else name
    header = next((i for i, text in enumerate(original) if re.match(rf"\s*(async\s+)?def\s+{name}\b", text)), 0)
    changed = next((op for op in difflib.SequenceMatcher(a=original, b=mutated).get_opcodes() if op[0] != "equal"),
                   None)
    first = min(changed[1], len(original) - 1) if changed else header
    mutant.line = def_lines.get(mangled_name_from_mutant_name(mutant.name).rpartition(".")[2], 0) + first - header
    mutant.diff = [text for text in difflib.unified_diff(original, mutated, n=0, lineterm="")
                   if text[:1] in "+-" and not text.startswith(("+++", "---"))]


def collect(chosen: dict[str, list[str]], generated: dict[str, list[str]], strings: set[str]) -> list[ModuleResult]:
    results = []
    for path, names in chosen.items():
        meta_path = Path("mutants") / (path + ".meta")
        codes: dict[str, Any] = {}
        if meta_path.exists():
            codes = json.loads(meta_path.read_text("utf-8"))["exit_code_by_key"]
        def_lines = function_lines(path)
        mutants = []
        for name in names:
            code = codes.get(name)
            mutant = Mutant(name, path, STATUS.get(code, f"exit {code}"), string=name in strings)
            if mutant.status not in ("killed", "not run") and Path("mutants", path).exists():
                locate(mutant, def_lines)
            mutants.append(mutant)
        results.append(ModuleResult(path, len(generated[path]), mutants))
    return results


# the report --------------------------------------------------------------------------------------------------
@dataclass
class SeedRun:
    """One sample's results: its seed (None when nothing was sampled) and how it was drawn, in words."""

    seed: int | None
    sampling: str
    results: list[ModuleResult]
    #: drawn as the samples of WRITTEN_AGAINST were (same size, every module, no filter)
    comparable: bool = True
    #: how many mutants the sample was drawn from (all modules)
    population: int = WRITTEN_AGAINST_POPULATION


def table_rows(results: list[ModuleResult]) -> list[list[str]]:
    rows, total = [], Counter[str]()
    for r in results:
        counts = Counter({c: r.count(c) for c in COLUMNS})
        total.update(counts)
        total["generated"] += r.generated
        total["run"] += len(r.mutants)
        rows.append([r.path, str(r.generated), str(len(r.mutants)), *(str(counts[c]) for c in COLUMNS), score(counts)])
    rows.append(["total", str(total["generated"]), str(total["run"]), *(str(total[c]) for c in COLUMNS), score(total)])
    return rows


HEADERS = ["module", "generated", "sampled", *COLUMNS, "score"]


def distinct(runs: list[SeedRun]) -> list[Mutant]:
    """Each mutant once, with the seeds whose samples hold it (one mutmut run tested them all: a mutant has
    one status whichever sample it came from)."""
    by_name: dict[str, Mutant] = {}
    for run in runs:
        for m in (m for r in run.results for m in r.mutants):
            first = by_name.setdefault(m.name, m)
            if run.seed is not None and run.seed not in first.seeds:
                first.seeds = (*first.seeds, run.seed)
    return list(by_name.values())


def combined(runs: list[SeedRun]) -> str:
    """The distinct mutants of all the samples, by outcome, and their score, in one line."""
    mutants = distinct(runs)
    counts = Counter(bucket(m.status) for m in mutants)
    shared = sum(1 for m in mutants if len(m.seeds) > 1)
    seeds = ", ".join(str(run.seed) for run in runs)
    outcomes = ", ".join(f"{counts[c]} {c}" for c in COLUMNS)
    return (f"seeds {seeds} together: {len(mutants)} distinct mutants ({shared} in more than one sample): "
            f"{outcomes}; score {score(counts)}")


def provenance(run: SeedRun) -> str:
    """Whether the tests were written against this seed's sample (WRITTEN_AGAINST), in words."""
    if run.seed is None:
        return ""
    if not run.comparable:
        return (f"drawn otherwise than the samples the tests were written against (--max-mutants "
                f"{WRITTEN_AGAINST_SIZE} over every module, seeds {', '.join(map(str, WRITTEN_AGAINST))}): it may "
                f"share mutants with them")
    if run.seed in WRITTEN_AGAINST and run.population != WRITTEN_AGAINST_POPULATION:
        return (f"out of sample: the code has changed since the tests were written ({run.population:,} mutants, "
                f"not {WRITTEN_AGAINST_POPULATION:,}), so seed {run.seed} draws a new sample")
    if run.seed in WRITTEN_AGAINST:
        return f"in sample: {WRITTEN_AGAINST[run.seed]}"
    return "out of sample: no test was written against this sample's survivors"


def sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def render_text(runs: list[SeedRun]) -> str:
    out: list[str] = []
    for run in runs:
        rows = [HEADERS, *table_rows(run.results)]
        widths = [max(len(row[i]) for row in rows) for i in range(len(HEADERS))]
        if run.seed is not None:
            out += [f"seed {run.seed} ({provenance(run)})"]
        out += ["  ".join(row[0].ljust(widths[0]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row))
                for row in rows]
        out.append("")
    if len(runs) > 1:
        out += [combined(runs), ""]
    for title, mutants in listed(distinct(runs)):
        out += [f"{title} ({len(mutants)}):"]
        for m in mutants:
            seeds = f"  (seed {', '.join(map(str, m.seeds))})" if len(runs) > 1 else ""
            out.append(f"  {m.path}:{m.line}  {m.function}  [{m.status}]  {m.name}{seeds}")
            out += [f"      {text}" for text in m.diff]
            if m.equivalent:
                out.append(f"      equivalent: {m.equivalent}")
        out.append("")
    return "\n".join(out).rstrip("\n")


def listed(mutants: list[Mutant]) -> list[tuple[str, list[Mutant]]]:
    every = sorted(mutants, key=lambda m: (m.path, m.line, m.name))
    alive = [m for m in every if m.status == "survived" and not m.equivalent]
    groups = [("Surviving mutants", [m for m in alive if not m.string]),
              ("Surviving mutants of string literals (labels, messages, formula text)", [m for m in alive if m.string]),
              ("Equivalent mutants (they survive by nature: see EQUIVALENT in the script)",
               [m for m in every if m.equivalent]),
              ("Mutants no selected test reaches", [m for m in every if m.status == "no tests"]),
              ("Timed out", [m for m in every if m.status == "timeout"]),
              ("Other outcomes", [m for m in every if bucket(m.status) == "other"])]
    return [(title, mutants) for title, mutants in groups if mutants]


def markdown_table(results: list[ModuleResult]) -> list[str]:
    out = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" + "--:|" * (len(HEADERS) - 1)]
    for row in table_rows(results):
        cells = [f"`{row[0]}`" if row[0] != "total" else "**total**", *row[1:]]
        out.append("| " + " | ".join(cells) + " |")
    return out


def render_markdown(runs: list[SeedRun], context: dict[str, str]) -> str:
    several = len(runs) > 1
    out = ["# Mutation testing: formulas, layer presets, aten handlers", "",
           "Written by `benchmarks/mutation.py`; regenerate with", "", "```", context["command"], "```", "",
           f"Source: {context['source']}. mutmut {context['mutmut']} on Python {context['python']}, "
           f"{context['when']}, {context['wall']} of wall time. {context['sampling']}", "",
           "Tests run against each mutant: those of the selection below that call the mutated function "
           "(mutmut records which test calls which function in one clean run first).", "",
           *(f"- `{t}`" for t in context["tests"].split()), "",
           "Score = (killed + timed out) / (killed + timed out + survived + no tests). *no tests*: no test of the "
           "selection calls the mutated function. *not run*: sampled, but the time budget ran out first.", ""]
    if any(run.seed is not None for run in runs):
        out += ["*In sample*: `tests/test_mutation_survivors.py` was written against that sample's survivors (each "
                "was read, then killed by a test or entered in the script's EQUIVALENT table), so its score says "
                "they are handled. *Out of sample*: no test was written against it; only such a score estimates "
                "how many mutants the tests let through.", ""]
    for run in runs:
        if several:
            out += [f"## Seed {run.seed}", "", f"{run.sampling} {sentence(provenance(run))}.", ""]
        elif run.seed is not None:
            out += [f"Seed {run.seed}: {provenance(run)}.", ""]
        out += [*markdown_table(run.results), ""]
    if several:
        out += ["## Combined", "", sentence(combined(runs)) + ".", ""]
    for title, mutants in listed(distinct(runs)):
        out += [f"## {title} ({len(mutants)})", ""]
        for m in mutants:
            seeds = f" (seed {', '.join(map(str, m.seeds))})" if several else ""
            out += [f"### `{m.path}:{m.line}` — `{m.function}`{seeds}", "", f"`{m.name}`", "", "```diff", *m.diff,
                    "```", ""]
            if m.equivalent:
                out += [f"Equivalent: {m.equivalent}.", ""]
    out += ["## How to read it", "",
            "mutmut mutates function and method bodies only: module-level tables (`ACTIVATIONS`, `ZERO_COST`, "
            "`ELEMENTWISE_BACKWARD`, …) and class attributes (a preset's `defaults`, `extras`) are not mutated. "
            "It skips decorated functions; the script applies `@register_formula`, `@handles` and `@property` at "
            "the end of each module in its temporary copy, so those bodies are mutated (line numbers unchanged). "
            "Code that runs at import (`handles`, `register_formula`, `register_layer`, `Ops.__getattr__`) is "
            "tested by a test the script adds to its copy: the modules' tables after import must equal those of "
            "the unmutated code.", "",
            "Several seeds: one sample is drawn per seed and their union is run once, so a mutant two samples "
            "share has one outcome, counted in each seed's table and once in the combined line. A seed's sample "
            "depends on the source too: once cnncalc's code changes, the same seed draws other mutants.", "",
            "A surviving mutant is a change the selected tests let through; some are equivalent (they cannot "
            "change any result: those the script knows, from its EQUIVALENT table, are listed apart with the "
            "reason, and still counted as survived), the others want a test. Recheck one after writing the test "
            "with `python benchmarks/mutation.py --only NAME`. The tests written for earlier survivors are in "
            "`tests/test_mutation_survivors.py`.", ""]
    return "\n".join(out)


# main --------------------------------------------------------------------------------------------------------
def seed_list(text: str) -> list[int]:
    """'0,1' → [0, 1] (each once, in order)."""
    try:
        seeds = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of integers") from None
    if not seeds:
        raise argparse.ArgumentTypeError("give at least one seed")
    return list(dict.fromkeys(seeds))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--modules", nargs="+", default=list(GROUPS), metavar="GROUP|PATH",
                        help=f"groups ({', '.join(GROUPS)}) or paths/globs from the repository root (default: all)")
    parser.add_argument("--only", nargs="+", metavar="GLOB",
                        help="only mutants whose name matches (as the report writes them: "
                             "'cnncalc.formulas.conv.x_conv2d__mutmut_*'), e.g. to recheck survivors")
    parser.add_argument("--skip-strings", action="store_true",
                        help="leave out mutants of string literals (labels, messages, formula text: not counts)")
    parser.add_argument("--max-mutants", type=int, help="run at most this many mutants in all (a seeded sample)")
    parser.add_argument("--max-per-file", type=int, help="run at most this many mutants of each file")
    seeds = parser.add_mutually_exclusive_group()
    seeds.add_argument("--seed", type=int, help="seed of the sample (default 0)")
    seeds.add_argument("--seeds", type=seed_list, metavar="N,N,…",
                       help="one sample per seed (each of --max-mutants), run together; a table per seed and a "
                            "combined line")
    parser.add_argument("--time-budget", type=float, metavar="SECONDS",
                        help="stop mutmut after this long and report what finished")
    parser.add_argument("--tests", nargs="+", default=list(FAST_TESTS), metavar="NODE",
                        help="pytest files or node ids to run (default: a fast selection, about 30 s)")
    parser.add_argument("--ref", metavar="REV",
                        help="test git revision REV (git archive) instead of the working tree as it is now")
    parser.add_argument("--jobs", type=int, default=1, help="mutants tested at once (default 1)")
    parser.add_argument("--nice", type=int, default=0, help="niceness added to mutmut's processes")
    parser.add_argument("--markdown", type=Path, metavar="OUT", help="also write the report as Markdown")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (its path is printed)")
    parser.add_argument("--verbose", action="store_true", help="show mutmut's own output")
    args = parser.parse_args(argv)
    args.seeds = args.seeds or [0 if args.seed is None else args.seed]
    return args


def command_line(argv: list[str] | None) -> str:
    own_nice = os.nice(0)
    words = ["python", "benchmarks/mutation.py", *(sys.argv[1:] if argv is None else argv)]
    return (f"nice -n {own_nice} " if own_nice else "") + shlex.join(words)


def prepare(tmp: Path, args: argparse.Namespace) -> tuple[str, list[str]]:
    """The temporary copy, ready for mutmut: returns what was copied (in words) and the files to mutate."""
    source = copy_tree(tmp, args.ref)
    files = target_files(args.modules, tmp)
    for f in files:
        path = tmp / f
        path.write_text(move_decorators_late(path.read_text("utf-8")), encoding="utf-8")
    write_import_test(tmp, files)
    # a default test file the copied revision (--ref) does not have yet is left out, not an error
    missing = [t for t in args.tests if t in FAST_TESTS and not (tmp / t.partition("::")[0]).exists()]
    for t in missing:
        print(f"warning: {t} is not in {source}; left out of the test selection", file=sys.stderr)
    args.tests = [t for t in args.tests if t not in missing]
    configure(tmp, files, [IMPORT_TEST, *args.tests])
    return source, files


def choose(generated: dict[str, list[str]], skip: set[str], args: argparse.Namespace,
           seed: int) -> tuple[dict[str, list[str]], str, bool]:
    """The mutants to run, by file, how they were chosen (in words), and whether they are a sample (else all
    that --only and --skip-strings leave, whatever the seed)."""
    wanted = {f: [n for n in names if n not in skip
                  and (not args.only or any(fnmatch.fnmatchcase(n, g) for g in args.only))]
              for f, names in generated.items()}
    chosen = sample(wanted, args.max_mutants, args.max_per_file, seed)
    total, run = sum(map(len, generated.values())), sum(map(len, chosen.values()))
    if run == total:
        return chosen, f"All {total} mutants.", False
    sampled = run < sum(map(len, wanted.values()))
    how = [f"seed {seed}", "round-robin over the files"] if sampled else []
    how += [f"at most {args.max_per_file} a file"] if args.max_per_file else []
    how += [f"names matching {' '.join(args.only) if len(args.only) < 4 else f'{len(args.only)} patterns'}"
            ] if args.only else []
    how += [f"leaving out the {len(skip)} that change a string literal"] if skip else []
    return chosen, f"{'A sample' if sampled else 'A selection'} of {run} of the {total} mutants ({', '.join(how)}).", \
        sampled


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    version = require_mutmut()
    markdown = args.markdown.resolve() if args.markdown else None
    start = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="cnncalc-mutation-"))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        source, files = prepare(tmp, args)
        with working_directory(tmp):
            generated, strings = generate(files)
            generated = {f: names for f, names in generated.items() if names}
            skip = strings if args.skip_strings else set()
            samples: list[tuple[int | None, dict[str, list[str]], str]] = []
            for seed in args.seeds:
                chosen, sampling, sampled = choose(generated, skip, args, seed)
                samples.append((seed if sampled else None, chosen, sampling))
                if not sampled:  # every seed would choose the same mutants
                    break
            names = list(dict.fromkeys(n for _, chosen, _ in samples for ns in chosen.values() for n in ns))
            if len(samples) > 1:
                overall = (f"One sample per seed ({', '.join(str(seed) for seed, _, _ in samples)}), each of "
                           f"{args.max_mutants or args.max_per_file} {'in all' if args.max_mutants else 'a file'}, "
                           f"round-robin over the files; their union, {len(names)} distinct mutants, run once.")
            else:
                overall = samples[0][2]
            print(f"{overall} mutmut {version}, in {tmp}", file=sys.stderr)
            log = tmp / "mutmut.log"
            rc, stopped = (0, False)
            if names:
                rc, stopped = run_mutmut(names, args.jobs, args.time_budget, args.nice, log, args.verbose)
            comparable = (args.max_mutants == WRITTEN_AGAINST_SIZE and args.max_per_file is None and not args.only
                          and not args.skip_strings and set(args.modules) == set(GROUPS))
            population = sum(map(len, generated.values()))
            runs = [SeedRun(seed, sampling, collect(chosen, generated, strings), comparable, population)
                    for seed, chosen, sampling in samples]
            if rc != 0 and not stopped and all(m.status == "not run" for m in distinct(runs)):
                print(f"mutmut failed (exit {rc}); the end of its log:", file=sys.stderr)
                print(log_tail(log), file=sys.stderr)
                return 1
        print(render_text(runs))
        if markdown:
            context = {"command": command_line(argv), "mutmut": version, "python": sys.version.split()[0],
                       "when": time.strftime("%Y-%m-%d"), "wall": f"{(time.monotonic() - start) / 60:.1f} min",
                       "sampling": overall, "tests": " ".join(args.tests), "source": source}
            markdown.write_text(render_markdown(runs, context), encoding="utf-8")
            print(f"wrote {markdown}", file=sys.stderr)
        return 0
    finally:
        if args.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
