"""What running in a network adds to ops timed alone: a model's forward against the sum of its ops timed one at a
time, hot (as `cnncalc calibrate` times them) and after writing a scratch buffer that pushes their data out of the
caches (cold).

    python benchmarks/alone_vs_network.py tf_mixnet_s mobilenet_v2 resnet50 vgg11 [--flush-mib 8 16]

Each op call of the model's meta trace (views and factories left out) is built with random inputs of its shapes and
timed as calibration times it (`cnncalc.latency.measure.time_call`), at one thread, with and without the scratch
write before every run (outside the timed region). The model itself is timed as `benchmarks/predict.py`
times it. This is where the network correction of `cnncalc.latency.context` comes from: the closer the sum of the
ops is to the network, and the more alike that ratio across networks, the less the correction has to do. Models
are torchvision's or timm's, by name, at their default input size and batch 1. Run it with nothing else on the
machine.
"""

from __future__ import annotations

import argparse

import torch


def _model(name: str) -> tuple[torch.nn.Module, tuple[int, ...]]:
    import torchvision

    if hasattr(torchvision.models, name):
        return getattr(torchvision.models, name)().eval(), (1, 3, 224, 224)
    import timm

    model = timm.create_model(name).eval()
    return model, (1, *model.pretrained_cfg.get("input_size", (3, 224, 224)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="+")
    parser.add_argument("--flush-mib", type=int, nargs="*", default=[2, 8], help="scratch sizes to write, MiB")
    args = parser.parse_args()

    from cnncalc.analysis.analyze import subject_for, trace_subject
    from cnncalc.dtypes import parse_dtype
    from cnncalc.latency.context import op_class
    from cnncalc.latency.kinds import kind_of
    from cnncalc.latency.measure import steady_allocator, time_call, time_network

    torch.set_num_threads(1)
    steady_allocator()
    scratches = {mib: torch.empty(mib << 18) for mib in args.flush_mib}
    header = " ".join(f"{f'{mib} MiB':>9s}" for mib in args.flush_mib)
    print(f"{'model':18s} {'network':>9s} {'hot':>9s} {header}   (ms; ops alone summed, hot and after each flush)")
    for name in args.models:
        model, shape = _model(name)
        subject = subject_for(model, shape, None, None, None, None)
        _, run, _ = trace_subject(subject, parse_dtype("float32"), worst_case=False, keep_calls=True)
        sums = [0.0] * (1 + len(scratches))
        seen: dict[tuple[str, str, str], list[float]] = {}
        for call in run.tracer.calls or []:
            kind = kind_of(call)
            if kind is None or op_class(kind.name) == "view":
                continue
            key = (call.op, repr(call.args), repr(call.kwargs))
            if key not in seen:
                seen[key] = [time_call(call, "cpu", before=s.zero_ if s is not None else None)
                             for s in (None, *scratches.values())]
            sums = [a + b for a, b in zip(sums, seen[key], strict=True)]
        network = time_network(model, torch.rand(shape), seconds=1.0)
        cells = " ".join(f"{s * 1e3:9.2f}" for s in sums)
        print(f"{name:18s} {network * 1e3:9.2f} {cells}", flush=True)


if __name__ == "__main__":
    main()
