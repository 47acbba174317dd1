"""The seed architectures torchvision lacks, built from the same blocks as the layer designs."""

from cnncalc.modelzoo.registry import ZOO
from cnncalc.modelzoo.zoo import classic, inception, mobile, resnets

__all__ = ["ZOO", "classic", "inception", "mobile", "resnets"]
