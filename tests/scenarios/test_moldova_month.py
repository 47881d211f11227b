"""The Moldova team's month, generated.

* Fixed months: a seeded random walk through the same rules, from the first of October until
  two days into November, so that every normal run goes through a whole month (reports due,
  hearings a week ahead, phones offline for days) whatever Hypothesis happens to draw.
* Hypothesis: a few derandomized runs of the state machine in the normal run; two hundred
  random months behind the `slow` marker (`make test-long`).
"""

from __future__ import annotations

import random
from datetime import time, timedelta

import pytest
from hypothesis import HealthCheck, settings

from tests.scenarios.moldova import COORDINATORS, END, MoldovaMonth

# Seeded walks read every table and file, and another team's pages, every few steps (and at
# the end); the deadlines, reminders and counts are checked after every step.
LEAK_CHECK_EVERY = 4
QUICK = settings(
    max_examples=2,
    stateful_step_count=25,
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


class TestMonth(MoldovaMonth.TestCase):
    settings = QUICK


@pytest.mark.slow
class TestManyMonths(MoldovaMonth.TestCase):
    settings = LONG


def minutes(*values: int) -> list[timedelta]:
    return [timedelta(minutes=value) for value in values]


HEARINGS = [None, *[timedelta(hours=h) for h in (3, 5, 8, 20, 26, 50, 24 * 6)]]


def next_step(rng: random.Random, machine: MoldovaMonth) -> tuple[str, dict] | None:
    """One step of a working day, drawn like the state machine's rules (None: not possible)."""
    who = rng.choice(sorted(COORDINATORS))
    i = rng.randrange(10_000)
    later = rng.choice(minutes(0, 15, 45, 120, 300))
    name = rng.choice(
        ["accompaniment"] * 3
        + ["attend_hearing"] * 2
        + ["hearing_changes", "referral", "referral_news", "other_work", "intake", "phone"]
        + ["supervisor_decides"] * 2
        + ["correct", "monthly_report"]
        + ["time_passes"] * 2
        + ["until"]
    )
    if name in ("attend_hearing", "hearing_changes") and not machine.world.hearings():
        return None
    if name == "supervisor_decides" and not machine.waiting():
        return None
    if name == "monthly_report" and 4 <= machine.world.local(machine.world.now).day <= 24:
        return None
    return name, {
        "accompaniment": lambda: {
            "author": who,
            "i": i,
            "institution": rng.choice(["police", "prosecutor", "court"]),
            "hearing": rng.choice(HEARINGS),
            "later": later,
        },
        "attend_hearing": lambda: {
            "i": i,
            "before": rng.choice(minutes(30, 100, 150, 170, 250)),
            "then": rng.choice(HEARINGS),
            "names": rng.choice(["first", "latest", "none"]),
        },
        "hearing_changes": lambda: {
            "i": i,
            "moved": rng.choice(HEARINGS),
            "names": rng.choice(["first", "latest"]),
            "later": later,
        },
        "referral": lambda: {
            "author": who,
            "i": i,
            "service": rng.choice(["legal", "medical", "housing"]),
            "days": rng.choice([None, 0, 1, 3, 8]),
            "later": later,
        },
        "referral_news": lambda: {"i": i, "status": rng.choice(["accepted", "received"])},
        "other_work": lambda: {
            "author": who,
            "i": i,
            "kind": rng.choice(["visit", "training", "supervision", "systemic_problem"]),
            "later": later,
        },
        "intake": lambda: {"author": who, "later": later},
        # Offline more often than not: a phone stays without signal for days.
        "phone": lambda: {"author": who, "online": rng.random() < 0.4},
        "supervisor_decides": lambda: {"i": i, "approve": rng.random() < 0.75, "later": later},
        "correct": lambda: {"i": i, "move": rng.choice(HEARINGS)},
        "monthly_report": lambda: {"author": who, "approve": rng.random() < 0.7},
        "time_passes": lambda: {"by": rng.choice(minutes(300, 960, 1440, 2880))},
        "until": lambda: {"clock": rng.choice([time(7, 59), time(8, 0), time(16), time(18)])},
    }[name]()


@pytest.mark.parametrize("seed", [2025, pytest.param(1011, marks=pytest.mark.slow)])
def test_a_whole_month(seed: int) -> None:
    rng = random.Random(seed)
    machine = MoldovaMonth()
    steps = 0
    try:
        machine.caseload()
        machine.check_all()
        while machine.world.now < END:
            step = next_step(rng, machine)
            if step is None:
                continue
            getattr(machine, step[0])(**step[1])
            steps += 1
            machine.check_all(leaks=steps % LEAK_CHECK_EVERY == 0)
        for author in COORDINATORS:  # the last phones come back
            machine.phone(author, True)
        machine.check_all()
    finally:
        machine.teardown()
