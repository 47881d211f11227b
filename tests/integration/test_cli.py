"""The `alongside` console script, run as a real process from outside the project."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from server.accounts.services import authenticate
from server.accounts.tables import Team, User
from server.core.paths import PROJECT_ROOT
from server.demo.load import DEMO_ACCOUNTS, DEMO_PASSWORD
from tests.support.accounts import make_user
from tests.support.run import run

ALONGSIDE = PROJECT_ROOT / ".venv" / "bin" / "alongside"


def alongside(
    *args: str, cwd: Path, env: dict[str, str], stdin: str | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(ALONGSIDE), *args],
        cwd=str(cwd),
        env=env,
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        timeout=120,
    )


def user_create(
    name: str, role: str, team: str, *extra: str, cwd: Path, env: dict, stdin: str | None = None
) -> subprocess.CompletedProcess:
    args = ("user", "create", name, "--role", role, "--team", team, *extra)
    return alongside(*args, cwd=cwd, env=env, stdin=stdin)


def one_line_reason(result: subprocess.CompletedProcess) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("alongside:"), result.stderr
    return lines[0]


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """A working directory that is not the project."""
    directory = tmp_path / "elsewhere"
    directory.mkdir()
    assert not directory.resolve().is_relative_to(PROJECT_ROOT)
    return directory


@pytest.fixture
def fresh_env(tmp_path: Path) -> dict[str, str]:
    """A brand-new SQLite data dir, as on a fresh machine (no DATABASE_URL, no PICCOLO_CONF)."""
    env = os.environ.copy()
    names = (
        "DATABASE_URL",
        "PICCOLO_CONF",
        "ALONGSIDE_SECRET_KEY",
        "ALONGSIDE_COUNTRY",
        "ALONGSIDE_PASSWORD_HASHING",
    )
    for name in names:
        env.pop(name, None)
    env["ALONGSIDE_DATA_DIR"] = str(tmp_path / "data")
    env["ALONGSIDE_ENV"] = "development"
    return env


@pytest.fixture
def shared_env() -> dict[str, str]:
    """The test process's own database, so results can be checked in-process."""
    env = os.environ.copy()
    env.pop("PICCOLO_CONF", None)
    return env


def sqlite_rows(data_dir: str, sql: str) -> list[tuple]:
    connection = sqlite3.connect(Path(data_dir) / "alongside.db")
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


USERS = "SELECT username, password_hash FROM app_user ORDER BY username"


def logs_in(username: str, password: str) -> bool:
    outcome = run(authenticate(username, password, "192.0.2.10"))
    return outcome.user_id is not None


# --- migrate and demo on a fresh data dir ---------------------------------------------


def test_migrate_from_another_directory_makes_the_database_in_the_data_dir(fresh_env, elsewhere):
    result = alongside("migrate", cwd=elsewhere, env=fresh_env)
    assert result.returncode == 0, result.stderr
    assert (Path(fresh_env["ALONGSIDE_DATA_DIR"]) / "alongside.db").is_file()
    assert not (elsewhere / "data").exists()
    tables = {
        row[0]
        for row in sqlite_rows(
            fresh_env["ALONGSIDE_DATA_DIR"], "SELECT name FROM sqlite_master WHERE type='table'"
        )
    }
    assert {"team", "app_user", "user_session"} <= tables
    # Applying again is harmless.
    again = alongside("migrate", cwd=elsewhere, env=fresh_env)
    assert again.returncode == 0, again.stderr


def test_demo_loads_prints_accounts_and_is_idempotent(fresh_env, elsewhere):
    first = alongside("demo", cwd=elsewhere, env=fresh_env)
    assert first.returncode == 0, first.stderr
    for account in DEMO_ACCOUNTS:
        assert account.username in first.stdout
    assert DEMO_PASSWORD in first.stdout
    data_dir = fresh_env["ALONGSIDE_DATA_DIR"]
    users = sqlite_rows(data_dir, USERS)
    teams = sqlite_rows(data_dir, "SELECT name FROM team ORDER BY name")
    assert sorted(u for u, _ in users) == sorted(a.username for a in DEMO_ACCOUNTS)

    second = alongside("demo", cwd=elsewhere, env=fresh_env)
    assert second.returncode == 0, second.stderr
    for account in DEMO_ACCOUNTS:
        assert account.username in second.stdout
    # Nothing new, and the existing accounts are left exactly as they were.
    assert sqlite_rows(data_dir, USERS) == users
    assert sqlite_rows(data_dir, "SELECT name FROM team ORDER BY name") == teams


def test_demo_is_refused_in_production(fresh_env, elsewhere):
    env = {**fresh_env, "ALONGSIDE_ENV": "production"}
    result = alongside("demo", cwd=elsewhere, env=env)
    assert result.returncode == 1
    reason = one_line_reason(result)
    assert "production" in reason
    database = Path(env["ALONGSIDE_DATA_DIR"]) / "alongside.db"
    if database.exists():
        assert sqlite_rows(env["ALONGSIDE_DATA_DIR"], "SELECT count(*) FROM app_user") == [(0,)]


