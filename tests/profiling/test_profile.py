"""Profiling (cnncalc/profiling/): behaviour on the CPU (no timing thresholds), the statistics, the peaks table
(cnncalc/datasheets.py), the roofline bound, all by hand; a training step's measured peak beside the predicted one
(MemTracker); GPU paths are marked and skip without CUDA. The command line's `profile` and `compare --time` are
checked in tests/cli/test_cli_profile.py."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

from cnncalc.analysis.analyze import analyze
from cnncalc.analysis.tracer import OpRecord
from cnncalc.datasheets import DevicePeaks, cpu_peaks, gpu_peaks
from cnncalc.dtypes import DType
from cnncalc.errors import CnncalcError
from cnncalc.formulas.conv import conv as conv_cost
from cnncalc.formulas.elementwise import activation
from cnncalc.profiling.roofline import bound_ms, op_bound
from cnncalc.profiling.run import parse_batches, profile
from cnncalc.profiling.stats import quantile, summarize

FAST = dict(warmup=1, min_time=0.05)
TOLERANCE = 0.03  # the bound for a predicted peak against the measured one


# --- statistics ---------------------------------------------------------------------------------------------
def test_quantiles_and_spread_by_hand() -> None:
    samples = [10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0, 20.0]
    # 11 samples: p10 at rank 0.1·10 = 1 → 11.0; p90 at rank 9 → 19.0; median 15.0
    stats = summarize(samples, cold=100.0)
    assert (stats.p10, stats.median, stats.p90, stats.min, stats.cold, stats.samples) == (11, 15, 19, 10, 100, 11)
    # spread (19 − 11) / 15 = 0.533 > 10%: noisy
    assert stats.noisy
    assert not summarize([10.0, 10.1, 10.2, 10.3], 10.0).noisy  # (10.27 − 10.03) / 10.15 = 2.4%
    assert quantile([1.0, 3.0], 0.5) == 2.0


# --- peaks --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, bandwidth_tb, half_tflops", [
    ("NVIDIA H100 80GB HBM3", 3.35, 989.4), ("NVIDIA H100 PCIe", 2.0, 756), ("NVIDIA H200", 4.8, 989.4),
    ("NVIDIA A100-SXM4-80GB", 2.039, 312), ("NVIDIA A100-SXM4-40GB", 1.555, 312), ("Tesla V100-SXM2-16GB", 0.9, 125),
    ("Tesla T4", 0.32, 65), ("NVIDIA L4", 0.3, 121), ("NVIDIA A10", 0.6, 125),
    ("NVIDIA GeForce RTX 4090", 1.008, 165.2), ("NVIDIA GeForce RTX 3090", 0.936, 71),
])
def test_datasheet_peaks(name: str, bandwidth_tb: float, half_tflops: float) -> None:
    peaks = gpu_peaks(name)
    assert peaks.bandwidth == pytest.approx(bandwidth_tb * 1e12)
    assert peaks.half == pytest.approx(half_tflops * 1e12)
    assert "datasheet" in peaks.source or "whitepaper" in peaks.source


def test_unknown_gpu_bandwidth_from_properties() -> None:
    props = SimpleNamespace(memory_clock_rate=1_000_000, memory_bus_width=256)  # 1 GHz, 256 bits
    # double data rate: 2 · 1e9 · 256 / 8 = 64 GB/s
    peaks = gpu_peaks("Imaginary GPU 9000", props)
    assert peaks.bandwidth == 64e9 and peaks.fp32 is None and "unknown" in peaks.source
    assert gpu_peaks("Imaginary GPU 9000").bandwidth is None


def test_cpu_estimate_by_hand(tmp_path: Path) -> None:
    info = "model name\t: Test CPU\nflags\t\t: fpu sse2 avx avx2 fma avx512f\ncpu MHz\t\t: 2500.000\n"
    peaks = cpu_peaks(4, info, max_freq_path=str(tmp_path / "absent"))
    # 4 threads · 2.5 GHz · 16 FP32 lanes (AVX-512) · 2 FMA units · 2 FLOPs = 640 GFLOP/s
    assert peaks.fp32 == pytest.approx(640e9)
    assert "estimate" in peaks.source


# --- roofline ------------------------------------------------------------------------------------------------
def test_roofline_bound_by_hand() -> None:
    peaks = DevicePeaks("test", fp32=1e12, tf32=None, half=None, bandwidth=1e11, source="test")
    conv = OpRecord("c", "conv", conv_cost((1, 64, 56, 56), 64, (3, 3), padding=(1, 1)), 4)
    relu = OpRecord("r", "relu", activation((1, 64, 56, 56)), 4)
    # conv: 2·36,864·3,136 = 231,211,008 FLOPs / 1e12 = 231.2 µs; bytes (200,704 + 36,864 + 200,704)·4 =
    # 1,753,088 / 1e11 = 17.5 µs → compute-bound: 231.2 µs
    assert op_bound(conv, DType.float32, peaks, on_cuda=False) == pytest.approx(231_211_008 / 1e12)
    # relu: 200,704 FLOPs → 0.2 µs; bytes 2·200,704·4 = 1,605,632 / 1e11 = 16.1 µs → memory-bound
    assert op_bound(relu, DType.float32, peaks, on_cuda=False) == pytest.approx(1_605_632 / 1e11)
    assert bound_ms([conv, relu], DType.float32, peaks, False) == pytest.approx((231_211_008 / 1e12 +
                                                                                  1_605_632 / 1e11) * 1e3)


# --- profiling on the CPU ------------------------------------------------------------------------------------
def test_profile_cpu_report() -> None:
    report = profile("lenet5", device="cpu", batch="1,4", per_layer=True, **FAST)
    assert [r.batch for r in report.runs] == [1, 4]
    assert report.settings.threads == torch.get_num_threads()
    for r in report.runs:
        lat = r.latency
        assert lat is not None and lat.samples >= 5
        assert lat.min <= lat.p10 <= lat.median <= lat.p90
        assert r.throughput == pytest.approx(r.batch / (lat.median / 1e3))
        assert r.flops == analyze("lenet5", (r.batch, 1, 32, 32)).total.flops
        assert r.roofline_ms is not None and r.roofline_ms > 0
    leaves = {layer.name for layer in report.layers}
    assert leaves == {str(i) for i in range(12)}
    # every op of lenet5 runs inside a leaf module: the layers' FLOPs add up to the batch-1 total
    assert sum(layer.flops for layer in report.layers) == report.runs[0].flops


def test_user_module_is_not_modified() -> None:
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU())
    before = [p.clone() for p in model.parameters()]
    model.train()
    profile(model, device="cpu", input_shape=(1, 3, 16, 16), dtype="float64", **FAST)
    assert model.training
    assert all(p.dtype == torch.float32 and torch.equal(p, q) for p, q in zip(model.parameters(), before, strict=True))


TINY_SEEN: list[bool] = []


class Tiny(torch.nn.Module):
    """Records, each forward, whether a subnormal float survives a multiplication (not when they are flushed)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.device.type == "cpu":  # the real runs, not the trace on the meta device
            TINY_SEEN.append((torch.tensor([1e-39]) * 1.0).item() != 0.0)  # 1e-39 < 1.18e-38, float32's least normal
        return x * 2.0


