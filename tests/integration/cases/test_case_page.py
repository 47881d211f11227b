"""The case page: clear metadata with readable labels, the timeline, the identity link,
the audit record of each view, and nothing sealed on the page itself."""

from __future__ import annotations

import re
from datetime import date

import pytest
from babel.dates import format_date

from server.accounts.tables import User
from server.audit.tables import AuditEvent
from server.cases.tables import Case
from server.core.i18n import translations
from server.entries.tables import Entry
from tests.integration.cases.people import (
    FAMILY_NAME,
    GIVEN_NAME,
    NOTES,
    PHONE,
    build_world,
    visit,
)
from tests.support.accounts import log_in
from tests.support.entries import plaintext, submit
from tests.support.run import run


@pytest.fixture
def world():
    return build_world()


def main_of(html: str) -> str:
    return html[html.index("<main") : html.index("</main>")]


def test_metadata_is_shown_with_readable_labels(client, world):
    log_in(client, "sofia")
    response = client.get(f"/cases/{world.north_code}")
    assert response.status_code == 200
    page = main_of(response.text)
    expected = {
        "Assigned to": "ana",
        "Sex": "Female",
        "Age": "18–20 years",
        "Citizenship": "Moldova",
        "Forms of exploitation": "Sexual exploitation, Forced labour",
        "Identification status": "Identified victim (NRM)",
        "Referred to the NRM on": format_date(date(2025, 7, 2), "medium", locale="en_GB"),
        "Region": "North",
        "Consent to assistance": "Given",
        "Consent to share identity with service providers": "Refused",
        "Consent to anonymised statistics": "Given",
        "Opened": format_date(date(2025, 7, 3), "medium", locale="en_GB"),
    }
    for label, value in expected.items():
        pattern = rf"<dt>{re.escape(label)}</dt><dd[^>]*>(<time[^>]*>)?{re.escape(value)}<"
        assert re.search(pattern, page), label
    assert '<span class="tag tag-open" id="case-status">Open</span>' in page
    # Codes never show raw.
    for raw in ("forced_labour", "identified</dd>", "not_asked"):
        assert raw not in page


def test_labels_follow_the_users_language(client, world):
    run(User.update({User.language: "ro"}).where(User.username == "sofia"))
    log_in(client, "sofia")
    page = main_of(client.get(f"/cases/{world.north_code}").text)
    romanian = translations("ro").gettext
    # Labels come from the catalogue (the new ones are translated by the lead later).
    assert f"<dd>{romanian('Female')}</dd>" in page
    assert f"<dt>{romanian('Region')}</dt>" in page
    nrm_day = format_date(date(2025, 7, 2), "medium", locale="ro_MD")
    assert nrm_day != format_date(date(2025, 7, 2), "medium", locale="en_GB")
    assert nrm_day in page


def test_nothing_sealed_is_on_the_case_page(client, world):
    for username in ("ana", "sara", "sofia"):
        log_in(client, username)
        response = client.get(f"/cases/{world.north_code}")
        assert response.status_code == 200
        for secret in (GIVEN_NAME, FAMILY_NAME, PHONE, NOTES):
            assert secret not in response.text
        client.cookies.clear()


def identity_views() -> list[tuple[str, str]]:
    rows = run(
        AuditEvent.select(AuditEvent.actor_name, AuditEvent.object_id).where(
            AuditEvent.action == "view_identity"
        )
    )
    return [(row["actor_name"], row["object_id"]) for row in rows]


def test_show_identity_links_to_the_sealed_intake(client, world):
    log_in(client, "ana")
    page = client.get(f"/cases/{world.north_code}").text
    link = f'<a class="button" href="/entries/{world.north_intake}/identity">Show identity</a>'
    assert link in page
    # Opening the intake itself does not show who the person is...
    intake = client.get(f"/entries/{world.north_intake}")
    assert intake.status_code == 200
    for secret in (GIVEN_NAME, FAMILY_NAME, PHONE):
        assert secret not in intake.text
    assert NOTES in intake.text  # the rest of the intake is there
    assert f'href="/entries/{world.north_intake}/identity"' in intake.text
    assert identity_views() == []
    # ...only the reveal does, and the audit log keeps who asked for it.
    revealed = client.get(f"/entries/{world.north_intake}/identity")
    assert revealed.status_code == 200
    for secret in (GIVEN_NAME, FAMILY_NAME, PHONE):
        assert secret in revealed.text
    assert identity_views() == [("ana", world.north_intake)]


def test_the_supervisors_review_of_an_intake_hides_identity_until_shown(client, world):
    log_in(client, "sofia")
    review = client.get(f"/entries/{world.north_intake}")
    assert review.status_code == 200
    assert 'id="approve-button"' in review.text  # the review itself is all there
    for secret in (GIVEN_NAME, FAMILY_NAME, PHONE):
        assert secret not in review.text
    revealed = client.get(f"/entries/{world.north_intake}/identity")
    assert GIVEN_NAME in revealed.text
    assert 'id="approve-button"' in revealed.text
    assert identity_views() == [("sofia", world.north_intake)]


def test_identity_of_an_entry_without_identity_or_of_someone_elses_is_404(client, world):
    log_in(client, "sofia")
    assert client.get(f"/entries/{world.north_visit}/identity").status_code == 404
    assert client.get(f"/entries/{world.south_visit}/identity").status_code == 404
    client.cookies.clear()
    log_in(client, "petru")
    assert client.get(f"/entries/{world.north_intake}/identity").status_code == 404
    assert identity_views() == []


