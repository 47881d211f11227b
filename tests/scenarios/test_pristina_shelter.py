"""Ninety days of the Pristina shelter, generated: a seeded walk through all ninety days and a
few derandomized state-machine runs in the normal run, two hundred random ones in the long run
(`make test-long`)."""

from __future__ import annotations

import random
from datetime import time, timedelta

import pytest
from hypothesis import HealthCheck, settings

from tests.scenarios.pristina import END, ITEMS, STAFF, PristinaShelter

# Seeded walks read every table and file, and another team's pages, every few steps (and at
# the end); the deadlines, reminders and counts are checked after every step.
LEAK_CHECK_EVERY = 4
QUICK = settings(
    max_examples=2,
    stateful_step_count=20,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
LONG = settings(
    max_examples=200,
    stateful_step_count=40,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


class TestNinetyDays(PristinaShelter.TestCase):
    settings = QUICK


@pytest.mark.slow
class TestManyQuarters(PristinaShelter.TestCase):
    settings = LONG


def next_step(rng: random.Random, machine: PristinaShelter) -> tuple[str, dict] | None:
    """One step of a shelter day, drawn like the state machine's rules (None: not possible)."""
    who = rng.choice(sorted(STAFF))
    i = rng.randrange(10_000)
    later = timedelta(minutes=rng.choice([0, 30, 120, 360]))
    name = rng.choice(
        ["assessment"] * 3
        + ["trigger", "arrival", "leaves", "correct"]
        + ["supervisor_decides"] * 2
        + ["time_passes"] * 4
    )
    if name == "supervisor_decides" and not machine.waiting():
        return None
    if name == "leaves" and len(machine.residents()) < 2:
        return None
    if name == "arrival" and len(machine.residents()) >= 8:
        return None
    worry = ["no", "no", "past", "some", "serious"]
    return name, {
        "assessment": lambda: {
            "author": who,
            "i": i,
            "given": [rng.choice(worry) for _item in ITEMS],
            "override": rng.choice([None, None, "medium", "high", "critical"]),
            "plan": [rng.randrange(0, 15) for _action in range(rng.randrange(3))],
            "later": later,
        },
        "trigger": lambda: {
            "author": who,
            "i": i,
            "kind": rng.choice(["incident", "trafficker_contact", "health_crisis"]),
            "later": later,
        },
        "arrival": lambda: {"author": who, "later": later},
        "leaves": lambda: {"i": i},
        "correct": lambda: {"i": i},
        "supervisor_decides": lambda: {"i": i, "approve": rng.random() < 0.8, "later": later},
        "time_passes": lambda: {
            "by": timedelta(hours=rng.choice([10, 24, 47, 72, 120])),
            "clock": rng.choice([None, time(7, 59), time(8, 0), time(8, 1)]),
        },
    }[name]()


@pytest.mark.parametrize("seed", [90])
def test_ninety_days(seed: int) -> None:
    rng = random.Random(seed)
    machine = PristinaShelter()
    steps = 0
    try:
        machine.residents_at_the_start()
        machine.check_all()
        while machine.world.now < END:
            step = next_step(rng, machine)
            if step is None:
                continue
            getattr(machine, step[0])(**step[1])
            steps += 1
            machine.check_all(leaks=steps % LEAK_CHECK_EVERY == 0)
        machine.check_all()
        kinds = sorted({key.split(":")[0] for key in machine.world.sent})
        assert kinds == ["reassessment", "safety_plan"], kinds  # the walk reached both
    finally:
        machine.teardown()
