"""The first test of a mutation run: the mutated modules leave the same tables at import as the unmutated code.

mutmut credits what runs while the tests are collected (the imports: the registering decorators, `handles`,
`register_layer`, `Ops.__getattr__`) to the first test of its selection, and runs only that test against those
mutants. So [tool.mutmut]'s selection starts with this file: it imports the modules named in import_state.json
and compares their module-level tables (HANDLERS, FORMULAS, PRESETS, …) with it. run.py writes that snapshot into
its temporary copy from what `python scripts/mutation/import_state.py MODULE…` prints there before mutmut runs;
outside a mutation run there is no snapshot and the test is skipped. The modules of preload.txt are imported
first, as mutmut's fork server has them: some tables depend on them (torchvision's handlers are placeholders until
it is loaded).
"""

from __future__ import annotations

import importlib
import inspect
import json
import sys
from enum import Enum
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SNAPSHOT = HERE / "import_state.json"
PRELOAD = [m for m in (t.strip() for t in (HERE / "preload.txt").read_text("utf-8").splitlines())
           if m and not m.startswith("#")]


def summary(value: Any, root: str, depth: int = 0) -> Any:
    """`value` as JSON that two processes can compare: no addresses, no absolute paths."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Enum):
        return f"{type(value).__qualname__}.{value.name}"
    if isinstance(value, str):
        return value.replace(root, "<root>")
    if depth > 4:
        return type(value).__qualname__
    if isinstance(value, dict):
        return {str(summary(k, root, depth + 1)): summary(v, root, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [summary(v, root, depth + 1) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((summary(v, root, depth + 1) for v in value), key=json.dumps)
    if isinstance(value, type) or inspect.isroutine(value):
        return f"{getattr(value, '__module__', '')}.{value.__qualname__}"
    text = repr(value)
    return type(value).__qualname__ if " at 0x" in text else text.replace(root, "<root>")


def import_state(modules: list[str]) -> dict[str, Any]:
    """Module → its module-level dicts, lists, tuples and sets, less mutmut's own (named `…mutmut…`)."""
    for name in PRELOAD:
        importlib.import_module(name)
    state = {}
    for module in [importlib.import_module(name) for name in modules]:  # all imported before any is read
        root = str(Path(module.__file__ or "").resolve().parents[module.__name__.count(".")])
        state[module.__name__] = {key: summary(value, root) for key, value in vars(module).items()
                                  if isinstance(value, dict | list | tuple | set | frozenset)
                                  and not key.startswith("__") and "mutmut" not in key}
    return json.loads(json.dumps(state))


if __name__ == "__main__":
    print(json.dumps(import_state(sys.argv[1:])))
elif SNAPSHOT.exists():
    # read as pytest collects this module, before any test runs: mutmut runs a mutant's tests in no fixed order,
    # and some tests add to the registries (tests/analysis/ops/test_op_registry.py)
    EXPECTED = json.loads(SNAPSHOT.read_text("utf-8"))
    AT_IMPORT = import_state(list(EXPECTED))


def test_module_tables_after_import() -> None:
    import pytest

    if not SNAPSHOT.exists():
        pytest.skip("the snapshot is written by scripts/mutation/run.py in its temporary copy")
    assert AT_IMPORT == EXPECTED
