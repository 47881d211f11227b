"""Indicators through HTTP: who may see them, the figures from counted entries only, and
small-cell suppression in the page and in the CSV (no count from 1 to 4 ever appears)."""

from __future__ import annotations

import csv
import io

import pytest

from tests.support.accounts import log_in, make_user
from tests.support.approvals import build_team, decided
from tests.support.entries import open_case, plaintext, submit

JULY = "from=2025-07-01&to=2025-07-31"


@pytest.fixture
def team():
    """Team North in July 2025: 11 persons with approved intakes (9 women, 2 men; 10 from
    Moldova, 1 from Ukraine), one person who refused statistics, one intake still waiting;
    Team South: one person."""
    team = build_team()  # ana's and bogdan's cases (women, 18–20, Moldova), approved
    ana, sofia = team.users["ana"], team.users["sofia"]
    for number in range(9):
        sex = "male" if number < 2 else "female"
        citizenship = "UA" if number == 2 else "MD"
        case, _code = open_case(
            ana, sex=sex, citizenship=citizenship, exploitation=["sexual", "forced_labour"]
        )
        intake = submit_intake_id(case)
        decided(sofia, intake, "approved")
    refused, _code = open_case(ana, sex="male", consent_statistics="refused")
    decided(sofia, submit_intake_id(refused), "approved")
    open_case(ana, sex="male")  # waiting: does not count
    decided(
        sofia,
        submit(ana, plaintext("referral", team.north_code, service_type="medical"))["id"],
        "approved",
    )
    return team


def submit_intake_id(case_id: str) -> str:
    from server.entries.tables import Entry
    from tests.support.run import run

    row = run(Entry.select(Entry.id).where(Entry.case == case_id).first())
    return str(row["id"])


def rows_of(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.text)))


def value(rows, indicator, field, category):
    [row] = [
        r
        for r in rows
        if r["indicator"] == indicator and r["htcds_field"] == field and r["category"] == category
    ]
    return row["count"]


