"""Fit a calibrated profile's network correction again, by this version of cnncalc, without timing anything.

    python benchmarks/refit_correction.py benchmarks/out/cpu-1t-v11.json [-o benchmarks/out/cpu-1t-v11-refit.json]
    python benchmarks/refit_correction.py P.json --kinds measured -o P-measured.json   # the op models too

The correction (`cnncalc.latency.context`) is fitted on the calibration's random networks: the profile keeps their
times (`calibration.network_seconds`), and their ops' times alone come from the profile's own per-kind models. A
change to the correction's form can so be scored on the very calibration, and then, with `benchmarks/predict.py
--measured`, on the very measurements, that the form before it was: the one difference between the two is the
correction. With `--kinds steady` or `--kinds measured`, the per-kind models are fitted again too, from the
measurements file beside the profile: on the times divided by the device's speed when each was taken (as calibrate
fits them since it reads the speed) or on the times as measured; so the two can be scored on one calibration.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profile", help="a profile that calibrate wrote")
    parser.add_argument("-o", "--output", help="where to write the refitted profile (default: over PROFILE)")
    parser.add_argument("--kinds", choices=("steady", "measured"), help="fit the per-kind models again too")
    args = parser.parse_args()

    import torch

    from cnncalc.errors import CnncalcError
    from cnncalc.latency.calibrate import refit_correction
    from cnncalc.latency.profile import load_profile

    torch.set_num_threads(1)
    try:
        before = load_profile(args.profile).context
        after = refit_correction(args.profile, args.output, args.kinds).context
    except (CnncalcError, OSError) as err:
        print(f"refit_correction: {err}", file=sys.stderr)
        sys.exit(1)
    assert after is not None
    for label, ctx in (("before", before), ("after", after)):
        if ctx is None:
            print(f"{label}: no correction")
            continue
        held = ctx.held_out
        cap = "none" if ctx.cap_bytes == float("inf") else f"{ctx.cap_bytes / 2**20:g} MiB"
        gate = "none" if not ctx.gate_bytes else f"{ctx.gate_bytes / 2**20:g} MiB"
        mid = (f", per weight byte from the cap to {ctx.mid_bytes / 2**20:g} MiB {ctx.per_mid_byte * 1e12:.1f} ps"
               if ctx.mid_bytes else ", no second bound")
        left_out = f"left out: median {held.median:.1%}, p90 {held.p90:.1%}" if held else "no error left out"
        print(f"{label}: heavy {ctx.heavy:.3f}, light {ctx.light:.3f}, view {ctx.view:.3f}, per op "
              f"{ctx.per_op * 1e6:.2f} µs, per module call {ctx.per_module * 1e6:.2f} µs, per byte written "
              f"{ctx.per_output_byte * 1e12:.1f} ps, per weight byte {ctx.per_weight_byte * 1e12:.1f} ps{mid}; "
              f"cap {cap}, gate {gate}; {ctx.networks} networks, {left_out}")
    print(f"written: {Path(args.output or args.profile)}")


if __name__ == "__main__":
    main()
