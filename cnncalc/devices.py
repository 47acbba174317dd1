"""Which device to time on, what it can run, and its peaks (with the user's overrides)."""

from __future__ import annotations

import time

import torch

from cnncalc.datasheets import GIB, MEMORY_TABLE, DevicePeaks, cpu_peaks, gpu_peaks
from cnncalc.dtypes import DType
from cnncalc.errors import CnncalcError


def available() -> list[str]:
    names = ["cpu"]
    if torch.cuda.is_available():
        names += [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        names.append("mps")
    return names


def resolve_device(text: str) -> torch.device:
    """'cpu', 'cuda', 'cuda:N' or 'mps', checked against what this machine has."""
    name = text.strip().lower()
    here = ", ".join(available())
    if name == "cpu":
        return torch.device("cpu")
    if name == "mps":
        if "mps" not in available():
            raise CnncalcError(f"device='mps': this machine has no MPS device; available: {here}")
        return torch.device("mps")
    if name == "cuda" or name.startswith("cuda:"):
        if not torch.cuda.is_available():
            raise CnncalcError(f"device={text!r}: CUDA is not available on this machine; available: {here}")
        index = 0
        if ":" in name:
            try:
                index = int(name.split(":", 1)[1])
            except ValueError:
                raise CnncalcError(f"device={text!r} is malformed: expected cuda or cuda:N") from None
        if not 0 <= index < torch.cuda.device_count():
            raise CnncalcError(f"device={text!r}: there are {torch.cuda.device_count()} CUDA devices; "
                               f"available: {here}")
        return torch.device("cuda", index)
    raise CnncalcError(f"unknown device={text!r}: accepted are cpu, cuda, cuda:N, mps (here: {here})")


def device_memory(name: str) -> tuple[int, str]:
    """A GPU's memory in bytes and where the figure comes from: a datasheet by name (h100, a100-40gb, 4090,
    …), or the GPU present (cuda, cuda:N)."""
    key = name.strip().lower().removeprefix("nvidia-").removeprefix("rtx-")
    if key in MEMORY_TABLE:
        gib, product = MEMORY_TABLE[key]
        return gib * GIB, f"{product}, datasheet; the memory PyTorch can use is a little less"
    if key == "cuda" or key.startswith("cuda:"):
        device = resolve_device(key)
        props = torch.cuda.get_device_properties(device)
        return int(props.total_memory), f"{props.name} ({device}), torch.cuda.get_device_properties"
    raise CnncalcError(f"unknown device={name!r}: accepted are {', '.join(MEMORY_TABLE)}, cuda and cuda:N")


def measure_cpu_bandwidth(megabytes: int = 256) -> float:
    """Bytes per second of a large tensor copy (bytes read + written), median of 5."""
    n = megabytes * 2**20 // 4
    a, b = torch.ones(n), torch.empty(n)
    b.copy_(a)
    times = []
    for _ in range(5):
        start = time.perf_counter()
        b.copy_(a)
        times.append(time.perf_counter() - start)
    return 2 * n * 4 / sorted(times)[2]


def device_peaks(device: torch.device, peak_tflops: float | None = None,
                 peak_bandwidth: float | None = None) -> DevicePeaks:
    """The device's peaks; `peak_tflops` (for every kind of arithmetic) and `peak_bandwidth` (GB/s) override."""
    if device.type == "cuda":
        props = torch.cuda.get_device_properties(device)
        peaks = gpu_peaks(props.name, props)
    elif device.type == "cpu":
        peaks = cpu_peaks(torch.get_num_threads())
        bandwidth = measure_cpu_bandwidth()
        peaks = DevicePeaks(peaks.name, peaks.fp32, None, None, bandwidth,
                            peaks.source + "; bandwidth measured by a 256 MiB copy")
    else:
        peaks = DevicePeaks(str(device), None, None, None, None, "no peaks known for this device")
    if peak_tflops is not None or peak_bandwidth is not None:
        flops = peak_tflops * 1e12 if peak_tflops is not None else None
        peaks = DevicePeaks(
            peaks.name,
            flops if flops is not None else peaks.fp32,
            flops if flops is not None else peaks.tf32,
            flops if flops is not None else peaks.half,
            peak_bandwidth * 1e9 if peak_bandwidth is not None else peaks.bandwidth,
            peaks.source + "; overridden by peak_tflops/peak_bandwidth")
    return peaks


TORCH_DTYPES = {DType.float32: torch.float32, DType.float16: torch.float16, DType.bfloat16: torch.bfloat16,
                DType.float64: torch.float64}
#: the autocast modes a training step takes, by their CLI names
AMP = {"bf16": torch.bfloat16, "fp16": torch.float16}


def check_dtype(device: torch.device, dtype: DType) -> None:
    """Refuse a dtype the device cannot run, before any model is built."""
    if device.type == "cuda" and dtype is DType.bfloat16 and not torch.cuda.is_bf16_supported():
        raise CnncalcError(f"dtype='bfloat16': {torch.cuda.get_device_name(device)} does not support bfloat16")
    if device.type == "mps" and dtype is DType.float64:
        raise CnncalcError("dtype='float64': MPS does not support float64")
    try:
        x = torch.ones(1, 1, 4, 4, device=device, dtype=TORCH_DTYPES[dtype])
        torch.nn.functional.conv2d(x, torch.ones(1, 1, 3, 3, device=device, dtype=TORCH_DTYPES[dtype]))
    except (RuntimeError, TypeError) as err:
        raise CnncalcError(f"dtype={dtype.value!r} cannot run on {device}: {str(err).splitlines()[0]}") from None


def runs_amp(device: torch.device, amp: str) -> bool:
    """Whether a convolution runs forward and backward under autocast to `amp` ('bf16', 'fp16') on `device`."""
    if device.type == "cuda" and amp == "bf16" and not torch.cuda.is_bf16_supported():
        return False
    try:
        x = torch.ones(1, 1, 4, 4, device=device)
        w = torch.ones(1, 1, 3, 3, device=device, requires_grad=True)
        with torch.autocast(device.type, dtype=AMP[amp]):
            y = torch.nn.functional.conv2d(x, w)
        y.float().sum().backward()
    except (RuntimeError, TypeError, AssertionError):
        return False
    return True


def check_amp(device: torch.device, amp: str) -> None:
    """Refuse an autocast mode the device cannot run, naming the modes it can."""
    if runs_amp(device, amp):
        return
    can = [mode for mode in AMP if mode != amp and runs_amp(device, mode)]
    raise CnncalcError(f"amp={amp!r} cannot run on {device}: " + (
        f"it can run {' or '.join(can)}" if can else "it runs no autocast mode; drop amp="))
