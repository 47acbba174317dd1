"""A model's inputs as tensors: checked against its forward's signature, made on the meta device for the
trace or as real CPU tensors (seeded, or a photo) for a run whose ops depend on values.

Detectors (torchvision's Faster/Mask/Keypoint R-CNN, RetinaNet, FCOS, SSD) take a list of C×H×W images:
an N×C×H×W input becomes N images.
"""

from __future__ import annotations

import inspect
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from cnncalc.errors import CnncalcError
from cnncalc.inputs import InputSpec, spec_from

TORCH_DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16,
                "float64": torch.float64, "int64": torch.int64, "int32": torch.int32, "int16": torch.int16,
                "int8": torch.int8, "uint8": torch.uint8, "bool": torch.bool, "complex64": torch.complex64}
DTYPE_NAMES = {v: k for k, v in TORCH_DTYPES.items()}


@dataclass(frozen=True)
class Input:
    """One input: its spec (shape, dtype, keyword name) and, when the user gave one, the real value (a tensor,
    or a detector's list of images)."""

    spec: InputSpec
    value: Any = None
    #: a detector's N×C×H×W batch, passed as a list of N images
    as_list: bool = False


@dataclass(frozen=True)
class Inputs:
    positional: tuple[Input, ...]
    keywords: tuple[Input, ...] = ()
    #: how the inputs were chosen, for the report ("the crop size of the default weights", …)
    note: str = ""
    #: the path of a photo the first input came from
    image: str | None = None
    names: tuple[str, ...] = field(default=())

    @property
    def all(self) -> tuple[Input, ...]:
        return self.positional + self.keywords


def is_detector(model: nn.Module) -> bool:
    """torchvision's detection models, which take a list of images (checked only when torchvision is loaded)."""
    if "torchvision" not in sys.modules:
        return False
    from torchvision.models.detection.fcos import FCOS
    from torchvision.models.detection.generalized_rcnn import GeneralizedRCNN
    from torchvision.models.detection.retinanet import RetinaNet
    from torchvision.models.detection.ssd import SSD

    return isinstance(model, GeneralizedRCNN | RetinaNet | FCOS | SSD)


def _item(value: Any, where: str, name: str | None, detector: bool) -> Input:
    if isinstance(value, torch.Tensor):
        return Input(InputSpec(tuple(int(d) for d in value.shape), DTYPE_NAMES.get(value.dtype), name), value)
    if (isinstance(value, list | tuple) and value and all(isinstance(t, torch.Tensor) for t in value)
            and not (len(value) == 2 and isinstance(value[1], str))):
        first = value[0]  # images of other sizes are described by the first one's
        shape = (len(value), *first.shape)
        return Input(InputSpec(tuple(int(d) for d in shape), DTYPE_NAMES.get(first.dtype), name), list(value), True)
    spec = spec_from(value, where, name)
    if spec is None:
        raise CnncalcError(f"{where}: {type(value).__name__} is not an input: give a shape (1, 3, 224, 224), a "
                           f"(shape, dtype) pair, a string '1x3x224x224:float32' or a tensor")
    return Input(spec, None, detector and spec.name is None)


def make_inputs(model: nn.Module, name: str, items: Sequence[Any], kwargs: Mapping[str, Any] | None = None,
                note: str = "") -> Inputs:
    """Inputs from API items or parsed --input specs (a named spec is a keyword argument), checked against
    `model.forward`'s signature."""
    detector = is_detector(model)
    positional: list[Input] = []
    keywords: list[Input] = []
    for i, value in enumerate(items):
        item = _item(value, f"input {i + 1}", None, detector)
        (keywords if item.spec.name else positional).append(item)
    for key, value in (kwargs or {}).items():
        keywords.append(_item(value, f"keyword input {key!r}", key, False))
    seen: set[str] = set()
    for k in keywords:
        assert k.spec.name is not None
        if k.spec.name in seen:
            raise CnncalcError(f"the keyword input {k.spec.name!r} is given twice")
        seen.add(k.spec.name)
    if detector:
        for p in positional:
            if p.value is None and len(p.spec.shape) not in (3, 4):
                raise CnncalcError(f"{name} is a detector: its input is N×C×H×W (N images of C×H×W, e.g. "
                                   f"1x3x224x224); got {'x'.join(map(str, p.spec.shape))}")
    names = check_signature(model, name, len(positional), [k.spec.name or "" for k in keywords])
    return Inputs(tuple(positional), tuple(keywords), note, names=names)


