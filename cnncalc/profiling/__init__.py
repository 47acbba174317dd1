"""Timing real runs on a device: forward passes, training steps, layer designs, beside their cost and roofline."""