def test_cpu_runs_are_timed_with_subnormals_flushed_and_restored_after() -> None:
    if not torch.set_flush_denormal(True):
        pytest.skip("this CPU cannot flush subnormals (no SSE3)")
    torch.set_flush_denormal(False)
    from cnncalc.latency import measure

    TINY_SEEN.clear()
    steady = measure.steady_heap()  # an earlier profile beside a prediction in this process may have set it
    report = profile(Tiny(), device="cpu", input_shape=(1, 4), **FAST)
    # the cold call, 1 warm-up and at least 5 samples, every one with subnormals flushed
    assert len(TINY_SEEN) >= 7 and not any(TINY_SEEN)
    assert report.settings.flush_subnormals is True
    # no prediction: the process's allocator is left as it was, and the settings say what it is
    assert measure.steady_heap() is steady and report.settings.steady_heap is steady
    assert (torch.tensor([1e-39]) * 1.0).item() != 0.0


REFAULTS = """
import json, resource, sys, torch
from cnncalc.profiling.run import profile
report = profile("lenet5", device="cpu", warmup=1, min_time=0.05, predict=sys.argv[1] if len(sys.argv) > 1 else None)
for _ in range(4):  # 64 MiB written and freed: above glibc's largest dynamic mmap threshold (32 MiB); kept for
    torch.empty(16 << 20).fill_(1.0)  # reuse, the heap holds a block that fits after one to three of them
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
torch.empty(16 << 20).fill_(1.0)
print(json.dumps([report.settings.steady_heap, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before]))
"""


