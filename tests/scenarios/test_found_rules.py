"""Sequences the scenario suite found, replayed as plain tests through the same machine: each
one broke a rule the team states, and stays here so that it cannot come back."""

from __future__ import annotations

from datetime import time, timedelta

from tests.scenarios.moldova import MoldovaMonth


def replay(*steps):
    machine = MoldovaMonth()
    try:
        machine.check_all()
        for name, arguments in steps:
            getattr(machine, name)(**arguments)
            machine.check_all()
    finally:
        machine.teardown()


def test_a_police_accompaniment_in_the_morning_does_not_close_a_court_hearing_set_later():
    """Ion goes with the person to the police in the morning; at the prosecutor's, a court
    hearing is set for five hours later. The morning accompaniment is not the hearing's
    record: the two-hour reminder must still go out. (main's twelve-hour window closed it.)"""
    replay(
        ("intake", {"author": "ion"}),
        ("until", {"clock": time(8, 0)}),
        ("accompaniment", {"author": "ion", "i": 0, "institution": "police", "hearing": None}),
        ("time_passes", {"by": timedelta(minutes=90)}),
        (
            "accompaniment",
            {"author": "ion", "i": 0, "institution": "prosecutor", "hearing": timedelta(hours=5)},
        ),
        ("time_passes", {"by": timedelta(minutes=180)}),
        ("time_passes", {"by": timedelta(minutes=90)}),
    )
