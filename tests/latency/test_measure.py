"""Timing one call (`cnncalc.latency.measure`): how many runs a slow call gets, subnormals while timing networks,
and how deep the trees grow (`cnncalc.latency.fitting`)."""

from __future__ import annotations

import random
import time

import pytest
import torch

from cnncalc.analysis.calls import Call, TensorArg
from cnncalc.latency import fitting, measure

RUNS: list[float] = []


@torch.library.custom_op("cnncalc_test_measure::nap", mutates_args=())
def nap(x: torch.Tensor, seconds: float) -> torch.Tensor:
    RUNS.append(seconds)
    time.sleep(seconds)
    return x.clone()


def _nap_call(seconds: float) -> Call:
    x = TensorArg((4,), "float32", (1,))
    return Call("cnncalc_test_measure.nap.default", (x, seconds), (), (x,), "")


def test_a_slow_call_is_run_once_to_warm_up_and_then_timed_three_times() -> None:
    RUNS.clear()
    took = measure.time_call(_nap_call(0.03), seconds=0.5)  # 30 ms > SLOW (20 ms): 1 + 3 runs, not 0.5 s of them
    assert len(RUNS) == 1 + measure.SLOW_RUNS == 4
    assert took >= 0.03


def test_a_fast_call_is_warmed_up_twice_and_timed_for_at_least_the_time_asked() -> None:
    RUNS.clear()
    began = time.perf_counter()
    measure.time_call(_nap_call(0.002), seconds=0.05)
    # 2 ms a run: 2 warm-ups, then runs until 50 ms have passed (at least 5)
    assert len(RUNS) >= 2 + 5
    assert time.perf_counter() - began >= 0.05


def test_subnormals_are_flushed_inside_the_block_only() -> None:
    tiny = torch.tensor([1e-39])  # below float32's smallest normal (1.18e-38): a subnormal
    if not torch.set_flush_denormal(True):
        pytest.skip("this CPU cannot flush subnormals (no SSE3)")
    torch.set_flush_denormal(False)
    assert (tiny * 1.0).item() != 0.0
    with measure.flushed_subnormals() as able:
        assert able and (tiny * 1.0).item() == 0.0
    assert (tiny * 1.0).item() != 0.0
    torch.set_flush_denormal(True)  # a user's own setting is what the block restores
    try:
        with measure.flushed_subnormals():
            pass
        assert measure.flushing_subnormals() and (tiny * 1.0).item() == 0.0
    finally:
        torch.set_flush_denormal(False)


def _depth(tree: tuple[tuple[int, ...], ...]) -> int:
    feature, _, left, right, _ = tree

    def down(node: int) -> int:
        return 0 if feature[node] < 0 else 1 + max(down(left[node]), down(right[node]))

    return down(0)


def test_trees_grow_two_levels_deeper_from_deep_from_calls(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("sklearn")
    monkeypatch.setattr(fitting, "DEEP_FROM", 120)
    rng = random.Random(0)
    rows = [(rng.uniform(10, 20), rng.uniform(0, 1), rng.uniform(0, 1)) for _ in range(120)]
    times = [1e-9 * 2.7 ** r[0] * (1 + r[1] * r[2] + rng.random()) for r in rows]
    shallow = fitting.fit_model(rows[:119], times[:119])
    deep = fitting.fit_model(rows, times)
    assert isinstance(shallow, fitting.Trees) and isinstance(deep, fitting.Trees)
    assert max(_depth(t) for t in shallow.trees) == 5
    assert max(_depth(t) for t in deep.trees) == 7


def test_what_runs_before_every_run_runs_before_each_warm_up_and_timed_run() -> None:
    befores: list[int] = []
    RUNS.clear()
    measure.time_call(_nap_call(0.001), seconds=0.01, before=lambda: befores.append(len(RUNS)))
    # called once per run, each time before that run (RUNS grows by one after each call of `before`)
    assert befores == list(range(len(RUNS))) and len(RUNS) >= 2 + 5


FAULTS = """
import resource, sys, torch
from cnncalc.latency import measure
if not measure.steady_allocator():
    print(-1)
    raise SystemExit
if sys.argv[1] == "warm":
    measure.warm_heap(64 << 20)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
torch.empty(8 << 20).fill_(1.0)  # 32 MiB, written once
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


@pytest.mark.slow
def test_a_warmed_heap_gives_a_large_tensor_without_page_faults() -> None:
    import subprocess
    import sys

    faults = {}
    for how in ("cold", "warm"):
        done = subprocess.run([sys.executable, "-c", FAULTS, how], capture_output=True, text=True, check=True)
        faults[how] = int(done.stdout.split()[-1])
    if faults["cold"] < 0:
        pytest.skip("no glibc mallopt here")
    # 32 MiB is 8,192 pages of 4 KiB: a fresh process faults each one in as it is first written (fewer where
    # transparent huge pages back the heap); after warm_heap the allocator hands out pages already faulted in
    # (measured on the development VM: 8,212 and 0)
    assert faults["cold"] >= 16
    assert faults["warm"] * 8 < faults["cold"]
