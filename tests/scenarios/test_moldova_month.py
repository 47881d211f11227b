"""The Moldova team's month, generated: a few fixed months in the normal run, two hundred
random ones in the long run (`make test-long`)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

from tests.scenarios.moldova import MoldovaMonth

QUICK = settings(
    max_examples=3,
    stateful_step_count=50,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
LONG = settings(
    max_examples=200,
    stateful_step_count=60,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


class TestMonth(MoldovaMonth.TestCase):
    settings = QUICK


@pytest.mark.slow
class TestManyMonths(MoldovaMonth.TestCase):
    settings = LONG
