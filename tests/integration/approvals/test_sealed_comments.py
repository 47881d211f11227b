"""Supervisors' comments (returning or approving an entry or a monthly report) are sealed
like entries: no column holds their words, a key rotation re-wraps them, the pages of those
allowed show them unsealed, and the migration seals comments written the old way."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest
from litestar.testing import TestClient

from server.approvals.services import with_comment
from server.approvals.tables import Decision
from server.entries.rotation import rotate_keys
from server.notifications.tables import Notification
from server.reports import services as reports
from server.reports.tables import ReportDecision
from server.sealing.texts import open_text
from server.settings import get_settings
from tests.integration.sync.test_no_plaintext_at_rest import every_stored_value
from tests.support.accounts import log_in
from tests.support.approvals import build_team, current_user, decided, log_visit
from tests.support.reports import build_month, decide_with_comments
from tests.support.run import run

TAG = "Wc57"


def marker(name: str) -> str:
    return f"MARKER-{name}-{TAG}"


def test_no_comment_is_in_any_column_and_each_opens_for_those_allowed(client: TestClient) -> None:
    made = decide_with_comments(client, marker)
    found = [
        (table, column)
        for table, column, value in every_stored_value()
        if value is not None and TAG in (value if isinstance(value, str) else repr(value))
    ]
    assert found == []

    # The author sees each comment unsealed: entry page, returned list, home, report page.
    csrf = log_in(client, "ana")
    assert csrf
    assert marker("entry-return") in client.get(f"/entries/{made['returned']}").text
    assert marker("entry-approve") in client.get(f"/entries/{made['approved']}").text
    assert marker("entry-return") in client.get("/returned").text
    assert marker("entry-return") in client.get("/").text
    correction = client.get(f"/capture/visit?revises={made['returned']}").text
    assert marker("entry-return") in correction
    page = client.get(made["report_url"]).text
    assert marker("report-return") in page and marker("report-approve") in page
    # Notifications never carry the comment.
    assert TAG not in repr(run(Notification.select()))
    client.cookies.clear()

    # Someone of another team sees none of it.
    log_in(client, "petru")
    assert client.get(f"/entries/{made['returned']}").status_code == 404
    assert TAG not in client.get(made["report_url"]).text


def test_a_key_rotation_rewraps_comments_without_rewriting_them(client: TestClient) -> None:
    decide_with_comments(client, marker)
    before = {
        "decision": run(Decision.select().where(Decision.comment_sealed != "")),
        "report_decision": run(ReportDecision.select().where(ReportDecision.comment_sealed != "")),
    }
    # build_month's own returned visit has a comment too.
    assert len(before["decision"]) == 3 and len(before["report_decision"]) == 2
    new_kid, _count = run(rotate_keys())
    for table, prefix in ((Decision, "decision"), (ReportDecision, "report-decision")):
        after = {row["id"]: row for row in run(table.select().where(table.comment_sealed != ""))}
        for old in before[table._meta.tablename]:
            row = after[old["id"]]
            assert row["comment_key_kid"] == new_kid != old["comment_key_kid"]
            old_envelope = json.loads(old["comment_sealed"])
            new_envelope = json.loads(row["comment_sealed"])
            # Re-wrapped, never re-encrypted: only the wrapped key changed.
            assert new_envelope["wrapped_key"] != old_envelope["wrapped_key"]
            assert {k: v for k, v in new_envelope.items() if k != "wrapped_key"} == {
                k: v for k, v in old_envelope.items() if k != "wrapped_key"
            }
            text = open_text(row["comment_sealed"], row["comment_key_kid"], f"{prefix}:{row['id']}")
            assert text == open_text(
                old["comment_sealed"], old["comment_key_kid"], f"{prefix}:{old['id']}"
            )
            assert text


def test_a_sealed_comment_copied_to_another_decision_does_not_open_there() -> None:
    team = build_team()
    sofia = team.users["sofia"]
    first = log_visit(team.users["ana"], team.north_code)
    second = log_visit(team.users["ana"], team.north_code)
    decided(sofia, first, "returned", "Only for the first.")
    decided(sofia, second, "returned", "Second.")
    rows = {str(row["entry"]): row for row in run(Decision.select())}
    run(
        Decision.update(
            {
                Decision.comment_sealed: rows[first]["comment_sealed"],
                Decision.comment_key_kid: rows[first]["comment_key_kid"],
            }
        ).where(Decision.id == rows[second]["id"])
    )
    copied = run(Decision.select().where(Decision.id == rows[second]["id"]).first())
    with pytest.raises(ValueError):
        with_comment(copied)


MIGRATIONS = [
    (Decision, "server.approvals.piccolo_migrations.approvals_2026_12_04t15_40_01_000000"),
    (ReportDecision, "server.reports.piccolo_migrations.reports_2026_12_04t15_40_01_000000"),
]


def put_back_the_clear_column(table: type) -> None:
    """The table as it was before the sealing migration: with a clear `comment` column."""
    name = table._meta.tablename
    run(table.raw(f'ALTER TABLE "{name}" ADD COLUMN "comment" TEXT NOT NULL DEFAULT \'\''))


def columns_of(table: type) -> set[str]:
    name = table._meta.tablename
    rows = run(table.raw(f'SELECT * FROM "{name}" LIMIT 1'))
    assert rows, "the table has rows"
    return set(rows[0])


def test_the_migration_seals_comments_written_the_old_way_and_drops_the_clear_column(
    data_dir: Path,
) -> None:
    month = build_month()
    users = month.team.users
    ana, sofia = current_user(users["ana"]), current_user(users["sofia"])
    report = run(reports.load_report(ana, "ana", "2025-07"))
    run(reports.save_narrative(ana, report, "July."))
    run(reports.submit(ana, report))
    run(reports.decide(sofia, run(reports.load_report(sofia, "ana", "2025-07")), "returned", "x"))
    old_texts = {}
    for table, _module in MIGRATIONS:
        put_back_the_clear_column(table)
        # Rows written the old way: the comment in clear, nothing sealed.
        for row in run(table.select(table.id)):
            text = f"Old comment {row['id']} in clear {TAG}"
            old_texts[(table, row["id"])] = text
            run(
                table.raw(
                    f'UPDATE "{table._meta.tablename}" SET "comment" = {{}}, '
                    '"comment_sealed" = \'\', "comment_key_kid" = \'\' WHERE "id" = {}',
                    text,
                    row["id"],
                )
            )
        # One decision without a comment stays without one.
        first = run(table.select(table.id).order_by(table.id).first())["id"]
        name = table._meta.tablename
        run(table.raw(f'UPDATE "{name}" SET "comment" = \'\' WHERE "id" = {{}}', first))
        old_texts[(table, first)] = ""
        assert "comment" in columns_of(table)

    needle = b"in clear " + TAG.encode()
    sqlite = not get_settings().uses_postgres
    if sqlite:  # the scan below sees the old comments where they are
        assert any(needle in path.read_bytes() for path in data_dir.rglob("*") if path.is_file())

    for table, module in MIGRATIONS:
        manager = run(importlib.import_module(module).forwards())
        run(manager.run())
        assert "comment" not in columns_of(table)

    assert not any(
        isinstance(value, str) and TAG in value for _t, _c, value in every_stored_value()
    )
    for (table, row_id), text in old_texts.items():
        row = run(table.select().where(table.id == row_id).first())
        prefix = "decision" if table is Decision else "report-decision"
        assert (
            open_text(row["comment_sealed"], row["comment_key_kid"], f"{prefix}:{row_id}") == text
        )
        assert bool(row["comment_key_kid"]) == bool(text)
    if not get_settings().uses_postgres:
        # Nor in the SQLite file's free pages: the old text is zeroed, not just unlinked.
        files = [path for path in data_dir.rglob("*") if path.is_file()]
        assert [
            str(path) for path in files if b"in clear " + TAG.encode() in path.read_bytes()
        ] == []
