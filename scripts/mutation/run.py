"""Mutation testing of the formulas, the layer presets and the tracer's op handlers, through mutmut's command line.

    pip install mutmut==3.8.1                       # not a dependency of cnncalc, not run in CI
    nice -n 10 python scripts/mutation/run.py --sample 120 --seed 0 --markdown docs/mutation.md
    python scripts/mutation/run.py --only 'cnncalc.formulas.conv.x_conv2d__mutmut_7'   # recheck a survivor
    python scripts/mutation/run.py --only 'cnncalc.analysis.ops.*' --sample 30          # one folder
    python scripts/mutation/run.py                  # every mutant: hours

mutmut changes one thing at a time in a function (`*` → `/`, `2` → `3`, `<` → `<=`, an argument dropped or set
to None, a string changed, …) and runs the tests of its selection that call that function; a mutant that no test
notices ("survived") is a change to a count, a shape or a label that the tests let through.

mutmut is configured in pyproject.toml ([tool.mutmut]: the files it mutates, the tests it runs, how each mutant
is isolated) and driven only through its command line, in a temporary copy of the repository; the working tree
is never written to (--keep leaves the copy for a look). The steps, in the copy:

1. cnncalc/, tests/, scripts/ and pyproject.toml are copied. mutmut 3 does not mutate decorated functions, and
   the formulas (`@register_formula`), the op handlers (`@handles`) and the cost properties (`@property`) are
   decorated: in the files mutmut mutates, the decorators are applied at the end of the module instead
   (`conv2d = (register_formula(OpKind.conv))(conv2d)`), their lines left blank so that line numbers are those of
   the source.
2. The tables those modules leave at import are written to scripts/mutation/import_state.json, for the first test
   of the selection (import_state.py says why).
3. `mutmut run NAME` with a name no mutant has: mutmut generates every mutant and records which test calls which
   function, then refuses the empty selection ("nothing matches"); `mutmut results --all true` lists the mutants.
4. The sample (--sample N, --seed S): each file's mutants are shuffled with the seed, then taken round-robin over
   the files until N, so that every module gets its share.
5. `mutmut run NAME…` on the sample. After --time-budget seconds mutmut gets SIGINT: it stops, keeping what
   finished.
6. `mutmut results --all true` gives the outcomes and `mutmut show NAME` the diff of each mutant not killed; the
   report (Markdown) has a table per module, then those mutants with file:line and the diff.

Exit status: 0 once the report is written, whatever the score; 1 when mutmut fails before any mutant ran (the end
of its output is printed); 2 when mutmut is not installed.
"""

from __future__ import annotations

import argparse
import ast
import fnmatch
import importlib.metadata
import io
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
import tokenize
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from equivalent import EQUIVALENT

if sys.version_info >= (3, 11):
    import tomllib
else:  # mutmut requires toml on Python 3.10
    import toml as tomllib

ROOT = Path(__file__).resolve().parents[2]
COPY = ("cnncalc", "tests", "scripts", "pyproject.toml")
MUTMUT = "mutmut==3.8.1"
#: no mutant has this name: `mutmut run` with it generates the mutants and the test map, then stops
NOTHING = "cnncalc.no_such_mutant"
#: mutmut's outcomes (`mutmut results`) → the report's columns. pytest exits 2 when a test module given by path
#: fails to import, which mutmut calls an interruption: this script interrupts no check, so the mutant broke an
#: import. (Given test ids, as mutmut gives them to a mutant's run, pytest exits 4 instead: mutmut's "timeout".)
COLUMN = {"killed": "killed", "check was interrupted by user": "killed", "survived": "survived",
          "no tests": "no tests", "timeout": "timeout", "not checked": "not run"}
COLUMNS = ("killed", "survived", "no tests", "timeout", "other", "not run")
#: decorators that must run with the class body: their functions stay decorated (and are not mutated)
LATE_UNSAFE = {"abstractmethod", "overload", "cached_property", "setter", "getter", "deleter", "final", "override",
               "staticmethod", "classmethod"}
