"""Settings read from explicit environments; the README documents every variable read."""

from __future__ import annotations

import ast
import os
import re
import stat
from pathlib import Path

import pytest

from server.core.paths import PROJECT_ROOT
from server.settings import ROLES, SettingsError, read_settings, secret_key

SETTINGS_FILE = PROJECT_ROOT / "server" / "settings.py"
README = PROJECT_ROOT / "README.md"


def test_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    settings = read_settings({})
    assert settings.database_url is None
    assert not settings.uses_postgres
    assert settings.data_dir == tmp_path / "data"
    assert settings.sqlite_path == tmp_path / "data" / "alongside.db"
    assert settings.keys_dir == tmp_path / "data" / "keys"
    assert settings.country == "MD"
    assert settings.env == "development"
    assert not settings.production
    assert settings.secret_key is None
    assert settings.mfa_roles == ("supervisor", "admin")
    assert settings.scheduler_interval == 60
    assert settings.port == 8000
    assert settings.retention_days == 1825
    assert settings.argon2_profile == "standard"
    assert settings.push_endpoint_allowlist
    assert all(prefix.startswith("https://") for prefix in settings.push_endpoint_allowlist)


def test_cheap_argon2_profile_is_for_tests_only():
    assert read_settings({"ALONGSIDE_PASSWORD_HASHING": "Cheap"}).argon2_profile == "cheap"
    with pytest.raises(SettingsError, match="ALONGSIDE_PASSWORD_HASHING must be standard or"):
        read_settings({"ALONGSIDE_PASSWORD_HASHING": "none"})
    production = {"ALONGSIDE_ENV": "production", "ALONGSIDE_SECRET_KEY": "s" * 40}
    assert read_settings(production).argon2_profile == "standard"
    with pytest.raises(SettingsError, match="must be standard in production"):
        read_settings({**production, "ALONGSIDE_PASSWORD_HASHING": "cheap"})


def test_explicit_values_are_read():
    settings = read_settings(
        {
            "DATABASE_URL": "postgresql://u:p@db:5432/alongside",
            "ALONGSIDE_DATA_DIR": "/srv/alongside",
            "ALONGSIDE_COUNTRY": "XK",
            "ALONGSIDE_ENV": "production",
            "ALONGSIDE_SECRET_KEY": "s" * 40,
            "ALONGSIDE_MFA_ROLES": " admin , shelter ",
            "ALONGSIDE_PUSH_ENDPOINT_ALLOWLIST": "https://push.example/,https://other.example/",
            "ALONGSIDE_SCHEDULER_INTERVAL": "2.5",
            "PORT": "9000",
        }
    )
    assert settings.uses_postgres
    assert settings.data_dir == Path("/srv/alongside")
    assert settings.country == "XK"
    assert settings.production
    assert settings.secret_key == "s" * 40
    assert settings.mfa_roles == ("admin", "shelter")
    assert settings.push_endpoint_allowlist == ("https://push.example/", "https://other.example/")
    assert settings.scheduler_interval == 2.5
    assert settings.port == 9000


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DATABASE_URL", "mysql://u:p@db/alongside"),
        ("DATABASE_URL", "sqlite:///data/alongside.db"),
        ("ALONGSIDE_COUNTRY", "FR"),
        ("ALONGSIDE_ENV", "staging"),
        ("ALONGSIDE_MFA_ROLES", "boss"),
        ("ALONGSIDE_MFA_ROLES", "admin,boss"),
        ("ALONGSIDE_SCHEDULER_INTERVAL", "abc"),
        ("ALONGSIDE_SCHEDULER_INTERVAL", "0"),
        ("ALONGSIDE_SCHEDULER_INTERVAL", "-5"),
        ("PORT", "x"),
        ("ALONGSIDE_SECRET_KEY", "too-short"),
        ("ALONGSIDE_RETENTION_DAYS", "five years"),
        ("ALONGSIDE_RETENTION_DAYS", "7"),
        ("ALONGSIDE_RETENTION_DAYS", "40000"),
    ],
)
def test_invalid_value_raises_naming_the_variable(name: str, value: str):
    with pytest.raises(SettingsError) as raised:
        read_settings({name: value})
    assert name in str(raised.value)


def test_mfa_roles_set_but_empty_means_none():
    assert read_settings({"ALONGSIDE_MFA_ROLES": ""}).mfa_roles == ()
    assert read_settings({"ALONGSIDE_MFA_ROLES": " , "}).mfa_roles == ()


