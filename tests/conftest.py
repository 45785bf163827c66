"""Hypothesis profiles: a quick default, ``thorough`` via MICROTORCH_HYPOTHESIS=thorough,
and ``ci`` (derandomized) selected automatically when CI is set."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_common = dict(
    deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
)
settings.register_profile("quick", max_examples=15, **_common)
settings.register_profile("ci", max_examples=15, derandomize=True, print_blob=True, **_common)
settings.register_profile("thorough", max_examples=300, **_common)

_default = "ci" if os.environ.get("CI") else "quick"
settings.load_profile(os.environ.get("MICROTORCH_HYPOTHESIS", _default))
