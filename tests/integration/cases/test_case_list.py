"""The case list: filters, code search, htmx fragment, empty states, no names, navigation."""

from __future__ import annotations

from datetime import date

import pytest
from babel.dates import format_date

from server.cases.tables import Case
from tests.integration.cases.people import (
    FAMILY_NAME,
    GIVEN_NAME,
    NOTES,
    PHONE,
    build_world,
    intake_fields,
)
from tests.support.accounts import log_in, make_user
from tests.support.entries import open_case
from tests.support.run import run

HTMX = {"HX-Request": "true", "HX-Target": "case-results", "HX-Current-URL": "http://x/cases"}


def codes_in(html: str) -> list[str]:
    import re

    return re.findall(r'class="case-code" href="/cases/([A-Z]{2}-\d{4}-\d{4})"', html)


def close(case_id: str) -> None:
    run(Case.update({Case.status: "closed"}).where(Case.id == case_id))


@pytest.fixture
def three_cases():
    """ana has three cases: North (open), Centre (open), North (closed), opened in that order."""
    ana = make_user("ana")
    sofia = make_user("sofia", "supervisor")
    bogdan = make_user("bogdan")
    first = open_case(ana, **intake_fields("North"))
    second = open_case(ana, region="Centre", occurred_at="2025-08-01T10:00:00+03:00")
    third = open_case(ana, region="North", occurred_at="2025-09-01T10:00:00+03:00")
    close(third[0])
    return {"ana": ana, "sofia": sofia, "bogdan": bogdan, "codes": [first[1], second[1], third[1]]}


def test_default_is_open_cases_newest_first(client, three_cases):
    first, second, _third = three_cases["codes"]
    log_in(client, "ana")
    response = client.get("/cases")
    assert response.status_code == 200
    assert codes_in(response.text) == [second, first]
    assert "2 cases" in response.text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=closed", [2]),
        ("status=all", [2, 1, 0]),
        ("status=open&region=North", [0]),
        ("status=all&region=North", [2, 0]),
        ("region=Centre", [1]),
    ],
)
def test_status_and_region_filters(client, three_cases, query, expected):
    codes = three_cases["codes"]
    log_in(client, "ana")
    response = client.get(f"/cases?{query}")
    assert response.status_code == 200
    assert codes_in(response.text) == [codes[i] for i in expected]


def test_code_search_exact_prefix_and_lower_case(client, three_cases):
    first, second, third = three_cases["codes"]
    log_in(client, "ana")
    assert codes_in(client.get(f"/cases?status=all&q={second}").text) == [second]
    assert codes_in(client.get("/cases?status=all&q=MD-2025-000").text) == [third, second, first]
    assert codes_in(client.get(f"/cases?status=all&q={first.lower()}").text) == [first]
    assert codes_in(client.get("/cases?status=all&q=+md-2025-0002+").text) == [second]
    # A prefix that matches nothing, and a middle part (not a prefix), find nothing.
    none = client.get("/cases?status=all&q=XK-")
    assert codes_in(none.text) == []
    assert "No case matches these filters." in none.text
    assert codes_in(client.get("/cases?status=all&q=2025-0001").text) == []


def test_search_wildcards_are_not_wildcards(client, three_cases):
    log_in(client, "ana")
    for query in ("%25", "_", "MD-2025-000_", "*"):
        response = client.get(f"/cases?status=all&q={query}")
        assert response.status_code == 400
        assert codes_in(response.text) == []
        assert "A case code has only letters, digits and dashes" in response.text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("status=archived", "Choose open, closed or all cases."),
        ("region=Atlantis", "There is no such region. Choose one from the list."),
        ("q=MD%202025%2F0001", "A case code has only letters, digits and dashes"),
    ],
)
def test_bad_filters_get_400_and_a_message(client, three_cases, query, message):
    log_in(client, "ana")
    response = client.get(f"/cases?{query}")
    assert response.status_code == 400
    assert message in response.text
    assert 'role="alert"' in response.text
    assert codes_in(response.text) == []
    # The form is still there to correct the filter.
    assert 'action="/cases"' in response.text


def test_supervisor_filters_by_coordinator(client, three_cases):
    bogdan_case = open_case(three_cases["bogdan"], occurred_at="2025-10-01T10:00:00+03:00")[1]
    first, second, _third = three_cases["codes"]
    log_in(client, "sofia")
    everyone = client.get("/cases")
    assert codes_in(everyone.text) == [bogdan_case, second, first]
    assert codes_in(client.get("/cases?coordinator=ana").text) == [second, first]
    assert codes_in(client.get("/cases?coordinator=bogdan").text) == [bogdan_case]
    # The filter offers the team's coordinators.
    assert '<option value="bogdan" >bogdan</option>' in everyone.text
    assert '<option value="ana" selected>ana</option>' in client.get("/cases?coordinator=ana").text


def test_supervisor_filter_refuses_someone_outside_the_team(client, three_cases):
    make_user("petru", team="Team South")
    log_in(client, "sofia")
    for name in ("petru", "nobody", "sofia"):
        response = client.get(f"/cases?coordinator={name}")
        assert response.status_code == 400
        assert "Choose a person of your team from the list." in response.text
        assert codes_in(response.text) == []


