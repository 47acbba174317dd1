"""GoogLeNet as the paper draws it (inception v1), with 5×5 branches, built from the inception design."""

from __future__ import annotations

from torch import nn

from cnncalc.modelzoo.registry import register_model
from cnncalc.modules import Concat

#: Table 1 of the paper: #1×1, #3×3 reduce, #3×3, #5×5 reduce, #5×5, pool proj.
INCEPTION_TABLE = {
    "3a": (192, 64, 96, 128, 16, 32, 32), "3b": (256, 128, 128, 192, 32, 96, 64),
    "4a": (480, 192, 96, 208, 16, 48, 64), "4b": (512, 160, 112, 224, 24, 64, 64),
    "4c": (512, 128, 128, 256, 24, 64, 64), "4d": (512, 112, 144, 288, 32, 64, 64),
    "4e": (528, 256, 160, 320, 32, 128, 128), "5a": (832, 256, 160, 320, 32, 128, 128),
    "5b": (832, 384, 192, 384, 48, 128, 128),
}


def conv_relu(cin: int, cout: int, k: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, k // 2), nn.ReLU(inplace=True))


def inception_module(cin: int, b1: int, b3r: int, b3: int, b5r: int, b5: int, pp: int) -> Concat:
    """The same branches as the `inception` layer design (with the paper's conv biases)."""
    return Concat(
        conv_relu(cin, b1, 1),
        nn.Sequential(conv_relu(cin, b3r, 1), conv_relu(b3r, b3, 3)),
        nn.Sequential(conv_relu(cin, b5r, 1), conv_relu(b5r, b5, 5)),
        nn.Sequential(nn.MaxPool2d(3, 1, 1), conv_relu(cin, pp, 1)),
    )


@register_model(
    "inception_v1", (1, 3, 224, 224),
    paper="Szegedy et al., 'Going deeper with convolutions', CVPR 2015 (table 1)",
    summary="paper-faithful GoogLeNet: 5×5 branches (torchvision uses 3×3), LRN, no auxiliary heads",
    # Table 1 sums to about 6.8M params ("K" = 1024) and 1.5G multiply-adds ("ops").
    published={"params_k": {"3a": 159, "3b": 380, "4a": 364, "4b": 437, "4c": 463, "4d": 580, "4e": 840,
                             "5a": 1072, "5b": 1388},
               "ops_m": {"3a": 128, "3b": 304, "4a": 73, "4b": 88, "4c": 100, "4d": 119, "4e": 170,
                         "5a": 54, "5b": 71},
               "macs_g": 1.5},
)
def inception_v1() -> nn.Module:
    """GoogLeNet as in Szegedy et al., CVPR 2015, table 1: 5×5 branches, LRN, for inference (no aux heads)."""
    blocks = {name: inception_module(*widths) for name, widths in INCEPTION_TABLE.items()}
    lrn = nn.LocalResponseNorm(5, 1e-4, 0.75, 1.0)
    return nn.Sequential(
        conv_relu(3, 64, 7, 2), nn.MaxPool2d(3, 2, ceil_mode=True), lrn,
        conv_relu(64, 64, 1), conv_relu(64, 192, 3), nn.LocalResponseNorm(5, 1e-4, 0.75, 1.0),
        nn.MaxPool2d(3, 2, ceil_mode=True),
        nn.Sequential(blocks["3a"], blocks["3b"]), nn.MaxPool2d(3, 2, ceil_mode=True),
        nn.Sequential(blocks["4a"], blocks["4b"], blocks["4c"], blocks["4d"], blocks["4e"]),
        nn.MaxPool2d(3, 2, ceil_mode=True),
        nn.Sequential(blocks["5a"], blocks["5b"]),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.4), nn.Linear(1024, 1000),
    )
