"""Timing one op call on a device, as a model runs it: eager, under inference_mode, the inputs already made.

Each call is timed alone (`perf_counter_ns` around it on the CPU; CUDA events on a GPU) after warm-up calls, for
at least `seconds` or `most` calls, and the median kept. A slow call (its first run over `SLOW` seconds) is timed
after that one warm-up only, `SLOW_RUNS` times: its median moves little from run to run, and the time saved goes
to more calls, which the models need more (calibration's fits improve with every call, not with longer ones). An
op that writes its input (relu_, add_) gets its input back before every call, outside the timed region, so that
repeated calls neither drift nor run into denormals.
"""

from __future__ import annotations

import contextlib
import statistics
import time
from collections.abc import Callable, Iterator
from typing import Any

import torch

from cnncalc.analysis.calls import Call, materialize


def resolve(op: str) -> Any:
    """'aten.convolution.default' → torch.ops.aten.convolution.default."""
    namespace, name, overload = op.split(".")
    if namespace == "torchvision":
        import torchvision  # noqa: F401  (registers torch.ops.torchvision)
    return getattr(getattr(getattr(torch.ops, namespace), name), overload)


def writes_input(func: Any) -> bool:
    return any(a.alias_info is not None and a.alias_info.is_write for a in func._schema.arguments)


def _tensors(value: Any) -> list[torch.Tensor]:
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, list | tuple):
        return [t for v in value for t in _tensors(v)]
    return []


#: a call whose first run takes longer than this many seconds is timed SLOW_RUNS times after that run
SLOW, SLOW_RUNS = 0.02, 3


def time_call(call: Call, device: str = "cpu", seconds: float = 0.02, least: int = 5, most: int = 200,
              warmup: int = 2, seed: int = 0, before: Callable[[], object] | None = None) -> float:
    """The median seconds of one call of `call` on `device` (see the module's docstring); `before` runs before every
    run, outside the timed region (benchmarks/latency_diagnostics.py cold writes a scratch buffer there)."""
    func = resolve(call.op)
    generator = torch.Generator().manual_seed(seed)
    args = materialize(call.args, generator, device)
    kwargs = {k: materialize(v, generator, device) for k, v in call.kwargs}
    if "device" in {a.name for a in func._schema.arguments} and "device" not in kwargs:
        kwargs["device"] = torch.device(device)
    refresh = writes_input(func)
    originals = [t.clone() for t in _tensors(args)] if refresh else []
    cuda = device.startswith("cuda")
    samples: list[float] = []
    begin = time.perf_counter()
    with torch.inference_mode():
        for i in range(warmup + most):
            if refresh:
                for t, source in zip(_tensors(args), originals, strict=True):
                    t.copy_(source)
            if before is not None:
                before()
            if cuda:
                start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                torch.cuda.synchronize()
                start.record()
                func(*args, **kwargs)
                end.record()
                end.synchronize()
                elapsed = start.elapsed_time(end) / 1e3
            else:
                t0 = time.perf_counter_ns()
                func(*args, **kwargs)
                elapsed = (time.perf_counter_ns() - t0) / 1e9
            if i == 0 and elapsed > SLOW:
                warmup, least, seconds = 1, SLOW_RUNS, 0.0
            if i >= warmup:
                samples.append(elapsed)
                if len(samples) >= least and time.perf_counter() - begin >= seconds:
                    break
    return statistics.median(samples)


#: glibc's mallopt parameters
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3


def _libc() -> Any:
    """The C library (None where it cannot be loaded)."""
    import ctypes
    import ctypes.util

    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None


#: whether `steady_allocator` has set this process's allocator
_steady = False


def steady_heap() -> bool:
    """Whether this process keeps freed memory for reuse (`steady_allocator` was called and took)."""
    return _steady


def steady_allocator() -> bool:
    """Keep the process's freed memory for reuse (glibc: the mmap and trim thresholds at 1 GiB), as a long-running
    server's allocator settles: otherwise a fresh process maps and unmaps its larger activations on every forward
    and pays page faults that make small models up to a third slower, varying with what ran before. True when
    set (Linux with glibc); the setting lasts for the process."""
    global _steady
    mallopt = getattr(_libc(), "mallopt", None)
    if mallopt is None:
        return False
    _steady = _steady or (bool(mallopt(M_MMAP_THRESHOLD, 1 << 30)) and bool(mallopt(M_TRIM_THRESHOLD, 1 << 30)))
    return _steady


def release_heap() -> None:
    """Hand the heap's free memory back to the kernel (glibc's malloc_trim), so that the resident set grows again by
    what the next calls need: `profile` measures a forward's peak memory as that growth, and freed memory kept for
    reuse (`steady_allocator`) would hide it. Nothing where there is no glibc."""
    trim = getattr(_libc(), "malloc_trim", None)
    if trim is not None:
        trim(0)


