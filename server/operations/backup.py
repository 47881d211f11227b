"""Backups and restores of the database, safe to run while the server writes.

SQLite goes through the online backup API (a consistent snapshot page by page, writers
keep writing), PostgreSQL through `pg_dump -Fc` / `pg_restore`. A backup holds only what the
database holds — sealed entries and clear metadata — never the keys: the data dir's `keys/`
folder is copied separately, so a leaked backup opens no entry. Sessions are left out of
every backup: they are worthless after a restore and would only widen what a leak gives.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO
from urllib.parse import unquote, urlparse

from server.settings import Settings

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_CUSTOM_MAGIC = b"PGDMP"
# Left out of backups (see the module docstring); their rows are recreated at each login.
SESSION_TABLES = ("user_session",)
PAGES_PER_STEP = 64


class BackupError(RuntimeError):
    """A backup or restore that could not be done; the message is one line for the CLI."""


class ProgressBar:
    """A progress bar on a stream (stderr): redrawn in place on a terminal, otherwise one
    line per tenth so that logs of unattended runs stay short."""

    def __init__(self, label: str, stream: TextIO | None = None, width: int = 30) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.interactive = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last_tenth = -1
        self._finished = False

    def update(self, done: int, total: int) -> None:
        fraction = 1.0 if total <= 0 else min(max(done / total, 0.0), 1.0)
        filled = round(fraction * self.width)
        line = f"{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {fraction:4.0%}"
        if self.interactive:
            self.stream.write("\r" + line)
            self.stream.flush()
            return
        tenth = int(fraction * 10)
        if tenth != self._last_tenth:
            self._last_tenth = tenth
            self.stream.write(line + "\n")
            self.stream.flush()

    def finish(self) -> None:
        if self._finished:
            return
        self._finished = True
        self.update(1, 1)
        if self.interactive:
            self.stream.write("\n")
            self.stream.flush()


@dataclass(frozen=True)
class Summary:
    kind: str  # "sqlite" or "postgresql"
    path: Path
    entries: int


# --- helpers -----------------------------------------------------------------------------


def _format_of(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(len(SQLITE_MAGIC))
    if head == SQLITE_MAGIC:
        return "sqlite"
    if head.startswith(PG_CUSTOM_MAGIC):
        return "postgresql"
    raise BackupError(f"{path} is not an Alongside backup (neither SQLite nor pg_dump -Fc)")


def _check_target(path: Path, settings: Settings) -> None:
    if path.exists():
        raise BackupError(f"{path} already exists; choose a new file name")
    if not path.parent.is_dir():
        raise BackupError(f"the folder {path.parent} does not exist")
    resolved = path.resolve()
    if resolved.is_relative_to(settings.keys_dir.resolve()):
        raise BackupError("a backup may not be written into the keys folder")


def _sqlite_integrity(connection: sqlite3.Connection) -> None:
    result = connection.execute("PRAGMA integrity_check").fetchall()
    if result != [("ok",)]:
        raise BackupError(f"integrity check failed: {result[0][0]}")
    broken = connection.execute("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise BackupError(f"integrity check failed: {len(broken)} dangling references")


def _sqlite_entry_count(connection: sqlite3.Connection) -> int:
    try:
        return connection.execute('SELECT count(*) FROM "entry"').fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def _copy_sqlite(source: sqlite3.Connection, target: sqlite3.Connection, bar: ProgressBar):
    def progress(_status: int, remaining: int, total: int) -> None:
        bar.update(total - remaining, total)

    # A read transaction held across every step keeps one consistent snapshot: without it a
    # write between two steps restarts the copy, and a busy server could restart it forever.
    # In write-ahead-log mode (server/core/migrations.py) writers go on meanwhile; a file
    # still in rollback-journal mode makes them wait (busy timeout 30 s), then carry on.
    source.isolation_level = None
    source.execute("BEGIN")
    source.execute("SELECT count(*) FROM sqlite_master").fetchone()
    try:
        source.backup(target, pages=PAGES_PER_STEP, progress=progress, sleep=0)
    finally:
        source.execute("COMMIT")
    bar.finish()


def _pg_binary(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for version in ("17", "16", "15"):
        candidate = Path(f"/usr/lib/postgresql/{version}/bin/{name}")
        if candidate.exists():
            return str(candidate)
    raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")


def _pg_env(database_url: str) -> tuple[dict[str, str], str]:
    """libpq settings for pg_dump / pg_restore, so the password never shows in `ps`."""
    url = urlparse(database_url)
    env = dict(os.environ)
    env.update(
        {
            "PGHOST": url.hostname or "127.0.0.1",
            "PGPORT": str(url.port or 5432),
            "PGUSER": unquote(url.username or ""),
            "PGPASSWORD": unquote(url.password or ""),
            "PGDATABASE": url.path.lstrip("/"),
        }
    )
    return env, url.path.lstrip("/")


def _run_pg(command: list[str], env: dict[str, str], bar: ProgressBar, steps: int) -> None:
    """Run pg_dump / pg_restore with --verbose, turning its per-object lines into progress."""
    # The command is built here from fixed arguments and a path; no shell is involved.
    process = subprocess.Popen(  # noqa: S603
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    done = 0
    errors: list[str] = []
    assert process.stderr is not None
    for line in process.stderr:
        if re.search(r"(dumping contents of table|processing data for table)", line):
            done += 1
            bar.update(done, max(steps, done + 1))
        elif "error" in line.lower():
            errors.append(line.strip())
    status = process.wait()
    if status != 0:
        reason = errors[-1] if errors else f"{Path(command[0]).name} exited with {status}"
        raise BackupError(reason.replace("\n", " "))
    bar.finish()


def _table_count() -> int:
    from server.piccolo_conf import APP_REGISTRY

    return sum(len(config.table_classes) for config in APP_REGISTRY.app_configs.values())


# --- backup ------------------------------------------------------------------------------


def backup(settings: Settings, path: Path, stream: TextIO | None = None) -> Summary:
    """Write a consistent backup of the configured database to a new file `path`."""
    path = Path(path)
    _check_target(path, settings)
    bar = ProgressBar("backup", stream)
    if settings.uses_postgres:
        return _backup_postgres(settings, path, bar)
    return _backup_sqlite(settings, path, bar)


def _backup_sqlite(settings: Settings, path: Path, bar: ProgressBar) -> Summary:
    if not settings.sqlite_path.exists():
        raise BackupError(f"no database at {settings.sqlite_path}")
    # Written next to the target and renamed at the end: a half-written file never has
    # the backup's name.
    fd, partial_name = tempfile.mkstemp(prefix=".alongside-backup-", dir=path.parent)
    os.close(fd)
    partial = Path(partial_name)
    try:
        source = sqlite3.connect(settings.sqlite_path, timeout=30)
        target = sqlite3.connect(partial)
        try:
            _copy_sqlite(source, target, bar)
            for table in SESSION_TABLES:
                target.execute(f'DELETE FROM "{table}"')  # noqa: S608 - a fixed table name
            target.commit()
            # Pages of deleted rows would still hold the session hashes: rewrite the file.
            target.execute("VACUUM")
            _sqlite_integrity(target)
            entries = _sqlite_entry_count(target)
        finally:
            target.close()
            source.close()
        os.chmod(partial, 0o600)
        partial.replace(path)
    except sqlite3.Error as error:
        raise BackupError(f"backup failed: {error}") from error
    finally:
        partial.unlink(missing_ok=True)
    return Summary("sqlite", path, entries)


def _backup_postgres(settings: Settings, path: Path, bar: ProgressBar) -> Summary:
    env, _database = _pg_env(settings.database_url or "")
    partial = path.with_name(f".{path.name}.partial")
    command = [
        _pg_binary("pg_dump"),
        "--format=custom",
        "--no-owner",
        "--no-privileges",
        "--verbose",
        *(f"--exclude-table-data={table}" for table in SESSION_TABLES),
        f"--file={partial}",
    ]
    try:
        _run_pg(command, env, bar, _table_count())
        os.chmod(partial, 0o600)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return Summary("postgresql", path, -1)


# --- restore -----------------------------------------------------------------------------


def restore(settings: Settings, path: Path, stream: TextIO | None = None) -> Summary:
    """Restore a backup into the configured database, replacing what it holds, then check
    its integrity. Stop the server first: a restore replaces every table."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"no backup at {path}")
    kind = _format_of(path)
    wanted = "postgresql" if settings.uses_postgres else "sqlite"
    if kind != wanted:
        raise BackupError(
            f"{path} is a {kind} backup but the configured database is {wanted} "
            "(check DATABASE_URL)"
        )
    bar = ProgressBar("restore", stream)
    if kind == "sqlite":
        return _restore_sqlite(settings, path, bar)
    return _restore_postgres(settings, path, bar)


