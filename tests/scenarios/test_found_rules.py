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
            if callable(arguments):  # arguments that depend on what the machine holds
                arguments = arguments(machine)
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


def waiting_index(machine: MoldovaMonth, entry_type: str) -> int:
    waiting = machine.waiting()
    return next(i for i, version in enumerate(waiting) if version.type == entry_type)


def test_a_returned_accompaniment_keeps_its_hearing_reminded():
    """The supervisor returns the accompaniment that set tomorrow's hearing (a detail to
    correct): the hearing still takes place, and the evening reminder must still go out.
    (main dropped every deadline of a returned version.)"""
    replay(
        ("intake", {"author": "ion"}),
        (
            "accompaniment",
            {"author": "ion", "i": 0, "institution": "court", "hearing": timedelta(hours=30)},
        ),
        (
            "supervisor_decides",
            lambda machine: {"i": waiting_index(machine, "accompaniment"), "approve": False},
        ),
        ("until", {"clock": time(18, 0)}),
    )


def test_another_referral_of_the_case_does_not_close_a_follow_up():
    """A legal referral is to be followed up tomorrow; early tomorrow a medical referral of
    the same person is logged. The legal referral's outcome is still unknown: its follow-up
    reminder must go out at 08:00. (main closed it by any referral of the case logged on or
    after the follow-up day.)"""
    replay(
        ("intake", {"author": "ion"}),
        ("referral", {"author": "ion", "i": 0, "service": "legal", "days": 1}),
        ("until", {"clock": time(7, 30)}),
        ("referral", {"author": "ion", "i": 0, "service": "medical", "days": None}),
        ("until", {"clock": time(8, 0)}),
    )