#: the bytes of heap calibration faults in before it times anything (`warm_heap`)
WARM_HEAP = 768 << 20


def warm_heap(nbytes: int = WARM_HEAP) -> None:
    """Fault in `nbytes` of the process's heap once and hand them back to the allocator, which keeps them under
    `steady_allocator`. Otherwise, until the heap has grown past what a call needs, the call's runs keep taking
    fresh pages from the kernel, and calibration, which times each shape once, records that: in a fresh process on
    the development CPU, every timed run of a 1×1 convolution of 3 → 256 channels on 224² (a 51 MB output) took
    20–22 ms when it was the first large call, and 4 ms after a larger call or after `warm_heap`
    (tests/latency/test_measure.py counts the page faults of a tensor written in a fresh process)."""
    buffer = torch.empty(nbytes // 4, dtype=torch.float32)
    buffer.fill_(0.0)
    del buffer


def time_network(module: torch.nn.Module, x: torch.Tensor, seconds: float = 1.0) -> float:
    """The median seconds of one forward of a whole network, as benchmarks measure one: torch.utils.benchmark's
    blocked_autorange under inference_mode, at torch's thread count, with subnormal floats flushed to zero
    (`flushed_subnormals`)."""
    import logging

    # torch.utils.benchmark imports cpp_extension, which logs a warning about CUDA_HOME on machines without CUDA
    logging.getLogger("torch.utils.cpp_extension").setLevel(logging.ERROR)
    from torch.utils.benchmark import Timer

    with torch.inference_mode(), flushed_subnormals():
        module(x)
        timer = Timer("m(x)", globals={"m": module, "x": x}, num_threads=torch.get_num_threads())
        return float(timer.blocked_autorange(min_run_time=seconds).median)


@contextlib.contextmanager
def flushed_subnormals() -> Iterator[bool]:
    """Subnormal floats read and written as zero on the CPU (`torch.set_flush_denormal`) for the block; it yields
    whether the CPU can (x86 with SSE3). A network with random weights can shrink its activations into subnormals,
    which x86 cores compute up to a hundred times slower, and which trained weights rarely make (torchvision's
    swin_t: 126 ms with them, 100 ms without, on the development CPU: benchmarks/latency_diagnostics.py). Single ops
    are timed with inputs in a benign range, so whole networks are timed without them too. The setting is the
    calling thread's (PyTorch's intra-op workers keep their own), and it is restored to what it was after."""
    before = flushing_subnormals()
    able = torch.set_flush_denormal(True)
    try:
        yield able
    finally:
        torch.set_flush_denormal(before)


def flushing_subnormals() -> bool:
    """Whether the calling thread flushes subnormals now: 1e-39 (below float32's least normal, 1.18e-38) times 1
    comes out 0."""
    return (torch.tensor([1e-39]) * 1.0).item() == 0.0


def time_module_call(device: str = "cpu", calls: int = 2000) -> float:
    """Seconds one nn.Module call costs beyond its forward's ops: nn.Identity's __call__ (it runs no op)."""
    module = torch.nn.Identity()
    x = torch.zeros(1, device=device)
    samples = []
    with torch.inference_mode():
        for _ in range(5):
            t0 = time.perf_counter_ns()
            for _ in range(calls):
                module(x)
            samples.append((time.perf_counter_ns() - t0) / 1e9 / calls)
    return statistics.median(samples)


def peak_flops(device: str = "cpu", dtype: torch.dtype = torch.float32, size: int = 2048) -> float:
    """FLOP/s of a large matrix product (2·n³ FLOPs), the best of five."""
    a = torch.randn(size, size, dtype=dtype, device=device)
    b = torch.randn(size, size, dtype=dtype, device=device)
    best = float("inf")
    with torch.inference_mode():
        torch.mm(a, b)
        for _ in range(5):
            _sync(device)
            t0 = time.perf_counter()
            torch.mm(a, b)
            _sync(device)
            best = min(best, time.perf_counter() - t0)
    return 2 * size**3 / best


def bandwidth(device: str = "cpu", megabytes: int = 256) -> float:
    """Bytes per second of a large copy (read + written), the best of five."""
    n = megabytes * 2**20 // 4
    a, b = torch.ones(n, device=device), torch.empty(n, device=device)
    best = float("inf")
    b.copy_(a)
    for _ in range(5):
        _sync(device)
        t0 = time.perf_counter()
        b.copy_(a)
        _sync(device)
        best = min(best, time.perf_counter() - t0)
    return 2 * n * 4 / best


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()