def _restore_sqlite(settings: Settings, path: Path, bar: ProgressBar) -> Summary:
    try:
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            _sqlite_integrity(source)
            settings.data_dir.mkdir(parents=True, exist_ok=True)
            target = sqlite3.connect(settings.sqlite_path, timeout=30)
            try:
                _copy_sqlite(source, target, bar)
                _sqlite_integrity(target)
                entries = _sqlite_entry_count(target)
            finally:
                target.close()
        finally:
            source.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"restore failed: {error}") from error
    os.chmod(settings.sqlite_path, 0o600)
    return Summary("sqlite", settings.sqlite_path, entries)


def _restore_postgres(settings: Settings, path: Path, bar: ProgressBar) -> Summary:
    env, database = _pg_env(settings.database_url or "")
    command = [
        _pg_binary("pg_restore"),
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
        "--verbose",
        f"--dbname={database}",
        str(path),
    ]
    _run_pg(command, env, bar, _table_count())
    return Summary("postgresql", path, -1)


# --- after a restore -----------------------------------------------------------------------


async def check_entries() -> tuple[int, int]:
    """Open every stored entry with the keys in the data dir: returns (entries, unopened).
    A restore is only usable together with the keys; this says so before anyone relies on it."""
    from server.entries.services import ENVELOPE_COLUMNS, open_entry
    from server.entries.tables import Entry

    # Erased entries (server.privacy) are left out: their keys were destroyed on purpose.
    rows = await Entry.select(*ENVELOPE_COLUMNS).where(Entry.wrapped_key != "")
    unopened = 0
    for row in rows:
        try:
            open_entry(row)
        except Exception:  # unknown key, wrong passphrase, InvalidTag: it does not open
            unopened += 1
    return len(rows), unopened
