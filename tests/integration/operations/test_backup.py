"""`alongside backup` and `alongside restore` as real processes, and the restore drill: back up
while a real server stores synced entries, restore into a fresh data dir (or a fresh
PostgreSQL database) with the keys copied apart, and open every acknowledged entry."""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest

from server.core.paths import PROJECT_ROOT
from server.entries.services import stored_envelope
from server.operations.backup import ProgressBar, backup
from server.sealing.envelope import unseal
from server.sealing.keys import KeyRing
from server.settings import get_settings, read_settings
from tests.support.accounts import PASSWORD, make_user
from tests.support.entries import open_case, plaintext, sealed_envelope
from tests.support.live_server import LiveServer, start_server
from tests.support.run import run

ALONGSIDE = PROJECT_ROOT / ".venv" / "bin" / "alongside"
ENTRY_COLUMNS = "id, envelope_kid, key_kid, wrapped_key, iv, ciphertext"


def alongside(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(ALONGSIDE), *args],
        cwd=str(cwd),
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def one_line_reason(result: subprocess.CompletedProcess) -> str:
    lines = [line for line in result.stderr.strip().splitlines() if line.startswith("alongside:")]
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture
def shared_env() -> dict[str, str]:
    """The test process's own database and data dir (keys included)."""
    env = os.environ.copy()
    env.pop("PICCOLO_CONF", None)
    return env


@pytest.fixture
def restore_target(tmp_path: Path, shared_env: dict[str, str]) -> Iterator[dict[str, str]]:
    """A brand-new data dir, and on PostgreSQL a brand-new database, to restore into."""
    env = {**shared_env, "ALONGSIDE_DATA_DIR": str(tmp_path / "restored")}
    url = shared_env.get("DATABASE_URL")
    if not url:
        yield env
        return
    parts = urlsplit(url)
    name = parts.path.lstrip("/") + "_restore_drill"
    admin = urlunsplit(parts._replace(path="/postgres"))

    async def recreate(create: bool) -> None:
        connection = await asyncpg.connect(admin)
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            if create:
                await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()

    run(recreate(True))
    env["DATABASE_URL"] = urlunsplit(parts._replace(path="/" + name))
    yield env
    run(recreate(False))


def stored_rows(env: dict[str, str]) -> dict[str, dict]:
    """Every entry row of the database `env` points at, read without Alongside's engine."""
    url = env.get("DATABASE_URL")
    if url:

        async def fetch() -> list[dict]:
            connection = await asyncpg.connect(url)
            try:
                return [
                    dict(r) for r in await connection.fetch(f"SELECT {ENTRY_COLUMNS} FROM entry")
                ]
            finally:
                await connection.close()

        rows = run(fetch())
    else:
        connection = sqlite3.connect(Path(env["ALONGSIDE_DATA_DIR"]) / "alongside.db")
        connection.row_factory = sqlite3.Row
        try:
            rows = [dict(r) for r in connection.execute(f"SELECT {ENTRY_COLUMNS} FROM entry")]
        finally:
            connection.close()
    return {str(row["id"]): row for row in rows}


def session_count(env: dict[str, str]) -> int:
    url = env.get("DATABASE_URL")
    if url:

        async def fetch() -> int:
            connection = await asyncpg.connect(url)
            try:
                return await connection.fetchval("SELECT count(*) FROM user_session")
            finally:
                await connection.close()

        return run(fetch())
    connection = sqlite3.connect(Path(env["ALONGSIDE_DATA_DIR"]) / "alongside.db")
    try:
        return connection.execute("SELECT count(*) FROM user_session").fetchone()[0]
    finally:
        connection.close()


# --- the drill -----------------------------------------------------------------------------


