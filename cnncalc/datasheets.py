"""Peak compute and memory bandwidth of the devices cnncalc profiles on.

GPU figures are dense (no structured sparsity), from NVIDIA's datasheets:
- H100 SXM5 / PCIe: NVIDIA H100 Tensor Core GPU datasheet (2023): FP32 67 / 51 TFLOPS, TF32 495 / 378,
  FP16 and BF16 989 / 756 (the datasheet's 989.4 / 1,979 with sparsity halved), 3.35 / 2.0 TB/s.
- H200 SXM: NVIDIA H200 datasheet (2024): the H100 SXM's compute, 4.8 TB/s of HBM3e.
- A100 40 GB / 80 GB (SXM): NVIDIA A100 datasheet (2021): FP32 19.5, TF32 156, FP16/BF16 312 TFLOPS;
  1,555 / 2,039 GB/s (80 GB PCIe: 1,935 GB/s).
- V100 SXM2 / PCIe: NVIDIA V100 datasheet (2020): FP32 15.7 / 14, FP16 tensor 125 / 112; 900 GB/s; no
  TF32 or BF16.
- T4: NVIDIA T4 datasheet: FP32 8.1, FP16 65 TFLOPS, 320 GB/s; no TF32 or BF16.
- L4: NVIDIA L4 datasheet (2023): FP32 30.3, TF32 60, FP16/BF16 121 TFLOPS, 300 GB/s.
- A10: NVIDIA A10 datasheet (2021): FP32 31.2, TF32 62.5, FP16/BF16 125 TFLOPS, 600 GB/s.
- RTX 4090: NVIDIA Ada GPU architecture whitepaper, appendix A: FP32 82.6, TF32 82.6, FP16/BF16 with
  FP32 accumulate 165.2 TFLOPS; 1,008 GB/s.
- RTX 3090: NVIDIA Ampere GA102 whitepaper, appendix A: FP32 35.6, TF32 35.6, FP16/BF16 with FP32
  accumulate 71 TFLOPS; 936 GB/s.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from cnncalc.serialize import spec


@dataclass(frozen=True)
class DevicePeaks:
    """Peak compute by arithmetic kind (FLOP/s; None where unknown or unsupported) and bandwidth (B/s)."""

    name: str
    fp32: float | None = field(metadata=spec(key="fp32_flops"))
    tf32: float | None = field(metadata=spec(key="tf32_flops"))
    #: FP16 / BF16 on tensor cores (or the vector units on a CPU)
    half: float | None = field(metadata=spec(key="half_flops"))
    bandwidth: float | None = field(metadata=spec(key="bandwidth_bytes_per_s"))
    source: str


T = 1e12
#: (pattern on the device name, FP32, TF32, FP16/BF16 TFLOPS, bandwidth GB/s, label); first match wins.
GPU_TABLE: tuple[tuple[str, float, float | None, float | None, float, str], ...] = (
    (r"H200", 67, 494.7, 989.4, 4800, "H200 SXM datasheet"),
    (r"H100.*PCIe", 51.2, 378, 756, 2000, "H100 PCIe datasheet"),
    (r"H100", 67, 494.7, 989.4, 3350, "H100 SXM5 datasheet"),
    (r"A100.*80GB.*PCIe", 19.5, 156, 312, 1935, "A100 80GB PCIe datasheet"),
    (r"A100.*80GB", 19.5, 156, 312, 2039, "A100 80GB SXM datasheet"),
    (r"A100", 19.5, 156, 312, 1555, "A100 40GB datasheet"),
    (r"V100.*PCIE", 14, None, 112, 900, "V100 PCIe datasheet"),
    (r"V100", 15.7, None, 125, 900, "V100 SXM2 datasheet"),
    (r"T4\b", 8.1, None, 65, 320, "T4 datasheet"),
    (r"L4\b", 30.3, 60, 121, 300, "L4 datasheet"),
    (r"A10\b", 31.2, 62.5, 125, 600, "A10 datasheet"),
    (r"4090", 82.6, 82.6, 165.2, 1008, "Ada whitepaper (RTX 4090)"),
    (r"3090", 35.6, 35.6, 71, 936, "GA102 whitepaper (RTX 3090)"),
)


GIB = 1024**3
#: GPU memory by the names `fit --device` takes: (capacity in GiB, the product it names). Datasheets:
#: H100 SXM5 and PCIe 80 GB HBM3 / HBM2e; H200 141 GB HBM3e; A100 40 / 80 GB; V100 16 / 32 GB; T4 16 GB;
#: L4 24 GB; A10 / A10G 24 GB; L40S 48 GB; RTX A6000 48 GB; RTX 4090 and 3090 24 GB GDDR6X.
MEMORY_TABLE: dict[str, tuple[int, str]] = {
    "h100": (80, "H100 SXM5 80 GB"), "h100-pcie": (80, "H100 PCIe 80 GB"), "h200": (141, "H200 141 GB"),
    "a100-40gb": (40, "A100 40 GB"), "a100-80gb": (80, "A100 80 GB"), "v100-16gb": (16, "V100 16 GB"),
    "v100-32gb": (32, "V100 32 GB"), "t4": (16, "T4 16 GB"), "l4": (24, "L4 24 GB"), "a10": (24, "A10 24 GB"),
    "a10g": (24, "A10G 24 GB"), "l40s": (48, "L40S 48 GB"), "a6000": (48, "RTX A6000 48 GB"),
    "4090": (24, "GeForce RTX 4090 24 GB"), "3090": (24, "GeForce RTX 3090 24 GB"),
}


def gpu_peaks(name: str, properties: object | None = None) -> DevicePeaks:
    """Datasheet peaks for a GPU name as torch.cuda.get_device_properties reports it.

    An unknown GPU gets its bandwidth from the properties where PyTorch exposes the memory clock and bus
    width, and no compute peak.
    """
    for pattern, fp32, tf32, half, bw, label in GPU_TABLE:
        if re.search(pattern, name, re.IGNORECASE):
            return DevicePeaks(name, fp32 * T, tf32 * T if tf32 else None, half * T if half else None, bw * 1e9,
                               f"NVIDIA {label}")
    clock = getattr(properties, "memory_clock_rate", None)  # kHz
    width = getattr(properties, "memory_bus_width", None)  # bits
    bandwidth = 2 * clock * 1e3 * width / 8 if clock and width else None
    source = ("unknown GPU: bandwidth from its memory clock × bus width (double data rate), compute peak unknown"
              if bandwidth else "unknown GPU: no peaks known; give peak_tflops= and peak_bandwidth=")
    return DevicePeaks(name, None, None, None, bandwidth, source)


#: FP32 lanes of one FMA instruction by the widest vector flag /proc/cpuinfo lists.
SIMD_LANES = (("avx512f", 16), ("avx2", 8), ("avx", 8), ("sse2", 4), ("asimd", 4))


def cpu_peaks(threads: int, cpuinfo: str | None = None,
              max_freq_path: str = "/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq") -> DevicePeaks:
    """An estimate: threads × clock × FP32 lanes × 2 FMA units × 2 FLOPs per FMA, read from /proc/cpuinfo
    (and the cpufreq maximum where the kernel exposes it). Labelled as an estimate; bandwidth is measured
    separately (`measure_cpu_bandwidth`)."""
    if cpuinfo is None:
        try:
            with open("/proc/cpuinfo", encoding="utf-8") as f:
                cpuinfo = f.read()
        except OSError:
            cpuinfo = ""
    model = re.search(r"model name\s*:\s*(.+)", cpuinfo)
    flags_line = re.search(r"^(?:flags|Features)\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    flags = set(flags_line.group(1).split()) if flags_line else set()
    lanes = next((n for flag, n in SIMD_LANES if flag in flags), 1)
    ghz = _max_ghz(cpuinfo, max_freq_path)
    name = model.group(1).strip() if model else "CPU"
    if ghz is None:
        return DevicePeaks(name, None, None, None, None, "CPU: clock unknown, no compute estimate")
    fp32 = threads * ghz * 1e9 * lanes * 2 * 2
    plural = "s" if threads != 1 else ""
    source = (f"estimate: {threads} thread{plural} × {ghz:.2f} GHz × {lanes} FP32 lanes × 2 FMA units × 2 FLOPs "
              f"(from /proc/cpuinfo)")
    return DevicePeaks(name, fp32, None, None, None, source)


def _max_ghz(cpuinfo: str, path: str) -> float | None:
    """The cpufreq maximum where the kernel exposes it, else the highest 'cpu MHz' in /proc/cpuinfo."""
    if os.path.exists(path):
        try:
            with open(path, encoding="utf-8") as f:
                return int(f.read().strip()) / 1e6
        except (OSError, ValueError):
            pass
    mhz = [float(m) for m in re.findall(r"cpu MHz\s*:\s*([\d.]+)", cpuinfo)]
    return max(mhz) / 1e3 if mhz else None
