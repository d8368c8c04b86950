"""Hypothesis settings shared by the property tests (and conftest's profile).

Property tests judge behaviour, never speed: examples have no deadline, and
slow data generation on a loaded machine is no failure.
"""

from __future__ import annotations

from hypothesis import HealthCheck

__all__ = ["SLOW_IS_FINE"]

#: Health checks about time, suppressed in every property test.
SLOW_IS_FINE = [HealthCheck.too_slow]
