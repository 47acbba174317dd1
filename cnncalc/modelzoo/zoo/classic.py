"""LeNet-5 and the original two-GPU AlexNet."""

from __future__ import annotations

from torch import nn

from cnncalc.modelzoo.registry import register_model


@register_model(
    "lenet5", (1, 1, 32, 32),
    paper="LeCun, Bottou, Bengio & Haffner, 'Gradient-based learning applied to document recognition', "
          "Proc. IEEE 1998",
    summary="conv 5×5 (6) → pool → conv 5×5 (16) → pool → conv 5×5 (120) → fc 84 → fc 10, tanh",
    # The paper counts 60,000 trainable parameters: its C3 connects 10 of the 16 maps to a subset of the 6
    # inputs (1,516 weights), its sub-sampling layers have a trainable coefficient and bias per map, and the
    # output is an RBF layer. This modern form (full C3, average pooling, a linear output) has 61,706.
    published={"params": 61_706, "paper_params": 60_000},
)
def lenet5() -> nn.Module:
    """LeNet-5 (LeCun et al., Proc. IEEE 1998), in its modern form: full C3, average pooling, tanh."""
    return nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.Tanh(), nn.AvgPool2d(2),
        nn.Conv2d(6, 16, 5), nn.Tanh(), nn.AvgPool2d(2),
        nn.Conv2d(16, 120, 5), nn.Tanh(), nn.Flatten(),
        nn.Linear(120, 84), nn.Tanh(), nn.Linear(84, 10),
    )


@register_model(
    "alexnet_grouped", (1, 3, 227, 227),
    paper="Krizhevsky, Sutskever & Hinton, 'ImageNet classification with deep convolutional neural "
          "networks', NeurIPS 2012",
    summary="the original two-GPU AlexNet: groups=2 in conv2, conv4 and conv5, local response norm",
    published={"params": 60_965_224},
)
def alexnet_grouped() -> nn.Module:
    """AlexNet as trained on two GPUs (Krizhevsky et al., NeurIPS 2012): conv2, 4, 5 split in two groups."""
    return nn.Sequential(
        nn.Conv2d(3, 96, 11, stride=4), nn.ReLU(), nn.LocalResponseNorm(5, 1e-4, 0.75, 2.0), nn.MaxPool2d(3, 2),
        nn.Conv2d(96, 256, 5, padding=2, groups=2), nn.ReLU(), nn.LocalResponseNorm(5, 1e-4, 0.75, 2.0),
        nn.MaxPool2d(3, 2),
        nn.Conv2d(256, 384, 3, padding=1), nn.ReLU(),
        nn.Conv2d(384, 384, 3, padding=1, groups=2), nn.ReLU(),
        nn.Conv2d(384, 256, 3, padding=1, groups=2), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Flatten(), nn.Dropout(), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(),
        nn.Dropout(), nn.Linear(4096, 4096), nn.ReLU(), nn.Linear(4096, 1000),
    )
