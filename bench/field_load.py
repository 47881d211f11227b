"""A national deployment under load and faults: many phones syncing a day's backlog at once
through a flaky network, while server processes die.

PostgreSQL: three `alongside serve` processes on 127.0.0.1 ports (one data dir, so one
secret and one set of sealing keys) behind a round-robin HTTP proxy that lives in this
script. SQLite: the same with one process. 50 simulated phones (coordinators of ten
teams) each hold 200 sealed entries — a day offline: case intakes, visits and accompaniments
of the cases just opened, trainings, supervision sessions, systemic problems — and all sync
at once, the way `web/static/js/sync.js` and `outbox.js` do: batches of at most 100 entries
(and 2 MiB), an entry leaves the outbox only on `stored` or `duplicate`, `rejected` with
`server_error` or `busy` stays waiting, the outbox goes oldest first and the later entries
of a case whose intake got such an answer wait for the next run, and a cut connection or a
non-2xx answer ends the run and retries it after the phone's backoff (5, 15, 45, 120, 300 s,
scaled by `--backoff-scale` so that a run takes minutes, not hours).

Faults: the proxy cuts a fifth of the requests mid-flight — before the full request reached
a server, after it did but before the answer came (the server may or may not have stored
it), or after the server answered in full but before the answer reached the phone (stored,
and the phone did not hear it: a retry must be a `duplicate`, never a second copy). A
refused connection goes to the next process; when none answers, or a process dies with the
request, the proxy answers 502. Meanwhile one server process after another is killed with
SIGKILL and started again, five times, spread over the run (at 1/6 … 5/6 of the entries
acknowledged); on SQLite too (its rollback journal must survive a SIGKILL).

Afterwards the database is read directly: every entry id every phone made must be stored
exactly once (lost = made − stored; doubled = rows beyond one per id or per sealed content),
with exactly one `create_entry` audit event, and every intake must have opened one case.
Printed: entries acknowledged, stored, lost (target 0), doubled (target 0), entries per
second (stored entries over the wall time of the sync phase), p50/p95 latency of the sync
requests that got an answer, the requests cut and retried, the restarts, and peak RSS
(VmHWM) of every server process (a restarted process is a new incarnation).

The script exits non-zero when an entry is lost or doubled, an audit event or case is
missing or doubled, a server process does not come back, or a server answers 500.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import random
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import contextlib

from harness import (
    ALONGSIDE,
    PASSWORD,
    Deployment,
    PublicSealingKey,
    free_port,
    log_in,
    percentile,
    postgres_url,
    print_table,
    verdict,
)

# What the phone does (web/static/js/sync.js, outbox.js).
MAX_BATCH = 100
MAX_BATCH_BYTES = 2 * 1024 * 1024 - 4096
SERVER_FAULTS = {"server_error", "busy"}
BACKOFF = (5, 15, 45, 120, 300)

TEAM_SIZE = 5  # coordinators per team, each with one phone, and one supervisor per team
SERVE_TIMEOUT = 60.0


# --- What a phone has saved during a day offline ---------------------------------------------


def day_of_work(device: int, count: int) -> list[dict]:
    """`count` plaintexts in the order a coordinator saved them: every twentieth opens a case
    (a fresh UUID made on the phone) and the visits and accompaniments that follow are about
    that case, so they must be stored after it."""
    work = []
    case = None
    for number in range(count):
        at = f"2026-03-{1 + number % 28:02d}T{8 + number % 10:02d}:00:00+02:00"
        step = number % 20
        if step == 0:
            case = str(uuid.uuid4())
            plaintext = entry(
                "case_intake",
                case,
                at,
                sex="female",
                age_band="18-20",
                citizenship="MD",
                identification="presumed",
                region="North",
                consent_assistance="given",
                consent_sharing="given",
                consent_statistics="given",
            )
        elif step in (1, 3, 5, 7, 9, 11, 13, 15):
            plaintext = entry("visit", case, at, place="home", purpose=f"Visit {number}")
        elif step in (2, 8, 14):
            hearing = f"2026-04-{1 + number % 28:02d}T09:30:00+02:00" if step == 2 else None
            plaintext = entry(
                "accompaniment",
                case,
                at,
                institution="police",
                hearing_type="statement",
                rights_respected="yes",
                secondary_victimisation="no",
                next_hearing_at=hearing,
            )
        elif step in (4, 10, 16, 18):
            plaintext = entry(
                "training",
                None,
                at,
                topic=f"Identification of victims, session {device}-{number}",
                audience="social_assistants",
                region="North",
                participants_female=12,
                participants_male=3,
            )
        elif step in (6, 12, 17):
            plaintext = entry(
                "supervision",
                None,
                at,
                audience="specialists",
                region="North",
                participants=4,
                topic=f"Case conference {device}-{number}",
            )
        else:
            plaintext = entry(
                "systemic_problem",
                None,
                at,
                kind="procedural",
                description="Interpreters are not available at night.",
                proposed_solution="A roster of interpreters on call.",
            )
        work.append(plaintext)
    return work


def entry(type_: str, case: str | None, at: str, **fields: object) -> dict:
    notes = "Met at the office; the next steps were agreed and written down. " * 3
    return {
        "type": type_,
        "case": case,
        "occurred_at": at,
        "revises": None,
        "fields": {**fields, "notes": notes},
    }


# --- The phone ---------------------------------------------------------------------------------


@dataclass
class Phone:
    number: int
    username: str
    device_id: str
    token: str
    outbox: dict[str, dict] = field(default_factory=dict)  # id -> envelope, in saved order
    # What sync.js keeps beside each envelope and decides by: the item's `case` (for an intake
    # "", as capture.js saves it) and, for an intake, the case it opens (`opens_case`).
    cases: dict[str, str] = field(default_factory=dict)
    opens_case: dict[str, str] = field(default_factory=dict)
    made: list[str] = field(default_factory=list)
    acknowledged: set[str] = field(default_factory=set)
    failed: dict[str, str] = field(default_factory=dict)  # id -> status or error code


@dataclass
class SyncFigures:
    latencies: list[float] = field(default_factory=list)
    requests: int = 0
    cut: int = 0  # the phone saw the connection break
    http_errors: Counter = field(default_factory=Counter)
    server_fault_results: Counter = field(default_factory=Counter)
    duplicates: int = 0
    retries: int = 0  # sync runs started again after a failure
    # Server faults by `reason` (an entry waiting for another of its batch) or else by code.
    waiting_reasons: Counter = field(default_factory=Counter)
    held_back: int = 0  # entries of a case whose intake got a server fault, kept for later


def batches(envelopes: list[dict]) -> list[list[dict]]:
    """As sync.js: at most 100 entries and just under 2 MiB per request."""
    result, current, size = [], [], 20
    for envelope in envelopes:
        size_of = len(json.dumps(envelope)) + 1
        if current and (len(current) >= MAX_BATCH or size + size_of > MAX_BATCH_BYTES):
            result.append(current)
            current, size = [], 20
        current.append(envelope)
        size += size_of
    if current:
        result.append(current)
    return result


async def sync_now(phone: Phone, client: httpx.AsyncClient, figures: SyncFigures) -> bool:
    """One run of syncNow(): True when it ended with an error (the phone backs off). The
    outbox goes in saved order (the dict's), and once a case's intake got a server fault,
    the later entries of that case wait for the next run."""
    headers = {"Authorization": f"Bearer {phone.token}"}
    faults = 0
    waiting_cases: set[str] = set()
    for whole in batches(list(phone.outbox.values())):
        batch = [e for e in whole if phone.cases.get(e["id"], "") not in waiting_cases]
        figures.held_back += len(whole) - len(batch)
        if not batch:
            continue
        figures.requests += 1
        started = time.perf_counter()
        try:
            response = await client.post("/api/v1/sync", json={"entries": batch}, headers=headers)
        except httpx.TransportError:
            figures.cut += 1
            return True
        if response.status_code == 401:
            raise RuntimeError(f"{phone.username}: the device token was refused")
        if not response.is_success:
            figures.http_errors[response.status_code] += 1
            return True
        figures.latencies.append(time.perf_counter() - started)
        for envelope, result in zip(batch, response.json()["results"], strict=True):
            status = result.get("status")
            code = (result.get("error") or {}).get("code")
            if status == "rejected" and code in SERVER_FAULTS:
                figures.server_fault_results[code] += 1
                figures.waiting_reasons[result.get("reason") or code] += 1
                faults += 1
                if envelope["id"] in phone.opens_case:
                    waiting_cases.add(phone.opens_case[envelope["id"]])
                if result.get("reason") == "case_intake_waiting" and phone.cases.get(
                    envelope["id"]
                ):
                    waiting_cases.add(phone.cases[envelope["id"]])
            elif status in ("stored", "duplicate"):
                figures.duplicates += status == "duplicate"
                phone.acknowledged.add(envelope["id"])
                del phone.outbox[envelope["id"]]
            else:  # permanent on the phone: shown as failed, never sent again
                phone.failed[envelope["id"]] = code or status
                del phone.outbox[envelope["id"]]
    return faults > 0


async def run_phone(
    phone: Phone, proxy_url: str, figures: SyncFigures, backoff_scale: float
) -> float:
    """sendOutbox(): sync, and after an error again after the next backoff step. Returns the
    moment the outbox was empty."""
    attempt = 0
    async with httpx.AsyncClient(base_url=proxy_url, timeout=120) as client:
        while phone.outbox:
            if await sync_now(phone, client, figures):
                figures.retries += 1
                await asyncio.sleep(BACKOFF[min(attempt, len(BACKOFF) - 1)] * backoff_scale)
                attempt += 1
            else:
                attempt = 0
    return time.perf_counter()


# --- Server processes ----------------------------------------------------------------------


@dataclass
class Incarnation:
    slot: int
    port: int
    number: int
    pid: int
    peak_rss_kib: int = 0
    ended_by: str = "stopped"


class ServerSlot:
    """One `alongside serve` on a fixed port; killed and started again on the same port."""

    def __init__(self, deployment: Deployment, slot: int) -> None:
        self.deployment = deployment
        self.slot = slot
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.incarnations: list[Incarnation] = []
        self.log_path = deployment.data_dir / f"server-{slot}.log"

    def start(self) -> None:
        log = self.log_path.open("a")
        self.process = subprocess.Popen(
            [str(ALONGSIDE), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=self.deployment.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=str(self.deployment.data_dir),
        )
        log.close()
        self.incarnations.append(
            Incarnation(self.slot, self.port, len(self.incarnations) + 1, self.process.pid)
        )

    async def ready(self) -> float:
        """Seconds until /healthz answers 200; RuntimeError when it does not come back."""
        started = time.perf_counter()
        async with httpx.AsyncClient(timeout=2) as client:
            while time.perf_counter() - started < SERVE_TIMEOUT:
                if self.process.poll() is not None:
                    break
                try:
                    response = await client.get(f"http://127.0.0.1:{self.port}/healthz")
                    if response.status_code == 200:
                        return time.perf_counter() - started
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        raise RuntimeError(
            f"server {self.slot} (port {self.port}) did not come back:\n"
            + self.log_path.read_text()[-4000:]
        )

    def sample_rss(self) -> None:
        """VmHWM is the process's own peak; read it while the process lives (a SIGKILL
        takes /proc/<pid> with it)."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = int(line.split()[1])
                    current = self.incarnations[-1]
                    current.peak_rss_kib = max(current.peak_rss_kib, peak)
        except (FileNotFoundError, ProcessLookupError):
            pass

    def kill(self) -> None:
        self.sample_rss()
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self.incarnations[-1].ended_by = "SIGKILL"

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.sample_rss()
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# --- The proxy -------------------------------------------------------------------------------