class Syncer(threading.Thread):
    """A phone syncing small batches through the real server until told to stop; keeps the
    ids (and plaintexts) the server acknowledged, with when it acknowledged them."""

    def __init__(self, server: LiveServer, token: str, case_id: str) -> None:
        super().__init__(daemon=True)
        self.server, self.token, self.case_id = server, token, case_id
        self.acknowledged: dict[str, tuple[float, dict]] = {}
        self.failures: list[str] = []
        self.stop = threading.Event()

    def run(self) -> None:
        with httpx.Client(base_url=self.server.url, timeout=60) as http:
            number = 0
            while not self.stop.is_set():
                batch = []
                for _ in range(5):
                    number += 1
                    entry = plaintext("visit", self.case_id, notes=f"drill visit {number}")
                    envelope = sealed_envelope(entry)
                    batch.append((envelope, entry))
                response = http.post(
                    "/api/v1/sync",
                    json={"entries": [envelope for envelope, _ in batch]},
                    headers={"Authorization": f"Bearer {self.token}"},
                )
                if response.status_code != 200:
                    self.failures.append(f"{response.status_code} {response.text[:200]}")
                    continue
                moment = time.monotonic()
                for (envelope, entry), result in zip(
                    batch, response.json()["results"], strict=True
                ):
                    if result["status"] in ("stored", "duplicate"):
                        self.acknowledged[envelope["id"]] = (moment, entry)
                    else:
                        self.failures.append(json.dumps(result))


def log_in_and_register_device(server: LiveServer, username: str) -> str:
    with httpx.Client(base_url=server.url, timeout=30) as http:
        http.get("/login")
        csrf = http.cookies.get("csrftoken")
        response = http.post(
            "/login", data={"username": username, "password": PASSWORD, "_csrf_token": csrf}
        )
        assert response.status_code in (200, 303), response.text
        response = http.post(
            "/api/v1/devices",
            json={"name": "drill phone"},
            headers={"X-CSRFToken": http.cookies.get("csrftoken")},
        )
        assert response.status_code == 201, response.text
        return response.json()["token"]


def test_restore_drill_backup_while_syncing_every_acknowledged_entry_opens(
    tmp_path: Path, shared_env: dict[str, str], restore_target: dict[str, str], data_dir: Path
):
    coordinator = make_user("ion")
    case_id, _code = open_case(coordinator)
    server = start_server(tmp_path)
    try:
        token = log_in_and_register_device(server, "ion")
        syncer = Syncer(server, token, case_id)
        syncer.start()
        deadline = time.monotonic() + 60
        while len(syncer.acknowledged) < 40 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(syncer.acknowledged) >= 40, syncer.failures

        backup_path = tmp_path / "backups" / "alongside.backup"
        backup_path.parent.mkdir()
        started = time.monotonic()
        result = alongside("backup", str(backup_path), env=shared_env, cwd=tmp_path)
        finished = time.monotonic()
        # The server keeps storing while and after the backup runs.
        count_at_backup_end = len(syncer.acknowledged)
        deadline = time.monotonic() + 30
        while len(syncer.acknowledged) < count_at_backup_end + 10 and time.monotonic() < deadline:
            time.sleep(0.05)
        syncer.stop.set()
        syncer.join(timeout=60)
    finally:
        server.stop()
    assert result.returncode == 0, result.stderr
    assert "100%" in result.stderr  # the progress bar
    assert not syncer.failures, syncer.failures
    assert len(syncer.acknowledged) >= count_at_backup_end + 10
    assert backup_path.stat().st_mode & 0o077 == 0

    # Keys travel apart from the backup: the backup alone holds no key material.
    raw = backup_path.read_bytes()
    assert b"PRIVATE KEY" not in raw
    for key_file in (data_dir / "keys").rglob("*"):
        if key_file.is_file() and key_file.name != "current":  # `current` holds a key's id
            assert key_file.read_bytes().strip() not in raw

    # Restore into a fresh data dir without the keys: refused as unusable, named clearly.
    no_keys = alongside("restore", str(backup_path), env=restore_target, cwd=tmp_path)
    assert no_keys.returncode == 1
    assert "keys" in one_line_reason(no_keys)

    # With the keys copied separately, as the README says: every entry opens.
    target_dir = Path(restore_target["ALONGSIDE_DATA_DIR"])
    shutil.rmtree(target_dir / "keys", ignore_errors=True)
    shutil.copytree(data_dir / "keys", target_dir / "keys")
    restored = alongside("restore", str(backup_path), env=restore_target, cwd=tmp_path)
    assert restored.returncode == 0, restored.stderr
    assert "every one opens" in restored.stdout

    rows = stored_rows(restore_target)
    ring = KeyRing(read_settings({"ALONGSIDE_DATA_DIR": str(target_dir)}))
    before_backup = {i for i, (at, _) in syncer.acknowledged.items() if at < started}
    assert before_backup, "nothing was acknowledged before the backup started"
    assert before_backup <= set(rows), "an entry acknowledged before the backup is missing"
    # Whatever else the backup holds was acknowledged too (no half-stored entry), and every
    # row opens with the copied keys into exactly what the phone sent.
    intake_rows = set(rows) - set(syncer.acknowledged)
    assert len(intake_rows) == 1  # the case intake made before the server started
    for entry_id, row in rows.items():
        content = json.loads(unseal(stored_envelope(row), ring, wrapping_kid=row["key_kid"]))
        if entry_id in syncer.acknowledged:
            assert content == syncer.acknowledged[entry_id][1]
    acknowledged_after = {i for i, (at, _) in syncer.acknowledged.items() if at > finished}
    assert not acknowledged_after <= set(rows)  # the backup is a snapshot, not a live copy
    # Sessions are not in a backup: a leaked one holds no session of anyone.
    assert session_count(restore_target) == 0


