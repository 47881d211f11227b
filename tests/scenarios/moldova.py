"""A month of the Moldova team as a Hypothesis state machine.

Four coordinators (North and Centre rayons) and their supervisor log intakes, visits,
accompaniments with hearings, referrals and their follow-ups, trainings, supervision sessions
and systemic problems from their phones; phones go offline for days and sync their backlog;
the supervisor approves and returns; coordinators correct; the clock moves and the scheduler
runs; monthly reports are submitted and decided. Everything goes through the real HTTP API
(`create_app()` in a TestClient) and the real scheduler with the simulated time.

The oracle (tests/scenarios/oracle.py) says what must be true; the invariants compare it with
the server after every step. Rules take plain arguments (who, which one by index, how long) so
that a failing sequence can be replayed as an ordinary test.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import strategies as st
from hypothesis.stateful import initialize, precondition, rule

from server.deadlines.services import MOLDOVA_REPORT_SCHEDULE, seed_moldova_schedule
from tests.scenarios.invariants import markers_in
from tests.scenarios.machine import TeamScenario, new_marker
from tests.scenarios.oracle import World, period_of
from tests.support.entries import plaintext
from tests.support.run import run

CHISINAU = ZoneInfo("Europe/Chisinau")
TEAM = "VPC Moldova"
COORDINATORS = {"ion": "North", "maria": "North", "elena": "Centre", "andrei": "Centre"}
# Phones still on the older capture form: their accompaniments carry no `hearing` key, and
# the server reads them by the legacy rule of time. The others name the hearing (or null).
OLDER_PHONES = {"ion", "elena"}
SUPERVISOR = "tatiana"
# Another team's supervisor: must never see anything of this team.
OUTSIDER = "victor"
START = datetime.combine(date(2025, 10, 1), time(7, 30), CHISINAU)
END = datetime.combine(date(2025, 11, 2), time(9, 0), CHISINAU)

who = st.sampled_from(sorted(COORDINATORS))
pick = st.integers(min_value=0, max_value=10_000)
# How far ahead a hearing is set when an accompaniment sets one.
hearing_in = st.sampled_from(
    [timedelta(hours=h) for h in (3, 5, 8, 20, 26, 30, 50, 75, 24 * 6, 24 * 12)]
)
# Every piece of work happens a while after the one before (the scheduler runs meanwhile).
meanwhile = st.sampled_from([timedelta(minutes=m) for m in (0, 15, 45, 120, 300)])
step = st.sampled_from(
    [timedelta(minutes=m) for m in (20, 50, 90, 180, 300, 600, 960, 1440, 2 * 1440, 3 * 1440)]
)


class MoldovaMonth(TeamScenario):
    zone = CHISINAU
    team = TEAM
    country = "MD"
    people = {name: ("coordinator", region) for name, region in COORDINATORS.items()}
    supervisor = (SUPERVISOR, ("North", "Centre"))
    outsider = (OUTSIDER, "VPC South", "MD", ("South",))
    start = START
    end = END

    def make_world(self, ids: dict[str, int]) -> World:
        run(seed_moldova_schedule(TEAM))
        self.problem_markers: dict[str, str] = {}  # systemic problem root → marker
        return World(
            zone=CHISINAU,
            now=START,
            user_ids=ids,
            coordinators=tuple(sorted(COORDINATORS)),
            report_schedule=dict(MOLDOVA_REPORT_SCHEDULE),
        )

    # --- What people do ---------------------------------------------------------------------

    @initialize()
    def caseload(self) -> None:
        """The month begins with two open cases per coordinator."""
        for author in sorted(COORDINATORS):
            for _case in range(2):
                self.intake(author)

    @precondition(lambda self: len(self.world.cases) < 12)
    @rule(author=who, later=meanwhile)
    def intake(self, author: str, later: timedelta = timedelta(0)) -> None:
        self.pause(later)
        region = COORDINATORS[author]
        self.save(author, self.entry("case_intake", None, region=region))

    @precondition(lambda self: any(self.has_case(a) for a in COORDINATORS))
    @rule(
        author=who,
        i=pick,
        kind=st.sampled_from(["visit", "training", "supervision", "systemic_problem"]),
        later=meanwhile,
    )
    def other_work(self, author: str, i: int, kind: str, later: timedelta = timedelta(0)) -> None:
        """A visit, a training, a supervision session or a systemic problem."""
        self.pause(later)
        region = COORDINATORS[author]
        if kind == "visit":
            case = self.cases_of(author, i)
            if case:
                self.save(author, self.entry("visit", case, place="home"))
            return
        extra = {"region": region} if kind != "systemic_problem" else {}
        entry = self.entry(kind, None, **extra)
        if kind == "systemic_problem":
            marker = new_marker()
            entry["fields"]["description"] = f"Interpreters are missing at hearings {marker}"
            self.markers.add(marker)
            version = self.save(author, entry)
            self.problem_markers[version.root] = marker
        else:
            self.save(author, entry)

    @precondition(lambda self: any(self.has_case(a) for a in COORDINATORS))
    @rule(
        author=who,
        i=pick,
        institution=st.sampled_from(["police", "prosecutor", "court"]),
        hearing=st.one_of(st.none(), hearing_in),
        later=meanwhile,
    )
    def accompaniment(
        self,
        author: str,
        i: int,
        institution: str,
        hearing: timedelta | None,
        later: timedelta = timedelta(0),
    ) -> None:
        self.pause(later)
        case = self.cases_of(author, i)
        if not case:
            return
        next_hearing = (self.world.now + hearing).isoformat() if hearing else None
        extra = {} if author in OLDER_PHONES else {"hearing": None}
        self.save(
            author,
            self.entry(
                "accompaniment",
                case,
                institution=institution,
                hearing_type="trial" if institution == "court" else "statement",
                next_hearing_at=next_hearing,
                **extra,
            ),
        )

    def open_hearing(self, i: int):
        hearings = sorted(self.world.hearings(), key=lambda h: h.key)
        hearing = hearings[i % len(hearings)]
        root = hearing.key.split(":")[1]
        return hearing, root, self.world.versions[root].case

    def naming(self, author: str, root: str, names: str) -> dict:
        """The `hearing` field a phone sends: none at all from an older phone; from a newer
        one the scheduling entry's first or latest version, or null (no scheduled hearing)."""
        if author in OLDER_PHONES:
            return {}
        if names == "none":
            return {"hearing": None}
        chain = self.world.chain(root, synced_only=False)
        return {"hearing": chain[0].id if names == "first" else chain[-1].id}

    @precondition(lambda self: bool(self.world.hearings()))
    @rule(
        i=pick,
        before=st.sampled_from([timedelta(minutes=m) for m in (30, 100, 150, 170, 250)]),
        then=st.one_of(st.none(), hearing_in),
        names=st.sampled_from(["first", "latest", "none"]),
    )
    def attend_hearing(
        self, i: int, before: timedelta, then: timedelta | None, names: str = "first"
    ) -> None:
        """The coordinator goes to the hearing: the clock comes to shortly before it (the
        scheduler runs on the way) and the accompaniment is logged, maybe with the next one."""
        hearing, root, case = self.open_hearing(i)
        assert hearing.due_at is not None
        self.advance_to(hearing.due_at - before)
        next_hearing = (self.world.now + then).isoformat() if then else None
        entry = plaintext(
            "accompaniment",
            case,
            occurred_at=self.world.now.isoformat(),
            institution="court",
            hearing_type="trial",
            next_hearing_at=next_hearing,
            **self.naming(hearing.user, root, names),
        )
        self.save(hearing.user, entry)

    @precondition(lambda self: bool(self.world.hearings()))
    @rule(
        i=pick,
        moved=st.one_of(st.none(), hearing_in),
        names=st.sampled_from(["first", "latest"]),
        later=meanwhile,
    )
    def hearing_changes(
        self, i: int, moved: timedelta | None, names: str, later: timedelta = timedelta(0)
    ) -> None:
        """The court moves the hearing (a new date: a new hearing) or cancels it."""
        self.pause(later)
        hearing, root, case = self.open_hearing(i)
        chain = self.world.chain(root, synced_only=False)
        entry = self.entry(
            "hearing_update",
            case,
            hearing=chain[0].id if names == "first" else chain[-1].id,
            change="moved" if moved else "cancelled",
            next_hearing_at=(self.world.now + moved).isoformat() if moved else None,
        )
        self.save(hearing.user, entry)

    @precondition(lambda self: any(self.has_case(a) for a in COORDINATORS))
    @rule(
        author=who,
        i=pick,
        service=st.sampled_from(["legal", "medical", "psychological", "housing"]),
        days=st.one_of(st.none(), st.integers(0, 20)),
        later=meanwhile,
    )
    def referral(
        self, author: str, i: int, service: str, days: int | None, later: timedelta = timedelta(0)
    ) -> None:
        self.pause(later)
        case = self.cases_of(author, i)
        if not case:
            return
        follow_up = (
            (self.world.local(self.world.now) + timedelta(days=days)).isoformat()
            if days is not None
            else None
        )
        self.save(
            author,
            self.entry(
                "referral", case, service_type=service, status="sent", follow_up_on=follow_up
            ),
        )

    @precondition(lambda self: bool(self.decided(("submitted", "approved", "returned"))))
    @rule(i=pick, status=st.sampled_from(["accepted", "received", "declined"]))
    def referral_news(self, i: int, status: str) -> None:
        """The provider answered: a later version of the same referral with its status."""
        referrals = [
            v for v in self.decided(("submitted", "approved", "returned")) if v.type == "referral"
        ]
        if not referrals:
            return
        prior = referrals[i % len(referrals)]
        fields = {**prior.fields, "status": status, "notes": ""}
        entry = plaintext(
            "referral",
            prior.case,
            occurred_at=(self.world.now - timedelta(minutes=5)).isoformat(),
            revises=prior.id,
            **fields,
        )
        self.save(prior.author, entry, revises=prior)

    @rule(author=who, online=st.booleans())
    def phone(self, author: str, online: bool) -> None:
        """The phone loses its signal (for days, maybe), or finds it and syncs its backlog."""
        person = self.work.people[author]
        person.online = online
        if online:
            self.stored(self.work.sync_outbox(author))

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
        self.work.decide(SUPERVISOR, version.id, decision, "" if approve else "Say which hearing.")
        version.status = decision

    @precondition(lambda self: bool(self.decided(("returned", "approved"))))
    @rule(i=pick, move=st.one_of(st.none(), hearing_in))
    def correct(self, i: int, move: timedelta | None) -> None:
        """The author corrects a returned (or an approved) entry: a new version; an
        accompaniment's correction may move its hearing."""
        candidates = [v for v in self.decided(("returned", "approved")) if v.type != "case_intake"]
        if not candidates:
            return
        prior = candidates[i % len(candidates)]
        fields = {**prior.fields, "notes": ""}
        if (
            prior.type in ("accompaniment", "hearing_update")
            and move is not None
            and fields.get("next_hearing_at")
        ):
            fields["next_hearing_at"] = (self.world.now + move).isoformat()
        entry = plaintext(
            prior.type,
            prior.case,
            occurred_at=prior.occurred_at.isoformat(),
            revises=prior.id,
            **fields,
        )
        self.save(prior.author, entry, revises=prior)

    @precondition(lambda self: self.world.now < END)
    @rule(by=step)
    def time_passes(self, by: timedelta) -> None:
        self.advance_to(min(self.world.now + by, END))

    @precondition(lambda self: self.world.now < END)
    @rule(clock=st.sampled_from([time(7, 59), time(8, 0), time(16, 0), time(18, 0), time(18, 5)]))
    def until(self, clock: time) -> None:
        """The clock stops at a moment reminders care about: 08:00, 18:00, and around them."""
        day = self.world.local(self.world.now)
        moment = datetime.combine(day, clock, CHISINAU)
        if moment <= self.world.now:
            moment = datetime.combine(day + timedelta(days=1), clock, CHISINAU)
        self.advance_to(min(moment, END))

    @precondition(lambda self: not 4 <= self.world.local(self.world.now).day <= 24)
    @rule(author=who, approve=st.booleans())
    def monthly_report(self, author: str, approve: bool) -> None:
        """The coordinator submits the month just over (or, late in a month, this one); the
        supervisor decides. The Word file carries the systemic problems' text."""
        today = self.world.local(self.world.now)
        period = (
            period_of(today)
            if today.day >= 25
            else period_of(today.replace(day=1) - timedelta(days=1))
        )
        if self.world.handed_in.get((author, period)) in ("submitted", "approved"):
            return
        marker = new_marker()
        self.markers.add(marker)
        self.work.submit_report(author, period, f"The month went as planned. {marker}")
        self.world.handed_in[(author, period)] = "submitted"
        word = self.work.report_word_text(SUPERVISOR, author, period)
        assert marker in word
        for root, problem in self.problem_markers.items():
            counted = self.world.counted() & set(self.world.chains[root])
            version = self.world.versions[next(iter(counted))] if counted else None
            if (
                version
                and version.author == author
                and period_of(self.world.local(version.occurred_at)) == period
            ):
                assert problem in word, "a counted systemic problem is missing from the report"
        # The team's indicators export leaves the server: counts only, never typed text.
        export = self.work.indicators_csv(SUPERVISOR, self.start, self.end)
        assert not markers_in(export, self.markers)
        decision = "approved" if approve else "returned"
        self.work.decide_report(SUPERVISOR, author, period, decision)
        self.world.handed_in[(author, period)] = decision