@pytest.mark.slow
def test_runs_beside_a_prediction_keep_freed_memory_as_calibration_does(tmp_path: Path) -> None:
    import json
    import subprocess
    import sys

    from synthetic_profiles import per_byte
    from synthetic_profiles import profile as synthetic

    path = tmp_path / "cpu.json"
    synthetic({"conv2d": per_byte(1e-12)}, threads=torch.get_num_threads()).save(path)
    seen = {}
    for how, argv in (("plain", []), ("predicted", [str(path)])):
        done = subprocess.run([sys.executable, "-c", REFAULTS, *argv], capture_output=True, text=True, check=True)
        seen[how] = json.loads(done.stdout.splitlines()[-1])
    if seen["predicted"][0] is False:
        pytest.skip("no glibc mallopt here")
    # glibc's defaults map a 64 MiB tensor afresh each time: 16,384 pages of 4 KiB to fault in (fewer where
    # transparent huge pages back it); kept for reuse, the fifth one is written into pages already there (measured
    # on the development VM: 16,385 and 0; the second to fourth of them took 16,384 or 0, varying from run to run)
    assert seen["plain"] == [False, seen["plain"][1]] and seen["plain"][1] >= 16
    assert seen["predicted"][0] is True and seen["predicted"][1] * 8 < seen["plain"][1]


def test_parse_batches() -> None:
    assert parse_batches("1, 8,32") == (1, 8, 32)
    for bad in ("0", "1,,2", "a", "", "-1"):
        with pytest.raises(CnncalcError):
            parse_batches(bad)


# --- on a GPU ------------------------------------------------------------------------------------------------
gpu = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")


@pytest.mark.gpu
@gpu
def test_gpu_profile_uses_events_and_states_settings() -> None:
    report = profile("resnet18", device="cuda", batch="1,8", dtype="float32", channels_last=True, **FAST)
    s = report.settings
    assert s.cudnn_benchmark is True and s.tf32_conv is not None and s.tf32_matmul is not None
    assert report.peaks.bandwidth and report.peaks.bandwidth > 1e11
    for r in report.runs:
        assert r.latency is not None and r.peak_memory_bytes and r.peak_memory_bytes > 0
        assert r.over_roofline is not None and r.over_roofline > 0.5


@pytest.mark.gpu
@gpu
def test_gpu_out_of_memory_is_reported_and_the_rest_goes_on() -> None:
    report = profile("resnet18", device="cuda", batch="1,1000000", **FAST)
    assert report.runs[0].error is None
    assert report.runs[1].error == "out of memory"
    assert report.largest_batch == 1


@pytest.mark.gpu
@gpu
def test_gpu_bfloat16_per_layer() -> None:
    report = profile("resnet18", device="cuda", batch="4", dtype="bfloat16", per_layer=True, **FAST)
    assert report.layers and all(layer.ms >= 0 for layer in report.layers)


def test_profile_train_measures_beside_the_prediction() -> None:
    from cnncalc.profiling.run import profile

    report = profile("lenet5", device="cpu", batch=[4], min_time=0.05, warmup=1, train=True, optimizer="adam")
    run_ = report.runs[0]
    assert report.mode == "training" and run_.latency is not None
    assert run_.peak_memory_bytes is not None and run_.predicted_peak_bytes is not None
    assert abs(run_.peak_memory_bytes - run_.predicted_peak_bytes) <= TOLERANCE * run_.peak_memory_bytes
    assert "MemTracker" in run_.peak_source