def test_an_invalid_setting_is_a_one_line_failure(fresh_env, elsewhere):
    result = alongside("migrate", cwd=elsewhere, env={**fresh_env, "ALONGSIDE_COUNTRY": "FR"})
    assert result.returncode == 1
    assert "ALONGSIDE_COUNTRY" in one_line_reason(result)


# --- user create, against the test process's database ------------------------------------


def test_user_create_prints_a_generated_password_once_and_it_logs_in(shared_env, elsewhere):
    result = user_create("Nadia", "coordinator", "New Team", cwd=elsewhere, env=shared_env)
    assert result.returncode == 0, result.stderr
    password_lines = [line for line in result.stdout.splitlines() if line.startswith("password:")]
    assert len(password_lines) == 1, result.stdout
    password = password_lines[0].split(":", 1)[1].strip()
    assert len(password) >= 12
    assert (result.stdout + result.stderr).count(password) == 1

    assert logs_in("nadia", password)
    assert not logs_in("nadia", password + "x")
    user = run(
        User.select(User.role, User.team.name, User.team.country)
        .where(User.username == "nadia")
        .first()
    )
    assert user == {"role": "coordinator", "team.name": "New Team", "team.country": "MD"}


def test_user_create_joins_an_existing_team(shared_env, elsewhere):
    make_user("first", team="Team North")
    result = user_create("second", "supervisor", "Team North", cwd=elsewhere, env=shared_env)
    assert result.returncode == 0, result.stderr
    assert run(Team.count().where(Team.name == "Team North")) == 1
    teams = run(User.select(User.team).where(User.username.is_in(["first", "second"])))
    assert len({row["team"] for row in teams}) == 1


def test_user_create_reads_the_password_from_stdin(shared_env, elsewhere):
    password = "a long enough passphrase"
    result = user_create(
        "olga",
        "shelter",
        "Shelter",
        "--password-stdin",
        cwd=elsewhere,
        env=shared_env,
        stdin=password + "\n",
    )
    assert result.returncode == 0, result.stderr
    assert password not in result.stdout + result.stderr
    assert "password:" not in result.stdout
    assert logs_in("olga", password)


def test_user_create_refuses_a_too_short_password_from_stdin(shared_env, elsewhere):
    result = user_create(
        "olga",
        "shelter",
        "Shelter",
        "--password-stdin",
        cwd=elsewhere,
        env=shared_env,
        stdin="short\n",
    )
    assert result.returncode == 1
    one_line_reason(result)
    assert not run(User.exists().where(User.username == "olga"))


def test_user_create_refuses_a_duplicate_username(shared_env, elsewhere):
    make_user("taken")
    result = user_create("Taken", "coordinator", "Team North", cwd=elsewhere, env=shared_env)
    assert result.returncode == 1
    assert "taken" in one_line_reason(result)
    assert "password:" not in result.stdout
    assert run(User.count().where(User.username == "taken")) == 1


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("user", "create", "x1", "--role", "boss", "--team", "T"), id="unknown-role"),
        pytest.param(("user", "create", "x1", "--role", "admin"), id="missing-team"),
        pytest.param(("user", "create", "--role", "admin", "--team", "T"), id="missing-name"),
        pytest.param(("user",), id="missing-user-command"),
        pytest.param(("frobnicate",), id="unknown-command"),
        pytest.param((), id="no-arguments"),
    ],
)
def test_bad_usage_exits_2(shared_env, elsewhere, args):
    result = alongside(*args, cwd=elsewhere, env=shared_env)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "usage:" in result.stderr
    assert not run(User.exists().where(User.username == "x1"))


# --- team names by language ---------------------------------------------------------------


def test_team_name_sets_and_removes_a_teams_name_in_one_language(shared_env, elsewhere):
    make_user("ana", "coordinator", "Team North")
    result = alongside(
        "team", "name", "Team North", "ro", "Echipa Nord", cwd=elsewhere, env=shared_env
    )
    assert result.returncode == 0, result.stderr
    assert "ro: Echipa Nord" in result.stdout
    alongside("team", "name", "Team North", "sr", "Тим Север", cwd=elsewhere, env=shared_env)
    names = run(Team.select(Team.names).where(Team.name == "Team North").first())["names"]
    assert (json.loads(names) if isinstance(names, str) else names) == {
        "ro": "Echipa Nord",
        "sr": "Тим Север",
    }
    removed = alongside("team", "name", "Team North", "ro", "", cwd=elsewhere, env=shared_env)
    assert removed.returncode == 0, removed.stderr
    assert "ro:" not in removed.stdout and "sr: Тим Север" in removed.stdout


def test_team_name_of_a_team_that_does_not_exist_is_a_one_line_failure(shared_env, elsewhere):
    result = alongside(
        "team", "name", "Team Nowhere", "ro", "Echipa", cwd=elsewhere, env=shared_env
    )
    assert result.returncode == 1
    assert "no such team" in one_line_reason(result)
    bad = alongside("team", "name", "Team North", "de", "Team Nord", cwd=elsewhere, env=shared_env)
    assert bad.returncode == 2
