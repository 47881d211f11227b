"""Test set-up shared by every suite.

The suite runs against a real database: SQLite by default, PostgreSQL when DATABASE_URL is
set (the Makefile passes TEST_POSTGRES_URL). Each test starts from empty tables.

Under pytest-xdist every worker is a process of its own with its own data dir (so its own
SQLite file and keys) and, on PostgreSQL, its own database next to the given one
(`<name>_gw0`, `<name>_gw1`…), made here before anything opens the engine.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from tests.support.worker_database import use_worker_database

# Configure before anything imports server.settings or Piccolo's engine.
use_worker_database(os.environ)
_DATA_DIR = Path(tempfile.mkdtemp(prefix="alongside-test-"))
os.environ["ALONGSIDE_DATA_DIR"] = str(_DATA_DIR)
os.environ["ALONGSIDE_ENV"] = "development"
os.environ["PICCOLO_CONF"] = "server.piccolo_conf"
for _name in ("ALONGSIDE_SECRET_KEY", "ALONGSIDE_COUNTRY", "ALONGSIDE_MFA_ROLES"):
    os.environ.pop(_name, None)
# The second factor has its own tests; elsewhere tests log in with a password only.
os.environ["ALONGSIDE_MFA_ROLES"] = ""
# Logins verify Argon2id thousands of times; the cheap profile keeps that to milliseconds
# (tests/unit/accounts/test_password_hashing.py checks what a deployment uses).
os.environ["ALONGSIDE_PASSWORD_HASHING"] = "cheap"

import pytest  # noqa: E402

from tests.support.pooled_engine import keep_connections  # noqa: E402

keep_connections()  # before any table asks for its engine

from tests.support.database import reset_database, truncate_all  # noqa: E402
from tests.support.run import run  # noqa: E402


def pytest_configure(config: pytest.Config) -> None:
    # An xdist controller runs no test: only its workers (and a plain run) need the schema.
    if getattr(config.option, "numprocesses", None) and not hasattr(config, "workerinput"):
        return
    run(reset_database())


def pytest_unconfigure(config: pytest.Config) -> None:
    from piccolo.engine import engine_finder
    from piccolo.engine.postgres import PostgresEngine

    engine = engine_finder()
    if isinstance(engine, PostgresEngine):
        run(engine.close_connection_pool())
    shutil.rmtree(_DATA_DIR, ignore_errors=True)


@pytest.fixture(autouse=True)
def empty_tables() -> None:
    run(truncate_all())


@pytest.fixture
def data_dir() -> Path:
    return _DATA_DIR


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--long",
        action="store_true",
        help="run the long tests (marked slow) too: `make test-long`",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    _deselect(config, items)
    # The longest tests (the scenarios' months, then the browser tests) go first, so that the
    # parallel workers do not end with one of them still running and the other idle.
    items.sort(key=_longest_first)


def _longest_first(item: pytest.Item) -> int:
    part = Path(str(item.fspath)).resolve().relative_to(Path(__file__).resolve().parent).parts[0]
    return {"scenarios": 0, "browser": 1}.get(part, 2)


def _deselect(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Long runs (hundreds of generated months) are deselected, not skipped, unless asked for
    # with --long: `make test-long` runs them; under CI a skip would fail the run.
    if not config.getoption("--long"):
        long_runs = [item for item in items if "slow" in item.keywords]
        if long_runs:
            config.hook.pytest_deselected(items=long_runs)
            items[:] = [item for item in items if "slow" not in item.keywords]
    # PostgreSQL-only tests are deselected, not skipped, on SQLite: they run in the second
    # pass of `make test`, and under CI a skip means something silently did not run.
    if os.environ.get("DATABASE_URL"):
        # The PostgreSQL pass runs what can differ by engine: every test that reaches the
        # database through the server's own code (tests/integration, tests/scenarios, and
        # tests marked `engine`). Unit tests of plain functions and the browser tests (whose
        # server-side paths the integration tests cover) cannot, and ran on SQLite.
        same_on_any_engine = [item for item in items if not _engine_dependent(item)]
        if same_on_any_engine:
            config.hook.pytest_deselected(items=same_on_any_engine)
            items[:] = [item for item in items if _engine_dependent(item)]
        return
    postgres_only = [item for item in items if "postgres" in item.keywords]
    if postgres_only:
        config.hook.pytest_deselected(items=postgres_only)
        items[:] = [item for item in items if "postgres" not in item.keywords]


def _engine_dependent(item: pytest.Item) -> bool:
    if "engine" in item.keywords or "postgres" in item.keywords:
        return True
    path = Path(str(item.fspath)).resolve().relative_to(Path(__file__).resolve().parent)
    return path.parts[0] in ("integration", "scenarios")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # Under CI a skipped test is a failure: nothing may silently not run.
    if os.environ.get("CI", "").lower() != "true":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        if reporter:
            reporter.write_line(f"CI=true: {len(skipped)} skipped test(s) count as failures")
