"""How long compiling a monthly report and the indicators takes as the database grows.

One coordinator's month holds the same 200 counted entries (plus 20 superseded versions)
while the database grows to 1,000, 10,000 and 100,000 entries with other months' work of
the same team and coordinator. Compiling reads one coordinator's (report) or one team's
(indicators) entries of one month through the (author, occurred_at) and (team,
occurred_at) indexes, so the time should stay flat: target, the 100,000-entry time at most
twice the 1,000-entry time. Each size also shows which index the database reads `entry`
through for each query (EXPLAIN), the direct evidence that only the month is touched.
A missed target is printed as such, never an exit status: `make bench` runs every benchmark
in turn and stops at the first that fails, and a time on a shared machine is a figure to
read, not a test. The script fails (exit 1) only when a compiled report counts the wrong
entries.
Times are the fastest of the repeats (the machine is shared: the fastest run is the one
least disturbed by other processes), with the median beside it.

Rows are inserted in bulk straight into the tables. Sealing 100,000 envelopes with RSA
would take minutes and measure nothing of interest, so every row reuses ONE sealed
envelope's columns (wrapped key, iv, ciphertext, digest): compiling reads clear columns
only and never opens an envelope. Such rows could not be opened (the id is in the
additional data) — this is a benchmark database, thrown away afterwards.

SQLite always; PostgreSQL too when BENCH_POSTGRES_URL or TEST_POSTGRES_URL is set (its
public schema is emptied first). Each engine runs in a child process, since the server's
settings and Piccolo engine are chosen once per process.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import Deployment, postgres_url, print_table, verdict

SIZES = (1_000, 10_000, 100_000)
MONTH_ENTRIES = 200
SUPERSEDED = 20
REPEATS = 15
TARGET_GROWTH = 2.0
CHUNK = 500


def month_details(kind: str, rng: random.Random) -> dict:
    if kind == "visit":
        return {"place": rng.choice(["home", "centre", "shelter", "institution"])}
    if kind == "accompaniment":
        return {
            "institution": rng.choice(["police", "prosecutor", "court"]),
            "hearing_type": rng.choice(["statement", "trial", "none"]),
            "rights_respected": "yes",
            "secondary_victimisation": "no",
        }
    if kind == "referral":
        return {
            "service_type": rng.choice(["legal", "medical", "social"]),
            "status": rng.choice(["sent", "accepted", "received"]),
        }
    if kind == "training":
        return {"audience": "specialists", "participants_female": 9, "participants_male": 4}
    if kind == "supervision":
        return {"audience": "specialists", "participants": 5}
    if kind == "risk_assessment":
        return {"instrument": "1"}
    return {"kind": "procedural"}


KINDS = (
    ["visit"] * 8
    + ["accompaniment"] * 5
    + ["referral"] * 4
    + ["risk_assessment"] * 2
    + ["training", "supervision", "systemic_problem"]
)
CASELESS = ("training", "supervision", "systemic_problem")


async def child(sizes: tuple[int, ...]) -> dict:
    from piccolo.engine import engine_finder
    from piccolo.engine.postgres import PostgresEngine

    from server.accounts.services import create_user, ensure_team
    from server.cases.tables import Case
    from server.entries.tables import Entry
    from server.indicators.services import IndicatorFilters, compile_indicators, period_query
    from server.reports.compiling import compile_month, month_query
    from server.sealing.envelope import b64url_encode, seal_json
    from server.sealing.keys import key_ring

    engine = engine_finder()
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(min_size=1, max_size=2)
    rng = random.Random(8)
    team = await ensure_team("Bench Team", "MD")
    ana = await create_user("ana", "x" * 16, "coordinator", team, password_hash="bench")
    bogdan = await create_user("bogdan", "x" * 16, "coordinator", team, password_hash="bench")

    cases = []
    for number in range(40):
        case_id = uuid.uuid4()
        cases.append(case_id)
        await Case.insert(
            Case(
                id=case_id,
                code=f"MD-2025-{number + 1:04d}",
                team=team,
                region="North",
                assigned_to=ana if number % 2 == 0 else bogdan,
                sex=rng.choice(["female", "female", "male"]),
                age_band=rng.choice(["18-20", "21-23", "30-38"]),
                citizenship=rng.choice(["MD", "MD", "UA"]),
                exploitation=json.dumps(["sexual"]),
                identification="presumed",
                consent_statistics="given",
            )
        )

    # One real envelope, its columns reused by every row (see the module's docstring).
    envelope = seal_json({"type": "visit", "fields": {}}, key_ring().current())
    sealed = {
        "envelope_kid": envelope.kid,
        "key_kid": envelope.kid,
        "wrapped_key": b64url_encode(envelope.wrapped_key),
        "iv": b64url_encode(envelope.iv),
        "ciphertext": b64url_encode(envelope.ciphertext),
        "digest": envelope.digest,
    }

    def row(author: int, occurred: datetime, kind: str, **extra) -> Entry:
        entry_id = extra.pop("id", None) or uuid.uuid4()
        return Entry(
            id=entry_id,
            type=kind,
            case=None if kind in CASELESS else rng.choice(cases),
            author=author,
            team=team,
            region="North",
            occurred_at=occurred,
            received_at=extra.pop("received_at", occurred + timedelta(hours=2)),
            root=extra.pop("root", entry_id),
            revises=extra.pop("revises", None),
            status=extra.pop("status", "approved"),
            risk_level="medium" if kind == "risk_assessment" else "",
            details=json.dumps(month_details(kind, rng)),
            **sealed,
        )

    async def insert(rows: list[Entry]) -> None:
        for start in range(0, len(rows), CHUNK):
            await Entry.insert(*rows[start : start + CHUNK])

    # The month: 200 counted entries of ana in July 2025, and 20 approved versions that a
    # later approved correction supersedes (they must not count).
    july = datetime(2025, 7, 1, 8, tzinfo=UTC)
    month_rows = []
    for number in range(MONTH_ENTRIES):
        occurred = july + timedelta(hours=3 * number)
        kind = KINDS[number % len(KINDS)]
        if number < SUPERSEDED:
            old_id = uuid.uuid4()
            month_rows.append(row(ana, occurred, kind, id=old_id, root=old_id))
            month_rows.append(
                row(
                    ana,
                    occurred,
                    kind,
                    root=old_id,
                    revises=old_id,
                    received_at=occurred + timedelta(days=1),
                )
            )
        else:
            month_rows.append(row(ana, occurred, kind))
    await insert(month_rows)
    present = len(month_rows)

    # Other months (2019 to June 2025, and 2025-08 to 2026): the same coordinators, team
    # and kinds, some returned or waiting.
    def filler(count: int) -> list[Entry]:
        rows = []
        for _ in range(count):
            while True:
                day = date(2019, 1, 1) + timedelta(days=rng.randrange(0, 8 * 365))
                if not (day.year == 2025 and day.month == 7):
                    break
            occurred = datetime(day.year, day.month, day.day, 10, tzinfo=UTC)
            status = rng.choices(["approved", "returned", "submitted"], [8, 1, 1])[0]
            rows.append(row(rng.choice([ana, bogdan]), occurred, rng.choice(KINDS), status=status))
        return rows

    async def plan(query) -> str:
        """How the database reads `entry` (not the NOT EXISTS lookup of later versions) for
        the query: the index it goes through, or "full scan"."""
        postgres = isinstance(engine, PostgresEngine)
        prefix = "EXPLAIN " if postgres else "EXPLAIN QUERY PLAN "
        lines = [
            str(value) for row in await Entry.raw(prefix + str(query)) for value in row.values()
        ]
        used = []
        for line in lines:
            if "later" in line:
                continue
            index = re.search(
                r"(?:Index Scan|Index Only Scan|Bitmap Index Scan) (?:using|on) (\w+)", line
            )
            index = index or re.search(
                r"(?:SEARCH|SCAN) entry USING (?:COVERING )?INDEX (\w+)", line
            )
            if index and index.group(1).startswith("entry_"):
                used.append(index.group(1))
            elif re.search(r"Seq Scan on entry(?!\w)|^SCAN entry$", line.strip()):
                used.append("full scan")
        return "+".join(dict.fromkeys(used)) or "?"

    results = {}
    filters = IndicatorFilters(date(2025, 7, 1), date(2025, 7, 31), team)
    for size in sizes:
        started = time.perf_counter()
        await insert(filler(size - present))
        present = size
        await engine.run_ddl("ANALYZE")
        loaded = time.perf_counter() - started

        report = await compile_month(ana, date(2025, 7, 1), "Europe/Chisinau")
        if report["entries"] != MONTH_ENTRIES:
            raise RuntimeError(f"the report counted {report['entries']} entries")
        await compile_indicators(filters, "Europe/Chisinau")

        report_times, indicator_times = [], []
        for _ in range(REPEATS):
            begun = time.perf_counter()
            await compile_month(ana, date(2025, 7, 1), "Europe/Chisinau")
            report_times.append(time.perf_counter() - begun)
            begun = time.perf_counter()
            await compile_indicators(filters, "Europe/Chisinau")
            indicator_times.append(time.perf_counter() - begun)
        results[size] = {
            "report_ms": min(report_times) * 1000,
            "report_median_ms": statistics.median(report_times) * 1000,
            "indicators_ms": min(indicator_times) * 1000,
            "indicators_median_ms": statistics.median(indicator_times) * 1000,
            "report_plan": await plan(month_query(ana, date(2025, 7, 1), "Europe/Chisinau")),
            "indicators_plan": await plan(period_query(filters, "Europe/Chisinau")),
            "load_s": loaded,
            "total": await Entry.count(),
        }
    if isinstance(engine, PostgresEngine):
        await engine.close_connection_pool()
    return results


def run_engine(name: str, database_url: str | None) -> dict:
    with Deployment(database_url) as deployment:
        done = subprocess.run(
            [sys.executable, __file__, "--child"],
            env=deployment.env,
            capture_output=True,
            text=True,
            cwd=str(Path(__file__).resolve().parent.parent),
        )
        if done.returncode != 0:
            raise RuntimeError(f"{name} benchmark failed:\n{done.stderr[-4000:]}")
        return {int(size): figures for size, figures in json.loads(done.stdout).items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(asyncio.run(child(SIZES))))
        return 0

    engines = [("SQLite", None)]
    if postgres_url():
        engines.append(("PostgreSQL", postgres_url()))
    else:
        print("PostgreSQL skipped: set BENCH_POSTGRES_URL or TEST_POSTGRES_URL to include it.")
    for name, url in engines:
        results = run_engine(name, url)
        rows = []
        for figures in results.values():
            rows.append(
                (
                    f"{figures['total']:,} entries: report / indicators",
                    f"{figures['report_ms']:.1f} / {figures['indicators_ms']:.1f} ms "
                    f"(median {figures['report_median_ms']:.1f} / "
                    f"{figures['indicators_median_ms']:.1f})",
                    "",
                    f"{figures['report_plan']} / {figures['indicators_plan']}",
                )
            )
        smallest, largest = results[SIZES[0]], results[SIZES[-1]]
        for label, key in (("report", "report_ms"), ("indicators", "indicators_ms")):
            growth = largest[key] / smallest[key]
            met = growth <= TARGET_GROWTH
            rows.append(
                (
                    f"growth of the {label} time, {SIZES[-1]:,} vs {SIZES[0]:,}",
                    f"{growth:.2f}x",
                    f"<= {TARGET_GROWTH:.1f}x",
                    verdict(met),
                )
            )
        print_table(
            f"{name}: compiling one month ({MONTH_ENTRIES} counted entries, "
            f"{SUPERSEDED} superseded): fastest of {REPEATS} (the machine is shared, so the "
            "fastest is the least disturbed), median, index used for the report / indicators",
            rows,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
