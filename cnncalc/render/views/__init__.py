"""The views of every record type, registered with `cnncalc.render.registry.views` on import."""

from cnncalc.render.views import latency, layers, memory, model, profile

__all__ = ["latency", "layers", "memory", "model", "profile"]