NAME = re.compile(r"(?P<module>.+?)\.(?P<key>x[_ǁ].+)__mutmut_(?P<n>\d+)")
STRING_TOKENS = {tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING)}


@dataclass
class Mutant:
    name: str
    status: str  # mutmut's word for the outcome
    diff: list[str] = field(default_factory=list)  # the `-` and `+` lines of `mutmut show`
    line: int = 0

    @property
    def path(self) -> str:
        return module_path(self.name)

    @property
    def function(self) -> str:
        key = parse(self.name)["key"]
        return key[2:] if key.startswith("x_") else ".".join(key.split("ǁ")[1:])

    @property
    def column(self) -> str:
        return COLUMN.get(self.status, "other")

    @property
    def string(self) -> bool:
        """Whether the mutation changes string literals only (a label, a message, a formula's text)."""
        old, new = (tokens([t[1:] for t in self.diff if t.startswith(sign)]) for sign in "-+")
        return old[0] == new[0] and old[1] != new[1]

    @property
    def equivalent(self) -> str | None:
        """Why this survivor cannot change a result, when it is a known equivalent mutant (equivalent.py)."""
        if self.status != "survived":
            return None
        mutated = "\n".join(t[1:].strip() for t in self.diff if t.startswith("+"))
        return EQUIVALENT.get((f"{self.path}:{self.function}", mutated)) or EQUIVALENT.get((self.path, mutated))


def parse(name: str) -> re.Match[str]:
    match = NAME.fullmatch(name)
    if match is None:
        raise ValueError(f"{name!r} is not a mutant name as mutmut writes them (module.x_function__mutmut_N)")
    return match


def module_path(name: str) -> str:
    return parse(name)["module"].replace(".", "/") + ".py"


def tokens(lines: list[str]) -> tuple[list[str], list[str]]:
    """The tokens of `lines` other than strings, and the strings (as far as the lines tokenize)."""
    other, strings = [], []
    try:
        for tok in tokenize.generate_tokens(io.StringIO("\n".join(t.strip() for t in lines)).readline):
            (strings if tok.type in STRING_TOKENS else other).append(tok.string)
    except (tokenize.TokenError, SyntaxError):
        pass
    return [t for t in other if t.strip()], strings


def score(counts: Counter[str]) -> str:
    """(killed + timed out) / (killed + timed out + survived + no tests): mutants detected among those judged."""
    detected = counts["killed"] + counts["timeout"]
    judged = detected + counts["survived"] + counts["no tests"]
    return f"{100 * detected / judged:.0f}%" if judged else "–"


# the temporary copy ------------------------------------------------------------------------------------------
def copy_tree(dest: Path) -> str:
    """The working tree's files that mutmut needs, into `dest`; returns what was copied, in words."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis", ".pytest_cache", "mutants")
    for name in COPY:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, dest / name, ignore=ignore)
        elif (ROOT / name).exists():
            shutil.copy2(ROOT / name, dest / name)
    git = ["git", "-C", str(ROOT)]
    try:
        head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True)
        dirty = subprocess.run([*git, "status", "--porcelain", "--", *COPY], capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return "the working tree"
    return f"the working tree (git {head.stdout.strip()}{' with uncommitted changes' if dirty.strip() else ''})"


def mutated_files(root: Path, config: dict[str, list[str]]) -> list[str]:
    """The files mutmut mutates, by [tool.mutmut]'s source_paths, only_mutate and do_not_mutate (glob patterns)."""
    found = sorted(p.relative_to(root).as_posix() for source in config["source_paths"]
                   for p in (root / source).rglob("*.py"))
    return [f for f in found if any(fnmatch.fnmatch(f, p) for p in config.get("only_mutate", ["*"]))
            and not any(fnmatch.fnmatch(f, p) for p in config.get("do_not_mutate", []))]


def decorator_name(node: ast.expr) -> str:
    node = node.func if isinstance(node, ast.Call) else node
    return node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""