@dataclass
class ProxyFigures:
    requests: int = 0
    cut_before: int = 0  # part of the request reached a server, or none of it
    cut_during: int = 0  # the whole request reached a server; cut before any answer
    cut_after: int = 0  # the server answered in full; the phone got part of it or nothing
    refused: int = 0  # connection refused by a dead process: tried the next one
    bad_gateway: int = 0  # no process answered, or one died with the request: 502
    backend_statuses: Counter = field(default_factory=Counter)


class Proxy:
    """A round-robin HTTP/1.1 proxy, one request per connection (`Connection: close` both
    ways), that cuts a fraction of the requests at a random point."""

    def __init__(self, ports: list[int], cut_fraction: float, seed: int) -> None:
        self.ports = ports
        self.cut_fraction = cut_fraction
        self.random = random.Random(seed)
        self.next = 0
        self.figures = ProxyFigures()
        self.server: asyncio.AbstractServer | None = None
        self.port = 0

    async def start(self) -> str:
        self.server = await asyncio.start_server(self.handle, "127.0.0.1", 0, limit=2**20)
        self.port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{self.port}"

    async def close(self) -> None:
        self.server.close()
        await self.server.wait_closed()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await read_message(reader, request=True)
            if request is None:
                return
            self.figures.requests += 1
            fault = None
            if self.random.random() < self.cut_fraction:
                fault = self.random.choice(("before", "during", "after"))
            await self.forward(request, fault, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.transport.abort()

    async def connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        for _ in range(len(self.ports)):
            port = self.ports[self.next % len(self.ports)]
            self.next += 1
            try:
                return await asyncio.open_connection("127.0.0.1", port, limit=2**20)
            except OSError:
                self.figures.refused += 1
        return None

    async def forward(self, request: bytes, fault: str | None, writer) -> None:
        backend = await self.connect()
        if backend is None:
            return await self.bad_gateway(writer)
        backend_reader, backend_writer = backend
        try:
            if fault == "before":
                self.figures.cut_before += 1
                backend_writer.write(request[: self.random.randrange(len(request))])
                await backend_writer.drain()
                return
            backend_writer.write(request)
            await backend_writer.drain()
            if fault == "during":
                self.figures.cut_during += 1
                await asyncio.sleep(self.random.uniform(0, 0.5))
                return
            try:
                response = await asyncio.wait_for(read_message(backend_reader), 120)
            except (ConnectionError, asyncio.IncompleteReadError, TimeoutError):
                response = None
            if response is None:  # the process died with the request
                return await self.bad_gateway(writer)
            self.figures.backend_statuses[int(response.split(b" ", 2)[1])] += 1
            if fault == "after":
                self.figures.cut_after += 1
                writer.write(response[: self.random.randrange(len(response))])
                await writer.drain()
                return
            writer.write(response)
            await writer.drain()
        finally:
            backend_writer.transport.abort()

    async def bad_gateway(self, writer) -> None:
        self.figures.bad_gateway += 1
        writer.write(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
        await writer.drain()


async def read_message(reader: asyncio.StreamReader, request: bool = False) -> bytes | None:
    """One HTTP/1.1 message with a Content-Length body (requests also get `Connection:
    close`); None at a clean end of stream before it started."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as error:
        if not error.partial:
            return None
        raise
    lines = head[:-4].split(b"\r\n")
    kept, length, chunked = [lines[0]], 0, False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value.strip())
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
        if request and name in (b"connection", b"keep-alive"):
            continue
        kept.append(line)
    if request:
        kept.append(b"Connection: close")
    if chunked:  # not sent by these servers or clients; the whole rest of the stream
        body = await reader.read()
        if not body.endswith(b"0\r\n\r\n"):
            raise asyncio.IncompleteReadError(body, None)
    else:
        body = await reader.readexactly(length)
    return b"\r\n".join(kept) + b"\r\n\r\n" + body


# --- The run -------------------------------------------------------------------------------


@dataclass
class Outcome:
    name: str
    processes: int
    phones: list[Phone]
    wall: float
    figures: SyncFigures
    proxy: ProxyFigures
    slots: list[ServerSlot]
    restarts: list[float]
    stored: dict
    setup_seconds: float


def team_plan(devices: int) -> list[tuple[str, str, str]]:
    """(username, role, team): teams of five coordinators and their supervisor."""
    plan = []
    for number in range(devices):
        team = f"VPC Team {number // TEAM_SIZE + 1:02d}"
        if number % TEAM_SIZE == 0:
            plan.append((f"supervisor{number // TEAM_SIZE + 1:02d}", "supervisor", team))
        plan.append((f"coordinator{number + 1:03d}", "coordinator", team))
    return plan


def create_users(deployment: Deployment, plan: list[tuple[str, str, str]]) -> None:
    """The users of the plan, in one child process with the CLI's own functions (one
    `alongside user create` per user would take two seconds each)."""
    done = subprocess.run(
        [sys.executable, __file__, "--create-users", json.dumps(plan)],
        env=deployment.env,
        capture_output=True,
        text=True,
        cwd=str(deployment.data_dir),
    )
    if done.returncode != 0:
        raise RuntimeError("creating users failed:\n" + done.stderr)


async def create_users_child(plan: list[list[str]]) -> None:
    from server.accounts.passwords import hash_password
    from server.accounts.services import create_user, ensure_team
    from server.settings import get_settings

    password_hash = hash_password(PASSWORD)  # the same for all: one slow hash, not sixty
    for username, role, team in plan:
        team_id = await ensure_team(team, get_settings().country)
        await create_user(username, PASSWORD, role, team_id, password_hash=password_hash)


def register_phones(url: str, usernames: list[str]) -> list[Phone]:
    """Log each coordinator in through the real form and register their phone."""
    phones = []
    for number, username in enumerate(usernames):
        with httpx.Client(base_url=url, timeout=60) as client:
            csrf = log_in(client, username)
            response = client.post(
                "/api/v1/devices",
                json={"name": f"Phone of {username}"},
                headers={"X-CSRFToken": csrf},
            )
            response.raise_for_status()
            device = response.json()
        phones.append(Phone(number, username, device["device_id"], device["token"]))
    return phones


async def watch(slots: list[ServerSlot], stop: asyncio.Event) -> None:
    while not stop.is_set():
        for slot in slots:
            slot.sample_rss()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.25)


async def killer(
    slots: list[ServerSlot],
    phones: list[Phone],
    total: int,
    kills: int,
    restarts: list[float],
    stop: asyncio.Event,
) -> None:
    """SIGKILL one process after another at evenly spread shares of the entries
    acknowledged, and start it again on its port."""
    for number in range(kills):
        threshold = total * (number + 1) / (kills + 1)
        while sum(len(phone.acknowledged) for phone in phones) < threshold:
            if stop.is_set():
                return
            await asyncio.sleep(0.05)
        slot = slots[number % len(slots)]
        slot.kill()
        started = time.perf_counter()
        slot.start()
        await slot.ready()
        restarts.append(time.perf_counter() - started)


async def run_sync_phase(
    phones: list[Phone],
    slots: list[ServerSlot],
    kills: int,
    cut_fraction: float,
    backoff_scale: float,
    seed: int,
) -> tuple[float, SyncFigures, ProxyFigures, list[float]]:
    proxy = Proxy([slot.port for slot in slots], cut_fraction, seed)
    proxy_url = await proxy.start()
    figures = SyncFigures()
    restarts: list[float] = []
    stop = asyncio.Event()
    total = sum(len(phone.outbox) for phone in phones)
    watcher = asyncio.create_task(watch(slots, stop))
    started = time.perf_counter()
    killing = asyncio.create_task(killer(slots, phones, total, kills, restarts, stop))
    syncing = asyncio.gather(
        *(run_phone(phone, proxy_url, figures, backoff_scale) for phone in phones)
    )
    try:
        # A process that does not come back ends the run: the phones would retry forever.
        await asyncio.wait([syncing, killing], return_when=asyncio.FIRST_EXCEPTION)
        if killing.done() and killing.exception():
            syncing.cancel()
            raise killing.exception()
        wall = max(await syncing) - started
        stop.set()
        await killing  # a restart still under way must finish (and succeed)
    finally:
        stop.set()
        killing.cancel()
        await asyncio.gather(watcher, killing, return_exceptions=True)
        await proxy.close()
    return wall, figures, proxy.figures, restarts


def run(name: str, database_url: str | None, processes: int, options) -> Outcome:
    setup_started = time.perf_counter()
    with Deployment(database_url) as deployment:
        plan = team_plan(options.devices)
        create_users(deployment, plan)
        slots = [ServerSlot(deployment, number + 1) for number in range(processes)]
        try:
            # All processes start together, as they would behind a load balancer.
            for slot in slots:
                slot.start()
            for slot in slots:
                asyncio.run(slot.ready())
            first = f"http://127.0.0.1:{slots[0].port}"
            keys = {
                httpx.get(f"http://127.0.0.1:{slot.port}/api/v1/sealing-key").json()["kid"]
                for slot in slots
            }
            if len(keys) != 1:
                raise RuntimeError(f"the processes do not agree on the sealing key: {keys}")
            key = PublicSealingKey.from_json(httpx.get(first + "/api/v1/sealing-key").json())
            phones = register_phones(
                first, [username for username, role, _ in plan if role == "coordinator"]
            )
            for phone in phones:
                for plaintext in day_of_work(phone.number, options.entries):
                    envelope = key.seal(plaintext)
                    phone.outbox[envelope["id"]] = envelope
                    phone.made.append(envelope["id"])
                    if plaintext["type"] == "case_intake":
                        phone.opens_case[envelope["id"]] = plaintext["case"]
                    else:
                        phone.cases[envelope["id"]] = plaintext["case"] or ""
            setup_seconds = time.perf_counter() - setup_started
            wall, figures, proxy, restarts = asyncio.run(
                run_sync_phase(
                    phones,
                    slots,
                    options.kills,
                    options.cut_fraction,
                    options.backoff_scale,
                    options.seed,
                )
            )
        finally:
            for slot in slots:
                slot.stop()
        stored = read_back(deployment)
        errors = Counter()
        for slot in slots:
            for line in slot.log_path.read_text().splitlines():
                try:
                    record = json.loads(line)
                except ValueError:
                    continue
                if isinstance(record, dict) and record.get("level") in ("error", "critical"):
                    errors[f"{record.get('logger')}: {record.get('message', '')[:100]}"] += 1
        stored["server_log_errors"] = errors
    return Outcome(
        name, processes, phones, wall, figures, proxy, slots, restarts, stored, setup_seconds
    )


def read_back(deployment: Deployment) -> dict:
    """What the database holds, read without the server."""
    queries = {
        "entries": "SELECT id, device, digest, ciphertext FROM entry",
        "audit": "SELECT object_id FROM audit_event WHERE action = 'create_entry'",
        "cases": "SELECT id, code, intake_entry FROM assisted_case",
        "waiting": (
            "SELECT \"user\" FROM notification WHERE kind = 'entries_waiting' AND read_at IS NULL"
        ),
    }
    if deployment.database_url:
        import asyncpg

        async def fetch() -> dict:
            connection = await asyncpg.connect(deployment.database_url)
            try:
                return {
                    name: [tuple(row) for row in await connection.fetch(query)]
                    for name, query in queries.items()
                }
            finally:
                await connection.close()

        rows = asyncio.run(fetch())
    else:
        with sqlite3.connect(deployment.data_dir / "alongside.db") as connection:
            rows = {name: connection.execute(query).fetchall() for name, query in queries.items()}
    return {
        name: [tuple("" if value is None else str(value) for value in row) for row in found]
        for name, found in rows.items()
    }


def count(outcome: Outcome) -> dict:
    made = {entry_id: phone for phone in outcome.phones for entry_id in phone.made}
    rows = outcome.stored["entries"]
    ids = Counter(row[0] for row in rows)
    contents = Counter(hashlib.sha256(row[3].encode()).hexdigest() for row in rows)
    stored_made = {entry_id for entry_id in ids if entry_id in made}
    audit = Counter(row[0] for row in outcome.stored["audit"])
    intakes = {
        entry_id
        for phone in outcome.phones
        for entry_id, plaintext in zip(
            phone.made, day_of_work(phone.number, len(phone.made)), strict=True
        )
        if plaintext["type"] == "case_intake"
    }
    cases_by_intake = Counter(row[2] for row in outcome.stored["cases"])
    wrong_device = sum(1 for row in rows if row[0] in made and row[1] != made[row[0]].device_id)
    return {
        "made": len(made),
        "acknowledged": sum(len(phone.acknowledged) for phone in outcome.phones),
        "stored": len(stored_made),
        "lost": len(set(made) - stored_made),
        "doubled": (len(rows) - len(ids)) + sum(n - 1 for n in contents.values() if n > 1),
        "unexpected": len(set(ids) - set(made)),
        "wrong_device": wrong_device,
        "failed_on_phone": Counter(
            reason for phone in outcome.phones for reason in phone.failed.values()
        ),
        "audit_missing": sum(1 for entry_id in stored_made if audit[entry_id] == 0),
        "audit_doubled": sum(n - 1 for n in audit.values() if n > 1),
        "intakes": len(intakes),
        "cases_missing": sum(1 for entry_id in intakes if cases_by_intake[entry_id] == 0),
        "cases_doubled": sum(n - 1 for n in cases_by_intake.values() if n > 1),
        "waiting_notifications": Counter(row[0] for row in outcome.stored["waiting"]),
    }


def report(outcome: Outcome, options) -> bool:
    """Print the tables; True when nothing was lost or doubled and no process stayed down."""
    counted = count(outcome)
    figures, proxy = outcome.figures, outcome.proxy
    latencies = figures.latencies or [float("nan")]
    cut = proxy.cut_before + proxy.cut_during + proxy.cut_after
    failed = counted["failed_on_phone"]
    correct = (
        counted["lost"] == 0
        and counted["doubled"] == 0
        and counted["unexpected"] == 0
        and counted["wrong_device"] == 0
        and counted["audit_missing"] == 0
        and counted["audit_doubled"] == 0
        and counted["cases_missing"] == 0
        and counted["cases_doubled"] == 0
        and not failed
        and proxy.backend_statuses.get(500, 0) == 0
        and len(outcome.restarts) == options.kills
    )
    rate = counted["stored"] / outcome.wall
    supervisors = counted["waiting_notifications"]
    errors = outcome.stored["server_log_errors"]
    faults = figures.server_fault_results
    rows = [
        ("entries made on the phones", str(counted["made"]), "", ""),
        ("entries acknowledged (stored or duplicate)", str(counted["acknowledged"]), "", ""),
        ("entries stored", str(counted["stored"]), "", ""),
        ("lost", str(counted["lost"]), "0", verdict(counted["lost"] == 0)),
        (
            "doubled (by id or sealed content)",
            str(counted["doubled"]),
            "0",
            verdict(counted["doubled"] == 0),
        ),
        (
            "stored but never made / under another device",
            f"{counted['unexpected']} / {counted['wrong_device']}",
            "0 / 0",
            verdict(counted["unexpected"] == counted["wrong_device"] == 0),
        ),
        (
            "refused for good on a phone",
            str(sum(failed.values())) + (f" {dict(failed)}" if failed else ""),
            "0",
            verdict(not failed),
        ),
        (
            "create_entry audit events missing / doubled",
            f"{counted['audit_missing']} / {counted['audit_doubled']}",
            "0 / 0",
            verdict(counted["audit_missing"] == counted["audit_doubled"] == 0),
        ),
        (
            f"cases opened by the {counted['intakes']} intakes: missing / doubled",
            f"{counted['cases_missing']} / {counted['cases_doubled']}",
            "0 / 0",
            verdict(counted["cases_missing"] == counted["cases_doubled"] == 0),
        ),
        ("wall time of the sync phase (s)", f"{outcome.wall:.1f}", "", ""),
        ("entries per second (stored / wall time)", f"{rate:.0f}", "", ""),
        (
            f"sync latency p50 / p95 (s, {len(figures.latencies)} answered requests)",
            f"{percentile(latencies, 0.5):.2f} / {percentile(latencies, 0.95):.2f}",
            "",
            "",
        ),
        ("sync requests sent by the phones", str(figures.requests), "", ""),
        (
            "cut by the proxy: before / during / after the server's answer",
            f"{proxy.cut_before} / {proxy.cut_during} / {proxy.cut_after}",
            f"~{options.cut_fraction:.0%} of requests",
            f"{cut / max(proxy.requests, 1):.0%}",
        ),
        (
            "502 from the proxy (no process, or one died with the request)",
            str(proxy.bad_gateway),
            "",
            "",
        ),
        (
            "connections refused by a dead process (sent to the next one)",
            str(proxy.refused),
            "",
            "",
        ),
        (
            "answers of the servers by status",
            ", ".join(f"{status}: {n}" for status, n in sorted(proxy.backend_statuses.items())),
            "no 500",
            verdict(proxy.backend_statuses.get(500, 0) == 0),
        ),
        (
            "entries answered `rejected` busy / server_error (retried)",
            f"{faults['busy']} / {faults['server_error']}",
            "",
            "",
        ),
        (
            "of those, waiting for an entry of their batch: intake / corrected entry",
            f"{figures.waiting_reasons['case_intake_waiting']}"
            f" / {figures.waiting_reasons['entry_waiting']}",
            "",
            "",
        ),
        (
            "entries held back for the next run (their case's intake answered busy)",
            str(figures.held_back),
            "",
            "",
        ),
        ("sync runs retried after a failure (with backoff)", str(figures.retries), "", ""),
        ("`duplicate` answers (retries of stored entries)", str(figures.duplicates), "", ""),
        (
            "SIGKILL + restart: done / asked",
            f"{len(outcome.restarts)} / {options.kills}",
            f"{options.kills}",
            verdict(len(outcome.restarts) == options.kills),
        ),
        (
            "seconds until a killed process answered again (max)",
            f"{max(outcome.restarts, default=0):.1f}",
            "",
            "",
        ),
        ("ERROR lines in the server logs", str(sum(errors.values())), "", ""),
        (
            "unread 'entries waiting' notifications per supervisor (max)",
            str(max(supervisors.values(), default=0)),
            "1",
            verdict(max(supervisors.values(), default=0) <= 1),
        ),
        ("set-up time: users, phones, sealing (s)", f"{outcome.setup_seconds:.1f}", "", ""),
    ]
    for slot in outcome.slots:
        for incarnation in slot.incarnations:
            rows.append(
                (
                    f"peak RSS, process {slot.slot} (port {slot.port}) #{incarnation.number}, "
                    f"ended by {incarnation.ended_by} (MiB)",
                    f"{incarnation.peak_rss_kib / 1024:.0f}",
                    "",
                    "",
                )
            )
    print_table(
        f"Field load on {outcome.name}: {len(outcome.phones)} phones × {options.entries} "
        f"entries, {outcome.processes} server process(es), {options.cut_fraction:.0%} of "
        f"requests cut, {options.kills} SIGKILL restarts",
        rows,
    )
    for message, times in errors.most_common(10):
        print(f"  server log: {times} × {message}")
    return correct


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devices", type=int, default=50, help="phones (default 50)")
    parser.add_argument("--entries", type=int, default=200, help="entries per phone (200)")
    parser.add_argument("--kills", type=int, default=5, help="SIGKILL restarts (5)")
    parser.add_argument("--cut-fraction", type=float, default=0.2, help="requests cut (0.2)")
    parser.add_argument(
        "--backoff-scale",
        type=float,
        default=0.05,
        help="factor on the phone's backoff of 5, 15, 45, 120, 300 s (0.05)",
    )
    parser.add_argument("--seed", type=int, default=17, help="seed of the proxy's faults")
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--sqlite-only", action="store_true")
    only.add_argument("--postgres-only", action="store_true")
    parser.add_argument("--create-users", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.create_users:
        asyncio.run(create_users_child(json.loads(options.create_users)))
        return 0

    runs = []
    if not options.sqlite_only:
        if postgres_url():
            runs.append(("PostgreSQL", postgres_url(), 3))
        else:
            print("BENCH_POSTGRES_URL / TEST_POSTGRES_URL not set: PostgreSQL left out")
    if not options.postgres_only:
        runs.append(("SQLite", None, 1))
    correct = True
    for name, url, processes in runs:
        correct = report(run(name, url, processes, options), options) and correct
    if not correct:
        print("\nFAILED: an entry was lost or doubled, a server answered 500 or stayed down")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
