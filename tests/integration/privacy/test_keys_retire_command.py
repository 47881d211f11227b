"""`alongside keys retire` as a real process: old keys that wrap nothing are destroyed, the
current one stays, and the audit log records each retired kid."""

from __future__ import annotations

from pathlib import Path

from tests.integration.test_cli import (  # noqa: F401 (fixtures)
    alongside,
    elsewhere,
    fresh_env,
    sqlite_rows,
)


def test_keys_retire_destroys_old_keys_that_wrap_nothing(fresh_env, elsewhere):  # noqa: F811
    assert alongside("migrate", cwd=elsewhere, env=fresh_env).returncode == 0
    assert alongside("keys", "rotate", cwd=elsewhere, env=fresh_env).returncode == 0
    assert alongside("keys", "rotate", cwd=elsewhere, env=fresh_env).returncode == 0
    sealing = Path(fresh_env["ALONGSIDE_DATA_DIR"]) / "keys" / "sealing"
    before = sorted(path.stem for path in sealing.glob("*.pem"))
    current = (sealing / "current").read_text().strip()
    assert len(before) == 2 and current in before

    result = alongside("keys", "retire", cwd=elsewhere, env=fresh_env)
    assert result.returncode == 0, result.stderr
    old = next(kid for kid in before if kid != current)
    assert result.stdout.strip() == f"retired sealing keys: {old}; kept: {current}"
    assert sorted(path.stem for path in sealing.glob("*.pem")) == [current]
    audited = sqlite_rows(
        fresh_env["ALONGSIDE_DATA_DIR"],
        "SELECT actor_name, object_id FROM audit_event WHERE action = 'retire_key'",
    )
    assert audited == [("cli", old)]

    again = alongside("keys", "retire", cwd=elsewhere, env=fresh_env)
    assert again.stdout.strip() == f"retired sealing keys: none; kept: {current}"