def move_decorators_late(source: str) -> str:
    """Blank the decorator lines of top-level functions and of methods of top-level classes, and apply the
    decorators at the end of the module instead. Line numbers are unchanged."""
    lines = source.splitlines(keepends=True)
    late: list[str] = []

    def unwrap(fn: ast.FunctionDef | ast.AsyncFunctionDef, owner: str | None) -> None:
        if not fn.decorator_list or any(decorator_name(d) in LATE_UNSAFE for d in fn.decorator_list):
            return
        expression = fn.name if owner is None else f"{owner}.__dict__[{fn.name!r}]"
        for decorator in reversed(fn.decorator_list):
            expression = f"({ast.get_source_segment(source, decorator)})({expression})"
            for i in range(decorator.lineno - 1, decorator.end_lineno or decorator.lineno):
                lines[i] = "\n"
        late.append(f"{fn.name if owner is None else f'{owner}.{fn.name}'} = {expression}\n")

    for node in ast.parse(source).body:
        children = node.body if isinstance(node, ast.ClassDef) else [node]
        for child in children:
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                unwrap(child, node.name if isinstance(node, ast.ClassDef) else None)
    if not late:
        return source
    return "".join(lines).rstrip("\n") + "\n\n\n# decorators applied late, for mutmut\n" + "".join(late)


def prepare(tmp: Path) -> tuple[str, dict, list[str]]:
    """The temporary copy, ready for mutmut: what was copied (in words), [tool.mutmut] and the files it mutates."""
    source = copy_tree(tmp)
    config = tomllib.loads((tmp / "pyproject.toml").read_text("utf-8"))["tool"]["mutmut"]
    files = mutated_files(tmp, config)
    for f in files:
        (tmp / f).write_text(move_decorators_late((tmp / f).read_text("utf-8")), encoding="utf-8")
    modules = [f.removesuffix(".py").replace("/", ".") for f in files]
    snapshot = subprocess.run([sys.executable, "scripts/mutation/import_state.py", *modules], cwd=tmp,
                              capture_output=True, text=True)
    if snapshot.returncode != 0:
        raise SystemExit(f"the copied sources do not import:\n{snapshot.stderr[-3000:]}")
    (tmp / "scripts/mutation/import_state.json").write_text(snapshot.stdout, encoding="utf-8")
    return source, config, files


# mutmut's command line ---------------------------------------------------------------------------------------
def mutmut_command() -> list[str]:
    """mutmut's console script, beside this Python's; exit 2 with the install line when there is none."""
    script = Path(sys.executable).with_name("mutmut")
    found = str(script) if script.exists() else shutil.which("mutmut")
    if found is None:
        print(f"mutmut is not installed: pip install {MUTMUT}", file=sys.stderr)
        raise SystemExit(2)
    return [found]


