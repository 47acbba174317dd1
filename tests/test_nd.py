"""1-D and 3-D: layer designs against PyTorch's own nn.Conv1d / nn.Conv3d / nn.ConvTranspose*d modules
(built here from the drawn configuration, not through cnncalc), hand arithmetic, and (2+1)-D convolution
against torchvision's Conv2Plus1D and the paper's rule."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import nn

import cnncalc
from cnncalc.errors import CnncalcError

# ---------------------------------------------------------------------------------------------------------
# hand arithmetic


def test_standard_3d_by_hand() -> None:
    r = cnncalc.layer("standard", cin=64, cout=64, size="8x56x56")
    # 3·3·3·64·64 = 110,592 weights; at 8·56·56 = 25,088 positions: 2,774,532,096 MACs
    assert (r.params, r.macs) == (110_592, 2_774_532_096)
    assert r.output_shape == (1, 64, 8, 56, 56)
    assert r.receptive_field == (3, 3, 3)


def test_r2plus1d_by_hand_and_against_torchvision() -> None:
    from torchvision.models.video.resnet import Conv2Plus1D

    r2, r3 = cnncalc.compare("r2plus1d", "standard", cin=64, cout=64, size="8x56x56")
    # Tran et al. 2018: mid = ⌊t·d²·cin·cout / (d²·cin + t·cout)⌋ = ⌊27·64·64 / (9·64 + 3·64)⌋ = ⌊110,592 / 768⌋
    mid = 144
    # spatial 1×3×3: 9·64·144 = 82,944; BN 2·144 = 288; temporal 3×1×1: 3·144·64 = 27,648
    assert r2.params == 82_944 + 288 + 27_648 == 110_880
    assert r2.macs == (82_944 + 27_648) * 8 * 56 * 56 == r3.macs  # mid·768 = 110,592: the same MACs exactly
    # torchvision's VideoResNet sizes the block with the same rule, written its own way
    tv_mid = (64 * 64 * 3 * 3 * 3) // (64 * 3 * 3 + 3 * 64)
    block = Conv2Plus1D(64, 64, tv_mid)
    assert tv_mid == mid
    assert sum(p.numel() for p in block.parameters()) == r2.params
    x = torch.rand(1, 64, 8, 56, 56)
    assert flop_counter_macs(block.eval(), x) == r2.macs
    assert tuple(block.eval()(x).shape) == r2.output_shape


def test_one_d_by_hand() -> None:
    r = cnncalc.layer("standard", cin=16, cout=32, size=1000, dims=1, kernel=5)
    # 5·16·32 = 2,560 weights at 1,000 positions ('same' padding 2)
    assert (r.params, r.macs, r.output_shape) == (2_560, 2_560_000, (1, 32, 1000))
    assert r.formulas[0].symbolic == "k·cin·cout"


def test_pool_window_counts_only_inputs_it_reads() -> None:
    from cnncalc.analysis.analyze import analyze

    # MaxPool2d(3, stride 2, padding 1) on 7×5: along the 7 rows the four windows read 2, 3, 3, 2 rows (10);
    # along the 5 columns the three windows read 2, 3, 2 columns (7): 2·3 channels · 10 · 7 = 420
    r = analyze(nn.MaxPool2d(3, 2, 1), (2, 3, 7, 5))
    assert r.total.costs.other_flops == 420
    # the same in 3-D, depth 4 with kernel 3, stride 2, padding 1: windows read 2, 3 → 5; ×10·7 → 2·3·5·10·7
    r = analyze(nn.MaxPool3d(3, 2, 1), (2, 3, 4, 7, 5))
    assert r.total.costs.other_flops == 2 * 3 * 5 * 10 * 7


def flop_counter_macs(module: nn.Module, x: torch.Tensor) -> int:
    from torch.utils.flop_counter import FlopCounterMode

    with torch.no_grad(), FlopCounterMode(display=False) as mode:
        module(x)
    return mode.get_total_flops() // 2


# ---------------------------------------------------------------------------------------------------------
# every design with a 1-D or 3-D form, held against plain PyTorch modules built here


def conv(rank: int, *args: Any, transposed: bool = False, **kwargs: Any) -> nn.Module:
    return getattr(nn, f"ConvTranspose{rank}d" if transposed else f"Conv{rank}d")(*args, **kwargs)


def plain(design: str, rank: int, cfg: dict[str, Any]) -> nn.Module:
    """The design written with torch.nn classes, from the paper's definition."""
    cin, cout, k, s, p, d, b = (cfg["cin"], cfg["cout"], cfg["kernel"], cfg["stride"], cfg["padding"],
                                cfg["dilation"], cfg["bias"])
    if design == "standard":
        return conv(rank, cin, cout, k, s, p, bias=b)
    if design == "group":
        return conv(rank, cin, cout, k, s, p, groups=cfg["groups"], bias=b)
    if design == "depthwise":
        return conv(rank, cin, cout, k, s, p, d, groups=cin, bias=b)
    if design == "pointwise":
        return conv(rank, cin, cout, 1, s, 0, bias=b)
    if design == "dilated":
        return conv(rank, cin, cout, k, s, p, d, bias=b)
    if design == "xception-dw":
        return nn.Sequential(conv(rank, cin, cin, k, s, p, d, groups=cin, bias=b), conv(rank, cin, cout, 1, bias=b))
    if design == "transposed":
        return conv(rank, cin, cout, k, s, p, cfg["op"], groups=cfg["groups"], bias=b, dilation=d, transposed=True)
    if design == "bottleneck":
        mid = cfg["mid"]
        return nn.Sequential(conv(rank, cin, mid, 1, bias=b), nn.ReLU(), conv(rank, mid, mid, k, s, p, d, bias=b),
                             nn.ReLU(), conv(rank, mid, cout, 1, bias=b))
    raise AssertionError(design)


