"""Test-suite set-up: our hypothesis profile (see ``_profiles``)."""

from __future__ import annotations

from _profiles import load_profile

load_profile()
