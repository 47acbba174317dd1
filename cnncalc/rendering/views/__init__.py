"""The views of every record type, registered with `cnncalc.rendering.registry.views` on import."""

from cnncalc.rendering.views import latency, layers, memory, model, profile

__all__ = ["latency", "layers", "memory", "model", "profile"]
