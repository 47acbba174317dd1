"""The latency models a profile holds, one per op kind, fitted on measured calls and stored as plain data.

- `Constant`: one time for every call (views and the like: their cost is the dispatch, not the data).
- `Curve`: time against one feature (log bytes), as the measured medians joined in log-log space; beyond the
  measured range the end segments go on (clamped to grow no faster than the data).
- `Trees`: time against many features (a convolution's channels, map, kernel, stride, groups, …), a gradient-
  boosted ensemble of regression trees fitted by scikit-learn (an optional extra: `pip install cnncalc[calibrate]`)
  on log time, less the log of the work the call does to first order (its `Offset`: a convolution's MACs and
  bytes, a pooling's reads and window comparisons; `cnncalc.latency.kinds.offset`), and stored as its trees' arrays
  so that predicting needs neither scikit-learn nor a fit.

Every model predicts seconds from feature rows, and carries its own held-out error: the median and 90th
percentile of |predicted / measured − 1| over calls it was not fitted on (k-fold).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from cnncalc.errors import CnncalcError


@dataclass(frozen=True)
class HeldOut:
    """A model's error on measured calls it was not fitted on: |predicted / measured − 1|."""

    median: float
    p90: float
    samples: int


class Model:
    """A fitted latency model of one op kind."""

    TYPE = ""

    def predict(self, rows: Sequence[Sequence[float]]) -> list[float]:
        raise NotImplementedError

    def to_data(self) -> dict[str, Any]:
        raise NotImplementedError


@dataclass(frozen=True)
class Constant(Model):
    TYPE = "constant"

    seconds: float

    def predict(self, rows: Sequence[Sequence[float]]) -> list[float]:
        return [self.seconds for _ in rows]

    def to_data(self) -> dict[str, Any]:
        return {"type": self.TYPE, "seconds": self.seconds}

    @classmethod
    def fit(cls, times: Sequence[float]) -> Constant:
        return cls(_median(times))


@dataclass(frozen=True)
class Curve(Model):
    """Piecewise linear in log-log space through the median time at each measured size."""

    TYPE = "curve"

    x: tuple[float, ...]
    y: tuple[float, ...]

    def predict(self, rows: Sequence[Sequence[float]]) -> list[float]:
        return [math.exp(self._at(row[0])) for row in rows]

    def _at(self, x: float) -> float:
        xs, ys = self.x, self.y
        if len(xs) == 1:
            return ys[0]
        if x <= xs[0]:
            return ys[0]  # below the smallest call measured: its time (the fixed cost of a call)
        if x >= xs[-1]:
            slope = (ys[-1] - ys[-2]) / (xs[-1] - xs[-2]) if xs[-1] > xs[-2] else 1.0
            return ys[-1] + min(max(slope, 0.0), 1.0) * (x - xs[-1])
        hi = next(i for i, v in enumerate(xs) if v >= x)
        lo = hi - 1
        t = (x - xs[lo]) / (xs[hi] - xs[lo]) if xs[hi] > xs[lo] else 0.0
        return ys[lo] + t * (ys[hi] - ys[lo])

    def to_data(self) -> dict[str, Any]:
        return {"type": self.TYPE, "x": list(self.x), "y": list(self.y)}

    @classmethod
    def fit(cls, rows: Sequence[Sequence[float]], times: Sequence[float], points: int = 48) -> Curve:
        """The medians of log time in `points` bins of log size (fewer calls: one point each)."""
        pairs = sorted((row[0], math.log(t)) for row, t in zip(rows, times, strict=True) if t > 0)
        if not pairs:
            raise CnncalcError("a curve needs at least one measured call")
        lo, hi = pairs[0][0], pairs[-1][0]
        width = (hi - lo) / points if hi > lo else 1.0
        bins: dict[int, list[tuple[float, float]]] = {}
        for x, y in pairs:
            bins.setdefault(min(int((x - lo) / width), points - 1), []).append((x, y))
        xs, ys = [], []
        for _, members in sorted(bins.items()):
            xs.append(_median([x for x, _ in members]))
            ys.append(_median([y for _, y in members]))
        return cls(tuple(xs), tuple(ys))


#: a term of an offset: a log coefficient and the features (logs) it adds to, exp(c + Σ row[j] for j in them)
Term = tuple[float, tuple[int, ...]]
#: an offset: the log of the sum of its terms (no terms: none)
Offset = tuple[Term, ...]
#: the offset of a profile made before offsets had terms: the row's first feature (log MACs)
FIRST_FEATURE: Offset = ((0.0, (0,)),)


