"""Layer designs (presets): pure-Python compositions of the primitive formulas, and the modules they build."""

from cnncalc.layers import presets
from cnncalc.layers.options import LayerOptions
from cnncalc.layers.record import LayerRecord
from cnncalc.layers.registry import PRESETS, build_module, evaluate, get_preset

__all__ = ["PRESETS", "LayerOptions", "LayerRecord", "build_module", "evaluate", "get_preset", "presets"]
