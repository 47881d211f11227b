"""Telling cases apart without identity, and logging for a case from its page: the
coordinator's own sealed label (online pages only), age band, region and last contact on
Home, the case list and the capture form's picker, the case page's entry buttons, and the
entry types of each team's country."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from server.audit.tables import AuditEvent
from server.cases.tables import CaseLabel
from server.core.templating import OFFLINE_COPY_HEADER
from tests.integration.cases.people import build_world, visit
from tests.integration.sync.conftest import phone_for
from tests.support.accounts import csrf_from, log_in, make_user
from tests.support.entries import open_case, plaintext, sealed_envelope, submit, sync
from tests.support.run import run

LABEL = "red scarf, Bălți"
OFFLINE_COPY = {OFFLINE_COPY_HEADER: "1"}


@pytest.fixture
def world():
    return build_world()


def set_label(client, code: str, label: str):
    return client.post(
        f"/cases/{code}/label",
        data={"label": label, "_csrf_token": csrf_from(client)},
        follow_redirects=False,
    )


def test_a_label_is_sealed_audited_and_shown_online_to_its_owner_only(client, world):
    log_in(client, "ana")
    assert set_label(client, world.north_code, f"  {LABEL}  ").status_code == 303
    # Sealed: no column of its row holds the text.
    [row] = run(CaseLabel.select())
    assert LABEL not in repr(row) and "scarf" not in repr(row)
    # Audited: who set a label on which case, never the label.
    events = run(
        AuditEvent.select(AuditEvent.actor_name, AuditEvent.object_id).where(
            AuditEvent.action == "set_case_label"
        )
    )
    assert events == [{"actor_name": "ana", "object_id": world.north_code}]
    assert LABEL not in repr(run(AuditEvent.select()))
    # Shown online: case page, Home, case list, the capture form's picker.
    assert f'id="case-label">{LABEL}<' in client.get(f"/cases/{world.north_code}").text
    for path in ("/", "/cases", "/capture/visit", "/capture/systemic_problem"):
        assert LABEL in client.get(path).text, path
    picker = client.get("/capture/visit").text
    assert re.search(
        rf'<option value="{world.north_code}"[^>]*>{world.north_code} · {LABEL}', picker
    )
    # Nobody else sees it: not the supervisor, not another coordinator.
    for other in ("sofia", "bogdan"):
        client.cookies.clear()
        log_in(client, other)
        for path in ("/", "/cases", f"/cases/{world.north_code}"):
            assert "scarf" not in client.get(path).text, (other, path)


def test_a_label_never_reaches_what_the_phone_keeps(client, world):
    hearing = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0).isoformat()
    accompaniment = plaintext("accompaniment", world.north_code, next_hearing_at=hearing)
    assert submit(world.users["ana"], accompaniment)["status"] == "stored"
    log_in(client, "ana")
    set_label(client, world.north_code, LABEL)
    # Online, Upcoming and Home's deadlines say whose hearing it is.
    upcoming = client.get("/upcoming").text
    assert (
        f'{world.north_code}</a> <span class="muted case-hints">{LABEL} · 18–20 years' in upcoming
    )
    listing = client.get("/api/v1/offline-pages")
    assert "scarf" not in listing.text
    pages = listing.json()["pages"]
    assert "/" in pages and "/capture/visit" in pages
    for path in pages:
        copy = client.get(path, headers=OFFLINE_COPY)
        assert copy.status_code == 200, path
        assert "scarf" not in copy.text, path
    # The offline copies still tell cases apart by what is not identifying.
    home = client.get("/", headers=OFFLINE_COPY).text
    assert world.north_code in home and "18–20 years" in home and "North" in home
    offline_upcoming = client.get("/upcoming", headers=OFFLINE_COPY).text
    assert f'{world.north_code}</a> <span class="muted case-hints">18–20 years · North' in (
        offline_upcoming
    )


def test_a_label_is_changed_removed_and_kept_short(client, world):
    log_in(client, "ana")
    set_label(client, world.north_code, LABEL)
    set_label(client, world.north_code, "tall, from Soroca")
    page = client.get(f"/cases/{world.north_code}").text
    assert "tall, from Soroca" in page and "scarf" not in page
    assert run(CaseLabel.count()) == 1
    too_long = set_label(client, world.north_code, "x" * 41)
    assert too_long.status_code == 400
    assert "A label has at most 40 characters." in too_long.text
    assert "tall, from Soroca" in client.get(f"/cases/{world.north_code}").text
    set_label(client, world.north_code, "   ")
    assert run(CaseLabel.count()) == 0
    # A case the user may not see: 404, nothing kept.
    assert set_label(client, world.south_code, LABEL).status_code == 404
    assert run(CaseLabel.count()) == 0


def test_home_and_case_list_show_age_band_region_and_last_contact(client, world):
    visit(world.users["ana"], world.north_code, "2025-08-14T10:00:00+03:00")
    log_in(client, "ana")
    home = client.get("/").text
    item = home[home.index(f'href="/cases/{world.north_code}"') :]
    item = item[: item.index("</li>")]
    assert "18–20 years · North" in item
    assert "last contact 14 Aug 2025" in item
    listing = client.get("/cases").text
    assert "18–20 years" in listing and "14 Aug 2025" in listing


def test_the_case_page_offers_one_button_per_type_loggable_for_a_case(client, world):
    log_in(client, "ana")
    page = client.get(f"/cases/{world.north_code}").text
    buttons = re.findall(r'data-log-type="([a-z_]+)" href="([^"]+)"', page)
    kinds = [kind for kind, _href in buttons]
    assert kinds[0] == "visit"
    assert set(kinds) == {
        "visit",
        "accompaniment",
        "hearing_update",
        "consent",
        "referral",
        "risk_assessment",
        "risk_trigger",
    }
    assert ("visit", f"/capture/visit?case={world.north_code}") in buttons
    # Each opens a form that exists for this user.
    for _kind, href in buttons:
        assert client.get(href).status_code == 200, href
    # Supervisors log nothing.
    client.cookies.clear()
    log_in(client, "sofia")
    assert "data-log-type" not in client.get(f"/cases/{world.north_code}").text


def test_kosovo_shelter_staff_see_and_sync_no_moldovan_entry_types(client):
    phone = phone_for(
        client,
        "besa",
        role="shelter",
        team="Shelter Pristina",
        country="XK",
        regions=("Prishtinë",),
    )
    case_id, code = open_case(phone.user_id, region="Prishtinë")
    menu = client.get("/capture").text
    assert "/capture/visit" in menu and "/capture/risk_assessment" in menu
    for moldovan in ("training", "supervision"):
        assert f"/capture/{moldovan}" not in menu
        assert client.get(f"/capture/{moldovan}").status_code == 404
        assert f"/capture/{moldovan}" not in client.get("/api/v1/offline-pages").text
    assert "/capture/training" not in client.get(f"/cases/{code}").text
    results = sync(
        client,
        phone.token,
        [
            sealed_envelope(plaintext("training", None, region="Prishtinë")),
            sealed_envelope(plaintext("visit", case_id)),
        ],
    ).json()["results"]
    assert results[0]["status"] == "rejected"
    assert results[0]["error"]["code"] == "not_in_country"
    assert results[1]["status"] == "stored"


def test_moldovan_coordinators_keep_training_and_supervision(client):
    user_id = make_user("ion")
    log_in(client, "ion")
    menu = client.get("/capture").text
    assert "/capture/training" in menu and "/capture/supervision" in menu
    assert submit(user_id, plaintext("training", None))["status"] == "stored"
    assert submit(user_id, plaintext("supervision", None))["status"] == "stored"