def mutmut(*args: str, log: Path, budget: float | None = None) -> tuple[int, str]:
    """`mutmut ARGS` in the current (temporary) directory: its exit status and its output, which is appended to
    `log` as it comes. After `budget` seconds, SIGINT to mutmut alone (it stops its workers and keeps the results
    it has); SIGKILL to all its processes if it has not stopped a minute later."""
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", HYPOTHESIS_PROFILE="ci",
               PYTHONDONTWRITEBYTECODE="1")
    with log.open("ab") as out:
        out.write(f"$ mutmut {shlex.join(args[:8])}{' …' if len(args) > 8 else ''}\n".encode())
        out.flush()
        begin = out.tell()
        process = subprocess.Popen([*mutmut_command(), *args], env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        try:
            rc = process.wait(timeout=budget)
        except subprocess.TimeoutExpired:
            print(f"time budget of {budget:.0f} s spent: stopping mutmut", file=sys.stderr)
            process.send_signal(signal.SIGINT)
            try:
                rc = process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                rc = process.wait()
        except BaseException:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            raise
    with log.open("rb") as out:
        out.seek(begin)
        return rc, out.read().decode("utf-8", errors="replace")


def results(log: Path) -> dict[str, str]:
    """Every mutant mutmut has generated → its outcome, from `mutmut results --all true` (`    NAME: STATUS`)."""
    _, text = mutmut("results", "--all", "true", log=log)
    pairs = (line.strip().rpartition(": ") for line in text.splitlines())
    return {name: status for name, _, status in pairs if NAME.fullmatch(name)}


def show(mutant: Mutant, root: Path, log: Path) -> None:
    """The mutant's `-`/`+` lines from `mutmut show NAME` (a diff of the function), and the line of the first in
    the source file: where the hunk's old lines are, from the function's `def` on."""
    _, text = mutmut("show", mutant.name, log=log)
    hunk = [t for t in text.splitlines() if t[:1] in " -+" and not t.startswith(("---", "+++"))]
    mutant.diff = [t for t in hunk if t[:1] in "-+"]
    old = [t[1:].strip() for t in hunk if t[:1] in " -"]
    first = next((i for i, t in enumerate(hunk) if t[:1] in "-+"), 0)
    code = (root / mutant.path).read_text("utf-8")
    owner, _, name = mutant.function.rpartition(".")
    defs = [child.lineno for node in ast.parse(code).body
            for child in (node.body if isinstance(node, ast.ClassDef) and node.name == owner else [node])
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) and child.name == name]
    source = [t.strip() for t in code.splitlines()]
    after = max(0, (defs[0] if defs else 1) - 1 - len(old))
    start = next((i for i in range(after, len(source)) if source[i:i + len(old)] == old), None)
    mutant.line = start + 1 + first if start is not None else 0


def tail(text: str, lines: int = 40) -> str:
    """The end of mutmut's output, less its spinner."""
    kept = [t for t in re.split(r"[\r\n]+", text) if t.strip() and not re.match(r"[\u2800-\u28ff]", t)]
    return "\n".join(kept[-lines:])


def natural(name: str) -> tuple[str, int]:
    stem, _, n = name.rpartition("__mutmut_")
    return stem, int(n)


def draw(names: list[str], size: int | None, seed: int) -> list[str]:
    """Each file's mutants shuffled with `seed`, then taken round-robin over the files until `size`."""
    if size is None or size >= len(names):
        return names
    rng = random.Random(seed)
    queues: dict[str, list[str]] = {}
    for name in sorted(names, key=lambda n: (module_path(n), *natural(n))):
        queues.setdefault(module_path(name), []).append(name)
    for queue in queues.values():
        rng.shuffle(queue)
    chosen: list[str] = []
    while len(chosen) < size:
        chosen += [queue.pop(0) for queue in queues.values() if queue][:size - len(chosen)]
    return chosen


# the report --------------------------------------------------------------------------------------------------
HEADERS = ("module", "generated", "sampled", *COLUMNS, "score")


def table(generated: dict[str, str], mutants: list[Mutant], patterns: list[str]) -> list[str]:
    """One row per module sampled, in the order of [tool.mutmut]'s only_mutate, and the total."""
    order = {f: (next((i for i, p in enumerate(patterns) if fnmatch.fnmatch(f, p)), 0), f.count("/"), f)
             for f in {m.path for m in mutants}}
    rows, total = [], Counter[str]()
    for f in sorted(order, key=order.__getitem__):
        counts = Counter(m.column for m in mutants if m.path == f)
        counts["generated"] = sum(1 for n in generated if module_path(n) == f)
        counts["sampled"] = sum(1 for m in mutants if m.path == f)
        total.update(counts)
        rows.append([f"`{f}`", *(str(counts[c]) for c in HEADERS[1:-1]), score(counts)])
    rows.append(["**total**", *(str(total[c]) for c in HEADERS[1:-1]), score(total)])
    return ["| " + " | ".join(HEADERS) + " |", "|---|" + "--:|" * (len(HEADERS) - 1),
            *("| " + " | ".join(row) + " |" for row in rows)]