def test_no_identity_link_when_the_intake_is_not_the_viewers_to_open(client, world):
    # Should the intake ever belong to another team, its link must not be offered.
    south = run(Entry.select(Entry.team).where(Entry.id == world.south_visit).first())["team"]
    run(Entry.update({Entry.team: south}).where(Entry.id == world.north_intake))
    log_in(client, "sofia")
    page = client.get(f"/cases/{world.north_code}").text
    assert "Show identity" not in page
    assert f"/entries/{world.north_intake}" not in page
    assert "The case intake is not among the entries you may open." in page


def test_timeline_newest_first_with_type_status_author_and_links(client, world):
    later = visit(world.users["ana"], world.north_code, "2025-07-20T15:00:00+03:00")
    referral = submit(
        world.users["ana"],
        plaintext("referral", world.north_code, occurred_at="2025-07-10T12:00:00+03:00"),
    )["id"]
    log_in(client, "sofia")
    page = main_of(client.get(f"/cases/{world.north_code}").text)
    links = re.findall(r'class="timeline-type" href="/entries/([0-9a-f-]{36})">([^<]+)<', page)
    assert links == [
        (later, "Visit"),
        (referral, "Referral"),
        (world.north_visit, "Visit"),
        (world.north_intake, "Case intake"),
    ]
    assert page.count("Waiting for approval") == 4
    assert page.count("· ana</span>") == 4
    # Local date and time (Europe/Chisinau), as the user's locale writes it.
    assert "20 Jul 2025, 15:00" in page and "15:00:00" not in page


def test_timeline_shows_approval_status(client, world):
    run(Entry.update({Entry.status: "approved"}).where(Entry.id == world.north_visit))
    run(Entry.update({Entry.status: "returned"}).where(Entry.id == world.north_intake))
    log_in(client, "ana")
    page = main_of(client.get(f"/cases/{world.north_code}").text)
    assert '<span class="status status-approved">Approved</span>' in page
    assert '<span class="status status-returned">Returned</span>' in page


def test_corrections_are_marked(client, world):
    correction = submit(
        world.users["ana"],
        plaintext(
            "visit",
            world.north_code,
            revises=world.north_visit,
            occurred_at="2025-07-05T09:30:00+03:00",
        ),
    )
    assert correction["status"] == "stored", correction
    log_in(client, "ana")
    page = client.get(f"/cases/{world.north_code}").text
    assert f'href="/entries/{correction["id"]}">Visit · correction</a>' in page


def test_a_reassigned_case_brings_its_history(client, world):
    # bogdan had no access; once the case is his, he sees the case and ana's entries.
    run(Case.update({Case.assigned_to: world.users["bogdan"]}).where(Case.id == world.north_case))
    log_in(client, "bogdan")
    page = client.get(f"/cases/{world.north_code}").text
    assert f"/entries/{world.north_visit}" in page
    assert f'href="/entries/{world.north_intake}/identity">Show identity' in page
    client.cookies.clear()
    log_in(client, "ana")
    assert client.get(f"/cases/{world.north_code}").status_code == 404


def test_each_view_is_audited(client, world):
    log_in(client, "sofia")
    client.get(f"/cases/{world.north_code}")
    client.get(f"/cases/{world.north_case}")
    events = run(
        AuditEvent.select(
            AuditEvent.actor_name, AuditEvent.object_type, AuditEvent.object_id
        ).where(AuditEvent.action == "view_case")
    )
    assert (
        events
        == [
            {"actor_name": "sofia", "object_type": "case", "object_id": world.north_code},
        ]
        * 2
    )


def test_a_refused_view_is_not_audited_as_a_view(client, world):
    log_in(client, "victor")
    assert client.get(f"/cases/{world.north_code}").status_code == 404
    assert run(AuditEvent.count().where(AuditEvent.action == "view_case")) == 0


@pytest.mark.parametrize(
    "reference",
    ["MD-2025-9999", "not-a-case", "00000000-0000-4000-8000-000000000000", "MD-2025-0001%27--"],
)
def test_unknown_or_malformed_references_get_404(client, world, reference):
    log_in(client, "sofia")
    assert client.get(f"/cases/{reference}").status_code == 404


def test_lower_case_code_and_upper_case_uuid_work(client, world):
    log_in(client, "sofia")
    assert client.get(f"/cases/{world.north_code.lower()}").status_code == 200
    assert client.get(f"/cases/{world.north_case.upper()}").status_code == 200


def test_who_sees_which_form(client, world):
    log_in(client, "sofia")
    page = client.get(f"/cases/{world.north_code}").text
    assert f'action="/cases/{world.north_code}/assign"' in page
    assert f'action="/cases/{world.north_code}/close"' in page
    # Every person of the team who can hold a case is offered, with the current one chosen.
    assert f'<option value="{world.users["ana"]}" selected>ana (coordinator)</option>' in page
    assert f'<option value="{world.users["bogdan"]}" >bogdan (coordinator)</option>' in page
    assert f'<option value="{world.users["sara"]}" >sara (shelter staff)</option>' in page
    assert "sofia (" not in page
    assert 'name="_csrf_token"' in page
    client.cookies.clear()

    log_in(client, "ana")
    page = client.get(f"/cases/{world.north_code}").text
    assert "/assign" not in page
    assert f'action="/cases/{world.north_code}/close"' in page
    client.cookies.clear()

    log_in(client, "sara")
    page = client.get(f"/cases/{world.north_code}").text
    assert "/assign" not in page
    assert "/close" not in page
    assert "Manage the case" not in page


def test_a_closed_case_shows_when_and_why_and_no_forms(client, world):
    token = log_in(client, "sofia")
    client.post(
        f"/cases/{world.north_code}/close",
        data={"reason": "moved", "_csrf_token": token},
    )
    page = main_of(client.get(f"/cases/{world.north_code}").text)
    assert '<span class="tag tag-closed" id="case-status">Closed</span>' in page
    assert "The person moved away" in page
    assert "/assign" not in page
    assert "/close" not in page
