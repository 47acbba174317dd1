"""Importing this package registers every layer design."""

from cnncalc.layers.presets import attention, blocks, convs, deformable, residual, shuffle, spatiotemporal

__all__ = ["attention", "blocks", "convs", "deformable", "residual", "shuffle", "spatiotemporal"]