class SyncsWhileHeld(io.StringIO):
    """The backup's progress stream: its first line arrives while the backup holds its
    snapshot (SQLite: the read transaction; PostgreSQL: pg_dump's), and there it waits until
    the phone has had more entries acknowledged."""

    def __init__(self, syncer: Syncer, more: int) -> None:
        super().__init__()
        self.syncer, self.more = syncer, more
        self.acknowledged_while_held: int | None = None

    def write(self, text: str) -> int:
        if self.acknowledged_while_held is None:
            before = len(self.syncer.acknowledged)
            deadline = time.monotonic() + 20
            while len(self.syncer.acknowledged) < before + self.more:
                if time.monotonic() > deadline or self.syncer.failures:
                    break
                time.sleep(0.05)
            self.acknowledged_while_held = len(self.syncer.acknowledged) - before
        return super().write(text)


def test_the_server_stores_syncs_while_a_backup_holds_its_snapshot(tmp_path: Path):
    """A backup must not stall phones: with the snapshot held, syncs are still stored (SQLite
    in write-ahead-log mode; in rollback-journal mode they would wait for the backup)."""
    coordinator = make_user("ion")
    case_id, _code = open_case(coordinator)
    server = start_server(tmp_path)
    try:
        syncer = Syncer(server, log_in_and_register_device(server, "ion"), case_id)
        syncer.start()
        deadline = time.monotonic() + 60
        while len(syncer.acknowledged) < 10 and time.monotonic() < deadline:
            time.sleep(0.05)
        stream = SyncsWhileHeld(syncer, more=10)
        summary = backup(get_settings(), tmp_path / "held.backup", stream=stream)
        syncer.stop.set()
        syncer.join(timeout=60)
    finally:
        server.stop()
    assert not syncer.failures, syncer.failures
    assert stream.acknowledged_while_held is not None, "the backup wrote no progress"
    assert stream.acknowledged_while_held >= 10, "syncs waited for the backup"
    assert "100%" in stream.getvalue()
    assert summary.path.exists()


# --- failures and the progress bar ---------------------------------------------------------