def offset_values(rows: Any, offset: Offset) -> Any:
    """Each row's offset, log Σ exp(c + Σ row[j]) over the offset's terms (0 without terms): numpy, rows as a 2-D
    array."""
    import numpy as np

    x = np.asarray(rows, dtype=np.float64)
    if not offset:
        return np.zeros(len(x))
    logs = np.stack([c + x[:, list(j)].sum(axis=1) for c, j in offset])
    top = logs.max(axis=0)
    return top + np.log(np.exp(logs - top).sum(axis=0))


@dataclass(frozen=True)
class Trees(Model):
    """A sum of regression trees on log time: `base + rate · Σ tree(row)`, plus the row's `offset` (the log of
    the work it does to first order: a convolution's MACs and the bytes it moves at the device's MACs per byte, a
    pooling's bytes read and its window's comparisons). The trees then model log seconds per unit of work, and,
    constant between their splits, need not learn that slope. Each tree is five arrays: the feature tested (−1 at
    a leaf), the threshold, the left and right children, and the leaf values."""

    TYPE = "trees"

    base: float
    rate: float
    trees: tuple[tuple[tuple[int, ...], tuple[float, ...], tuple[int, ...], tuple[int, ...], tuple[float, ...]], ...]
    offset: Offset = ()

    def predict(self, rows: Sequence[Sequence[float]]) -> list[float]:
        """Every row down every tree at once: one level of all the trees per step (numpy), as deep as the deepest."""
        import numpy as np

        if not rows:
            return []
        feature, threshold, left, right, value, roots = self._flat
        x = np.asarray(rows, dtype=np.float64)
        node = np.broadcast_to(roots, (len(x), len(roots))).copy()
        at = np.arange(len(x))[:, None]
        while True:
            tested = feature[node]
            inner = tested >= 0
            if not inner.any():
                break
            goes_left = x[at, np.where(inner, tested, 0)] <= threshold[node]
            node = np.where(inner, np.where(goes_left, left[node], right[node]), node)
        total = value[node].sum(axis=1)
        return [float(v) for v in np.exp(self.base + self.rate * total + offset_values(x, self.offset))]

    @cached_property
    def _flat(self) -> tuple[Any, ...]:
        """The trees as one set of arrays, children as indexes into them (a leaf's children are itself)."""
        import numpy as np

        feature, threshold, left, right, value, roots = [], [], [], [], [], []
        start = 0
        for f, t, lo, hi, v in self.trees:
            here = np.arange(start, start + len(f))
            leaf = np.asarray(f) < 0
            feature.append(np.asarray(f, dtype=np.int64))
            threshold.append(np.asarray(t, dtype=np.float64))
            left.append(np.where(leaf, here, np.asarray(lo) + start))
            right.append(np.where(leaf, here, np.asarray(hi) + start))
            value.append(np.asarray(v, dtype=np.float64))
            roots.append(start)
            start += len(f)
        return (np.concatenate(feature), np.concatenate(threshold), np.concatenate(left), np.concatenate(right),
                np.concatenate(value), np.asarray(roots))

    def to_data(self) -> dict[str, Any]:
        return {"type": self.TYPE, "base": self.base, "rate": self.rate,
                "offset": [[c, list(j)] for c, j in self.offset],
                "trees": [[[_short(v) for v in a] for a in tree] for tree in self.trees]}

    @classmethod
    def fit(cls, rows: Sequence[Sequence[float]], times: Sequence[float], trees: int = 300, depth: int = 4,
            rate: float = 0.05, seed: int = 0, offset: Offset = ()) -> Trees:
        """Gradient-boosted regression trees (scikit-learn) on log time less the rows' `offset`."""
        try:
            from sklearn.ensemble import GradientBoostingRegressor
        except ImportError:
            raise CnncalcError("calibrating needs scikit-learn for the multi-feature kinds (convolutions, matrix "
                               "products): pip install 'cnncalc[calibrate]' (or scikit-learn)") from None
        model = GradientBoostingRegressor(n_estimators=trees, max_depth=depth, learning_rate=rate, subsample=0.8,
                                          random_state=seed)
        shift = [float(v) for v in offset_values(rows, offset)]
        model.fit([list(r) for r in rows], [math.log(t) - d for t, d in zip(times, shift, strict=True)])
        exported = []
        for estimator in model.estimators_[:, 0]:
            tree = estimator.tree_
            exported.append((tuple(int(f) for f in tree.feature), tuple(float(v) for v in tree.threshold),
                             tuple(int(v) for v in tree.children_left), tuple(int(v) for v in tree.children_right),
                             tuple(float(v) for v in tree.value[:, 0, 0])))
        base = float(model.init_.constant_[0][0]) if hasattr(model.init_, "constant_") else _median(
            [math.log(t) - d for t, d in zip(times, shift, strict=True)])
        return cls(base, float(rate), tuple(exported), offset)


