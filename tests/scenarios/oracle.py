"""The oracle of the scenario suite: what the team did, as plain Python, and what the server
must therefore say — which deadlines are open, which reminders go out at a scheduler run, which
entries count.

It is written from the rules as the team states them (DESIGN.md, the scheduler's docstring,
server/approvals/counting.py's docstring, the hearing rule of the hearing-update work), not
from the server's code: where the two disagree, the suite fails and the rule is looked at.

It only knows what the server has been told: an entry waiting in an offline phone's outbox
opens no deadline and counts nowhere until the phone syncs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

EVENING = time(18, 0)
MORNING = time(8, 0)
# An accompaniment logged by an older phone (no `hearing` link) is the record of a hearing of
# its case when it took place after the entry that set the hearing and at most this long
# before the hearing.
LEGACY_HEARING_WINDOW = timedelta(hours=3)


@dataclass
class Version:
    """One version of an entry, as the phone made it."""

    id: str
    root: str
    type: str
    author: str
    case: str | None  # the case's UUID
    occurred_at: datetime
    fields: dict
    marker: str
    status: str = "submitted"  # submitted, approved, returned (once the server has it)
    synced: bool = False


@dataclass
class CaseRecord:
    id: str
    owner: str
    region: str
    code: str = ""  # given by the server when the intake arrives


@dataclass(frozen=True)
class Expected:
    """A dated deadline as the oracle sees it: its key (the server's key format), who must
    act, and its reminders (lead name, moment) earliest first."""

    key: str
    kind: str
    user: str
    leads: tuple[tuple[str, datetime], ...]
    due_at: datetime | None = None
    due_on: date | None = None


def _utc_minute(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y%m%dT%H%M}"


def _at(day: date, clock: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, clock, zone)


def next_month_first(period: str) -> date:
    year, month = (int(part) for part in period.split("-"))
    return date(year + month // 12, month % 12 + 1, 1)


def period_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


@dataclass
class World:
    """Everything the team did. `zone` is the team's time zone (every member uses it)."""

    zone: ZoneInfo
    now: datetime
    user_ids: dict[str, int]
    coordinators: tuple[str, ...]
    shelter_staff: tuple[str, ...] = ()
    report_schedule: dict[str, date] = field(default_factory=dict)
    versions: dict[str, Version] = field(default_factory=dict)
    chains: dict[str, list[str]] = field(default_factory=dict)  # root → version ids in order
    cases: dict[str, CaseRecord] = field(default_factory=dict)
    handed_in: dict[tuple[str, str], str] = field(default_factory=dict)  # (user, period) → status
    sent: set[str] = field(default_factory=set)  # reminder keys "deadline|lead|user id"
    instrument: Instrument | None = None  # the shelter's: reassessments and safety plans
    closed: set[str] = field(default_factory=set)  # cases closed (people who left)

    # --- Entries ---------------------------------------------------------------------------

    def add(self, version: Version) -> None:
        self.versions[version.id] = version
        self.chains.setdefault(version.root, []).append(version.id)

    def chain(self, root: str, synced_only: bool = True) -> list[Version]:
        versions = [self.versions[v] for v in self.chains[root]]
        return [v for v in versions if v.synced] if synced_only else versions

    def latest(self, root: str) -> Version | None:
        chain = self.chain(root)
        return chain[-1] if chain else None

    def counted(self) -> set[str]:
        """Of each chain, the most recent approved version (counting.py's rule)."""
        found = set()
        for root in self.chains:
            approved = [v for v in self.chain(root) if v.status == "approved"]
            if approved:
                found.add(approved[-1].id)
        return found

    def counted_in_month(self, author: str, period: str) -> dict[str, int]:
        counts: dict[str, int] = {}
        for entry_id in self.counted():
            version = self.versions[entry_id]
            if version.author == author and period_of(self.local(version.occurred_at)) == period:
                counts[version.type] = counts.get(version.type, 0) + 1
        return counts

    def local(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    # --- Deadlines ---------------------------------------------------------------------------

    def hearing_closed(self, root: str, scheduling: Version, due_at: datetime) -> bool:
        """Closed by another entry of the case, each read in the latest version of its chain
        (whatever its status): an accompaniment or hearing update naming it; or, from a phone
        that does not name hearings (no `hearing` key), an accompaniment that took place after
        the scheduling entry and at most LEGACY_HEARING_WINDOW before the hearing."""
        for other in self.chains:
            record = self.latest(other)
            if (
                other == root
                or record is None
                or record.case != scheduling.case
                or record.type not in ("accompaniment", "hearing_update")
            ):
                continue
            if record.type == "hearing_update" or "hearing" in record.fields:
                named = record.fields.get("hearing")
                # Any version of the scheduling entry may be named: the hearing is its chain's.
                if named in self.versions and self.versions[named].root == root:
                    return True
            elif (
                record.occurred_at > scheduling.occurred_at
                and due_at - LEGACY_HEARING_WINDOW <= record.occurred_at
            ):
                return True
        return False

    def hearings(self) -> list[Expected]:
        found = []
        for root in self.chains:
            scheduling = self.latest(root)
            if scheduling is None or scheduling.type not in ("accompaniment", "hearing_update"):
                continue
            text = scheduling.fields.get("next_hearing_at")
            if not text:
                continue
            if scheduling.type == "hearing_update" and scheduling.fields.get("change") != "moved":
                continue
            due_at = datetime.fromisoformat(text)
            if self.hearing_closed(root, scheduling, due_at):
                continue
            evening = _at(
                due_at.astimezone(self.zone).date() - timedelta(days=1), EVENING, self.zone
            )
            found.append(
                Expected(
                    key=f"hearing:{root}:{_utc_minute(due_at)}",
                    kind="hearing",
                    user=self.cases[scheduling.case].owner,
                    leads=(
                        ("hearing_evening", evening),
                        ("hearing_two_hours", due_at - timedelta(hours=2)),
                    ),
                    due_at=due_at,
                )
            )
        return found

    def follow_ups(self) -> list[Expected]:
        found = []
        for root in self.chains:
            referral = self.latest(root)
            if referral is None or referral.type != "referral":
                continue
            text = referral.fields.get("follow_up_on")
            # A returned version still sets it: the referral was made.
            if not text:
                continue
            if referral.fields.get("status") in ("received", "declined"):
                continue
            due_on = date.fromisoformat(text)
            found.append(
                Expected(
                    key=f"follow_up:{root}:{due_on:%Y%m%d}",
                    kind="follow_up",
                    user=self.cases[referral.case].owner,
                    leads=(("morning", _at(due_on, MORNING, self.zone)),),
                    due_on=due_on,
                )
            )
        return found

    def report_dues(self) -> list[Expected]:
        today = self.local(self.now)
        first = today.replace(day=1)
        periods = [
            period_of(first - timedelta(days=1)),
            period_of(first),
            period_of(next_month_first(period_of(first))),
        ]
        found = []
        for user in self.coordinators:
            for period in periods:
                if self.handed_in.get((user, period)) in ("submitted", "approved"):
                    continue
                due_on = self.report_schedule.get(period) or next_month_first(period)
                # Due on the day, overdue after it (shown a month behind, like every deadline).
                if not today - timedelta(days=30) <= due_on <= today + timedelta(days=15):
                    continue
                found.append(
                    Expected(
                        key=f"report_due:{self.user_ids[user]}:{period}",
                        kind="report_due",
                        user=user,
                        leads=(
                            (
                                "report_three_days",
                                _at(due_on - timedelta(days=3), MORNING, self.zone),
                            ),
                            ("report_one_day", _at(due_on - timedelta(days=1), MORNING, self.zone)),
                        ),
                        due_on=due_on,
                    )
                )
        return found

    def dated_deadlines(self) -> list[Expected]:
        shelter = shelter_deadlines(self, self.instrument, self.closed) if self.instrument else []
        return self.hearings() + self.follow_ups() + self.report_dues() + shelter

    def still_ahead(self, deadline: Expected) -> bool:
        if deadline.due_at is not None:
            return self.now < deadline.due_at
        return self.local(self.now) <= deadline.due_on  # type: ignore[operator]

    def reminders_due(self, deadlines: list[Expected]) -> set[str]:
        """The reminders a scheduler run at `now` must send: of each open deadline still ahead,
        the latest lead whose moment has come, unless it went out before."""
        due = set()
        for deadline in deadlines:
            if not self.still_ahead(deadline):
                continue
            ready = [name for name, at in deadline.leads if at <= self.now]
            if not ready:
                continue
            key = f"{deadline.key}|{ready[-1]}|{self.user_ids[deadline.user]}"
            if key not in self.sent:
                due.add(key)
        return due


# --- The shelter: reassessments and safety plans ------------------------------------------------


@dataclass(frozen=True)
class Instrument:
    """What the oracle reads from the SOP's instrument file: scores, levels, intervals."""

    scores: dict[str, dict[str, int]]  # item id → answer → score
    levels: tuple[tuple[str, int, int], ...]  # (level, from score, reassess after days)
    trigger_kinds: tuple[str, ...]
    at_least: dict[tuple[str, str], str]  # (item, answer) → the lowest level it allows

    def level(self, answers: dict[str, str]) -> str:
        """The highest level the score reaches, raised to any minimum an answer sets."""
        names = [name for name, _start, _days in self.levels]
        score = sum(self.scores[item][answer] for item, answer in answers.items())
        position = max(i for i, (_name, start, _days) in enumerate(self.levels) if score >= start)
        for item, answer in answers.items():
            if (item, answer) in self.at_least:
                position = max(position, names.index(self.at_least[item, answer]))
        return names[position]

    def days(self, level: str) -> int:
        return next(days for name, _start, days in self.levels if name == level)


def load_instrument(path) -> Instrument:
    import json

    data = json.loads(path.read_text())
    return Instrument(
        scores={
            item["id"]: {answer["value"]: answer["score"] for answer in item["answers"]}
            for domain in data["domains"]
            for item in domain["items"]
        },
        levels=tuple(
            (level["id"], level["from_score"], level["reassess_after_days"])
            for level in data["levels"]
        ),
        trigger_kinds=tuple(data["triggers"]["kinds"]),
        at_least={
            (item["id"], answer["value"]): answer["at_least"]
            for domain in data["domains"]
            for item in domain["items"]
            for answer in item["answers"]
            if answer.get("at_least")
        },
    )


def day_of(version: Version) -> date:
    """The day as the staff member lived it: the date in the entry's own offset."""
    return version.occurred_at.date()


def standing_versions(world: World, case: str) -> list[Version]:
    """Of each chain of the case, its latest version if it stands (submitted or approved): a
    returned one is back with its author and the versions before it are corrected."""
    found = []
    for root in world.chains:
        latest = world.latest(root)
        if latest is not None and latest.case == case and latest.status != "returned":
            found.append(latest)
    return found


def shelter_deadlines(world: World, instrument: Instrument, closed: set[str]) -> list[Expected]:
    found = []
    for case in world.cases.values():
        if case.id in closed or not case.code:
            continue
        live = standing_versions(world, case.id)
        assessments = sorted(
            (v for v in live if v.type == "risk_assessment"), key=lambda v: v.occurred_at
        )
        if not assessments:
            intake = next(
                v for v in world.versions.values() if v.type == "case_intake" and v.case == case.id
            )
            next_due, owner, latest = day_of(intake), case.owner, None
        else:
            latest = assessments[-1]
            fields = latest.fields
            level = fields.get("override_level") or instrument.level(fields["answers"])
            next_due = day_of(latest) + timedelta(days=instrument.days(level))
            owner = latest.author
            for trigger in live:
                if (
                    trigger.type == "risk_trigger"
                    and trigger.occurred_at > latest.occurred_at
                    and trigger.fields.get("trigger") in instrument.trigger_kinds
                ):
                    next_due = min(next_due, day_of(trigger))
        morning = (("morning", _at(next_due, MORNING, world.zone)),)
        found.append(
            Expected(
                key=f"reassessment:{case.id}:{next_due:%Y%m%d}",
                kind="reassessment",
                user=owner,
                leads=morning,
                due_on=next_due,
            )
        )
        if latest is None:
            continue
        plan = latest.fields.get("safety_plan") or []
        for text in sorted({action["due_on"] for action in plan if action.get("due_on")}):
            due_on = date.fromisoformat(text)
            found.append(
                Expected(
                    key=f"safety_plan:{latest.id}:{due_on:%Y%m%d}",
                    kind="safety_plan",
                    user=owner,
                    leads=(("morning", _at(due_on, MORNING, world.zone)),),
                    due_on=due_on,
                )
            )
    return found
