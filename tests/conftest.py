"""Hypothesis profiles: CI runs a fixed, derandomised set of examples (a green run stays green); local
runs draw new examples each time, so they keep exploring."""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("dev", print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "dev"))
