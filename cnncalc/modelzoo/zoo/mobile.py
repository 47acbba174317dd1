"""Depthwise-separable networks: Xception, MobileNet v1 and ShuffleNet v1."""

from __future__ import annotations

from torch import nn

from cnncalc.modelzoo.registry import register_model
from cnncalc.modules import ShuffleV1Unit


def separable(cin: int, cout: int) -> nn.Sequential:
    """Xception's SeparableConv2D: depthwise 3×3 then pointwise 1×1, no biases, then BN."""
    return nn.Sequential(nn.Conv2d(cin, cin, 3, padding=1, groups=cin, bias=False),
                         nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout))


class XceptionBlock(nn.Module):
    """Separable convs (each after a ReLU, the first one optional) plus a shortcut: a strided 1×1 projection
    with a 3×3/2 max pool on the main path, or the identity."""

    def __init__(self, cin: int, widths: list[int], stride: int, first_relu: bool = True) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        c = cin
        for i, w in enumerate(widths):
            if i > 0 or first_relu:
                layers.append(nn.ReLU())
            layers.append(separable(c, w))
            c = w
        if stride > 1:
            layers.append(nn.MaxPool2d(3, stride, 1))
        self.body = nn.Sequential(*layers)
        self.skip = (nn.Sequential(nn.Conv2d(cin, c, 1, stride, bias=False), nn.BatchNorm2d(c))
                     if stride > 1 or cin != c else None)

    def forward(self, x):  # type: ignore[no-untyped-def]
        return self.body(x) + (x if self.skip is None else self.skip(x))


@register_model(
    "xception", (1, 3, 299, 299),
    paper="Chollet, 'Xception: deep learning with depthwise separable convolutions', CVPR 2017",
    summary="entry flow, 8 middle-flow blocks of 3 separable 3×3 convs (728), exit flow, as Keras builds it",
    published={"params": 22_855_952},
)
def xception() -> nn.Module:
    """Xception (Chollet, CVPR 2017), with Keras's layer order: valid-padded stem, 8 middle-flow blocks."""
    def conv_bn(cin: int, cout: int, stride: int) -> list[nn.Module]:
        return [nn.Conv2d(cin, cout, 3, stride, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]

    return nn.Sequential(
        *conv_bn(3, 32, 2), *conv_bn(32, 64, 1),
        XceptionBlock(64, [128, 128], 2, first_relu=False),
        XceptionBlock(128, [256, 256], 2),
        XceptionBlock(256, [728, 728], 2),
        *[XceptionBlock(728, [728, 728, 728], 1) for _ in range(8)],
        XceptionBlock(728, [728, 1024], 2),
        separable(1024, 1536), nn.ReLU(), separable(1536, 2048), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2048, 1000),
    )


def mobilenet_v1(width: float = 1.0) -> nn.Module:
    """MobileNet v1 with width multiplier α: a 3×3 conv, 13 depthwise-separable layers, pool, fc."""

    def c(ch: int) -> int:
        return int(ch * width)

    def dw_sep(cin: int, cout: int, stride: int) -> list[nn.Module]:
        return [nn.Conv2d(cin, cin, 3, stride, 1, groups=cin, bias=False), nn.BatchNorm2d(cin), nn.ReLU(),
                nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]

    plan = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), *[(512, 1)] * 5, (1024, 2), (1024, 1)]
    layers: list[nn.Module] = [nn.Conv2d(3, c(32), 3, 2, 1, bias=False), nn.BatchNorm2d(c(32)), nn.ReLU()]
    cin = c(32)
    for cout, stride in plan:
        layers += dw_sep(cin, c(cout), stride)
        cin = c(cout)
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, 1000)]
    return nn.Sequential(*layers)


MOBILENET_PAPER = "Howard et al., 'MobileNets: efficient CNNs for mobile vision applications', 2017 (table 6)"
# Table 6: width, million mult-adds, million params at 224×224.
for _alpha, _macs, _params in ((1.0, 569, 4.2), (0.75, 325, 2.6), (0.5, 149, 1.3), (0.25, 41, 0.5)):
    _suffix = "" if _alpha == 1.0 else f"_{str(_alpha).replace('.', '')}"
    register_model(f"mobilenet_v1{_suffix}", (1, 3, 224, 224), paper=MOBILENET_PAPER,
                   summary=f"MobileNet v1, width multiplier α = {_alpha}",
                   published={"macs_m": _macs, "params_m": _params})(
        (lambda a: lambda: mobilenet_v1(a))(_alpha))

#: ShuffleNet v1 stage widths at 1× for each number of groups (Zhang et al. 2018, table 1).
SHUFFLE_WIDTHS = {1: 144, 2: 200, 3: 240, 4: 272, 8: 384}


def shufflenet_v1(groups: int = 3, scale: float = 1.0) -> nn.Module:
    """ShuffleNet v1: 3×3/2 conv (24), 3×3/2 max pool, stages of 4, 8, 4 units, pool, fc. The first
    pointwise conv of stage 2 is not grouped (its input has only 24 channels), as in the paper."""
    widths = [int(SHUFFLE_WIDTHS[groups] * scale * m) for m in (1, 2, 4)]
    stem = int(24 * scale) if scale >= 1 else 24
    layers: list[nn.Module] = [nn.Conv2d(3, stem, 3, 2, 1, bias=False), nn.BatchNorm2d(stem), nn.ReLU(),
                               nn.MaxPool2d(3, 2, 1)]
    cin = stem
    for stage, (width, repeats) in enumerate(zip(widths, (4, 8, 4), strict=True)):
        units: list[nn.Module] = []
        for i in range(repeats):
            first = 1 if stage == 0 and i == 0 else groups  # the ungrouped first 1×1 of stage 2
            units.append(ShuffleV1Unit(cin, width, width // 4, groups, 2 if i == 0 else 1, 3, bias=False,
                                       first_groups=first))
            cin = width
        layers.append(nn.Sequential(*units))
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, 1000)]
    return nn.Sequential(*layers)


SHUFFLENET_PAPER = "Zhang et al., 'ShuffleNet: an extremely efficient CNN for mobile devices', CVPR 2018"
register_model("shufflenet_v1", (1, 3, 224, 224), paper=SHUFFLENET_PAPER,
               summary="ShuffleNet v1 1×, g = 3: the paper's headline (about 140M multiply-adds)",
               published={"macs_m": 140, "params_m": 1.87})(lambda: shufflenet_v1(3, 1.0))
for _g in SHUFFLE_WIDTHS:
    register_model(f"shufflenet_v1_g{_g}", (1, 3, 224, 224), paper=SHUFFLENET_PAPER,
                   summary=f"ShuffleNet v1 1×, g = {_g}")((lambda g: lambda: shufflenet_v1(g, 1.0))(_g))
for _scale, _name in ((0.5, "x0_5"), (0.25, "x0_25")):
    register_model(f"shufflenet_v1_{_name}", (1, 3, 224, 224), paper=SHUFFLENET_PAPER,
                   summary=f"ShuffleNet v1 {_scale}×, g = 3")((lambda s: lambda: shufflenet_v1(3, s))(_scale))
