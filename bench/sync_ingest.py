"""Entries per second through POST /api/v1/sync, next to the bare limit of the same machine.

Through HTTP: batches of 100 envelopes sealed as a phone seals them (RSA-OAEP-256 +
AES-256-GCM, with the key from /api/v1/sealing-key), sent one batch after another to a real
`alongside serve` on 127.0.0.1 with a device token.
Bare limit: the same unwrap + decrypt + validate + insert (`server.sync.services.
ingest_batch`) called in one process without HTTP, in a child process pointed at the same
deployment (the server's settings and Piccolo engine are chosen once per process).
SQLite always; PostgreSQL too when BENCH_POSTGRES_URL or TEST_POSTGRES_URL is set (its public
schema is emptied first). Target: HTTP at least 0.6 of the bare limit.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import (
    Deployment,
    PublicSealingKey,
    log_in,
    postgres_url,
    print_table,
    training,
    verdict,
)

BATCH = 100
BATCHES = 5  # measured batches per path and round, after one warm-up batch
ROUNDS = 2
TARGET_RATIO = 0.6


def seal_batches(key: PublicSealingKey, count: int, start: int) -> list[list[dict]]:
    return [[key.seal(training(start + b * BATCH + i)) for i in range(BATCH)] for b in range(count)]


def through_http(url: str, token: str, batches: list[list[dict]]) -> float:
    """Entries per second; every answer must be `stored`."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, timeout=120) as client:
        warm, *measured = batches
        client.post("/api/v1/sync", json={"entries": warm}, headers=headers).raise_for_status()
        started = time.perf_counter()
        for batch in measured:
            response = client.post("/api/v1/sync", json={"entries": batch}, headers=headers)
            response.raise_for_status()
            statuses = {result["status"] for result in response.json()["results"]}
            if statuses != {"stored"}:
                raise RuntimeError(f"sync answered {statuses}")
        elapsed = time.perf_counter() - started
    return sum(len(batch) for batch in measured) / elapsed


def bare(deployment: Deployment, username: str, device_id: str, batches: list[list[dict]]) -> float:
    """Run this script as a child in `--bare` mode over the same deployment."""
    path = deployment.data_dir / "bare-batches.json"
    path.write_text(json.dumps(batches))
    done = subprocess.run(
        [sys.executable, __file__, "--bare", str(path), username, device_id],
        env=deployment.env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError("bare ingest failed:\n" + done.stderr)
    return float(json.loads(done.stdout.strip().splitlines()[-1])["rate"])


async def bare_child(path: Path, username: str, device_id: str) -> float:
    from piccolo.engine import engine_finder
    from piccolo.engine.postgres import PostgresEngine

    from server.accounts.tables import User
    from server.sync.services import ingest_batch

    engine = engine_finder()
    if isinstance(engine, PostgresEngine):  # as the served app does (server/app.py)
        await engine.start_connection_pool(min_size=1, max_size=10)
    try:
        user = await User.select(User.id).where(User.username == username).first()
        warm, *measured = json.loads(path.read_text())
        await ingest_batch(warm, user["id"], device_id)
        started = time.perf_counter()
        for batch in measured:
            results = await ingest_batch(batch, user["id"], device_id)
            statuses = {result["status"] for result in results}
            if statuses != {"stored"}:
                raise RuntimeError(f"ingest answered {statuses}")
        elapsed = time.perf_counter() - started
    finally:
        if isinstance(engine, PostgresEngine):
            await engine.close_connection_pool()
    return sum(len(batch) for batch in measured) / elapsed


def measure(database_url: str | None) -> tuple[float, float]:
    with Deployment(database_url) as deployment:
        deployment.user("bench")
        url = deployment.serve()
        with httpx.Client(base_url=url, timeout=60) as client:
            csrf = log_in(client, "bench")
            response = client.post(
                "/api/v1/devices", json={"name": "Bench phone"}, headers={"X-CSRFToken": csrf}
            )
            response.raise_for_status()
            device = response.json()
            key = PublicSealingKey.from_json(client.get("/api/v1/sealing-key").json())
        # Rounds alternate between the two paths and the best of each counts: the machine
        # may be shared, and a neighbour's burst should not decide the ratio.
        http_rates, bare_rates = [], []
        for round_number in range(ROUNDS):
            start = round_number * 2 * (BATCHES + 1) * BATCH
            over_http = seal_batches(key, BATCHES + 1, start)
            without_http = seal_batches(key, BATCHES + 1, start + (BATCHES + 1) * BATCH)
            http_rates.append(through_http(url, device["token"], over_http))
            bare_rates.append(bare(deployment, "bench", device["device_id"], without_http))
        return max(http_rates), max(bare_rates)


def main() -> int:
    databases = [("SQLite", None)]
    if postgres_url():
        databases.append(("PostgreSQL", postgres_url()))
    else:
        print("BENCH_POSTGRES_URL / TEST_POSTGRES_URL not set: PostgreSQL left out")
    rows = []
    for name, url in databases:
        http_rate, bare_rate = measure(url)
        ratio = http_rate / bare_rate
        rows += [
            (f"{name}: through /api/v1/sync (entries/s)", f"{http_rate:.0f}", "", ""),
            (f"{name}: bare ingest, no HTTP (entries/s)", f"{bare_rate:.0f}", "", ""),
            (
                f"{name}: ratio",
                f"{ratio:.2f}",
                f">= {TARGET_RATIO}",
                verdict(ratio >= TARGET_RATIO),
            ),
        ]
    print_table(
        f"Sync ingest: batches of {BATCH} sealed entries, one after another "
        f"(best of {ROUNDS} rounds of {BATCHES} batches per path)",
        rows,
    )
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--bare", nargs=3, metavar=("BATCHES_JSON", "USERNAME", "DEVICE_ID"))
    args = parser.parse_args()
    if args.bare:
        rate = asyncio.run(bare_child(Path(args.bare[0]), args.bare[1], args.bare[2]))
        print(json.dumps({"rate": rate}))
        sys.exit(0)
    sys.exit(main())
