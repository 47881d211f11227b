"""Ninety days of the State Shelter in Pristina as a Hypothesis state machine.

Three shelter staff and their supervisor: residents arrive (an intake) and leave (a trigger,
then the case is closed), are assessed and reassessed with the current instrument (the level
from the answers, sometimes overridden with a written reason), triggers call for a
reassessment at once, and each assessment may carry a safety plan whose actions are due on a
day. The supervisor approves and returns; staff correct. The clock moves across the ninety days
and the scheduler runs; reassessments and safety-plan actions are reminded at 08:00 on their
day in Europe/Belgrade, once, and never after a new assessment closed them.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import strategies as st
from hypothesis.stateful import initialize, precondition, rule

from tests.scenarios.machine import TeamScenario
from tests.scenarios.oracle import Version, World, load_instrument
from tests.support.entries import VALID_FIELDS, plaintext

BELGRADE = ZoneInfo("Europe/Belgrade")
TEAM = "State Shelter Pristina"
STAFF = {"besa": "Prishtinë", "drita": "Prishtinë", "jeta": "Prishtinë"}
SUPERVISOR = "arta"
OUTSIDER = "tatiana"  # a supervisor of the Moldova team
START = datetime.combine(date(2025, 9, 1), time(7, 30), BELGRADE)
END = START + timedelta(days=90)
INSTRUMENT = Path(__file__).resolve().parents[2] / "server" / "risk" / "instruments" / "v1.json"
ITEMS = tuple(VALID_FIELDS["risk_assessment"]["answers"])

who = st.sampled_from(sorted(STAFF))
pick = st.integers(min_value=0, max_value=10_000)
meanwhile = st.sampled_from([timedelta(minutes=m) for m in (0, 30, 120, 360)])
# How worried the staff member is, item by item: nothing, something, or serious concern.
answers = st.lists(
    st.sampled_from(["no", "no", "past", "some", "serious"]),
    min_size=len(ITEMS),
    max_size=len(ITEMS),
)


class PristinaShelter(TeamScenario):
    zone = BELGRADE
    team = TEAM
    country = "XK"
    people = {name: ("shelter", region) for name, region in STAFF.items()}
    supervisor = (SUPERVISOR, ("Prishtinë",))
    outsider = (OUTSIDER, "VPC Moldova", "MD", ("North",))
    start = START
    end = END

    def make_world(self, ids: dict[str, int]) -> World:
        return World(
            zone=BELGRADE,
            now=START,
            user_ids=ids,
            coordinators=(),
            shelter_staff=tuple(sorted(STAFF)),
            instrument=load_instrument(INSTRUMENT),
        )

    def residents(self) -> list[str]:
        return sorted(
            case.id
            for case in self.world.cases.values()
            if case.id not in self.world.closed and case.code
        )

    def resident(self, i: int) -> str:
        residents = self.residents()
        return residents[i % len(residents)]

    @initialize()
    def residents_at_the_start(self) -> None:
        for name in sorted(STAFF):
            self.arrival(name)

    @precondition(lambda self: len(self.residents()) < 8)
    @rule(author=who, later=meanwhile)
    def arrival(self, author: str, later: timedelta = timedelta(0)) -> None:
        self.pause(later)
        self.save(author, self.entry("case_intake", None, region=STAFF[author]))

    @precondition(lambda self: bool(self.residents()))
    @rule(
        author=who,
        i=pick,
        given=answers,
        override=st.one_of(st.none(), st.sampled_from(["medium", "high", "critical"])),
        plan=st.lists(st.integers(0, 20), max_size=3),
        later=meanwhile,
    )
    def assessment(
        self,
        author: str,
        i: int,
        given: list[str],
        override: str | None,
        plan: list[int],
        later: timedelta = timedelta(0),
    ) -> None:
        """An assessment or reassessment; an override always comes with its reason; the
        safety plan's actions are due some days ahead."""
        self.pause(later)
        case = self.resident(i)
        legal = {"no": "none", "past": "ongoing", "some": "hearing", "serious": "pressure"}
        values = {
            item: legal[answer] if item == "legal.proceedings" else answer
            for item, answer in zip(ITEMS, given, strict=True)
        }
        today = self.world.local(self.world.now)
        extra = {}
        if override:
            extra = {"override_level": override, "override_reason": "Seen by the psychologist."}
        actions = [
            {
                "action": "Accompany her to the clinic",
                "owner": author,
                "due_on": (today + timedelta(days=days)).isoformat(),
            }
            for days in plan
        ]
        if actions:
            extra["safety_plan"] = actions
        self.save(author, self.entry("risk_assessment", case, answers=values, **extra))

    @precondition(lambda self: bool(self.residents()))
    @rule(
        author=who,
        i=pick,
        kind=st.sampled_from(["incident", "trafficker_contact", "health_crisis"]),
        later=meanwhile,
    )
    def trigger(self, author: str, i: int, kind: str, later: timedelta = timedelta(0)) -> None:
        """Something happened that calls for a reassessment at once."""
        self.pause(later)
        self.save(author, self.entry("risk_trigger", self.resident(i), trigger=kind))

    @precondition(lambda self: len(self.residents()) > 1)
    @rule(i=pick)
    def leaves(self, i: int) -> None:
        """A resident leaves the shelter: the trigger is logged and the case is closed by the
        staff member it is assigned to; nothing of it is reminded any more."""
        case = self.world.cases[self.resident(i)]
        self.save(case.owner, self.entry("risk_trigger", case.id, trigger="left_shelter"))
        response = self.work.post(case.owner, f"/cases/{case.code}/close", {"reason": "moved"})
        assert response.status_code == 303, (response.status_code, response.text[:300])
        self.world.closed.add(case.id)

    @precondition(lambda self: bool(self.waiting()))
    @rule(i=pick, approve=st.booleans(), later=meanwhile)
    def supervisor_decides(self, i: int, approve: bool, later: timedelta = timedelta(0)) -> None:
        self.pause(later)
        waiting = self.waiting()
        version = waiting[i % len(waiting)]
        page = self.work.get(SUPERVISOR, f"/entries/{version.id}")
        # The authorised page shows what was typed: the marker is real text, not a decoy.
        assert page.status_code == 200 and version.marker in page.text
        decision = "approved" if approve else "returned"
        self.work.decide(SUPERVISOR, version.id, decision, "" if approve else "Which incident?")
        version.status = decision

    @precondition(lambda self: bool(self.decided(("returned",))))
    @rule(i=pick)
    def correct(self, i: int) -> None:
        """A returned entry is corrected (same facts, the note rewritten)."""
        candidates = [
            v
            for v in self.decided(("returned",))
            if v.type != "case_intake" and v.case not in self.world.closed
        ]
        if not candidates:
            return
        prior: Version = candidates[i % len(candidates)]
        entry = plaintext(
            prior.type,
            prior.case,
            occurred_at=prior.occurred_at.isoformat(),
            revises=prior.id,
            **{**prior.fields, "notes": ""},
        )
        self.save(prior.author, entry, revises=prior)

    @precondition(lambda self: self.world.now < END)
    @rule(
        by=st.sampled_from([timedelta(hours=h) for h in (3, 10, 24, 47, 72, 24 * 6)]),
        clock=st.sampled_from([None, time(7, 59), time(8, 0), time(8, 1)]),
    )
    def time_passes(self, by: timedelta, clock: time | None) -> None:
        moment = self.world.now + by
        if clock is not None:
            moment = datetime.combine(self.world.local(moment), clock, BELGRADE)
        self.advance_to(min(moment, END))