def sections(mutants: list[Mutant]) -> list[tuple[str, list[Mutant]]]:
    every = sorted(mutants, key=lambda m: (m.path, m.line, natural(m.name)))
    alive = [m for m in every if m.column == "survived" and not m.equivalent]
    groups = [("Surviving mutants", [m for m in alive if not m.string]),
              ("Surviving mutants of string literals (labels, messages, formula text)", [m for m in alive if m.string]),
              ("Equivalent mutants (they survive by nature: see scripts/mutation/equivalent.py)",
               [m for m in every if m.equivalent]),
              ("Mutants no selected test reaches", [m for m in every if m.column == "no tests"]),
              ("Timed out, or broke an import", [m for m in every if m.column == "timeout"]),
              ("Other outcomes", [m for m in every if m.column == "other"])]
    return [(title, group) for title, group in groups if group]


def render(generated: dict[str, str], mutants: list[Mutant], context: dict[str, str], config: dict) -> str:
    counts = Counter(m.column for m in mutants)
    out = ["# Mutation testing: formulas, layer presets, op handlers", "",
           "Written by `scripts/mutation/run.py`; regenerate with", "", "```", context["command"], "```", "",
           f"Source: {context['source']}. mutmut {context['mutmut']} on Python {context['python']}, "
           f"{context['when']}, {context['wall']} of wall time. {context['sampling']}", "",
           "mutmut's configuration is `[tool.mutmut]` in `pyproject.toml`: the files it mutates and the test "
           "selection below. Against each mutant it runs the tests of the selection that call the mutated function "
           "(it records which test calls which function in one clean run first).", "",
           "```", "pytest " + shlex.join(config["pytest_add_cli_args_test_selection"]), "```", "",
           "Score = (killed + timeout) / (killed + timeout + survived + no tests). *timeout* is mutmut's word for "
           "a worker that failed as well as for one that ran out of time: a mutant that breaks an import makes pytest "
           "refuse the test ids (exit 4), which mutmut reports as a timeout (exit 255); both are detected. *no tests*: "
           "no test of the selection calls the mutated function. *not run*: sampled, but the time budget ran out "
           "first.", "",
           *table(generated, mutants, config.get("only_mutate", [])), "",
           f"In all: {len(mutants)} mutants, " + ", ".join(f"{counts[c]} {c}" for c in COLUMNS)
           + f"; score {score(counts)}.", ""]
    for title, group in sections(mutants):
        out += [f"## {title} ({len(group)})", ""]
        for m in group:
            out += [f"### `{m.path}:{m.line}` — `{m.function}`", "", f"`{m.name}` ({m.status})", "", "```diff",
                    *m.diff, "```", ""]
            out += [f"Equivalent: {m.equivalent}.", ""] if m.equivalent else []
    out += ["## How to read it", "",
            "mutmut mutates function and method bodies only: module-level tables (`ZERO_COST`, `ACTIVATIONS`, …) "
            "and class attributes (a preset's `defaults`, `extras`) are not mutated. It skips decorated functions; "
            "the script applies `@register_formula`, `@handles` and `@property` at the end of each module in its "
            "temporary copy, so those bodies are mutated (line numbers unchanged). Code that runs at import "
            "(`handles`, `register_formula`, `register_layer`, `Ops.__getattr__`) is tested by "
            "`scripts/mutation/import_state.py`, the first test of the selection: the modules' tables after import "
            "must equal those of the unmutated code.", "",
            "A surviving mutant is a change the selected tests let through. Some are equivalent: no input can tell "
            "them from the original; those in `scripts/mutation/equivalent.py` are listed apart with the reason, and "
            "still counted as survived. The others want a test, beside the tests of the mutated module "
            "(`tests/formulas/`, `tests/layers/`, `tests/analysis/ops/`); recheck one with "
            "`python scripts/mutation/run.py --only NAME`. Once a sample's survivors are handled, the same seed on "
            "the same code says they are; only a sample no test was written against (another seed, or code that "
            "changed, which changes every draw) estimates how many mutants the tests let through.", ""]
    return "\n".join(out)


