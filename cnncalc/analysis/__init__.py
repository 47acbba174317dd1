"""Whole models traced on the meta device: costs per module, training steps, memory, fit, validation."""