def test_backup_refuses_to_overwrite_a_file(tmp_path: Path, shared_env: dict[str, str]):
    existing = tmp_path / "existing.backup"
    existing.write_text("precious")
    result = alongside("backup", str(existing), env=shared_env, cwd=tmp_path)
    assert result.returncode == 1
    assert "already exists" in one_line_reason(result)
    assert existing.read_text() == "precious"


def test_backup_refuses_a_missing_folder_and_the_keys_folder(
    tmp_path: Path, shared_env: dict[str, str], data_dir: Path
):
    missing = alongside("backup", str(tmp_path / "no" / "b"), env=shared_env, cwd=tmp_path)
    assert missing.returncode == 1
    assert "does not exist" in one_line_reason(missing)
    (data_dir / "keys").mkdir(exist_ok=True)
    into_keys = alongside("backup", str(data_dir / "keys" / "b"), env=shared_env, cwd=tmp_path)
    assert into_keys.returncode == 1
    assert "keys folder" in one_line_reason(into_keys)
    assert not (data_dir / "keys" / "b").exists()


def test_restore_refuses_what_is_not_a_backup_and_changes_nothing(
    tmp_path: Path, shared_env: dict[str, str]
):
    make_user("ion")
    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("hello")
    result = alongside("restore", str(not_a_backup), env=shared_env, cwd=tmp_path)
    assert result.returncode == 1
    assert "not an Alongside backup" in one_line_reason(result)
    missing = alongside("restore", str(tmp_path / "nothing"), env=shared_env, cwd=tmp_path)
    assert missing.returncode == 1
    assert "no backup" in one_line_reason(missing)


def test_restore_refuses_a_backup_of_the_other_database_kind(
    tmp_path: Path, shared_env: dict[str, str]
):
    other = tmp_path / "other.backup"
    if shared_env.get("DATABASE_URL"):
        connection = sqlite3.connect(other)
        connection.execute("CREATE TABLE t (x)")
        connection.commit()
        connection.close()
        expected = "sqlite backup but the configured database is postgresql"
    else:
        other.write_bytes(b"PGDMP\x01\x0e\x00" + b"\x00" * 64)
        expected = "postgresql backup but the configured database is sqlite"
    result = alongside("restore", str(other), env=shared_env, cwd=tmp_path)
    assert result.returncode == 1
    assert expected in one_line_reason(result)


def test_restore_of_a_damaged_backup_fails_and_keeps_the_database(
    tmp_path: Path, shared_env: dict[str, str]
):
    make_user("ion")
    backup_path = tmp_path / "good.backup"
    assert alongside("backup", str(backup_path), env=shared_env, cwd=tmp_path).returncode == 0
    data = bytearray(backup_path.read_bytes())
    if shared_env.get("DATABASE_URL"):
        data = data[: len(data) // 2]  # cut short, as by a full disk
    else:
        data[4096:8192] = b"\xff" * 4096  # the second page trashed
    damaged = tmp_path / "damaged.backup"
    damaged.write_bytes(bytes(data))
    make_user("maria")  # written after the backup: a failed restore must not lose it
    result = alongside("restore", str(damaged), env=shared_env, cwd=tmp_path)
    assert result.returncode == 1
    one_line_reason(result)
    from server.accounts.tables import User

    assert sorted(run(User.select(User.username).output(as_list=True))) == ["ion", "maria"]


def test_progress_bar_on_a_log_writes_a_line_per_tenth():
    stream = io.StringIO()
    bar = ProgressBar("backup", stream, width=10)
    for done in range(0, 101):
        bar.update(done, 100)
    bar.finish()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 11
    assert lines[0] == "backup [..........]   0%"
    assert lines[5] == "backup [#####.....]  50%"
    assert lines[-1] == "backup [##########] 100%"


def test_progress_bar_on_a_terminal_redraws_in_place():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    bar = ProgressBar("restore", stream, width=4)
    bar.update(1, 4)
    bar.update(3, 4)
    bar.finish()
    assert stream.getvalue() == (
        "\rrestore [#...]  25%\rrestore [###.]  75%\rrestore [####] 100%\n"
    )
