"""The machinery every scenario shares (see tests/scenarios/moldova.py and pristina.py): the
team's people with a browser session each and a registered phone for those who do field work,
push subscriptions on a local push service, entries saved with a unique marker in their free
text, the scheduler run at the simulated time against the oracle, and the invariants checked
after every step."""

from __future__ import annotations

import itertools
import logging
import os
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis.stateful import RuleBasedStateMachine, invariant
from litestar.testing import TestClient

from server.app import create_app
from server.deadlines.scheduler import run_scheduler_once
from server.notifications.tables import Notification
from server.settings import get_settings
from tests.scenarios.fieldwork import Fieldwork
from tests.scenarios.invariants import (
    DATED_KINDS,
    LogCapture,
    assert_counting,
    assert_deadlines,
    assert_no_plaintext,
    markers_in,
)
from tests.scenarios.oracle import CaseRecord, Version, World, period_of
from tests.support.accounts import make_user
from tests.support.database import truncate_all
from tests.support.entries import plaintext
from tests.support.push_service import BrowserKeys, PushService
from tests.support.run import run

DATA_DIR = Path(os.environ["ALONGSIDE_DATA_DIR"])


def new_marker() -> str:
    return "MK" + uuid.uuid4().hex[:12]


class TeamScenario(RuleBasedStateMachine):
    """What every scenario shares: the people, their phones and push subscriptions, the
    scheduler's ticks against the oracle, saving entries with markers, and the invariants.
    A scenario says who its team is (`people`, `supervisor`, `outsider`), where and when."""

    zone: ZoneInfo
    team: str
    country: str
    people: dict[str, tuple[str, str]]  # name → (role, region) of those who do field work
    supervisor: tuple[str, tuple[str, ...]]
    outsider: tuple[str, str, str, tuple[str, ...]]  # name, team, country, regions
    start: datetime
    end: datetime

    def __init__(self) -> None:
        super().__init__()
        run(truncate_all())
        # Ids in the order they are made: lists of cases and entries are ordered by id, and a
        # rule picks "the i-th" of them, so random ids would make one run's choices differ
        # from its replay (Hypothesis refuses that as flaky). The salt keeps runs apart.
        self._id_salt = uuid.uuid4().int >> 64
        self._id_count = itertools.count(1)
        self.push_service = PushService().__enter__()
        self._allowlist = os.environ.get("ALONGSIDE_PUSH_ENDPOINT_ALLOWLIST")
        os.environ["ALONGSIDE_PUSH_ENDPOINT_ALLOWLIST"] = f"{self.push_service.origin}/push/"
        get_settings.cache_clear()
        self.logs = LogCapture()
        logging_root().addHandler(self.logs)
        self.client = TestClient(app=create_app(), base_url="http://127.0.0.1:8000").__enter__()
        self.work = Fieldwork(self.client)
        ids = {
            name: make_user(name, role, self.team, self.country, (region,))
            for name, (role, region) in self.people.items()
        }
        supervisor, regions = self.supervisor
        ids[supervisor] = make_user(supervisor, "supervisor", self.team, self.country, regions)
        outsider, team, country, regions = self.outsider
        ids[outsider] = make_user(outsider, "supervisor", team, country, regions)
        self.team_id = run(team_of(ids[supervisor]))
        self.world = self.make_world(ids)
        self.keys: dict[str, BrowserKeys] = {}
        for name in ids:
            self.work.join(name, ids[name], name in self.people)
            self.keys[name] = BrowserKeys()
            subscription = self.keys[name].subscription(self.push_service.url(f"/push/{name}"))
            response = self.work.client.post(
                "/api/v1/push/subscriptions",
                json=subscription,
                headers={"X-CSRFToken": self.work.people[name].csrf},
            )
            assert response.status_code == 201, response.text
        self.markers: set[str] = set()
        self.outsider_baseline = self.work.indicators_csv(outsider, self.start, self.end)
        self.last_entry: str | None = None
        self.outsider_looked_at = -1  # how many versions the server had at the last full look
        self.tick()

    # --- Plumbing ---------------------------------------------------------------------------

    def teardown(self) -> None:
        self.log_progress()
        try:
            self.client.__exit__(None, None, None)
        finally:
            logging_root().removeHandler(self.logs)
            self.push_service.__exit__(None, None, None)
            if self._allowlist is None:
                os.environ.pop("ALONGSIDE_PUSH_ENDPOINT_ALLOWLIST", None)
            else:
                os.environ["ALONGSIDE_PUSH_ENDPOINT_ALLOWLIST"] = self._allowlist
            get_settings.cache_clear()

    def log_progress(self) -> None:
        """One line per generated run in the file named by ALONGSIDE_SCENARIO_LOG (the long
        runs' figures: how far the clock went, how much was logged and reminded)."""
        path = os.environ.get("ALONGSIDE_SCENARIO_LOG")
        if not path:
            return
        kinds: dict[str, int] = {}
        for key in self.world.sent:
            kinds[key.split(":", 1)[0]] = kinds.get(key.split(":", 1)[0], 0) + 1
        with open(path, "a", encoding="utf-8") as log:
            log.write(
                f"{type(self).__name__} until={self.world.now.isoformat()} "
                f"entries={len(self.world.versions)} synced="
                f"{sum(v.synced for v in self.world.versions.values())} "
                f"counted={len(self.world.counted())} reminders={kinds}\n"
            )

    def pushes(self) -> list[dict]:
        messages = []
        for received in self.push_service.received:
            name = received.path.rsplit("/", 1)[-1]
            messages.append(self.keys[name].decrypt(received.body))
        return messages

    def tick(self) -> None:
        """One scheduler run at the simulated time: exactly the reminders the oracle expects."""
        expected = self.world.reminders_due(self.world.dated_deadlines())
        summary = run(run_scheduler_once(self.world.now.astimezone(UTC)))
        assert summary.elected
        sent = {key for key in summary.reminders if key.split(":", 1)[0] in DATED_KINDS}
        assert sent == expected, {"missing": expected - sent, "unexpected": sent - expected}
        self.world.sent |= sent
        # The supervisor's entries-waiting line is not a reminder; keep the inbox small.
        run(Notification.delete().where(Notification.kind == "entries_waiting"))

    def make_world(self, ids: dict[str, int]) -> World:
        """The scenario's own world model (MoldovaMonth, PristinaShelter each give theirs);
        the base class alone is no team and is never run."""
        raise TypeError(f"{type(self).__name__} does not say what its world is")

    def pause(self, later: timedelta) -> None:
        self.advance_to(min(self.world.now + later, self.end))

    def advance_to(self, moment: datetime) -> None:
        if moment > self.world.now:
            self.world.now = moment
            self.tick()

    def save(self, author: str, entry: dict, revises: Version | None = None) -> Version:
        """The coordinator's phone saves an entry carrying a fresh marker in its free text."""
        marker = new_marker()
        entry["fields"]["notes"] = f"{entry['fields'].get('notes') or ''} {marker}".strip()
        entry_id = self.new_id()
        version = Version(
            id=entry_id,
            root=revises.root if revises else entry_id,
            type=entry["type"],
            author=author,
            case=entry["case"],
            occurred_at=datetime.fromisoformat(entry["occurred_at"]),
            fields=entry["fields"],
            marker=marker,
        )
        if entry["type"] == "case_intake":
            self.world.cases[entry["case"]] = CaseRecord(
                entry["case"], author, entry["fields"]["region"]
            )
        self.world.add(version)
        self.markers.add(marker)
        self.stored(self.work.save(author, entry, entry_id))
        self.last_entry = entry_id
        return version

    def stored(self, results: list[dict]) -> None:
        for result in results:
            assert result["status"] == "stored", result
            version = self.world.versions[result["id"]]
            version.synced = True
            if version.type == "case_intake":
                self.world.cases[version.case].code = result["case_code"]

    def new_id(self) -> str:
        """A UUID v4 whose order is the order of making (see `__init__`)."""
        return str(uuid.UUID(int=(self._id_salt << 64) | next(self._id_count), version=4))

    def entry(self, type: str, case: str | None, **fields) -> dict:
        at = self.world.now - timedelta(minutes=10)
        if type == "case_intake" and case is None:
            case = self.new_id()  # the phone makes the new case's id
        return plaintext(type, case, occurred_at=at.isoformat(), **fields)

    def cases_of(self, author: str, i: int) -> str | None:
        mine = sorted(c.id for c in self.world.cases.values() if c.owner == author)
        return mine[i % len(mine)] if mine else None

    def has_case(self, author: str) -> bool:
        return any(c.owner == author for c in self.world.cases.values())

    def waiting(self) -> list[Version]:
        """Latest versions the server has that wait for a decision."""
        found = []
        for root in self.world.chains:
            latest = self.world.latest(root)
            chain = self.world.chain(root, synced_only=False)
            if latest is not None and latest.status == "submitted" and chain[-1] is latest:
                found.append(latest)
        return sorted(found, key=lambda v: v.id)

    def decided(self, statuses: tuple[str, ...]) -> list[Version]:
        """Latest versions (synced, nothing newer on the phone) in one of these states."""
        found = []
        for root in self.world.chains:
            chain = self.world.chain(root, synced_only=False)
            if chain[-1].synced and chain[-1].status in statuses:
                found.append(chain[-1])
        return sorted(found, key=lambda v: v.id)

    # --- Invariants -------------------------------------------------------------------------

    def check_all(self, leaks: bool = True) -> None:
        """Every invariant, for sequences driven without Hypothesis (replays, seeded walks).
        `leaks=False` leaves out the two costly ones (every table and file read, another
        team's pages), which a long walk checks every few steps and at its end."""
        self.deadlines_are_the_oracles()
        self.approved_work_counts_once()
        if leaks:
            self.typed_text_stays_sealed()
            self.another_team_sees_nothing()

    @invariant()
    def deadlines_are_the_oracles(self) -> None:
        assert_deadlines(self.world)

    @invariant()
    def approved_work_counts_once(self) -> None:
        assert_counting(self.world, self.zone.key, self.team_id, self.start.date(), self.end.date())

    @invariant()
    def typed_text_stays_sealed(self) -> None:
        assert_no_plaintext(self.markers, DATA_DIR, self.logs, self.pushes())

    @invariant()
    def another_team_sees_nothing(self) -> None:
        if self.last_entry is None:
            return
        version = self.world.versions[self.last_entry]
        if version.synced:
            assert self.work.get(self.outsider[0], f"/entries/{version.id}").status_code == 404
            code = self.world.cases[version.case].code if version.case else ""
            if code:
                assert self.work.get(self.outsider[0], f"/cases/{code}").status_code == 404
        synced = sum(v.synced for v in self.world.versions.values())
        if synced == self.outsider_looked_at:
            return
        self.outsider_looked_at = synced
        for path in ("/approvals", "/cases?status=all"):
            page = self.work.get(self.outsider[0], path)
            assert page.status_code == 200
            assert not markers_in(page.text, self.markers)
            for case in self.world.cases.values():
                assert not case.code or case.code not in page.text
        for name in self.people:
            report = f"/reports/monthly/{name}/{period_of(self.start.date())}"
            assert self.work.get(self.outsider[0], report).status_code == 404
        assert (
            self.work.indicators_csv(self.outsider[0], self.start, self.end)
            == self.outsider_baseline
        )


def logging_root():

    return logging.getLogger()


async def team_of(user_id: int) -> int:
    from server.accounts.tables import User

    return (await User.select(User.team).where(User.id == user_id).first())["team"]
