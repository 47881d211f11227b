"""What the service worker may keep for offline use, and what those copies contain."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from server.accounts.sessions import load_user
from server.core.templating import OFFLINE_COPY_HEADER
from server.entries.definitions import ENTRY_TYPES
from server.home.routes import upcoming_dates
from tests.support.accounts import log_in, make_user
from tests.support.entries import open_case, plaintext, submit
from tests.support.run import run

OFFLINE_COPY = {OFFLINE_COPY_HEADER: "1"}


def test_a_coordinator_keeps_home_capture_forms_and_outbox(client):
    make_user("zoltan")
    log_in(client, "zoltan")
    body = client.get("/api/v1/offline-pages").json()
    forms = {f"/capture/{key}" for key, kind in ENTRY_TYPES.items() if "coordinator" in kind.roles}
    assert set(body["pages"]) == {
        "/",
        "/capture",
        "/outbox",
        "/upcoming",
        "/providers/directory",
        *forms,
    }
    assert "zoltan" not in str(body)


def test_supervisors_and_admins_keep_no_page(client):
    for name, role in (("elena", "supervisor"), ("root", "admin")):
        make_user(name, role=role)
        log_in(client, name)
        assert client.get("/api/v1/offline-pages").json()["pages"] == []
        client.cookies.clear()


def test_the_list_needs_a_session(client):
    response = client.get("/api/v1/offline-pages", follow_redirects=False)
    assert response.status_code in (401, 303)


def test_every_listed_page_renders_as_an_offline_copy_without_names(client):
    user_id = make_user("ion")
    _, code = open_case(user_id)
    log_in(client, "ion")
    for path in client.get("/api/v1/offline-pages").json()["pages"]:
        response = client.get(path, headers=OFFLINE_COPY, follow_redirects=False)
        assert response.status_code == 200, path
        assert response.headers.get(OFFLINE_COPY_HEADER) == "1", path
        assert ">ion<" not in response.text, path
    home = client.get("/", headers=OFFLINE_COPY).text
    assert code in home
    assert "Your latest entries" not in home
    # Online, the same page greets the user and shows the latest entries.
    online = client.get("/")
    assert OFFLINE_COPY_HEADER not in online.headers
    assert "Hello, ion" in online.text and "Your latest entries" in online.text


def test_home_lists_hearings_and_follow_ups_ahead_by_date_with_codes_only(client):
    user_id = make_user("ion")
    case_id, code = open_case(user_id)
    soon = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    later = (datetime.now(UTC) + timedelta(days=9)).date()
    past = (datetime.now(UTC) - timedelta(days=2)).replace(microsecond=0)
    hearing = submit(
        user_id,
        plaintext("accompaniment", case_id, next_hearing_at=soon.isoformat(), notes="SECRET"),
    )
    assert hearing["status"] == "stored"
    assert (
        submit(user_id, plaintext("referral", case_id, follow_up_on=later.isoformat()))["status"]
        == "stored"
    )
    submit(user_id, plaintext("accompaniment", case_id, next_hearing_at=past.isoformat()))
    # A corrected hearing date replaces the old one.
    moved = (soon + timedelta(days=1)).isoformat()
    corrected = submit(
        user_id,
        plaintext("accompaniment", case_id, next_hearing_at=moved, revises=hearing["id"]),
    )
    assert corrected["status"] == "stored", corrected

    log_in(client, "ion")
    home = client.get("/", headers=OFFLINE_COPY).text
    section = home[home.index('id="upcoming"') :]
    assert section.count(f'href="/cases/{code}"') == 2
    assert "SECRET" not in home
    assert section.index("Next hearing") < section.index("Referral follow-up")


def test_upcoming_dates_skip_the_past_and_superseded_versions():
    user_id = make_user("ion")
    case_id, _ = open_case(user_id)
    now = datetime.now(UTC)
    first = submit(
        user_id,
        plaintext("accompaniment", case_id, next_hearing_at=(now + timedelta(days=3)).isoformat()),
    )
    submit(
        user_id,
        plaintext(
            "accompaniment",
            case_id,
            next_hearing_at=(now + timedelta(days=4)).isoformat(),
            revises=first["id"],
        ),
    )
    submit(
        user_id,
        plaintext("accompaniment", case_id, next_hearing_at=(now - timedelta(hours=1)).isoformat()),
    )
    rows = run(upcoming_dates(run(load_user(user_id)), now=now))
    # (A monthly report may be due within two weeks too: only hearings count here.)
    rows = [row for row in rows if row["kind"] == "hearing"]
    assert len(rows) == 1
    assert rows[0]["due_at"].date() == (now + timedelta(days=4)).date()