MODELS: dict[str, type[Model]] = {m.TYPE: m for m in (Constant, Curve, Trees)}


def model_from(data: dict[str, Any]) -> Model:
    """A model from its stored data (`Model.to_data`); raises on anything malformed."""
    kind = data.get("type")
    if kind == "constant":
        return Constant(float(data["seconds"]))
    if kind == "curve":
        x, y = tuple(float(v) for v in data["x"]), tuple(float(v) for v in data["y"])
        if not x or len(x) != len(y):
            raise ValueError("a curve needs as many x as y, at least one")
        return Curve(x, y)
    if kind == "trees":
        trees = tuple((tuple(int(v) for v in t[0]), tuple(float(v) for v in t[1]), tuple(int(v) for v in t[2]),
                       tuple(int(v) for v in t[3]), tuple(float(v) for v in t[4])) for t in data["trees"])
        return Trees(float(data["base"]), float(data["rate"]), trees, _offset(data.get("offset", False)))
    raise ValueError(f"unknown model type {kind!r}: accepted are {', '.join(MODELS)}")


def _offset(data: Any) -> Offset:
    """An offset as stored: its terms, [[c, [j, …]], …]; a profile of version 2 or before stored true (the first
    feature) or false (none)."""
    if isinstance(data, bool):
        return FIRST_FEATURE if data else ()
    return tuple((float(c), tuple(int(j) for j in features)) for c, features in data)


def _short(value: float) -> float | int:
    """A tree array's value as stored: integers as they are, thresholds and leaves to 7 significant digits."""
    return value if isinstance(value, int) else float(f"{value:.7g}")


#: fewer calls than this are too few for trees: a multi-feature kind gets a curve of its first feature (log MACs
#: or log bytes) instead
FEWEST_FOR_TREES = 40
#: from this many calls on, trees go two levels deeper (7): a 3,258-call conv2d set's 5-fold error fell from a
#: median of 14.6% to 12.7% (p90 45.0% → 41.9%; benchmarks/latency_diagnostics.py depth), while 400 to 800
#: calls of max_pool2d or addmm gained nothing
DEEP_FROM = 1500


def fit_model(rows: Sequence[Sequence[float]], times: Sequence[float], offset: Offset = ()) -> Model:
    """The model calls call for: no features, a constant; one (or too few calls), a curve of the first feature;
    several, trees, on log time less `offset` (the kind's: `cnncalc.latency.kinds.offset`)."""
    width = len(rows[0]) if rows else 0
    if width == 0:
        return Constant.fit(times)
    if width == 1 or len(rows) < FEWEST_FOR_TREES:
        return Curve.fit(rows, times)
    return Trees.fit(rows, times, trees=600, depth=7 if len(rows) >= DEEP_FROM else 5, offset=offset)


def held_out(rows: Sequence[Sequence[float]], times: Sequence[float], folds: int = 5, seed: int = 0,
             offset: Offset = ()) -> tuple[HeldOut, list[float]]:
    """k-fold error of the model `fit_model` fits: each call predicted by a model fitted without its fold. Also
    each call's own error (for sampling more where it is high)."""
    n = len(times)
    if n < folds * 2:
        return HeldOut(float("nan"), float("nan"), n), [0.0] * n
    order = sorted(range(n), key=lambda i: (i * 2654435761 + seed) % n)
    errors = [0.0] * n
    for f in range(folds):
        test = [order[i] for i in range(f, n, folds)]
        chosen = set(test)
        train = [i for i in range(n) if i not in chosen]
        model = fit_model([rows[i] for i in train], [times[i] for i in train], offset)
        predicted = model.predict([rows[i] for i in test])
        for i, p in zip(test, predicted, strict=True):
            errors[i] = abs(p / times[i] - 1) if times[i] > 0 else 0.0
    ranked = sorted(errors)
    return HeldOut(_median(ranked), ranked[min(n - 1, int(0.9 * n))], n), errors


def _median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
