"""Where the tests find the repository and the model files the command line loads by path (tests/fixtures/)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
#: models written the way users write them (token ids, two inputs, dict outputs, a branch on a value, …)
USER_MODELS = FIXTURES / "user_models.py"
#: models written the way other packages write them (a YOLO-style constructor, positional embeddings, …)
OTHER_PACKAGES = FIXTURES / "other_packages.py"
#: a package that prints at import, in its constructor and in its forward
CHATTY = FIXTURES / "chatty.py"
#: the formula of the custom op of tests/fixtures/custom_op.py, registered from a file
CUSTOM_OP_FORMULA = FIXTURES / "custom_op_formula.py"