class Residual(nn.Module):
    def __init__(self, body: nn.Module, shortcut: nn.Module | None) -> None:
        super().__init__()
        self.body, self.shortcut = body, shortcut

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.body(x) + (x if self.shortcut is None else self.shortcut(x)))


class SE(nn.Module):
    """Hu et al. 2018, section 3: squeeze to C/r channels (the paper's reduction ratio, rounded down)."""

    def __init__(self, rank: int, c: int, r: int, bias: bool) -> None:
        super().__init__()
        self.pool = getattr(nn, f"AdaptiveAvgPool{rank}d")(1)
        self.fc1, self.fc2 = conv(rank, c, c // r, 1, bias=bias), conv(rank, c // r, c, 1, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.sigmoid(self.fc2(torch.relu(self.fc1(self.pool(x)))))


def plain_block(design: str, rank: int, cfg: dict[str, Any]) -> nn.Module:
    cin, cout, k, s, b = cfg["cin"], cfg["cout"], cfg["kernel"], cfg["stride"], cfg["bias"]
    bn = getattr(nn, f"BatchNorm{rank}d")
    same = tuple(a // 2 for a in k)
    project = None if (all(v == 1 for v in s) and cin == cout) else nn.Sequential(conv(rank, cin, cout, 1, s, bias=b),
                                                                                 bn(cout))
    if design == "residual-basic":
        body = nn.Sequential(conv(rank, cin, cout, k, s, same, bias=b), bn(cout), nn.ReLU(),
                             conv(rank, cout, cout, k, 1, same, bias=b), bn(cout))
        return Residual(body, project)
    if design == "residual-bottleneck":
        mid = cfg["mid"]
        body = nn.Sequential(conv(rank, cin, mid, 1, bias=b), bn(mid), nn.ReLU(),
                             conv(rank, mid, mid, k, s, same, bias=b), bn(mid), nn.ReLU(),
                             conv(rank, mid, cout, 1, bias=b), bn(cout))
        return Residual(body, project)
    if design == "se":
        return SE(rank, cin, cfg["reduction"], b)
    raise AssertionError(design)


SINGLE = ["standard", "group", "depthwise", "pointwise", "dilated", "xception-dw", "transposed", "bottleneck"]
BLOCKS = ["residual-basic", "residual-bottleneck", "se"]


@st.composite
def configs(draw: st.DrawFn, design: str, rank: int) -> dict[str, Any]:
    dims = st.integers(1, 3)
    dilations = st.integers(1, 2) if rank == 3 else dims
    cin = draw(st.sampled_from([2, 3, 4, 6, 8]))
    per_axis = lambda strategy: tuple(draw(strategy) for _ in range(rank))  # noqa: E731
    kernel = per_axis(st.sampled_from([1, 3, 5]) if design in BLOCKS else st.integers(1, 4))
    cfg: dict[str, Any] = {
        "cin": cin, "cout": draw(st.sampled_from([2, 4, 6, 8, 12])), "kernel": kernel, "stride": per_axis(dims),
        "padding": per_axis(st.integers(0, 2)), "dilation": per_axis(dilations), "bias": draw(st.booleans()),
        "size": per_axis(st.integers(2, 9) if rank == 3 else st.integers(1, 16)), "batch": draw(st.integers(1, 2)),
    }
    if design == "group":  # mostly groups that divide both widths, now and then one that does not
        cfg["groups"] = draw(st.sampled_from([1, 2, 2, 2, 3, 4]))
        cfg["cin"], cfg["cout"] = draw(st.sampled_from([4, 8, 12])), draw(st.sampled_from([4, 8, 12, 6]))
    if design == "transposed":
        cfg["groups"] = draw(st.sampled_from([1, 2]))
        cfg["op"] = draw(st.integers(0, 2))
    if design == "depthwise":
        cfg["cout"] = cin * draw(st.integers(1, 2))
    if design in ("bottleneck", "residual-bottleneck"):
        cfg["mid"] = draw(st.integers(1, 5))
    if design == "se":
        cfg["cout"] = cin
        cfg["reduction"] = draw(st.integers(1, 4))
    return cfg


def options(design: str, rank: int, cfg: dict[str, Any]) -> dict[str, Any]:
    x = "x".join
    opts: dict[str, Any] = {"cin": cfg["cin"], "cout": cfg["cout"], "bias": cfg["bias"], "batch": cfg["batch"],
                            "size": x(map(str, cfg["size"])) if rank > 1 else cfg["size"][0], "dims": rank,
                            "kernel": x(map(str, cfg["kernel"])), "stride": x(map(str, cfg["stride"]))}
    if design in SINGLE:
        opts["padding"] = x(map(str, cfg["padding"]))
    if design in ("dilated", "depthwise", "xception-dw", "transposed", "bottleneck"):
        opts["dilation"] = x(map(str, cfg["dilation"]))
    for key in ("groups", "mid", "reduction"):
        if key in cfg:
            opts[key] = cfg[key]
    spec = f"transposed:op={cfg['op']}" if design == "transposed" else design
    return {"spec": spec, **opts}


@pytest.mark.parametrize("rank", [1, 3])
@pytest.mark.parametrize("design", SINGLE + BLOCKS)
def test_nd_designs_against_pytorch(design: str, rank: int) -> None:
    """cnncalc accepts exactly the configurations PyTorch accepts, and where both do, the output shape,
    params and MACs are PyTorch's (numel, FlopCounterMode on a real forward)."""
    seen: Counter[str] = Counter()

    @settings(max_examples=40, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    @given(configs(design, rank))
    def check(cfg: dict[str, Any]) -> None:
        opts = options(design, rank, cfg)
        spec = opts.pop("spec")
        try:
            record = cnncalc.layer(spec, **opts)
        except CnncalcError as err:
            ours: str | None = str(err)
        else:
            ours = None
        try:
            module = (plain(design, rank, cfg) if design in SINGLE else plain_block(design, rank, cfg)).eval()
            x = torch.rand(cfg["batch"], cfg["cin"], *cfg["size"])
            with torch.no_grad():
                out = module(x)
        except (RuntimeError, ValueError, ZeroDivisionError) as err:
            theirs: str | None = str(err)
        else:
            # a transposed convolution padded beyond its output returns an empty tensor instead of raising:
            # cnncalc refuses that layer with a message, and so counts it as a rejection
            theirs = "an empty output" if out.numel() == 0 else None
        assert (ours is None) == (theirs is None), f"cnncalc: {ours!r}; PyTorch: {theirs!r}"
        if ours is not None:
            seen["rejected"] += 1
            return
        seen["compared"] += 1
        assert record.output_shape == tuple(out.shape)
        assert record.params == sum(p.numel() for p in module.parameters())
        assert record.macs == flop_counter_macs(module, x)

    check()
    assert seen["compared"] >= 10, seen


def test_rank_errors_are_one_line() -> None:
    with pytest.raises(CnncalcError, match="deformable has no 1-D form"):
        cnncalc.layer("deformable", cin=4, cout=4, size=16, dims=1)
    with pytest.raises(CnncalcError, match=r"--dims 1 with --size 8x8 \(2 numbers\)"):
        cnncalc.layer("standard", cin=4, cout=4, size="8x8", dims=1)
    with pytest.raises(CnncalcError, match="kernel=3x3 has 2 values but the layer is 3-D"):
        cnncalc.layer("standard", cin=4, cout=4, size="4x8x8", kernel="3x3")