def test_coordinator_filter_is_for_supervisors_only(client, three_cases):
    open_case(three_cases["bogdan"])
    log_in(client, "ana")
    response = client.get("/cases?coordinator=bogdan")
    assert response.status_code == 200
    assert 'name="coordinator"' not in response.text
    # ana still sees her own cases, never bogdan's.
    first, second, _third = three_cases["codes"]
    assert codes_in(response.text) == [second, first]


def test_htmx_filter_request_gets_only_the_results_fragment(client, three_cases):
    _first, _second, third = three_cases["codes"]
    log_in(client, "ana")
    response = client.get("/cases?status=closed", headers=HTMX)
    assert response.status_code == 200
    assert "<html" not in response.text
    assert "<form" not in response.text
    assert codes_in(response.text) == [third]
    assert "HX-Request" in response.headers.get("vary", "")
    # The same fragment is what the full page includes.
    full = client.get("/cases?status=closed")
    assert response.text.strip() in full.text


def test_htmx_fragment_carries_its_own_error_message(client, three_cases):
    # htmx does not swap error responses, so the fragment answers 200 with the message.
    log_in(client, "ana")
    response = client.get("/cases?q=%3Cb%3E", headers=HTMX)
    assert response.status_code == 200
    assert "<html" not in response.text
    assert "A case code has only letters, digits and dashes" in response.text
    assert "<b>" not in response.text


@pytest.mark.parametrize("target", ["body", "case-results"])
def test_boosted_navigation_gets_the_whole_page(client, three_cases, target):
    # A boosted link (even one inside the results) swaps the whole body: it needs the page.
    log_in(client, "ana")
    response = client.get(
        "/cases", headers={"HX-Request": "true", "HX-Boosted": "true", "HX-Target": target}
    )
    assert response.status_code == 200
    assert "<html" in response.text
    assert 'hx-get="/cases"' in response.text
    assert 'hx-target="#case-results"' in response.text
    assert 'hx-push-url="true"' in response.text


def test_the_list_shows_codes_never_names_or_notes(client):
    world = build_world()
    for username in ("ana", "sara", "sofia"):
        log_in(client, username)
        response = client.get("/cases?status=all")
        assert world.north_code in response.text
        for secret in (GIVEN_NAME, FAMILY_NAME, PHONE, NOTES):
            assert secret not in response.text
        client.cookies.clear()


def test_row_shows_region_status_assignee_and_local_date(client):
    ana = make_user("ana", language="ro")
    # 2 July in UTC, 3 July in Chișinău: the page shows the user's local day.
    open_case(ana, region="Centre", occurred_at="2025-07-03T01:30:00+03:00")
    log_in(client, "ana")
    response = client.get("/cases")
    text = response.text
    assert "Centre" in text
    assert 'class="tag tag-open"' in text
    assert "<dd>ana</dd>" in text
    # Romanian date format of the local (Chișinău) day.
    assert format_date(date(2025, 7, 3), "medium", locale="ro_MD") in text
    assert format_date(date(2025, 7, 2), "medium", locale="ro_MD") not in text
    assert '<html lang="ro">' in text


@pytest.mark.parametrize(
    ("role", "team", "expected", "link"),
    [
        ("coordinator", "Team North", "You have no open cases.", "/capture/case_intake"),
        ("shelter", "Shelter", "No residents yet.", "/capture/case_intake"),
        ("supervisor", "Team North", "Your team has no open cases.", None),
    ],
)
def test_empty_states_say_what_to_do_next(client, role, team, expected, link):
    make_user("someone", role, team)
    log_in(client, "someone")
    response = client.get("/cases")
    assert response.status_code == 200
    assert expected in response.text
    if link:
        assert f'href="{link}"' in response.text


def test_filtered_empty_state_offers_to_clear(client, three_cases):
    log_in(client, "ana")
    response = client.get("/cases?region=South")
    assert "No case matches these filters." in response.text
    assert '<a href="/cases">Show all open cases</a>' in response.text


def test_shelter_staff_see_residents_wording(client):
    sara = make_user("sara", "shelter", "Shelter", country="XK", regions=("Prishtinë",))
    code = open_case(sara, region="Prishtinë")[1]
    assert code.startswith("XK-")
    log_in(client, "sara")
    response = client.get("/cases")
    assert "<h1>Residents</h1>" in response.text
    assert "1 resident" in response.text
    assert code in response.text
    # Kosovo's regions in the filter, not Moldova's.
    assert '<option value="Prishtinë"' in response.text
    assert '<option value="North"' not in response.text


def test_admin_gets_403(client):
    make_user("ada", "admin", "Administration")
    log_in(client, "ada")
    response = client.get("/cases")
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("role", "entries"),
    [
        ("coordinator", [("Cases", "/cases")]),
        ("shelter", [("Residents", "/cases")]),
        ("supervisor", [("Cases", "/cases"), ("Audit log", "/audit")]),
        ("admin", [("Audit log", "/audit")]),
    ],
)
def test_navigation(client, role, entries):
    make_user("someone", role)
    log_in(client, "someone")
    home = client.get("/")
    nav = home.text[home.text.index('<nav class="mainnav"') : home.text.index("</nav>")]
    for label, href in entries:
        assert f'<a href="{href}" >{label}</a>' in nav
    if role == "admin":
        assert 'href="/cases"' not in nav
    if role in ("coordinator", "shelter"):
        assert 'href="/audit"' not in nav
