"""What the server keeps of an entry is its envelope and clear categories: no name, no
contact detail, no free text reaches the database, its files or the data dir."""

from __future__ import annotations

import json
from pathlib import Path

from litestar.testing import TestClient

from server.piccolo_conf import APP_REGISTRY
from server.settings import get_settings
from tests.integration.sync.conftest import Phone
from tests.support.entries import plaintext, sealed_envelope, sync
from tests.support.run import run

TAG = "Zq81"


def marker(name: str) -> str:
    return f"MARKER-{name}-{TAG}"


def entries_full_of_markers(case_id: str) -> tuple[list[dict], list[dict]]:
    """(valid entries, invalid entries), every free-text field carrying its own marker."""
    intake = plaintext(
        "case_intake",
        case_id,
        given_name=marker("given-name"),
        family_name=marker("family-name"),
        phone=marker("phone"),
        address=marker("address"),
        notes=marker("notes-intake"),
    )
    valid = [
        intake,
        plaintext(
            "visit",
            case_id,
            purpose=marker("purpose"),
            outcome=marker("visit-outcome"),
            notes=marker("notes-visit"),
        ),
        plaintext(
            "accompaniment",
            case_id,
            outcome=marker("acc-outcome"),
            notes=marker("notes-acc"),
            next_hearing_at="2025-09-01T09:00:00+03:00",
        ),
        plaintext(
            "referral",
            case_id,
            provider=marker("provider"),
            notes=marker("notes-referral"),
            follow_up_on="2025-08-01",
        ),
        plaintext(
            "risk_assessment",
            case_id,
            safety_plan=[{"action": marker("plan-action"), "owner": marker("plan-owner")}],
            override_level="high",
            override_reason=marker("override-reason"),
            notes=marker("notes-risk"),
        ),
        plaintext(
            "training",
            None,
            topic=marker("training-topic"),
            place=marker("training-place"),
            notes=marker("notes-training"),
        ),
        plaintext(
            "supervision",
            None,
            topic=marker("supervision-topic"),
            notes=marker("notes-supervision"),
        ),
        plaintext(
            "systemic_problem",
            None,
            description=marker("description"),
            proposed_solution=marker("solution"),
            notes=marker("notes-problem"),
        ),
    ]
    invalid = [
        plaintext("visit", case_id, place=marker("rejected-enum"), notes=marker("rejected-notes")),
        plaintext("case_intake", given_name=marker("rejected-name"), sex="unknown"),
        {**plaintext("training", None, topic=marker("rejected-topic")), marker("rejected-key"): 1},
    ]
    return valid, invalid


def store_everything(client: TestClient, phone: Phone) -> list[str]:
    case_id = "1f0e2d3c-4b5a-4c6d-8e7f-0a1b2c3d4e5f"
    valid, invalid = entries_full_of_markers(case_id)
    results = sync(client, phone.token, [sealed_envelope(e) for e in valid + invalid]).json()[
        "results"
    ]
    assert [r["status"] for r in results] == ["stored"] * len(valid) + ["rejected"] * len(
        invalid
    ), results
    assert TAG not in json.dumps(results)
    # Reading an entry (its page unseals it) writes nothing of it either.
    response = client.get(f"/entries/{results[0]['id']}")
    assert response.status_code == 200
    assert marker("given-name") not in response.text  # identity waits for "Show identity"
    shown = client.get(f"/entries/{results[0]['id']}/identity")
    assert marker("given-name") in shown.text  # it was really sealed, not dropped
    # The coordinator's own short label of the case is sealed the same way.
    label = marker("label")
    saved = client.post(
        f"/cases/{case_id}/label",
        data={"label": label, "_csrf_token": phone.csrf},
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    assert label in client.get(f"/cases/{case_id}").text
    return [
        label,
        *(
            marker_text
            for entry in valid + invalid
            for marker_text in strings_in(entry)
            if TAG in marker_text
        ),
    ]


def strings_in(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in strings_in(k) + strings_in(v)]
    if isinstance(value, list):
        return [s for item in value for s in strings_in(item)]
    return []


def every_stored_value() -> list[tuple[str, str, object]]:
    rows = []
    for config in APP_REGISTRY.app_configs.values():
        for table in config.table_classes:
            for row in run(table.select()):
                for column, value in row.items():
                    rows.append((table._meta.tablename, column, value))
    return rows


def test_no_marker_is_in_any_column_of_any_table(client: TestClient, phone: Phone) -> None:
    markers = store_everything(client, phone)
    assert len(markers) >= 25
    values = every_stored_value()
    assert any(table == "entry" for table, _c, _v in values)
    found = [
        (table, column)
        for table, column, value in values
        if value is not None
        and TAG.lower() in (value if isinstance(value, str) else repr(value)).lower()
    ]
    assert found == []


def test_no_marker_is_in_any_file_of_the_data_dir(
    client: TestClient, phone: Phone, data_dir: Path
) -> None:
    store_everything(client, phone)
    settings = get_settings()
    files = [path for path in data_dir.rglob("*") if path.is_file()]
    if not settings.uses_postgres:
        database = settings.sqlite_path
        assert database.exists() and database in files
        # Everything written so far is in the file or its journal, both in the data dir.
    assert files
    needles = [TAG.encode(), TAG.encode("utf-16-le"), TAG.lower().encode()]
    leaking = [str(path) for path in files for needle in needles if needle in path.read_bytes()]
    assert leaking == []


def test_no_supervisor_comment_is_in_any_column_or_file(client: TestClient, data_dir: Path) -> None:
    """Comments on entries and reports (returned or approved with a comment) are sealed too."""
    from tests.support.reports import decide_with_comments

    tag = "Cm63"
    decide_with_comments(client, lambda name: f"MARKER-{name}-{tag}")
    found = [
        (table, column)
        for table, column, value in every_stored_value()
        if value is not None and tag in (value if isinstance(value, str) else repr(value))
    ]
    assert found == []
    files = [path for path in data_dir.rglob("*") if path.is_file()]
    assert [str(path) for path in files if tag.encode() in path.read_bytes()] == []


def test_the_scans_would_see_a_marker_written_in_clear(
    client: TestClient, phone: Phone, data_dir: Path
) -> None:
    # The scans above must be able to fail: a marker written to a clear column is found.
    # (Another tag: SQLite keeps deleted rows' bytes, which must not trouble the tests above.)
    from server.accounts.tables import Team

    tag = "Yk42"
    run(Team.insert(Team(name=f"MARKER-clear-team-{tag}", country="MD")))
    assert any(isinstance(value, str) and tag in value for _t, _c, value in every_stored_value())
    if not get_settings().uses_postgres:
        files = [path for path in data_dir.rglob("*") if path.is_file()]
        assert any(tag.encode() in path.read_bytes() for path in files)
