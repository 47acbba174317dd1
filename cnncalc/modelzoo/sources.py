"""Where models come from: the zoo, torchvision's builders of every task (classification, detection,
segmentation, video, optical flow), `package.module:callable`, `path/to/file.py:ClassOrFactory`, and timm
when it is installed (`timm/NAME` picks timm when torchvision has the same name). Built with parameters on
meta; `LoadedModel.real()` builds the same architecture with real (seeded, randomly initialised) weights
on the CPU, for peers that need real tensors and for runs whose ops depend on values.

torchvision's models are built as their released weights are (the builder is given its DEFAULT weights,
whose state dict is neither downloaded nor loaded): detection backbones with FrozenBatchNorm2d,
segmentation models with the auxiliary head, the classifier sized for the weights' categories, so that
the parameter count equals the weights' `num_params`. Each task's default input is the one the weights'
published GFLOPS were measured at.
"""

from __future__ import annotations

import difflib
import functools
import importlib
import importlib.util
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from cnncalc.errors import CnncalcError, UnknownNameError
from cnncalc.inputs import InputSpec, parse_shape
from cnncalc.modelzoo.build import BuildWay, Built, build
from cnncalc.resources import OverBudget, within_budget

DEFAULT_INPUT = (1, 3, 224, 224)
#: torchvision's tasks, by the module that holds their builders
TASKS = {"classification": "", "detection": "detection", "segmentation": "segmentation", "video": "video",
         "optical_flow": "optical_flow"}
#: every task `cnncalc models --task` lists: torchvision's and the zoo
CATALOGUE_TASKS = (*TASKS, "zoo")
VIDEO_FRAMES = 16
SEGMENTATION_SIZE = 520
FLOW_SIZE = 512
DETECTION_IMAGE = (1, 3, 224, 224)


@dataclass
class LoadedModel:
    name: str
    module: nn.Module
    inputs: list[InputSpec]
    source: str
    #: builds the same architecture again, with real (randomly initialised) weights on the CPU
    rebuild: Callable[[], Any] | None = None
    task: str = ""
    #: how the default inputs were chosen, for the report
    input_note: str = ""
    #: how the model came to be on the meta device, and why the cheaper ways failed
    way: BuildWay = BuildWay.meta
    why: tuple[str, ...] = ()

    @property
    def input_shape(self) -> tuple[int, ...]:
        """The first input's shape (a detector's N×C×H×W batch of images)."""
        return self.inputs[0].shape

    def real(self, seed: int = 0) -> nn.Module:
        """The model with real weights (seeded initialisation) on the CPU, in eval mode; the global random
        state is left as it was."""
        if self.rebuild is None:
            raise CnncalcError(f"{self.name} cannot be rebuilt with real weights")
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            try:
                module = within_budget(self.rebuild, f"building {self.name} with real weights on the CPU")
            except OverBudget as err:
                raise CnncalcError(f"{self.name} is too large to run here: {err}") from None
        if not isinstance(module, nn.Module):
            raise CnncalcError(f"{self.name} did not build an nn.Module")
        return module.eval()


def rebuild_real(loaded: LoadedModel) -> nn.Module:
    """The model with real weights, for peers that need real tensors (fvcore traces with torch.jit)."""
    return loaded.real()


def parse_input_shape(text: str) -> tuple[int, ...]:
    """'1x3x224x224' → (1, 3, 224, 224)."""
    return parse_shape(text, f"input {text!r}")


# torchvision ------------------------------------------------------------------------------------------------
def torchvision_names(task: str | None = None) -> list[str]:
    """torchvision's builders of one task (default: classification), or of every task with task='all'."""
    return list(_names(task or "classification"))


@functools.cache
def _names(task: str) -> tuple[str, ...]:
    import torchvision.models as tvm

    if task == "all":
        return tuple(sorted(n for t in TASKS for n in _names(t)))
    if task == "quantized":
        return tuple(sorted(tvm.list_models(module=tvm.quantization)))
    module = getattr(tvm, TASKS[task]) if TASKS[task] else tvm
    return tuple(sorted(tvm.list_models(module=module)))


