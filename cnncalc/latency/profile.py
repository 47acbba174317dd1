"""A latency profile: what `cnncalc calibrate` measured on one device, as a versioned JSON file.

    {"format": "cnncalc-latency-profile", "version": 4,
     "device": {"type": "cpu", "name": "Intel(R) Xeon(R) Processor", "threads": 2, "peak_flops": …, "bandwidth": …},
     "torch": "2.14.1", "dtype": "float32", "channels_last": false, "created": "2026-12-06T…",
     "overheads": {"module_call": 2.1e-06, …},
     "kinds": {"conv2d": {"model": {"type": "trees", …}, "held_out": {"median": …, "p90": …, "samples": …}}, …},
     "calibration": {"seconds": …, "calls": …, "budget": …, "seed": …},
     "context": {"heavy": 1.1, "light": 1.3, "view": 1.0, "per_op": 2e-06, "per_module": 1e-06, …}}

A profile is data: a device you do not have is a file someone else made. Loading checks the format and every
model; a profile made with another torch version, thread count or dtype is used with a warning naming the
difference, and a profile of another kind of device (a GPU profile for a CPU run) is refused.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cnncalc.errors import CnncalcError
from cnncalc.latency.context import Context
from cnncalc.latency.fitting import HeldOut, Model, model_from

FORMAT = "cnncalc-latency-profile"
VERSION = 4
#: the versions this cnncalc reads: 2 added the correction's second bound (`per_mid_byte`, `mid_bytes`), which
#: a cnncalc that reads only version 1 would leave out of its predictions; 3 the trees' offsets as terms of their
#: features (`cnncalc.latency.fitting.Offset`), which one that reads version 2 would take for log MACs alone; 4 the
#: matrix products' eighth feature (`b_transposed`), on which a cnncalc that reads version 3 would index past its
#: seven (older profiles' trees never read it, so they are read as they are)
READS = (1, 2, 3, 4)
#: the profiles that ship with cnncalc, by name (cnncalc/latency/profiles/NAME.json)
SHIPPED = Path(__file__).with_name("profiles")


@dataclass(frozen=True)
class DeviceInfo:
    """The device a profile was measured on: its kind (cpu, cuda), name, CPU threads, and the peaks measured
    there (FLOP/s of a large matrix product, B/s of a large copy) that label each op compute- or memory-bound."""

    type: str
    name: str
    threads: int | None
    peak_flops: float
    bandwidth: float

    @property
    def macs_per_byte(self) -> float:
        """The device's balance: MACs per second at its peak ÷ bytes per second (0 when either is unknown)."""
        return self.peak_flops / 2 / self.bandwidth if self.peak_flops > 0 and self.bandwidth > 0 else 0.0


@dataclass(frozen=True)
class KindModel:
    """One op kind's fitted model, and its error on calls it was not fitted on."""

    model: Model
    held_out: HeldOut
    #: the fixed cost of one call of this kind (its smallest calls' time): below about twice this, an op is
    #: overhead-bound
    overhead: float = 0.0


