"""Pages at size: the six pages people wait on most, with three years of a programme's work.

The database holds 100,000 entries (`--entries`) over 2,000 cases (`--cases`) and three
years, in four teams of one supervisor and four coordinators: visits, accompaniments
(hearings), referrals (follow-ups), risk assessments, trainings, supervision sessions and
systemic problems; mostly approved, some waiting, some returned and corrected. Each of the
six pages is first timed alone (nobody else on the server). Then 20 signed-in people
(`--users`: the four supervisors first) use the server for 60 seconds (`--seconds`), each
going round their pages with a real session: the approvals queue and the indicators
(supervisors), the case list, the case page of their busiest case, Upcoming and a monthly
report of last month. Twice:

* *paced*: after each page a person reads it for 1 to 3 seconds (`--pause-min`,
  `--pause-max`, uniform) before asking for the next, as people at work do. The p95 target
  is checked here: p95 under 100 ms per page on PostgreSQL.
* *flat out*: the same people with no pause, each request sent the moment the last is
  answered: the most the server serves on this machine (no target; a queue, not a page,
  is measured once the server is saturated).

On PostgreSQL the pages are served by two processes (`--processes`), as the README deploys
several behind a load balancer; each person stays on one (a balancer keeps a connection).
SQLite is served by one process. The server, the database and the 20 clients share the
machine's CPUs. The script prints p50 / p95 per page, the request count and the database
queries per request (`ALONGSIDE_QUERY_COUNT=1`, the `X-Query-Count` header). The second
target: no page whose queries grow with the database: every page makes the same number of
queries at 10,000 entries as at 100,000.

The entries are real: each is a valid plaintext (checked by the server's own
`validate_plaintext`), sealed exactly as a phone seals it (a fresh AES-256-GCM key wrapped
to the deployment's public sealing key, the entry id in the additional data) and stored
with the clear columns the server's own `_clear_columns` derives, in bulk, by a child
process pointed at the deployment; cases are opened by real case intakes through
`store_entry`. Returned entries carry a sealed comment, as a supervisor's return does. The
pages open these envelopes with the server's private key as they would any phone's.

The benchmark fails (exit 1) when a page answers anything but 200, when the case page
shows none of its entries' sealed contents, or when a page's queries grow with the data;
it never fails because a time target is missed. SQLite always (one server process);
PostgreSQL too when BENCH_POSTGRES_URL or TEST_POSTGRES_URL is set (its public schema is
emptied first). `--sqlite-only`, `--postgres-only` choose one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import PASSWORD, Deployment, percentile, postgres_url, print_table, verdict

TARGET_P95_MS = 100.0
# Regions of the four teams, and the short names in their people's usernames.
TEAMS = {"North": "north", "Centre": "centre", "South": "south", "Chișinău": "chisinau"}
COORDINATORS_PER_TEAM = 4
YEARS = 3
SMALL = 10_000
CHUNK = 400
# Each page's work is seen in the body: a marker only the opened envelopes hold.
VISIT_PURPOSE = "Bench visit about documents"
# The mix of a coordinator's work over the years (case-less kinds at the end).
KINDS = {
    "visit": 34,
    "accompaniment": 18,
    "referral": 16,
    "risk_assessment": 8,
    "risk_trigger": 2,
    "training": 3,
    "supervision": 3,
    "systemic_problem": 1,
}
CASELESS = ("training", "supervision", "systemic_problem")
PAGES = ("approvals queue", "case list", "case page", "Upcoming", "monthly report", "indicators")


def team_name(region: str) -> str:
    return f"VPC {region}"


def usernames() -> list[tuple[str, str, str]]:
    """(username, role, region) of everyone: the four supervisors first."""
    people = [(f"sup{TEAMS[region]}", "supervisor", region) for region in TEAMS]
    for number in range(COORDINATORS_PER_TEAM):
        for region in TEAMS:
            people.append((f"vpc{TEAMS[region]}{number + 1}", "coordinator", region))
    return people


# --- The child: loading the database ------------------------------------------------------


async def load(entries: int, cases: int, seed: int, now: datetime) -> dict:
    """Bring the database to `entries` entries (making the people and cases first)."""
    from piccolo.engine import engine_finder
    from piccolo.engine.postgres import PostgresEngine

    from server.accounts.passwords import hash_password
    from server.accounts.services import create_user, ensure_team
    from server.accounts.sessions import load_user
    from server.accounts.tables import User
    from server.approvals.services import sealed_as
    from server.approvals.tables import Decision
    from server.cases.tables import Case
    from server.deadlines.services import set_report_due
    from server.entries.definitions import validate_plaintext
    from server.entries.services import _clear_columns, store_entry
    from server.entries.tables import Entry
    from server.sealing.envelope import b64url_encode, parse_envelope, seal_json
    from server.sealing.keys import key_ring
    from server.sealing.texts import seal_text
    from tests.support.entries import plaintext

    engine = engine_finder()
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(min_size=1, max_size=2)
    rng = random.Random(seed)
    key = key_ring().current()
    started = time.perf_counter()
    first_day = now - timedelta(days=365 * YEARS)

    people = usernames()
    if not await User.exists().where(User.username == people[0][0]):
        hashed = hash_password(PASSWORD)
        for username, role, region in people:
            team = await ensure_team(team_name(region), "MD")
            await create_user(
                username, PASSWORD, role, team, regions=[region], password_hash=hashed
            )
        for region in TEAMS:
            team = await ensure_team(team_name(region), "MD")
            month = now.date().replace(day=1)
            await set_report_due(team, month.strftime("%Y-%m"), month + timedelta(days=31))
    users = {
        row["username"]: row
        for row in await User.select(User.id, User.username, User.role, User.team)
    }
    supervisor_of = {
        row["team"]: row["id"] for row in users.values() if row["role"] == "supervisor"
    }
    coordinators = [row for row in users.values() if row["role"] == "coordinator"]

    # Cases: opened by real case intakes, spread over the three years (the first twenty,
    # the busiest, in the first months); a third of those over a year old are closed.
    if not await Case.exists():
        for number in range(cases):
            coordinator = coordinators[number % len(coordinators)]
            author = await load_user(coordinator["id"])
            latest = 60 if number < len(coordinators) * 2 else 365 * YEARS - 30
            opened = first_day + timedelta(days=rng.uniform(0, latest))
            intake = plaintext(
                "case_intake",
                occurred_at=opened.isoformat(),
                sex=rng.choice(["female", "female", "male"]),
                age_band=rng.choice(["18-20", "21-23", "24-26", "30-38"]),
                citizenship=rng.choice(["MD", "MD", "MD", "UA"]),
                region=author.regions[0] if author.regions else "North",
            )
            envelope = parse_envelope(seal_json(intake, key).to_json())
            stored = await store_entry(envelope, validate_plaintext(intake), author, None)
            if stored.status != "stored":
                raise RuntimeError(f"case intake not stored: {stored}")
            if opened < now - timedelta(days=365) and rng.random() < 0.33:
                await Case.update(
                    {Case.status: "closed", Case.closed_at: opened + timedelta(days=300)}
                ).where(Case.intake_entry == uuid.UUID(envelope.id))
        intakes = await Entry.select(Entry.id, Entry.team, Entry.occurred_at).where(
            Entry.type == "case_intake"
        )
        await Entry.update({Entry.status: "approved"}).where(Entry.type == "case_intake")
        await insert_all(
            Decision,
            [
                Decision(
                    entry=row["id"],
                    decision="approved",
                    decided_by=supervisor_of[row["team"]],
                    team=row["team"],
                    decided_at=row["occurred_at"] + timedelta(days=1),
                )
                for row in intakes
            ],
        )
    case_rows = await Case.select(
        Case.id, Case.code, Case.region, Case.assigned_to, Case.team, Case.opened_at
    ).order_by(Case.opened_at)
    # A fifth of the entries go to the twenty oldest cases: the case pages with history.
    busy = case_rows[:20]

    present = await Entry.count()
    to_make = max(0, entries - present)
    kinds, weights = list(KINDS), list(KINDS.values())
    entry_rows: list = []
    decisions: list = []
    returned: list[uuid.UUID] = []

    def sealed_row(text: dict, entry_id: str, case: dict | None, author: int, team: int, **columns):
        validated = validate_plaintext(text)
        envelope = seal_json(text, key, entry_id)
        return Entry(
            id=uuid.UUID(entry_id),
            type=text["type"],
            case=case["id"] if case else None,
            author=author,
            team=team,
            occurred_at=datetime.fromisoformat(text["occurred_at"]),
            envelope_kid=envelope.kid,
            key_kid=envelope.kid,
            wrapped_key=b64url_encode(envelope.wrapped_key),
            iv=b64url_encode(envelope.iv),
            ciphertext=b64url_encode(envelope.ciphertext),
            digest=envelope.digest,
            **columns,
            **_clear_columns(validated, case),
        )

    def decided(entry_id: str, decision: str, team: int, at: datetime) -> None:
        decisions.append(
            Decision(
                entry=uuid.UUID(entry_id),
                decision=decision,
                decided_by=supervisor_of[team],
                team=team,
                decided_at=at,
            )
        )
        if decision == "returned":
            returned.append(uuid.UUID(entry_id))

    made = 0
    while made < to_make:
        kind = rng.choices(kinds, weights)[0]
        if kind in CASELESS:
            case = None
            author = rng.choice(coordinators)
            occurred = first_day + timedelta(seconds=rng.uniform(0, 365 * YEARS * 86400))
            region = next(u for u in people if u[0] == author["username"])[2]
        else:
            case = rng.choice(busy) if rng.random() < 0.2 else rng.choice(case_rows)
            author = users_by_id(users)[case["assigned_to"]]
            opened = case["opened_at"]
            span = (now - opened).total_seconds()
            occurred = opened + timedelta(seconds=rng.uniform(3600, max(7200, span)))
            region = case["region"]
        fields = details_for(kind, rng, occurred, now, region, made)
        text = plaintext(
            kind,
            str(case["id"]) if case else None,
            occurred_at=occurred.astimezone(UTC).isoformat(),
            **fields,
        )
        age = now - occurred
        recent = age < timedelta(days=30)
        roll = rng.random()
        status = (
            ("submitted" if roll < 0.4 else "returned" if roll < 0.45 else "approved")
            if recent
            else ("submitted" if roll < 0.004 else "returned" if roll < 0.03 else "approved")
        )
        entry_id = str(uuid.uuid4())
        received = min(now, occurred + timedelta(hours=rng.uniform(0.1, 30)))
        team = author["team"]
        entry_rows.append(
            sealed_row(
                text,
                entry_id,
                case,
                author["id"],
                team,
                received_at=received,
                root=uuid.UUID(entry_id),
                status=status,
            )
        )
        made += 1
        if status != "submitted":
            decided(entry_id, status, team, min(now, received + timedelta(hours=20)))
        if status == "returned" and made < to_make and age > timedelta(days=3):
            # Corrected within days; the correction approved unless it is still recent.
            correction_id = str(uuid.uuid4())
            corrected = {**text, "revises": entry_id}
            correction_received = min(now, received + timedelta(days=2))
            correction_status = "approved" if age > timedelta(days=10) else "submitted"
            entry_rows.append(
                sealed_row(
                    corrected,
                    correction_id,
                    case,
                    author["id"],
                    team,
                    received_at=correction_received,
                    root=uuid.UUID(entry_id),
                    revises=uuid.UUID(entry_id),
                    status=correction_status,
                )
            )
            made += 1
            if correction_status == "approved":
                decided(correction_id, "approved", team, correction_received + timedelta(hours=5))
        if len(entry_rows) >= CHUNK * 10:
            await insert_all(Entry, entry_rows)
            await insert_all(Decision, decisions)
            entry_rows, decisions = [], []
    await insert_all(Entry, entry_rows)
    await insert_all(Decision, decisions)

    # A returned entry's comment is sealed as its decision (the decision's id is in the
    # additional data), so it is written once the decision rows have their ids.
    async with engine.transaction():
        for start in range(0, len(returned), 500):
            rows = await Decision.select(Decision.id).where(
                Decision.entry.is_in(returned[start : start + 500])
            )
            for row in rows:
                sealed = seal_text("Add the institution's reference number.", sealed_as(row["id"]))
                await Decision.update(
                    {
                        Decision.comment_sealed: sealed.envelope,
                        Decision.comment_key_kid: sealed.key_kid,
                    }
                ).where(Decision.id == row["id"])
    await engine.run_ddl("ANALYZE")
    seconds = time.perf_counter() - started

    # What each person opens: their busiest case, last month's report (a coordinator's
    # own; a supervisor's of the team's first coordinator), the last full quarter.
    counts = await case_entry_counts(Entry)
    month = (now.date().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    plan = {}
    for username, role, region in people:
        user = users[username]
        team_cases = [
            row
            for row in case_rows
            if (row["assigned_to"] == user["id"] if role == "coordinator" else True)
            and row["team"] == user["team"]
        ]
        busiest = max(team_cases, key=lambda row: counts.get(str(row["id"]), 0))
        reporter = username if role == "coordinator" else f"vpc{TEAMS[region]}1"
        visit = (
            await Entry.select(Entry.id)
            .where((Entry.case == busiest["id"]) & (Entry.type == "visit"))
            .first()
        )
        plan[username] = {
            "visit": str(visit["id"]) if visit else "",
            "role": role,
            "case": busiest["code"],
            "case_entries": counts.get(str(busiest["id"]), 0),
            "report": f"/reports/monthly/{reporter}/{month}",
        }
    total = await Entry.count()
    if isinstance(engine, PostgresEngine):
        await engine.close_connection_pool()
    return {"seconds": seconds, "made": to_make, "entries": total, "plan": plan}


_USERS_BY_ID: dict = {}


def users_by_id(users: dict) -> dict:
    if not _USERS_BY_ID:
        _USERS_BY_ID.update({row["id"]: row for row in users.values()})
    return _USERS_BY_ID


async def case_entry_counts(entry_table) -> dict[str, int]:
    rows = await entry_table.raw(
        'SELECT "case", COUNT(*) AS "count" FROM "entry" WHERE "case" IS NOT NULL GROUP BY "case"'
    )
    return {str(row["case"]): row["count"] for row in rows}


async def insert_all(table, rows: list) -> None:
    for start in range(0, len(rows), CHUNK):
        await table.insert(*rows[start : start + CHUNK])


def details_for(
    kind: str, rng: random.Random, occurred: datetime, now: datetime, region: str, number: int
) -> dict:
    """The fields of one entry: categories vary; dates ahead only in recent work."""
    recent = now - occurred < timedelta(days=45)
    if kind == "visit":
        return {
            "place": rng.choice(["home", "centre", "shelter", "institution"]),
            "purpose": f"{VISIT_PURPOSE} {number}",
            "notes": "Talked through the next steps and what the person wants. " * 2,
        }
    if kind == "accompaniment":
        ahead = recent and rng.random() < 0.6
        return {
            "institution": rng.choice(["police", "prosecutor", "court", "lawyer", "medical"]),
            "hearing_type": rng.choice(["statement", "trial", "none"]),
            "next_hearing_at": (
                (occurred + timedelta(days=rng.randint(5, 60))).replace(hour=9, minute=30)
            ).isoformat()
            if ahead
            else None,
            "notes": "Waited two hours in the corridor; the hearing was short.",
        }
    if kind == "referral":
        follow = recent and rng.random() < 0.6
        return {
            "service_type": rng.choice(["legal", "medical", "psychological", "social", "housing"]),
            "status": rng.choice(["sent", "accepted", "received", "declined"]),
            "follow_up_on": (occurred + timedelta(days=rng.randint(7, 30))).date().isoformat()
            if follow
            else None,
        }
    if kind in ("training", "supervision"):
        return {"region": region}
    return {}


# --- The parent: serving and measuring ------------------------------------------------------


def load_in_child(deployment: Deployment, args: argparse.Namespace, entries: int) -> dict:
    done = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            "--entries",
            str(entries),
            "--cases",
            str(args.cases),
            "--now",
            args.now,
        ],
        env=deployment.env,
        capture_output=True,
        text=True,
        cwd=str(Path(__file__).resolve().parent.parent),
    )
    if done.returncode != 0:
        raise RuntimeError(f"loading failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def pages_of(person: dict, quarter: tuple[str, str]) -> list[tuple[str, str]]:
    pages = [
        ("case list", "/cases"),
        ("case page", f"/cases/{person['case']}"),
        ("Upcoming", "/upcoming"),
        ("monthly report", person["report"]),
    ]
    if person["role"] == "supervisor":
        pages.insert(0, ("approvals queue", "/approvals"))
        pages.append(("indicators", f"/indicators?from={quarter[0]}&to={quarter[1]}"))
    return pages


async def signed_in(url: str, username: str):
    import httpx

    client = httpx.AsyncClient(base_url=url, timeout=60)
    await client.get("/login")
    response = await client.post(
        "/login",
        data={
            "username": username,
            "password": PASSWORD,
            "_csrf_token": client.cookies.get("csrftoken"),
        },
        follow_redirects=False,
    )
    if response.status_code != 303:
        raise RuntimeError(f"login of {username} failed: {response.status_code}")
    return client


class Broken(RuntimeError):
    """A page did not answer as it must: the benchmark fails."""


def check(page: str, response) -> None:
    if response.status_code != 200:
        raise Broken(f"{page} answered {response.status_code}")


async def queries_per_page(url: str, plan: dict, quarter: tuple[str, str]) -> dict[str, set]:
    """Each page once per person (after one warm-up): the queries it made."""
    counts: dict[str, set] = {page: set() for page in PAGES}
    for username, person in plan.items():
        client = await signed_in(url, username)
        try:
            for page, path in pages_of(person, quarter):
                await client.get(path)
                response = await client.get(path)
                check(page, response)
                counts[page].add(int(response.headers["x-query-count"]))
            if person["visit"]:
                # The rows are real: the server opens a visit of that case with its key.
                response = await client.get(f"/entries/{person['visit']}")
                check("entry page", response)
                if VISIT_PURPOSE not in response.text:
                    raise Broken("a stored visit did not open: its purpose is not on its page")
        finally:
            await client.aclose()
    return counts


async def alone(url: str, plan: dict, quarter: tuple[str, str]) -> dict[str, list]:
    """Each page with nobody else on the server: a supervisor's and a coordinator's pages,
    five times each after a warm-up. The time one request needs, without queueing."""
    times: dict[str, list[float]] = {page: [] for page in PAGES}
    supervisor = next(name for name, person in plan.items() if person["role"] == "supervisor")
    coordinator = next(
        (name for name, person in plan.items() if person["role"] == "coordinator"), None
    )
    for username in filter(None, (supervisor, coordinator)):
        client = await signed_in(url, username)
        try:
            for page, path in pages_of(plan[username], quarter):
                await client.get(path)
                for _ in range(5):
                    begun = time.perf_counter()
                    check(page, await client.get(path))
                    times[page].append((time.perf_counter() - begun) * 1000)
        finally:
            await client.aclose()
    return times


async def load_test(
    urls: list[str],
    plan: dict,
    quarter: tuple[str, str],
    seconds: float,
    pause: tuple[float, float] | None,
    seed: int = 17,
) -> dict[str, list]:
    """Everyone at once for `seconds`, each person on one server process (as a load balancer
    keeps a session's connection) going round their pages. With `pause`, each waits a random
    time in that range (seconds) after each page, as someone reading it; without, the next
    request goes out the moment an answer is in: the most the server can serve."""
    times: dict[str, list[float]] = {page: [] for page in PAGES}
    queries: dict[str, list[int]] = {page: [] for page in PAGES}
    clients = [
        await signed_in(urls[number % len(urls)], username) for number, username in enumerate(plan)
    ]
    chance = random.Random(seed)
    deadline = time.monotonic() + seconds

    async def person(client, pages: list[tuple[str, str]]) -> None:
        if pause:
            # People do not all arrive in the same millisecond.
            await asyncio.sleep(chance.uniform(0, pause[1]))
        while time.monotonic() < deadline:
            for page, path in pages:
                begun = time.perf_counter()
                response = await client.get(path)
                elapsed = time.perf_counter() - begun
                check(page, response)
                times[page].append(elapsed * 1000)
                queries[page].append(int(response.headers["x-query-count"]))
                if pause:
                    await asyncio.sleep(chance.uniform(*pause))
                if time.monotonic() >= deadline:
                    return

    try:
        await asyncio.gather(
            *(
                person(client, pages_of(plan[username], quarter))
                for client, username in zip(clients, plan, strict=True)
            )
        )
    finally:
        for client in clients:
            await client.aclose()
    return {"times": times, "queries": queries}


def load_table(measured: dict, seconds: float, target: bool) -> list[tuple[str, str, str, str]]:
    rows = []
    for page in PAGES:
        times = measured["times"][page]
        if not times:
            continue
        p95 = percentile(times, 0.95)
        rows.append(
            (
                f"{page}: p50 / p95",
                f"{percentile(times, 0.5):.0f} / {p95:.0f} ms "
                f"({len(times)} requests, {statistics.mean(measured['queries'][page]):.1f} "
                "queries each)",
                f"p95 < {TARGET_P95_MS:.0f} ms" if target else "",
                verdict(p95 < TARGET_P95_MS) if target else "",
            )
        )
    everything = [t for page in PAGES for t in measured["times"][page]]
    rows.append(("all pages: requests per second", f"{len(everything) / seconds:.1f}", "", ""))
    return rows


def run_engine(name: str, database_url: str | None, args: argparse.Namespace) -> bool:
    os.environ["ALONGSIDE_QUERY_COUNT"] = "1"
    now = datetime.fromisoformat(args.now)
    last_month_end = now.date().replace(day=1) - timedelta(days=1)
    quarter_start = (last_month_end.replace(day=1) - timedelta(days=62)).replace(day=1)
    quarter = (quarter_start.isoformat(), last_month_end.isoformat())
    small = min(SMALL, args.entries // 10)
    ok = True
    processes = 1 if database_url is None else args.processes
    pause = (args.pause_min, args.pause_max)
    with Deployment(database_url) as deployment:
        first = load_in_child(deployment, args, small)
        people = list(first["plan"])[: args.users]
        plan = {username: first["plan"][username] for username in people}
        deployment.serve()
        counts_small = asyncio.run(queries_per_page(deployment.url, plan, quarter))
        second = load_in_child(deployment, args, args.entries)
        plan = {username: second["plan"][username] for username in people}
        counts_large = asyncio.run(queries_per_page(deployment.url, plan, quarter))
        single = asyncio.run(alone(deployment.url, plan, quarter))
        urls = [deployment.url, *(deployment.serve_another() for _ in range(processes - 1))]
        paced = asyncio.run(load_test(urls, plan, quarter, args.seconds, pause))
        flat_out = asyncio.run(load_test(urls, plan, quarter, args.seconds, None))

    print_table(
        f"{name}: loading ({args.cases:,} cases, entries sealed one by one as a phone does)",
        [
            (f"{first['entries']:,} entries", f"{first['seconds']:.0f} s", "", ""),
            (
                f"{second['entries']:,} entries (+{second['made']:,})",
                f"{second['seconds']:.0f} s",
                "",
                "",
            ),
        ],
    )
    rows = []
    for page in PAGES:
        small_counts, large_counts = counts_small[page], counts_large[page]
        if not large_counts:
            continue
        flat = max(large_counts) <= max(small_counts)
        ok &= flat
        rows.append(
            (
                f"{page}: queries per request",
                f"{fmt(small_counts)} at {first['entries']:,} / "
                f"{fmt(large_counts)} at {second['entries']:,}",
                "the same",
                "meets target" if flat else "GROWS WITH THE DATA",
            )
        )
    print_table(
        f"{name}: queries per request, each person's pages once (the range over people)",
        rows,
    )
    print_table(
        f"{name}: one request at a time (nobody else on the server), median / slowest of "
        "10 (a supervisor's and a coordinator's)",
        [
            (page, f"{statistics.median(t):.0f} / {max(t):.0f} ms", "", "")
            for page in PAGES
            if (t := single[page])
        ],
    )
    busiest = max(person["case_entries"] for person in plan.values())
    where = (
        f"{second['entries']:,} entries, case pages of up to {busiest:,} entries, "
        f"{processes} server process{'es' if processes > 1 else ''}; server, database and "
        "clients on the same machine"
    )
    print_table(
        f"{name}: {len(plan)} people signed in for {args.seconds:.0f} s, each reading a page "
        f"{args.pause_min:g}-{args.pause_max:g} s before the next ({where})",
        load_table(paced, args.seconds, target=True),
    )
    print_table(
        f"{name}: the same {len(plan)} people without a pause between pages, a request "
        f"the moment the last is answered: the most the server serves ({where})",
        load_table(flat_out, args.seconds, target=False),
    )
    return ok


def fmt(counts: set) -> str:
    low, high = min(counts), max(counts)
    return str(low) if low == high else f"{low}-{high}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--cases", type=int, default=2_000)
    parser.add_argument("--users", type=int, default=20, help="at most 20")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument(
        "--pause-min", type=float, default=1.0, help="shortest reading of a page, seconds"
    )
    parser.add_argument(
        "--pause-max", type=float, default=3.0, help="longest reading of a page, seconds"
    )
    parser.add_argument(
        "--processes", type=int, default=2, help="server processes on PostgreSQL (SQLite: 1)"
    )
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--postgres-only", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--now",
        default=datetime.now(UTC).replace(microsecond=0).isoformat(),
        help=argparse.SUPPRESS,
    )
    args = parser.parse_args()
    if args.child:
        result = asyncio.run(
            load(args.entries, args.cases, args.entries, datetime.fromisoformat(args.now))
        )
        print(json.dumps(result))
        return 0

    engines = []
    if not args.postgres_only:
        engines.append(("SQLite", None))
    if not args.sqlite_only:
        if postgres_url():
            engines.append(("PostgreSQL", postgres_url()))
        else:
            print("PostgreSQL skipped: set BENCH_POSTGRES_URL or TEST_POSTGRES_URL to include it.")
    ok = True
    for name, url in engines:
        try:
            ok &= run_engine(name, url, args)
        except Broken as error:
            print(f"{name}: BROKEN: {error}")
            ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