def quantized_names() -> list[str]:
    return list(_names("quantized"))


def torchvision_task(name: str) -> str | None:
    for task in TASKS:
        if name in torchvision_names(task):
            return task
    return None


class _NotDownloaded(dict):  # type: ignore[type-arg]
    """Stands for a released state dict: never downloaded, never loaded."""


@contextmanager
def released() -> Iterator[None]:
    """Builders given their weights build the released architecture without fetching or loading them."""
    from torchvision.models._api import WeightsEnum

    get_state_dict, load_state_dict = WeightsEnum.get_state_dict, nn.Module.load_state_dict

    def no_download(self: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return _NotDownloaded()

    def no_load(self: nn.Module, state_dict: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(state_dict, _NotDownloaded):
            return None
        return load_state_dict(self, state_dict, *args, **kwargs)

    WeightsEnum.get_state_dict = no_download
    nn.Module.load_state_dict = no_load  # type: ignore[method-assign]
    try:
        yield
    finally:
        WeightsEnum.get_state_dict = get_state_dict
        nn.Module.load_state_dict = load_state_dict  # type: ignore[method-assign]


def default_weights(name: str) -> Any:
    import torchvision.models as tvm

    return tvm.get_model_weights(name).DEFAULT


def torchvision_inputs(name: str, task: str, model: nn.Module | None = None) -> tuple[list[InputSpec], str]:
    """The input each task's published GFLOPS were measured at, and a sentence saying so."""
    weights = default_weights(name)
    crop = weights.transforms.keywords.get("crop_size") if hasattr(weights.transforms, "keywords") else None
    crop = tuple(crop) if isinstance(crop, list | tuple) else (crop, crop) if crop else None
    if task == "classification":
        size = crop or DEFAULT_INPUT[2:]
        return [InputSpec((1, 3, *size))], f"the crop size of its DEFAULT weights ({weights.name})"
    if task == "video":
        size = crop or (112, 112)
        return ([InputSpec((1, 3, VIDEO_FRAMES, *size))],
                f"N×C×T×H×W: {VIDEO_FRAMES} frames at the crop size of its DEFAULT weights ({weights.name})")
    if task == "segmentation":
        s = SEGMENTATION_SIZE
        return ([InputSpec((1, 3, s, s))], f"its weights' transforms resize to {s}, the size torchvision's GFLOPS "
                f"refer to")
    if task == "optical_flow":
        s = FLOW_SIZE
        return ([InputSpec((1, 3, s, s)), InputSpec((1, 3, s, s))],
                "two frames at the size torchvision's GFLOPS refer to")
    transform = getattr(model, "transform", None)
    fixed = getattr(transform, "fixed_size", None)
    inside = (f"resized inside to {fixed[0]}×{fixed[1]} by its transform" if fixed else
              f"resized inside by its transform (shorter side {max(getattr(transform, 'min_size', (800,)))}, "
              f"longer side at most {getattr(transform, 'max_size', 1333)})")
    return [InputSpec(DETECTION_IMAGE)], f"one image, passed as a list as detectors take it, {inside}"


def _torchvision(name: str, task: str) -> LoadedModel:
    import torchvision.models as tvm

    weights = default_weights(name)

    def make() -> nn.Module:
        with released():
            return tvm.get_model(name, weights=weights)

    built = _built(name, make, name)
    specs, note = torchvision_inputs(name, task, built.module)
    return LoadedModel(name, built.module, specs, "torchvision", make, task, note, built.way, built.why)


# building ---------------------------------------------------------------------------------------------------
def _built(name: str, make: Any, source: str) -> Built:
    """Built on the meta device the cheapest way that works (`cnncalc.modelzoo.build`)."""
    return build(name, make, source)


def _from_callable(spec: str, target: Any, name: str) -> Built:
    if not callable(target):
        raise CnncalcError(f"{spec}: {name} is a {type(target).__name__}, not a class or function")
    return _built(spec, target, spec)


def _import_path(spec: str) -> LoadedModel:
    where, _, attr = spec.rpartition(":")
    if where.endswith(".py") or "/" in where:
        path = Path(where)
        if not path.is_file():
            raise CnncalcError(f"model file {where!r} does not exist")
        module_name = f"cnncalc_user_{abs(hash(path.resolve()))}"
        file_spec = importlib.util.spec_from_file_location(module_name, path)
        if file_spec is None or file_spec.loader is None:
            raise CnncalcError(f"cannot import {where!r} as Python")
        module = importlib.util.module_from_spec(file_spec)
        sys.modules[module_name] = module
        try:
            file_spec.loader.exec_module(module)
        except Exception as err:
            raise CnncalcError(f"importing {where!r} failed: {type(err).__name__}: {err}") from err
    else:
        try:
            module = importlib.import_module(where)
        except Exception as err:
            raise CnncalcError(f"cannot import {where!r}: {type(err).__name__}: {err}") from err
    if not hasattr(module, attr):
        names = [n for n in dir(module) if not n.startswith("_")]
        close = difflib.get_close_matches(attr, names, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise CnncalcError(f"{where!r} has no {attr!r}{hint}")
    target = getattr(module, attr)
    built = _from_callable(spec, target, attr)
    note = "none was given (inputs= sets it)"
    return LoadedModel(spec, built.module, [InputSpec(DEFAULT_INPUT)], spec, target, "", note, built.way, built.why)


def _timm(name: str) -> LoadedModel | None:
    if importlib.util.find_spec("timm") is None:
        return None
    import timm

    if name not in timm.list_models():
        return None

    def make_timm() -> nn.Module:
        return timm.create_model(name, pretrained=False)

    built = _built(name, make_timm, name)
    cfg = getattr(built.module, "pretrained_cfg", {}) or {}
    size = tuple(cfg.get("input_size", (3, 224, 224)))
    note = "the input size of its pretrained config"
    return LoadedModel(name, built.module, [InputSpec((1, *size))], "timm", make_timm, "classification", note,
                       built.way, built.why)


def is_model(spec: str) -> bool:
    """Whether a name could be a model (an import path, a zoo, torchvision or timm name); builds nothing."""
    from cnncalc.modelzoo.zoo import ZOO

    name = spec.strip().lower()
    if ":" in name or name in ZOO or name in torchvision_names("all") or name in quantized_names():
        return True
    if importlib.util.find_spec("timm") is not None:
        import timm

        return name.removeprefix("timm/") in timm.list_models()
    return False


def _refuse_quantized(name: str) -> CnncalcError:
    twin = name.removeprefix("quantized_")
    return CnncalcError(f"{name} is a quantized model: its int8 kernels (fbgemm, qnnpack) run on packed weights "
                        f"that the meta device cannot hold, and they fold BN into the convolutions, so cnncalc "
                        f"does not count it; its float architecture is {twin} (cnncalc analyze {twin})")


def load_model(spec: str) -> LoadedModel:
    """Resolve a model name or import path to a module with parameters on meta, in eval mode."""
    name = spec.strip()
    if not name:
        raise CnncalcError("empty model name: give a zoo or torchvision name, or package.module:callable")
    if ":" in name:  # before the zoo, whose builders import torchvision
        return _import_path(name)
    from cnncalc.modelzoo.zoo import ZOO
    key = name.lower()
    if key.startswith("timm/"):
        loaded = _timm(key.removeprefix("timm/"))
        if loaded is None:
            hint = "" if importlib.util.find_spec("timm") else " (timm is not installed: pip install timm)"
            raise CnncalcError(f"unknown timm model {name!r}{hint}")
        return loaded
    if key in ZOO:
        entry = ZOO[key]
        note = "the input of its paper"
        built = _built(key, entry.build, key)
        return LoadedModel(key, built.module, [InputSpec(entry.input_shape)], "zoo", entry.build,
                           "zoo", note)
    task = torchvision_task(key)
    if task is not None:
        return _torchvision(key, task)
    if key in quantized_names():
        raise _refuse_quantized(key)
    loaded = _timm(key)
    if loaded is not None:
        return loaded
    raise UnknownNameError("model", name, [*ZOO, *torchvision_names("all")],
                           listing="'cnncalc models' lists all {n}; your own model is "
                                   "package.module:callable or file.py:Class")
