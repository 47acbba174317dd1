#!/bin/bash
# Issue 9's slips, planted one at a time in a copy of the working tree: for each, the tests that catch it.
# Each slip is a one-line change that once passed every test (see docs/mutation.md for the systematic version).
# Usage: benchmarks/slips.sh   (from any directory; uses the repository's .venv; about two minutes)
set -u
SRC=$(cd "$(dirname "$0")/.." && pwd)
PY=$SRC/.venv/bin/python
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
plant() {  # name, file, python replacement snippet, tests...
  local name=$1 file=$2 old=$3 new=$4; shift 4
  rm -rf "$WORK/tree" && mkdir -p "$WORK/tree"
  (cd $SRC && git ls-files -co --exclude-standard | tar -cf - -T - ) | tar -xf - -C "$WORK/tree"
  $PY - "$WORK/tree" "$file" "$old" "$new" <<'PYEOF'
import sys
root, path, old, new = sys.argv[1:]
p = root + "/" + path
s = open(p).read()
assert s.count(old) == 1, (path, s.count(old))
open(p, "w").write(s.replace(old, new))
PYEOF
  echo "=== slip: $name"
  (cd "$WORK/tree" && PYTHONPATH="$WORK/tree" $PY -m pytest -q -p no:cacheprovider "$@" > "$WORK/log" 2>&1
   grep -E "^FAILED" "$WORK/log" | cut -d' ' -f2 | head -3 | sed 's/^/  caught by /'
   echo "  $(grep -cE '^FAILED' "$WORK/log") tests fail; $(tail -1 "$WORK/log")")
}
plant "pooling FLOPs = input elements" cnncalc/formulas/pool.py \
  "other_flops=n * c * numel(tuple(taps))," "other_flops=numel(x)," \
  tests/analysis/ops/test_oracles.py tests/test_golden.py tests/layers/test_layers_arithmetic.py
plant "batch norm at 2 FLOPs per element" cnncalc/formulas/norm.py \
  "        kind=OpKind.batch_norm,
        output_shape=x,
        other_flops=numel(x)," "        kind=OpKind.batch_norm,
        output_shape=x,
        other_flops=2 * numel(x)," \
  tests/analysis/ops/test_oracles.py tests/test_golden.py tests/layers/test_layers_arithmetic.py
plant "SE squeeze width rounded up" cnncalc/layers/presets/attention.py \
  "    return cin // r" "    return -(-cin // r)" \
  tests/layers/test_design_rules.py tests/layers/test_layers_against_torchvision_blocks.py
plant "validate: the params row compares numel with numel" cnncalc/analysis/validate.py \
  'read, unread = report.total.params_read, report.unread_params' 'read, unread = numel, ()' \
  tests/analysis/test_validate.py
plant "validate: a peer that fails recorded as agreement" cnncalc/analysis/validate.py \
  'Status.not_run, f"not run: {why}")' 'Status.agrees, f"not run: {why}")' \
  tests/analysis/test_validate.py
plant "hypothesis: cnncalc refuses a dilation PyTorch accepts" cnncalc/formulas/conv.py \
  '    if cin % groups or cout % groups:' '    if any(d > 2 for d in dilation):
        raise CnncalcError("dilation > 2 refused")
    if cin % groups or cout % groups:' \
  tests/layers/test_nd.py -k designs_against_pytorch
