"""ResNet variants: squeeze-and-excitation, dilated (DRN) and deformable ResNets, on torchvision's ResNet."""

from __future__ import annotations

from typing import Any

from torch import Tensor, nn
from torchvision.models.resnet import Bottleneck, ResNet

from cnncalc.modelzoo.registry import register_model
from cnncalc.modules import DeformableConv, SqueezeExcite


class SEBottleneck(Bottleneck):
    """torchvision's Bottleneck with squeeze-and-excitation (r = 16, FC biases) on the residual branch,
    before the addition, as in Hu et al. figure 3."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        channels = self.bn3.num_features
        self.se = SqueezeExcite(channels, channels // 16, bias=True)

    def forward(self, x: Tensor) -> Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.se(self.bn3(self.conv3(out)))
        return self.relu(out + identity)


SE_PAPER = "Hu, Shen & Sun, 'Squeeze-and-excitation networks', CVPR 2018"


@register_model("se_resnet50", (1, 3, 224, 224), paper=SE_PAPER,
                summary="ResNet-50 with an SE block (r = 16) in every bottleneck",
                # ResNet-50's 25,557,032 + Σ blocks (2·C²/16 + C/16 + C) = 28,088,024
                published={"params": 28_088_024})
def se_resnet50() -> nn.Module:
    """SE-ResNet-50 (Hu et al., CVPR 2018)."""
    return ResNet(SEBottleneck, [3, 4, 6, 3])


@register_model("se_resnet101", (1, 3, 224, 224), paper=SE_PAPER,
                summary="ResNet-101 with an SE block (r = 16) in every bottleneck",
                published={"params": 49_326_872})
def se_resnet101() -> nn.Module:
    """SE-ResNet-101 (Hu et al., CVPR 2018)."""
    return ResNet(SEBottleneck, [3, 4, 23, 3])


@register_model("drn_a_50", (1, 3, 224, 224),
                paper="Yu, Koltun & Funkhouser, 'Dilated residual networks', CVPR 2017 (DRN-A-50)",
                summary="ResNet-50 with the strides of stages 4 and 5 replaced by dilation 2 and 4: output "
                        "stride 8, same params, larger maps",
                published={"params": 25_557_032})
def drn_a_50() -> nn.Module:
    """DRN-A-50 (Yu, Koltun & Funkhouser, CVPR 2017): ResNet-50 dilated in its last two stages."""
    return ResNet(Bottleneck, [3, 4, 6, 3], replace_stride_with_dilation=[False, True, True])


class DeformBottleneck(Bottleneck):
    """Bottleneck whose 3×3 conv is deformable (DCN v1: an offset conv with bias, then DeformConv2d)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        c = self.__dict__["_modules"]["conv2"]
        self.conv2 = DeformableConv(c.in_channels, c.out_channels, (3, 3), tuple(c.stride), tuple(c.padding),
                                    tuple(c.dilation), c.groups, 1, False, modulated=False)


class DeformResNet(ResNet):
    def __init__(self) -> None:
        super().__init__(Bottleneck, [3, 4, 6, 3])
        # deformable 3×3 convolutions in the last two stages (conv4_x and conv5_x), as in Dai et al. §4
        self.inplanes = 512
        self.layer3 = self._make_layer(DeformBottleneck, 256, 6, stride=2)
        self.layer4 = self._make_layer(DeformBottleneck, 512, 3, stride=2)


@register_model("deform_resnet50", (1, 3, 224, 224),
                paper="Dai et al., 'Deformable convolutional networks', ICCV 2017",
                summary="ResNet-50 with deformable 3×3 convolutions in stages 4 and 5",
                # 25,557,032 + offset convs (3·3·256·18 + 18)·6 + (3·3·512·18 + 18)·3 = 26,054,858
                published={"params": 26_054_858})
def deform_resnet50() -> nn.Module:
    """Deformable ResNet-50 (Dai et al., ICCV 2017): DCN v1 3×3 convs in conv4_x and conv5_x."""
    return DeformResNet()