# main --------------------------------------------------------------------------------------------------------
def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sample", type=int, metavar="N", help="run N mutants, drawn with --seed (default: all)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the sample (default 0)")
    parser.add_argument("--only", nargs="+", metavar="GLOB",
                        help="only mutants whose name matches, as mutmut writes them "
                             "('cnncalc.formulas.conv.x_conv2d__mutmut_*'), e.g. to recheck survivors")
    parser.add_argument("--time-budget", type=float, metavar="SECONDS",
                        help="stop mutmut after this long and report what finished")
    parser.add_argument("--jobs", type=int, default=1, help="mutants tested at once (mutmut --max-children; 1)")
    parser.add_argument("--markdown", type=Path, metavar="OUT", help="write the report there (default: stdout)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary copy (its path is printed)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    mutmut_command()
    start = time.monotonic()
    markdown = args.markdown.resolve() if args.markdown else None
    cwd = Path.cwd()
    tmp = Path(tempfile.mkdtemp(prefix="cnncalc-mutation-"))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    log = tmp / "mutmut.log"
    try:
        source, config, files = prepare(tmp)
        os.chdir(tmp)
        print(f"mutmut generates the mutants of {len(files)} files in {tmp} (its output: {log})", file=sys.stderr)
        _, text = mutmut("run", "--max-children", str(args.jobs), NOTHING, log=log)
        generated = results(log)
        if "nothing matches" not in text or not generated:  # mutmut's refusal of the empty selection, or a failure
            print(f"mutmut did not get as far as the mutants; the end of its output:\n{tail(text)}", file=sys.stderr)
            return 1
        wanted = [n for n in generated if not args.only or any(fnmatch.fnmatchcase(n, g) for g in args.only)]
        names = draw(wanted, args.sample, args.seed)
        if not names:  # `mutmut run` with no name would run every mutant
            print(f"no mutant's name matches {' '.join(args.only or [])}", file=sys.stderr)
            return 1
        how = [f"each file's mutants shuffled with seed {args.seed}, then taken round-robin over the files"
               ] if len(names) < len(wanted) else []
        how += [f"names matching {' '.join(args.only)}"] if args.only else []
        sampling = f"{len(names)} of the {len(generated)} mutants mutmut generates"
        sampling = f"A sample of {sampling} ({'; '.join(how)})." if how else f"All {sampling}."
        print(f"{sampling} Running them.", file=sys.stderr)
        rc, text = mutmut("run", "--max-children", str(args.jobs), *names, log=log, budget=args.time_budget)
        outcome = results(log)
        mutants = [Mutant(n, outcome.get(n, "not checked")) for n in names]
        if rc != 0 and all(m.column == "not run" for m in mutants):
            print(f"mutmut failed (exit {rc}); the end of its output:\n{tail(text)}", file=sys.stderr)
            return 1
        for m in mutants:
            if m.column not in ("killed", "not run"):
                show(m, tmp, log)
        own_nice = os.nice(0)
        command = (f"nice -n {own_nice} " if own_nice else "") + shlex.join(
            ["python", "scripts/mutation/run.py", *(sys.argv[1:] if argv is None else argv)])
        context = {"command": command, "mutmut": importlib.metadata.version("mutmut"), "source": source,
                   "python": sys.version.split()[0], "when": time.strftime("%Y-%m-%d"), "sampling": sampling,
                   "wall": f"{(time.monotonic() - start) / 60:.1f} min"}
        report = render(generated, mutants, context, config)
        counts = Counter(m.column for m in mutants)
        print(", ".join(f"{counts[c]} {c}" for c in COLUMNS) + f"; score {score(counts)}", file=sys.stderr)
        if markdown is None:
            print(report)
        else:
            markdown.write_text(report, encoding="utf-8")
            print(f"wrote {markdown}", file=sys.stderr)
        return 0
    finally:
        os.chdir(cwd)
        if args.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