def test_the_csv_suppresses_small_cells_and_their_complements(client, team):
    log_in(client, "sofia")
    response = client.get(f"/indicators.csv?{JULY}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = rows_of(response)
    assert list(rows[0]) == [
        "period_from",
        "period_to",
        "team",
        "region",
        "indicator",
        "htcds_field",
        "category",
        "count",
    ]
    assert value(rows, "persons_assisted", "", "total") == "11"
    assert value(rows, "persons_assisted", "gender", "Male") == "<5"
    assert value(rows, "persons_assisted", "gender", "Female") == "x"
    assert value(rows, "persons_assisted", "gender", "Other") == "0"
    assert value(rows, "persons_assisted", "citizenship", "UA") == "<5"
    assert value(rows, "persons_assisted", "citizenship", "MD") == "x"
    assert value(rows, "persons_assisted", "ageBroad", "18--20") == "11"
    assert value(rows, "persons_assisted", "typeOfExploit", "isSexualExploit") == "9"
    # One referral: its one cell would equal the (small) total, so it is hidden as well.
    assert value(rows, "referrals", "", "total") == "<5"
    assert value(rows, "referrals", "serviceType", "medical") == "x"
    # By outcome and by provider (one named outside the directory): small, so never shown.
    assert value(rows, "referrals", "referralStatus", "sent") in ("<5", "x")
    assert value(rows, "referrals", "referralStatus", "declined") == "0"
    assert value(rows, "referrals", "provider", "other") in ("<5", "x")
    for row in rows:
        count = row["count"]
        assert count in ("0", "<5", "x") or int(count) >= 5, row
        assert row["team"] == "Team North"


def test_the_page_shows_the_same_figures_with_charts(client, team):
    log_in(client, "sofia")
    page = client.get(f"/indicators?{JULY}")
    assert page.status_code == 200
    text = page.text
    assert 'id="total-persons_assisted">11<' in text
    assert "&lt;5" in text and ">x<" in text
    assert '<svg class="bar-chart"' in text and "<title id=" in text
    assert "Male: &lt;5" in text  # the value as text in the chart's description
    assert "Referrals by outcome" in text and "Referrals by provider" in text
    # A suppressed cell gets no bar: the number of bars is the number of shown numbers.
    assert 'style="' not in text  # the CSP forbids inline style


def test_a_supervisor_sees_only_their_team(client, team):
    log_in(client, "victor")
    rows = rows_of(client.get(f"/indicators.csv?{JULY}&team=1"))
    assert value(rows, "persons_assisted", "", "total") == "<5"  # petru's one person
    assert {row["team"] for row in rows} == {"Team South"}


def test_an_admin_sees_all_teams_or_one(client, team):
    make_user("root", "admin", "Team North")
    log_in(client, "root")
    rows = rows_of(client.get(f"/indicators.csv?{JULY}"))
    assert value(rows, "persons_assisted", "", "total") == "12"
    assert client.get(f"/indicators?{JULY}").status_code == 200


def test_region_filter(client, team):
    log_in(client, "sofia")
    page = client.get(f"/indicators?{JULY}&region=Centre")
    assert 'href="/indicators.csv?from=2025-07-01&amp;to=2025-07-31&amp;region=Centre"' in page.text
    rows = rows_of(client.get(f"/indicators.csv?{JULY}&region=Centre"))
    assert value(rows, "persons_assisted", "", "total") == "<5"  # bogdan's case
    assert client.get(f"/indicators.csv?{JULY}&region=Atlantis").status_code == 400


@pytest.mark.parametrize(
    "query",
    [
        "from=2025-07-31&to=2025-07-01",
        "from=yesterday&to=2025-07-01",
        "from=2010-01-01&to=2025-07-01",
    ],
)
def test_bad_filters_are_a_clear_400(client, team, query):
    log_in(client, "sofia")
    response = client.get(f"/indicators?{query}")
    assert response.status_code == 400
    assert 'id="indicators-error"' in response.text
    assert client.get(f"/indicators.csv?{query}").status_code == 400


def test_other_months_count_nothing(client, team):
    log_in(client, "sofia")
    rows = rows_of(client.get("/indicators.csv?from=2025-08-01&to=2025-08-31"))
    assert value(rows, "persons_assisted", "", "total") == "0"


@pytest.mark.parametrize("name", ["ana", "sara"])
def test_coordinators_and_shelter_staff_have_no_indicators(client, team, name):
    if name == "sara":
        make_user("sara", "shelter", "Team North")
    log_in(client, name)
    assert client.get(f"/indicators?{JULY}").status_code == 403
    assert client.get(f"/indicators.csv?{JULY}").status_code == 403


def test_strangers_are_sent_to_log_in(client, team):
    response = client.get(f"/indicators.csv?{JULY}", follow_redirects=False)
    assert response.status_code in (302, 303, 401)


def test_the_export_asks_for_the_password_again_after_ten_minutes(client, team):
    from datetime import timedelta

    from server.accounts import sessions
    from server.accounts.tables import Session
    from tests.support.accounts import PASSWORD, csrf_from
    from tests.support.run import run

    log_in(client, "sofia")
    assert client.get(f"/indicators.csv?{JULY}").status_code == 200
    moment = sessions.now() - timedelta(minutes=11)
    run(Session.update({Session.reauthenticated_at: moment}).where(Session.ended_at.is_null()))

    asked = client.get(f"/indicators.csv?{JULY}&region=Centre", follow_redirects=False)
    assert asked.status_code == 303
    location = asked.headers["location"]
    assert location.startswith("/account/confirm?next=")
    # The filters come back whole once the password is given.
    form = client.get(location)
    assert form.status_code == 200
    answer = client.post(
        "/account/confirm",
        data={
            "_csrf_token": csrf_from(client),
            "password": PASSWORD,
            "next": f"/indicators.csv?{JULY}&region=Centre",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/indicators.csv?{JULY}&region=Centre"
    assert client.get(answer.headers["location"]).status_code == 200


def test_an_export_is_on_record_and_a_refused_one_is_not(client, team):
    from server.audit.tables import AuditEvent
    from tests.support.run import run

    log_in(client, "sofia")
    assert client.get(f"/indicators.csv?{JULY}").status_code == 200
    assert client.get("/indicators.csv?from=2025-13-01&to=2025-07-31").status_code == 400
    exports = run(
        AuditEvent.select(AuditEvent.actor_name, AuditEvent.object_id).where(
            AuditEvent.action == "export_indicators"
        )
    )
    assert exports == [{"actor_name": "sofia", "object_id": "2025-07-01..2025-07-31"}]


def test_the_page_says_which_cases_are_left_out_for_lack_of_consent(client, team):
    from server.cases.tables import Case
    from tests.support.run import run

    refused = run(Case.select(Case.code).where(Case.consent_statistics == "refused").first())
    log_in(client, "sofia")
    text = client.get(f"/indicators?{JULY}").text
    left_out = text[text.index('id="indicators-left-out"') :]
    left_out = left_out[: left_out.index("</div>")]
    assert "1 case with work in this period is not counted" in left_out
    assert f'<a href="/cases/{refused["code"]}">{refused["code"]}</a>' in left_out
    # The admin gets the count, not the codes: cases are not the admin's to open.
    make_user("root", "admin", "Team North")
    client.post("/logout", headers={"X-CSRFToken": client.cookies.get("csrftoken")})
    log_in(client, "root")
    text = client.get(f"/indicators?{JULY}").text
    assert "1 case with work in this period is not counted" in text
    assert refused["code"] not in text


def test_last_month_is_the_default_and_the_page_says_why_this_month_is_missing(client, team):
    """The fixture's work is in July 2025: last month (the default) holds nothing, and its
    empty tables fold into one line each."""
    log_in(client, "sofia")
    text = client.get("/indicators").text
    hint = text[text.index('id="indicators-default-period"') :]
    hint = hint[: hint.index("</p>")]
    assert "figures of last month" in hint and "this month is still open" in hint
    assert 'href="/indicators?from=' in hint
    assert "<table" not in text
    assert text.count("Nothing in this period.") == 3
    # A period asked for is not explained as a default; a chart with nothing is one line.
    text = client.get(f"/indicators?{JULY}").text
    assert 'id="indicators-default-period"' not in text
    assert "<table" in text
    assert (
        "Referrals by service" in text
        and "nothing in this period" not in text.split('id="group-referrals"')[1]
    )
