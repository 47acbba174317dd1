"""Where models come from: the zoo, torchvision's classification registry, `package.module:callable`,
`path/to/file.py:ClassOrFactory`, and timm when it is installed. Built with parameters on meta."""

from __future__ import annotations

import difflib
import importlib
import importlib.util
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from cnncalc.analysis.build import on_meta, to_meta
from cnncalc.errors import CnncalcError, UnknownNameError

DEFAULT_INPUT = (1, 3, 224, 224)
#: builder arguments for inference: the auxiliary heads only training runs are left out
TORCHVISION_KWARGS = {"googlenet": {"aux_logits": False, "init_weights": False},
                      "inception_v3": {"aux_logits": False, "init_weights": False}}


@dataclass
class LoadedModel:
    name: str
    module: nn.Module
    input_shape: tuple[int, ...]
    source: str
    #: builds the same architecture again, with real (randomly initialised) weights on the CPU
    rebuild: Any = None


def rebuild_real(loaded: LoadedModel) -> nn.Module:
    """The model with real weights, for peers that need real tensors (fvcore traces with torch.jit)."""
    if loaded.rebuild is None:
        raise CnncalcError(f"{loaded.name} cannot be rebuilt with real weights")
    module = loaded.rebuild()
    if not isinstance(module, nn.Module):
        raise CnncalcError(f"{loaded.name} did not build an nn.Module")
    return module.eval()


def parse_input_shape(text: str) -> tuple[int, ...]:
    """'1x3x224x224' → (1, 3, 224, 224)."""
    if not re.fullmatch(r"\s*-?\d+(\s*[x×,]\s*-?\d+)+\s*", text):
        raise CnncalcError(f"--input {text!r} is malformed: expected dimensions joined by x, e.g. 1x3x224x224")
    dims = tuple(int(d) for d in re.split(r"[x×,]", text.replace(" ", "")))
    for d in dims:
        if d < 1:
            raise CnncalcError(f"--input {text!r} has a dimension of {d}: every dimension must be ≥ 1")
    return dims


def torchvision_input(name: str) -> tuple[int, ...]:
    """1×3×S×S with S the crop size of the model's default weights (what torchvision's GFLOPS refer to);
    a ViT built without weights is fixed at 224."""
    import torchvision

    if name.startswith("vit_"):
        return DEFAULT_INPUT
    try:
        weights = torchvision.models.get_model_weights(name).DEFAULT
        crop = int(weights.transforms.keywords["crop_size"])
    except (ValueError, KeyError, AttributeError, TypeError):
        return DEFAULT_INPUT
    return (1, 3, crop, crop)


def torchvision_names() -> list[str]:
    import torchvision

    return sorted(torchvision.models.list_models(module=torchvision.models))


def _built(name: str, make: Any, source: str) -> nn.Module:
    """Build under torch.device("meta") (nothing allocated, initialisers skipped); a constructor that
    computes tensors fails there (torchvision's RegNet), so it is built again with only its parameters
    and buffers sent to meta as they are registered."""
    try:
        try:
            with torch.device("meta"):
                module = make()
        except Exception:  # the constructor needs real tensors: build with parameters on meta only
            with on_meta():
                module = make()
    except CnncalcError:
        raise
    except Exception as err:  # user code can raise anything while building
        raise CnncalcError(f"building {name} failed: {type(err).__name__}: {err}") from err
    if not isinstance(module, nn.Module):
        raise CnncalcError(f"{source} returned {type(module).__name__}, not a torch.nn.Module")
    return to_meta(module).eval()


def _from_callable(spec: str, target: Any, name: str) -> nn.Module:
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
    return LoadedModel(spec, built, DEFAULT_INPUT, spec, target)


def is_model(spec: str) -> bool:
    """Whether a name could be a model (an import path, a zoo, torchvision or timm name); builds nothing."""
    from cnncalc.models.zoo import ZOO

    name = spec.strip().lower()
    if ":" in name or name in ZOO or name in torchvision_names():
        return True
    if importlib.util.find_spec("timm") is not None:
        import timm

        return name in timm.list_models()
    return False


def load_model(spec: str) -> LoadedModel:
    """Resolve a model name or import path to a module with parameters on meta, in eval mode."""
    from cnncalc.models.zoo import ZOO

    name = spec.strip()
    if not name:
        raise CnncalcError("empty model name: give a zoo or torchvision name, or package.module:callable")
    if ":" in name:
        return _import_path(name)
    key = name.lower()
    if key in ZOO:
        entry = ZOO[key]
        return LoadedModel(key, _built(key, entry.build, key), entry.input_shape, "zoo", entry.build)
    tv = torchvision_names()
    if key in tv:
        import torchvision

        kwargs = TORCHVISION_KWARGS.get(key, {})

        def make() -> nn.Module:
            return torchvision.models.get_model(key, weights=None, **kwargs)

        return LoadedModel(key, _built(key, make, key), torchvision_input(key), "torchvision", make)
    if importlib.util.find_spec("timm") is not None:
        import timm

        if key in timm.list_models():

            def make_timm() -> nn.Module:
                return timm.create_model(key, pretrained=False)

            module = _built(key, make_timm, key)
            cfg = getattr(module, "pretrained_cfg", {}) or {}
            size = tuple(cfg.get("input_size", (3, 224, 224)))
            return LoadedModel(key, module, (1, *size), "timm", make_timm)
    raise UnknownNameError("model", name, [*ZOO, *tv])
