"""The seed architectures torchvision lacks, built from the same blocks as the layer designs."""

from cnncalc.models.registry import ZOO
from cnncalc.models.zoo import classic, inception, mobile, resnets

__all__ = ["ZOO", "classic", "inception", "mobile", "resnets"]