@dataclass(frozen=True)
class Profile:
    """A device's latency models, one per op kind, and how they were made."""

    device: DeviceInfo
    torch: str
    dtype: str
    channels_last: bool
    kinds: dict[str, KindModel]
    #: seconds per module call (nn.Module.__call__ and its Python), and other per-call costs outside the ops
    overheads: dict[str, float] = field(default_factory=dict)
    created: str = ""
    calibration: dict[str, Any] = field(default_factory=dict)
    #: where it was read from (a path, or a shipped profile's name)
    source: str = ""
    #: what running in a network adds to the ops timed alone (`cnncalc.latency.context`); None: nothing measured
    context: Context | None = None

    @property
    def correction(self) -> Context:
        """The context correction, or the identity one (the measured module call, nothing else) without one."""
        return self.context or Context(per_module=self.overheads.get("module_call", 0.0))

    def to_data(self) -> dict[str, Any]:
        return {
            "format": FORMAT, "version": VERSION,
            "device": {"type": self.device.type, "name": self.device.name, "threads": self.device.threads,
                       "peak_flops": self.device.peak_flops, "bandwidth": self.device.bandwidth},
            "torch": self.torch, "dtype": self.dtype, "channels_last": self.channels_last, "created": self.created,
            "overheads": dict(self.overheads),
            "kinds": {name: {"model": k.model.to_data(), "overhead": k.overhead,
                             "held_out": {"median": k.held_out.median, "p90": k.held_out.p90,
                                          "samples": k.held_out.samples}}
                      for name, k in sorted(self.kinds.items())},
            "calibration": dict(self.calibration),
            **({"context": self.context.to_data()} if self.context else {}),
        }

    def save(self, path: str | Path) -> None:
        """Write the profile as JSON; gzipped when the name ends in .gz (a shipped profile's trees are MBs)."""
        text = json.dumps(self.to_data(), indent=None, separators=(",", ":")) + "\n"
        if str(path).endswith(".gz"):
            import gzip

            Path(path).write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
        else:
            Path(path).write_text(text, encoding="utf-8")


def shipped_profiles() -> dict[str, Path]:
    """The profiles that ship with cnncalc, by name."""
    if not SHIPPED.is_dir():
        return {}
    return {p.name.removesuffix(".gz").removesuffix(".json"): p for p in sorted(SHIPPED.glob("*.json*"))}


def load_profile(name: str | Path | Profile) -> Profile:
    """A profile from a file path, or by the name of a shipped one (a Profile is returned as it is); one clear
    error for a missing, malformed or truncated file."""
    if isinstance(name, Profile):
        return name
    text = str(name)
    shipped = shipped_profiles()
    path = shipped.get(text) or Path(text).expanduser()
    if not path.is_file():
        known = ", ".join(shipped) or "none"
        raise CnncalcError(f"profile={text!r} is not a file or a shipped profile (shipped: {known}); "
                           f"cnncalc calibrate makes one")
    try:
        if path.suffix == ".gz":
            import gzip

            data = json.loads(gzip.decompress(path.read_bytes()).decode("utf-8"))
        else:
            data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, EOFError) as err:
        raise CnncalcError(f"profile={text!r} cannot be read: {err}") from None
    except json.JSONDecodeError as err:
        raise CnncalcError(f"profile={text!r} is not a complete JSON document (truncated or damaged: {err.msg} at "
                           f"line {err.lineno}); calibrate again") from None
    return profile_from(data, text if text in shipped else str(path))


def profile_from(data: Any, source: str = "") -> Profile:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CnncalcError(f"profile={source!r} is not a cnncalc latency profile (its \"format\" is not {FORMAT!r})")
    if data.get("version") not in READS:
        raise CnncalcError(f"profile={source!r} is version {data.get('version')!r}; this cnncalc reads versions "
                           f"{', '.join(map(str, READS[:-1]))} and {READS[-1]}: calibrate again, or use the cnncalc "
                           f"that made it")
    try:
        d = data["device"]
        device = DeviceInfo(str(d["type"]), str(d["name"]), d.get("threads"), float(d["peak_flops"]),
                            float(d["bandwidth"]))
        kinds = {}
        for name, entry in data["kinds"].items():
            h = entry["held_out"]
            kinds[name] = KindModel(model_from(entry["model"]), HeldOut(float(h["median"]), float(h["p90"]),
                                                                        int(h["samples"])),
                                    float(entry.get("overhead", 0.0)))
        return Profile(device, str(data["torch"]), str(data["dtype"]), bool(data["channels_last"]), kinds,
                       {k: float(v) for k, v in data.get("overheads", {}).items()}, str(data.get("created", "")),
                       dict(data.get("calibration", {})), source,
                       Context.of(data["context"]) if "context" in data else None)
    except (KeyError, TypeError, ValueError, IndexError) as err:
        raise CnncalcError(f"profile={source!r} is malformed ({type(err).__name__}: {err}); calibrate again") from None