def check_signature(model: nn.Module, name: str, positional: int, keywords: Sequence[str]) -> tuple[str, ...]:
    """Raise, naming the signature, when forward cannot take these inputs; return the names of the
    positional parameters that the inputs fill."""
    try:
        signature = inspect.signature(model.forward)
    except (TypeError, ValueError):  # a builtin or C forward: nothing to check
        return tuple(f"input{i}" for i in range(positional))
    try:
        bound = signature.bind(*range(positional), **dict.fromkeys(keywords))
    except TypeError as err:
        given = f"{positional} positional input{'s' if positional != 1 else ''}" + (
            f" and keyword{'s' if len(keywords) > 1 else ''} {', '.join(keywords)}" if keywords else "")
        raise CnncalcError(f"{name}.forward{_plain(signature)} cannot take {given}: {err}") from None
    names = []
    for param, value in bound.arguments.items():
        kind = signature.parameters[param].kind
        if kind is inspect.Parameter.VAR_POSITIONAL:
            names += [f"{param}[{i}]" for i in range(len(value))]
        elif param not in keywords and kind is not inspect.Parameter.VAR_KEYWORD:
            names.append(param)
    return tuple(names[:positional])


def _plain(signature: inspect.Signature) -> str:
    """The signature without annotations: '(x)', '(images, targets=None)'."""
    parts = []
    for p in signature.parameters.values():
        text = ("*" if p.kind is p.VAR_POSITIONAL else "**" if p.kind is p.VAR_KEYWORD else "") + p.name
        if p.default is not inspect.Parameter.empty:
            text += f"={p.default!r}" if len(repr(p.default)) < 12 else "=…"
        parts.append(text)
    return f"({', '.join(parts)})"


def _tensor(spec: InputSpec, device: str, float_dtype: torch.dtype, generator: torch.Generator | None) -> Any:
    dtype = float_dtype if spec.dtype is None else TORCH_DTYPES[spec.dtype]
    if device == "meta":
        return torch.empty(spec.shape, device="meta", dtype=dtype)
    if device == "fake":  # made under the caller's FakeTensorMode: CPU tensors without storage
        return torch.empty(spec.shape, dtype=dtype)
    if spec.is_float:
        # values in [0, 1): a valid image for every model here, detectors included
        return torch.rand(spec.shape, generator=generator).to(dtype)
    return torch.zeros(spec.shape, dtype=dtype)  # zeros: valid embedding indices, an all-False mask


def _value(item: Input, device: str, float_dtype: torch.dtype, generator: torch.Generator | None) -> Any:
    if item.value is not None:
        if isinstance(item.value, list):
            return [_copy(t, device) for t in item.value]
        return _copy(item.value, device)
    t = _tensor(item.spec, device, float_dtype, generator)
    if item.as_list:
        return list(t.unsqueeze(0) if t.dim() == 3 else t.unbind(0))
    return t


def _copy(t: torch.Tensor, device: str) -> torch.Tensor:
    if device in ("meta", "fake"):
        return torch.empty_like(t, device="meta" if device == "meta" else "cpu")
    return t.detach().to("cpu")


def materialize(inputs: Inputs, device: str, float_dtype: torch.dtype,
                seed: int = 0) -> tuple[list[Any], dict[str, Any]]:
    """The forward's positional and keyword arguments: meta tensors, or real tensors (seeded random floats
    in [0, 1), zeros for integers; made on the CPU, then moved to `device`) for a real run."""
    generator = torch.Generator().manual_seed(seed) if device not in ("meta", "fake") else None
    args = [_value(i, device, float_dtype, generator) for i in inputs.positional]
    kwargs = {i.spec.name: _value(i, device, float_dtype, generator) for i in inputs.keywords if i.spec.name}
    if device not in ("meta", "cpu", "fake"):
        args, kwargs = _to(args, device), _to(kwargs, device)
    return args, kwargs


def _to(obj: Any, device: str) -> Any:
    if isinstance(obj, torch.Tensor):
        return obj.to(device)
    if isinstance(obj, list):
        return [_to(o, device) for o in obj]
    if isinstance(obj, dict):
        return {k: _to(v, device) for k, v in obj.items()}
    return obj


def load_image(path: str) -> torch.Tensor:
    """A photo as a 1×3×H×W float tensor in [0, 1], read with torchvision.io."""
    file = Path(path)
    if not file.is_file():
        why = "does not exist" if not file.exists() else "is not a file"
        raise CnncalcError(f"image={path!r} {why}")
    import warnings

    import torchvision.io

    try:
        with warnings.catch_warnings():  # torchvision 0.29 marks its decoders deprecated in favour of torchcodec
            warnings.simplefilter("ignore", DeprecationWarning)
            image = torchvision.io.decode_image(torchvision.io.read_file(str(file)),
                                                mode=torchvision.io.ImageReadMode.RGB)
    except Exception as err:  # torchvision raises RuntimeError with the decoder's words
        message = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        message = re.sub(r"^.*?\.(?:cpp|h):\d+, ", "", message)  # the decoder's source location, not for users
        raise CnncalcError(f"image={path!r} is not an image torchvision can read (JPEG, PNG, GIF, WebP): "
                           f"{message}") from None
    return (image.float() / 255).unsqueeze(0)
