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


def our_profile_name() -> str:
    """The profile this run should use."""
    return os.environ.get("MICROTORCH_HYPOTHESIS", "ci" if os.environ.get("CI") else "quick")


def load_profile() -> None:
    """Load our profile (again: importing torch's test internals loads torch's own)."""
    settings.load_profile(our_profile_name())