def test_every_role_may_be_required_to_use_a_second_factor():
    assert read_settings({"ALONGSIDE_MFA_ROLES": ",".join(ROLES)}).mfa_roles == ROLES


def test_production_refuses_an_http_push_endpoint_prefix():
    environ = {
        "ALONGSIDE_ENV": "production",
        "ALONGSIDE_PUSH_ENDPOINT_ALLOWLIST": "https://push.example/,http://127.0.0.1:9000/",
    }
    with pytest.raises(SettingsError) as raised:
        read_settings(environ)
    assert "ALONGSIDE_PUSH_ENDPOINT_ALLOWLIST" in str(raised.value)
    # The same list is fine on a laptop (a local push endpoint for tests).
    development = read_settings({**environ, "ALONGSIDE_ENV": "development"})
    assert "http://127.0.0.1:9000/" in development.push_endpoint_allowlist


def test_production_with_defaults_is_accepted():
    assert read_settings({"ALONGSIDE_ENV": "production"}).production


# --- the secret key --------------------------------------------------------------------


def test_secret_key_is_generated_once_with_mode_0600_and_reused(tmp_path: Path):
    settings = read_settings({"ALONGSIDE_DATA_DIR": str(tmp_path / "data")})
    path = tmp_path / "data" / "keys" / "secret_key"
    assert not path.exists()

    first = secret_key(settings)
    assert len(first) >= 32
    assert path.read_text().strip() == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) & 0o077 == 0

    # A later start (a fresh read of the environment) gets the same key.
    again = read_settings({"ALONGSIDE_DATA_DIR": str(tmp_path / "data")})
    assert secret_key(again) == first
    assert secret_key(settings) == first

    # Another data dir gets another key.
    other = read_settings({"ALONGSIDE_DATA_DIR": str(tmp_path / "other")})
    assert secret_key(other) != first


def test_a_configured_secret_key_wins_and_nothing_is_written(tmp_path: Path):
    configured = "k" * 48
    settings = read_settings(
        {"ALONGSIDE_DATA_DIR": str(tmp_path / "data"), "ALONGSIDE_SECRET_KEY": configured}
    )
    assert secret_key(settings) == configured
    assert not (tmp_path / "data" / "keys" / "secret_key").exists()


# --- the README documents every variable (datasette's test_docs pattern) -----------------


def variables_read_by_settings() -> set[str]:
    """Every NAME in `env.get("NAME")` / `env["NAME"]` / `os.environ…("NAME")` of settings.py."""
    tree = ast.parse(SETTINGS_FILE.read_text(encoding="utf-8"))
    names: set[str] = set()

    def is_environment(node: ast.AST) -> bool:
        if isinstance(node, ast.Name):
            return node.id in {"env", "environ"}
        if isinstance(node, ast.Attribute):
            return node.attr == "environ"
        return False

    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"get", "pop", "setdefault"}
            and is_environment(node.func.value)
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names.add(node.args[0].value)
        elif (
            isinstance(node, ast.Subscript)
            and is_environment(node.value)
            and isinstance(node.slice, ast.Constant)
            and isinstance(node.slice.value, str)
        ):
            names.add(node.slice.value)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "getenv"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            names.add(node.args[0].value)
    return names


def readme_configuration_variables() -> set[str]:
    text = README.read_text(encoding="utf-8")
    match = re.search(r"^## Configuration\s*$(.*?)(?=^## )", text, re.MULTILINE | re.DOTALL)
    assert match, "README.md has no '## Configuration' section"
    return set(re.findall(r"^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|", match.group(1), re.MULTILINE))


def test_the_parsers_see_the_known_variables():
    # Guards the two parsers below against silently finding nothing.
    read = variables_read_by_settings()
    documented = readme_configuration_variables()
    assert {"DATABASE_URL", "ALONGSIDE_DATA_DIR", "PORT"} <= read
    assert {"DATABASE_URL", "ALONGSIDE_DATA_DIR", "PORT"} <= documented


@pytest.mark.parametrize("name", sorted(variables_read_by_settings()))
def test_every_variable_is_in_the_readme_configuration_table(name: str):
    assert name in readme_configuration_variables(), (
        f"server/settings.py reads {name} but README.md's configuration table does not list it"
    )


def test_the_readme_lists_no_variable_that_is_not_read():
    stale = readme_configuration_variables() - variables_read_by_settings()
    assert not stale, f"README.md documents variables server/settings.py never reads: {stale}"


def test_read_settings_reads_the_process_environment_when_given_none(monkeypatch):
    monkeypatch.setitem(os.environ, "PORT", "8123")
    assert read_settings().port == 8123
