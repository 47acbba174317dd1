"""Every layer design written with torch.nn classes (and torchvision.ops.DeformConv2d) from the papers'
definitions, never through cnncalc's build or its sizing helpers: the one place the tests build plain modules
(tests/layers/test_nd.py, test_design_rules.py); and the Hypothesis strategies that draw configurations of each
design at each spatial rank (test_nd.py, test_layers_properties.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch
from hypothesis import strategies as st
from torch import nn

Dims = tuple[int, ...]


def conv(rank: int, *args: Any, transposed: bool = False, **kwargs: Any) -> nn.Module:
    return getattr(nn, f"ConvTranspose{rank}d" if transposed else f"Conv{rank}d")(*args, **kwargs)


def bn(rank: int, channels: int) -> nn.Module:
    return getattr(nn, f"BatchNorm{rank}d")(channels)


def same(kernel: Dims, dilation: Dims | None = None) -> Dims:
    """The README's default padding: dilation·(k−1)/2 per axis, rounded down."""
    return tuple(d * (k - 1) // 2 for k, d in zip(kernel, dilation or (1,) * len(kernel), strict=True))


def add(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """The residual add of He et al. 2016, eq. (1): "the dimensions of x and F must be equal" (PyTorch would
    broadcast a 1-wide axis)."""
    if a.shape != b.shape:
        raise ValueError(f"a residual add of shapes {tuple(a.shape)} and {tuple(b.shape)}")
    return a + b


class Concat(nn.Module):
    """Branches on the same input, concatenated along channels (GoogLeNet's filter concatenation)."""

    def __init__(self, *branches: nn.Module) -> None:
        super().__init__()
        self.branches = nn.ModuleList(branches)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([b(x) for b in self.branches], dim=1)


class Residual(nn.Module):
    """He et al. 2016: relu(F(x) + x), or + a 1×1 projection with BN (option B) when the shape changes."""

    def __init__(self, body: nn.Module, shortcut: nn.Module | None) -> None:
        super().__init__()
        self.body, self.shortcut = body, shortcut

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(add(self.body(x), x if self.shortcut is None else self.shortcut(x)))


class SE(nn.Module):
    """Hu et al. 2018, section 3: squeeze to C/r channels (the paper's reduction ratio, rounded down)."""

    def __init__(self, rank: int, c: int, r: int, bias: bool) -> None:
        super().__init__()
        self.pool = getattr(nn, f"AdaptiveAvgPool{rank}d")(1)
        self.fc1, self.fc2 = conv(rank, c, c // r, 1, bias=bias), conv(rank, c // r, c, 1, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.sigmoid(self.fc2(torch.relu(self.fc1(self.pool(x)))))


class ShuffleV1(nn.Module):
    """Zhang et al. 2018, figure 2(b), (c): GConv 1×1 → BN → ReLU → channel shuffle → DWConv k×k (the stride)
    → BN → GConv 1×1 → BN; stride 1 adds the input, stride 2 concatenates a 3×3 average pool of it; ReLU."""

    def __init__(self, rank: int, cin: int, cout: int, mid: int, g: int, s: int, k: int, bias: bool) -> None:
        super().__init__()
        out = cout if s == 1 else cout - cin
        kk = (k,) * rank
        self.body = nn.Sequential(
            conv(rank, cin, mid, 1, groups=g, bias=bias), bn(rank, mid), nn.ReLU(), nn.ChannelShuffle(g),
            conv(rank, mid, mid, kk, s, same(kk), groups=mid, bias=bias), bn(rank, mid),
            conv(rank, mid, out, 1, groups=g, bias=bias), bn(rank, out))
        self.pool = getattr(nn, f"AvgPool{rank}d")(3, s, 1) if s > 1 else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.body(x)
        return torch.relu(add(y, x) if self.pool is None else torch.cat([self.pool(x), y], dim=1))


class ShuffleV2(nn.Module):
    """Ma et al. 2018, figure 3(c), (d), as torchvision's InvertedResidual (with its shape check), at any
    kernel and rank: stride 1 splits the channels in two halves and transforms one; stride 2 transforms the
    whole input in two branches; both concatenate and shuffle with 2 groups."""

    def __init__(self, rank: int, cin: int, cout: int, s: int, k: int, bias: bool) -> None:
        super().__init__()
        half, kk = cout // 2, (k,) * rank
        if s == 1 and cin != 2 * half:  # torchvision raises this ValueError too
            raise ValueError(f"a stride-1 unit needs cin = 2·(cout // 2); got cin={cin}, cout={cout}")
        self.branch1 = nn.Sequential(
            conv(rank, cin, cin, kk, s, same(kk), groups=cin, bias=bias), bn(rank, cin),
            conv(rank, cin, half, 1, bias=bias), bn(rank, half), nn.ReLU()) if s > 1 else None
        self.branch2 = nn.Sequential(
            conv(rank, cin if s > 1 else half, half, 1, bias=bias), bn(rank, half), nn.ReLU(),
            conv(rank, half, half, kk, s, same(kk), groups=half, bias=bias), bn(rank, half),
            conv(rank, half, half, 1, bias=bias), bn(rank, half), nn.ReLU())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.branch1 is None:
            left, right = x.chunk(2, dim=1)
            out = torch.cat([left, self.branch2(right)], dim=1)
        else:
            out = torch.cat([self.branch1(x), self.branch2(x)], dim=1)
        return nn.functional.channel_shuffle(out, 2)


class Deformable(nn.Module):
    """Dai et al. 2017 (v1), Zhu et al. 2019 (v2): an offset conv with bias (same window as the deformable
    conv) to 2·k²·og channels (v2: 3·k²·og, the last k²·og a sigmoid mask), then torchvision's DeformConv2d.
    Offsets start at zero, as in the papers (the regular grid)."""

    def __init__(self, cfg: dict[str, Any]) -> None:
        from torchvision.ops import DeformConv2d

        super().__init__()
        k, s, d = cfg["kernel"], cfg["stride"], cfg["dilation"]
        p = cfg["padding"] or same(k, d)
        taps = k[0] * k[1] * cfg["og"]
        self.n_offsets, self.v2 = 2 * taps, cfg["v"] == 2
        self.offset = nn.Conv2d(cfg["cin"], (3 if self.v2 else 2) * taps, k, s, p, d, bias=True)
        nn.init.zeros_(self.offset.weight)
        nn.init.zeros_(self.offset.bias)
        self.conv = DeformConv2d(cfg["cin"], cfg["cout"], k, s, p, d, cfg["groups"], bias=cfg["bias"])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        branch = self.offset(x)
        if not self.v2:
            return self.conv(x, branch)
        return self.conv(x, branch[:, : self.n_offsets], torch.sigmoid(branch[:, self.n_offsets:]))


def r2plus1d_mid(cfg: dict[str, Any]) -> int:
    """Tran et al. 2018, section 3.5: M = ⌊t·d²·cin·cout / (d²·cin + t·cout)⌋ (d² = kh·kw here)."""
    t, kh, kw = cfg["kernel"]
    cin, cout = cfg["cin"], cfg["cout"]
    return cfg["mid"] or (t * kh * kw * cin * cout) // (kh * kw * cin + t * cout)


def plain(design: str, rank: int, cfg: dict[str, Any]) -> nn.Module:
    """The design written with torch.nn classes, from the paper's definition."""
    cin, cout, k, s, d, b = cfg["cin"], cfg["cout"], cfg["kernel"], cfg["stride"], cfg["dilation"], cfg["bias"]
    p = cfg["padding"]
    one = (1,) * rank
    if design == "standard":
        return conv(rank, cin, cout, k, s, p or same(k), bias=b)
    if design == "group":
        return conv(rank, cin, cout, k, s, p or same(k), groups=cfg["groups"], bias=b)
    if design == "depthwise":
        return conv(rank, cin, cout, k, s, p or same(k, d), d, groups=cin, bias=b)
    if design == "pointwise":
        return conv(rank, cin, cout, 1, s, 0, bias=b)
    if design == "dilated":
        return conv(rank, cin, cout, k, s, p or same(k, d), d, bias=b)
    if design == "xception-dw":
        return nn.Sequential(conv(rank, cin, cin, k, s, p or same(k, d), d, groups=cin, bias=b),
                             conv(rank, cin, cout, 1, bias=b))
    if design == "transposed":
        return conv(rank, cin, cout, k, s, p or same(k, d), cfg["op"], groups=cfg["groups"], bias=b, dilation=d,
                    transposed=True)
    if design == "bottleneck":  # ResNet's width rule: mid = cout / 4 unless given
        mid = cfg["mid"] or cout // 4
        return nn.Sequential(conv(rank, cin, mid, 1, bias=b), nn.ReLU(),
                             conv(rank, mid, mid, k, s, p or same(k, d), d, groups=cfg["groups"], bias=b),
                             nn.ReLU(), conv(rank, mid, cout, 1, bias=b))
    if design == "inception":  # Szegedy et al. 2015, figure 2(b)
        w = cfg["widths"]
        return Concat(nn.Sequential(conv(rank, cin, w["b1"], 1, bias=b), nn.ReLU()),
                      nn.Sequential(conv(rank, cin, w["b3r"], 1, bias=b), nn.ReLU(),
                                    conv(rank, w["b3r"], w["b3"], 3, padding=1, bias=b), nn.ReLU()),
                      nn.Sequential(conv(rank, cin, w["b5r"], 1, bias=b), nn.ReLU(),
                                    conv(rank, w["b5r"], w["b5"], 5, padding=2, bias=b), nn.ReLU()),
                      nn.Sequential(getattr(nn, f"MaxPool{rank}d")(3, 1, 1), conv(rank, cin, w["pp"], 1, bias=b),
                                    nn.ReLU()))
    if design == "inception-naive":  # figure 2(a): the pool passes its cin channels on
        w = cfg["widths"]
        return Concat(nn.Sequential(conv(rank, cin, w["b1"], 1, bias=b), nn.ReLU()),
                      nn.Sequential(conv(rank, cin, w["b3"], 3, padding=1, bias=b), nn.ReLU()),
                      nn.Sequential(conv(rank, cin, w["b5"], 5, padding=2, bias=b), nn.ReLU()),
                      getattr(nn, f"MaxPool{rank}d")(3, 1, 1))
    if design == "vgg-stack":  # Simonyan & Zisserman 2015: n stacked k×k conv + ReLU
        layers: list[nn.Module] = []
        for i in range(cfg["n"]):
            layers += [conv(rank, cin if i == 0 else cout, cout, k, padding=p or same(k), bias=b), nn.ReLU()]
        return nn.Sequential(*layers)
    if design == "vgg-single":  # section 2.3: one kernel with the stack's receptive field, n·(k−1)+1
        big = tuple(cfg["n"] * (a - 1) + 1 for a in k)
        return nn.Sequential(conv(rank, cin, cout, big, padding=p or same(big), bias=b), nn.ReLU())
    if design == "se":
        return SE(rank, cin, cfg["reduction"], b)
    if design in ("residual-basic", "residual-bottleneck"):
        project = None if (s == one and cin == cout) else nn.Sequential(conv(rank, cin, cout, 1, s, bias=b),
                                                                        bn(rank, cout))
        if design == "residual-basic":
            body = nn.Sequential(conv(rank, cin, cout, k, s, same(k), bias=b), bn(rank, cout), nn.ReLU(),
                                 conv(rank, cout, cout, k, 1, same(k), bias=b), bn(rank, cout))
        else:  # torchvision's v1.5 puts the stride on the k×k; ResNeXt groups it
            mid = cfg["mid"] or cout // 4
            body = nn.Sequential(conv(rank, cin, mid, 1, bias=b), bn(rank, mid), nn.ReLU(),
                                 conv(rank, mid, mid, k, s, same(k), groups=cfg["groups"], bias=b), bn(rank, mid),
                                 nn.ReLU(), conv(rank, mid, cout, 1, bias=b), bn(rank, cout))
        return Residual(body, project)
    if design == "shuffle:v=1":
        return ShuffleV1(rank, cin, cout, cfg["mid"] or cout // 4, cfg["groups"], s[0], k[0], b)
    if design == "shuffle:v=2":
        return ShuffleV2(rank, cin, cout, s[0], k[0], b)
    if design == "deformable":
        return Deformable(cfg)
    if design == "r2plus1d":
        (t, kh, kw), (st_, sh, sw), (dt, dh, dw) = k, s, d
        pt, ph, pw = p or same(k, d)
        mid = r2plus1d_mid(cfg)
        return nn.Sequential(nn.Conv3d(cin, mid, (1, kh, kw), (1, sh, sw), (0, ph, pw), (1, dh, dw), bias=b),
                             nn.BatchNorm3d(mid), nn.ReLU(),
                             nn.Conv3d(mid, cout, (t, 1, 1), (st_, 1, 1), (pt, 0, 0), (dt, 1, 1), bias=b))
    raise AssertionError(design)


def hand_macs(design: str, cfg: dict[str, Any], out: torch.Tensor) -> int:
    """MACs FlopCounterMode does not see: torchvision's deform_conv2d is a dense k×k conv over sampled
    columns, kh·kw·(cin/g)·cout per output position."""
    if design != "deformable":
        return 0
    kh, kw = cfg["kernel"]
    return kh * kw * cfg["cin"] // cfg["groups"] * out.numel()


# configurations: what each design reads, drawn mostly valid, now and then not
#: design → the spatial ranks it has a form in
EVERY_RANK = ("standard", "group", "depthwise", "pointwise", "dilated", "xception-dw", "transposed", "bottleneck",
              "inception", "inception-naive", "vgg-stack", "vgg-single", "se", "residual-basic",
              "residual-bottleneck", "shuffle:v=1", "shuffle:v=2")
RANKS: dict[str, tuple[int, ...]] = {d: (1, 2, 3) for d in EVERY_RANK}
RANKS |= {"deformable": (2,), "r2plus1d": (3,)}
DESIGNS = list(RANKS)
#: the common options each design reads (the others it would ignore, so the tests do not pass them)
USES = {
    "standard": {"kernel", "stride", "padding"}, "group": {"kernel", "stride", "padding", "groups"},
    "depthwise": {"kernel", "stride", "padding", "dilation"}, "pointwise": {"stride"},
    "dilated": {"kernel", "stride", "padding", "dilation"}, "xception-dw": {"kernel", "stride", "padding", "dilation"},
    "transposed": {"kernel", "stride", "padding", "dilation", "groups"},
    "bottleneck": {"kernel", "stride", "padding", "dilation", "groups", "mid"},
    "inception": set(), "inception-naive": set(), "vgg-stack": {"kernel", "padding"},
    "vgg-single": {"kernel", "padding"}, "se": {"reduction"}, "residual-basic": {"kernel", "stride"},
    "residual-bottleneck": {"kernel", "stride", "groups", "mid"}, "shuffle:v=1": {"kernel", "stride", "groups", "mid"},
    "shuffle:v=2": {"kernel", "stride"},
    "deformable": {"kernel", "stride", "padding", "dilation", "groups"},
    "r2plus1d": {"kernel", "stride", "padding", "dilation", "mid"},
}
#: design-specific keys, given in the spec string (`inception:b1=4,…`)
SPEC_KEYS = {"transposed": ("op",), "inception": ("b1", "b3r", "b3", "b5r", "b5", "pp"),
             "inception-naive": ("b1", "b3", "b5"), "vgg-stack": ("n",), "vgg-single": ("n",),
             "deformable": ("v", "og")}


@st.composite
def configs(draw: st.DrawFn, design: str, rank: int) -> dict[str, Any]:
    def per_axis(strategy: st.SearchStrategy[int]) -> Dims:
        return tuple(draw(strategy) for _ in range(rank))

    def square(strategy: st.SearchStrategy[int]) -> Dims:
        return (draw(strategy),) * rank

    def sizes(lo: int, hi: int) -> st.SearchStrategy[int]:
        """lo…hi, with hi the simplest: Hypothesis leans to simple values, and tiny maps refuse most layers."""
        return st.integers(lo, hi).map(lambda v: lo + hi - v)

    small = st.integers(1, 2) if rank == 3 else st.integers(1, 3)
    cin = draw(st.sampled_from([2, 3, 4, 6, 8]))
    cfg: dict[str, Any] = {
        "cin": cin, "cout": draw(st.sampled_from([2, 4, 6, 8, 12])), "kernel": per_axis(st.integers(1, 4)),
        "stride": per_axis(small), "padding": draw(st.none() | st.just(per_axis(st.integers(0, 2)))),
        "dilation": per_axis(small), "bias": draw(st.booleans()),
        "size": per_axis(sizes(2, 8) if rank == 3 else sizes(1, 14)), "batch": draw(st.integers(1, 2)),
        "groups": 1, "mid": None,
    }
    if design == "residual-basic":  # mostly odd kernels, which keep the map's size for the add
        cfg["kernel"] = per_axis(st.sampled_from([1, 3, 5] * 3 + [2]))
    if design == "residual-bottleneck":  # mostly odd kernels; an even one fits only a strided conv on some sizes
        cfg["kernel"] = per_axis(st.sampled_from([1, 3, 5] * 3 + [2, 4]))
    widths = st.sampled_from([*range(1, 6)] * 6 + [0])  # now and then an empty branch (the last: not simplest)
    if design == "group":  # mostly groups that divide both widths, now and then one that does not
        cfg["groups"] = draw(st.sampled_from([1, 2, 2, 2, 3, 4]))
        cfg["cin"], cfg["cout"] = draw(st.sampled_from([4, 8, 12])), draw(st.sampled_from([4, 8, 12, 6]))
    elif design == "transposed":
        cfg["groups"], cfg["op"] = draw(st.sampled_from([1, 2])), draw(st.sampled_from([0] * 6 + [1, 2]))
    elif design == "depthwise":
        cfg["cout"] = draw(st.sampled_from([cin] * 3 + [2 * cin] * 2 + [cin + 1]))
    elif design in ("bottleneck", "residual-bottleneck"):
        g = cfg["groups"] = draw(st.sampled_from([1, 1, 2, 3]))
        cfg["mid"] = draw(st.sampled_from([None, g, 2 * g, 3 * g, g, g + 1]))
        if cfg["mid"] is None:  # the default cout/4 needs cout ≥ 4; mostly a multiple of the groups
            cfg["cout"] = 4 * g * draw(st.integers(1, 2)) + draw(st.sampled_from([0, 0, 0, 4]))
    elif design in ("inception", "inception-naive"):
        cfg["widths"] = {key: draw(widths) for key in SPEC_KEYS[design]}
    elif design in ("vgg-stack", "vgg-single"):
        cfg["n"] = draw(st.integers(1, 3))
    elif design == "se":
        cfg["cin"] = draw(st.sampled_from([2, 3, 4, 6, 8, 12, 20]))
        cfg["reduction"] = draw(st.integers(1, 5))
    elif design == "residual-basic":
        cfg["cout"] = draw(st.sampled_from([cin, cin, 2, 4, 6]))
    elif design == "shuffle:v=1":
        g = draw(st.sampled_from([1, 2, 3, 4]))
        cfg["groups"], cfg["stride"], cfg["kernel"] = g, square(st.integers(1, 2)), square(st.sampled_from([1, 3, 5]))
        cfg["cin"] = g * draw(st.integers(1, 3)) + draw(st.sampled_from([0] * 7 + [1]))
        extra = g * draw(st.integers(1, 3)) if cfg["stride"][0] == 2 else 0
        cfg["cout"] = cfg["cin"] + extra + draw(st.sampled_from([0] * 8 + [1, -cfg["cin"]]))
        cfg["mid"] = draw(st.sampled_from([None, g, 2 * g, 3 * g, g, 2 * g, g + 1]))
        if cfg["mid"] is None and cfg["cout"] < 4:
            cfg["mid"] = g
        if rank == 3:  # now and then a map smaller than avg_pool3d's window, which PyTorch refuses
            cfg["size"] = per_axis(sizes(2, 8))
    elif design == "shuffle:v=2":
        cfg["stride"], cfg["kernel"] = square(st.integers(1, 2)), square(st.sampled_from([1, 3, 5]))
        cin = cfg["cin"] = draw(st.sampled_from([2, 4, 6, 8] * 2 + [3, 5]))
        cfg["cout"] = draw(st.sampled_from([cin] * 5 + [cin + 2] if cfg["stride"][0] == 1 else [4, 6, 8, 12] * 2 + [7]))
    elif design == "deformable":
        cfg["kernel"] = per_axis(st.integers(1, 3))
        cfg["cin"], cfg["cout"] = draw(st.sampled_from([2, 4, 6, 2, 4, 6, 3])), draw(st.sampled_from([2, 4, 6, 3]))
        cfg["groups"], cfg["og"], cfg["v"] = (draw(st.sampled_from([1, 1, 2])), draw(st.sampled_from([1, 1, 2])),
                                              draw(st.sampled_from([1, 2])))
        cfg["size"] = per_axis(sizes(1, 8))
    elif design == "r2plus1d":
        cfg["kernel"] = per_axis(st.integers(1, 3))
        cfg["mid"] = draw(st.none() | st.integers(1, 6))
    return cfg


def options(design: str, rank: int, cfg: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The spec and keyword options that ask cnncalc for the drawn configuration."""
    x = lambda dims: "x".join(map(str, dims))  # noqa: E731
    opts: dict[str, Any] = {"cin": cfg["cin"], "bias": cfg["bias"], "batch": cfg["batch"], "dims": rank,
                            "size": x(cfg["size"])}
    if design not in ("inception", "inception-naive"):
        opts["cout"] = cfg["cout"] if design != "se" else cfg["cin"]
    for key in ("kernel", "stride", "padding", "dilation"):
        if key in USES[design] and cfg[key] is not None:
            opts[key] = x(cfg[key])
    for key in ("groups", "mid", "reduction"):
        if key in USES[design] and cfg.get(key) is not None:
            opts[key] = cfg[key]
    values = cfg.get("widths", {}) | {k: cfg[k] for k in SPEC_KEYS.get(design, ()) if k in cfg}
    spec = design if not values else f"{design}:" + ",".join(f"{k}={v}" for k, v in values.items())
    return spec, opts


def expected_channels(design: str, cfg: dict[str, Any]) -> int | None:
    """The output width the configuration asks for (None: the design decides it from its widths)."""
    return None if design in ("inception", "inception-naive") else cfg["cin"] if design == "se" else cfg["cout"]


@contextmanager
def one_thread() -> Iterator[None]:
    """Tiny tensors run fastest on one thread, and on a busy machine several times faster than on more."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)
