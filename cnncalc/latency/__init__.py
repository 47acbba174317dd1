"""Latency without the device: `calibrate` measures single ops on a device into a profile; `predict` walks a
model's trace and asks the profile for each op (see docs/prediction.md)."""
