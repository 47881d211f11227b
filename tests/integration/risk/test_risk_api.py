"""The two risk endpoints, who may read them, scoring at store time, triggers and hearings
that make a reassessment due at once, rejections, versions, the board and the case page."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from server.entries.tables import Entry
from tests.support.accounts import log_in, make_user
from tests.support.entries import (
    VALID_FIELDS,
    open_case,
    plaintext,
    register_device,
    sealed_envelope,
    submit,
    sync,
)
from tests.support.risk import instrument_added
from tests.support.run import run

SHELTER = "State Shelter Pristina"
CALM = VALID_FIELDS["risk_assessment"]["answers"]
BELGRADE = ZoneInfo("Europe/Belgrade")


@pytest.fixture
def shelter() -> dict:
    people = {
        "besa": make_user("besa", "shelter", SHELTER, "XK", ("Prishtinë",)),
        "arta": make_user("arta", "supervisor", SHELTER, "XK", ("Prishtinë",)),
        "other": make_user("other", "shelter", "Shelter Elsewhere", "XK", ("Prizren",)),
        "ion": make_user("ion", "coordinator", "VPC North", "MD", ("North",)),
        "admin": make_user("admin", "admin", "VPC North", "MD", ()),
    }
    case_id, code = open_case(
        people["besa"], region="Prishtinë", citizenship="XK", occurred_at=at(-40)
    )
    return {**people, "case_id": case_id, "code": code}


def at(days: int, hour: int = 10) -> str:
    """A local time in Pristina `days` from today."""
    day = datetime.now(BELGRADE).date() + timedelta(days=days)
    moment = datetime(day.year, day.month, day.day, hour, tzinfo=BELGRADE)
    return moment.isoformat()


def today_plus(days: int) -> str:
    return (datetime.now(BELGRADE).date() + timedelta(days=days)).isoformat()


def assess(user: int, code: str, when: str, **fields) -> dict:
    entry = plaintext("risk_assessment", code, occurred_at=when, **fields)
    result = submit(user, entry)
    assert result["status"] == "stored", result
    return result


def risk_of(client, code: str) -> dict:
    response = client.get(f"/api/v1/cases/{code}/risk")
    assert response.status_code == 200, response.text
    return response.json()


def test_the_instrument_is_published_to_users_only(client, shelter) -> None:
    assert client.get("/api/v1/risk/instrument").status_code == 401
    log_in(client, "ion")
    body = client.get("/api/v1/risk/instrument").json()
    assert body["version"] == "1"
    assert body["levels"] == ["low", "medium", "high", "critical"]
    assert body["reassess_after_days"] == {"low": 30, "medium": 14, "high": 7, "critical": 2}
    assert len(body["domains"]) == 9
    item = body["domains"][2]["items"][0]
    assert item["id"] == "self_harm.risk"
    assert next((a["value"], a["score"]) for a in item["answers"]) == ("no", 0)
    assert item["text"]["sq"] and item["guidance"]["sr"]


def test_a_case_never_assessed_is_due_from_admission(client, shelter) -> None:
    log_in(client, "besa")
    body = risk_of(client, shelter["code"])
    assert body["level"] is None and body["assessed_at"] is None and body["instrument"] is None
    assert body["next_due"] == today_plus(-40)
    assert body["overdue"] is True and body["due_because"] == "admission"


def test_the_server_scores_with_the_instrument_and_sets_the_next_date(client, shelter) -> None:
    answers = {
        **CALM,
        "threats.contact": "some",
        "retrafficking.risk": "some",
        "family.community": "some",
    }
    assess(shelter["besa"], shelter["code"], at(-2), answers=answers)
    row = run(Entry.select().where(Entry.type == "risk_assessment").first())
    assert row["risk_level"] == "medium"  # 4 + 3 + 3 = 10
    assert row["due_on"] == date.fromisoformat(today_plus(12))
    details = json.loads(row["details"]) if isinstance(row["details"], str) else row["details"]
    assert details["score"] == 10 and details["computed_level"] == "medium"
    assert details["instrument"] == "1"

    log_in(client, "besa")
    body = risk_of(client, shelter["code"])
    assert body["level"] == "medium" and body["instrument"] == "1"
    assert body["next_due"] == today_plus(12) and body["overdue"] is False
    assert datetime.fromisoformat(body["assessed_at"]) == datetime.fromisoformat(at(-2))
    # By UUID, and by a code typed in lower case, too.
    assert risk_of(client, shelter["case_id"])["level"] == "medium"
    assert risk_of(client, shelter["code"].lower())["level"] == "medium"


def test_an_override_with_a_reason_sets_level_and_date(client, shelter) -> None:
    assess(
        shelter["besa"],
        shelter["code"],
        at(0),
        override_level="critical",
        override_reason="Seen outside the shelter this morning",
    )
    log_in(client, "arta")
    body = risk_of(client, shelter["code"])
    assert body["level"] == "critical" and body["next_due"] == today_plus(2)


@pytest.mark.parametrize("who", ["other", "ion", "admin"])
def test_people_who_may_not_see_the_case_get_404(client, shelter, who) -> None:
    assess(shelter["besa"], shelter["code"], at(-1))
    log_in(client, who)
    for reference in (shelter["code"], shelter["case_id"]):
        response = client.get(f"/api/v1/cases/{reference}/risk")
        assert response.status_code == 404
        assert "low" not in response.text


def test_unknown_or_malformed_cases_get_404(client, shelter) -> None:
    log_in(client, "besa")
    for reference in ("XK-2020-9999", str(uuid.uuid4()), "not-a-case", "XK-2026-00%2F1"):
        assert client.get(f"/api/v1/cases/{reference}/risk").status_code == 404
    assert client.get(f"/api/v1/cases/{shelter['code']}/risk").status_code == 200


def test_a_trigger_after_the_assessment_makes_it_due_at_once(client, shelter) -> None:
    besa, code = shelter["besa"], shelter["code"]
    # A trigger before the assessment was taken into account by it.
    assert (
        submit(besa, plaintext("risk_trigger", code, occurred_at=at(-6), trigger="incident"))[
            "status"
        ]
        == "stored"
    )
    assess(besa, code, at(-5))
    log_in(client, "besa")
    assert risk_of(client, code)["next_due"] == today_plus(25)

    submit(
        besa, plaintext("risk_trigger", code, occurred_at=at(0, 8), trigger="trafficker_contact")
    )
    body = risk_of(client, code)
    assert body["next_due"] == today_plus(0)
    assert body["due_because"] == "trigger" and body["trigger"] == "trafficker_contact"
    assert body["level"] == "low"  # the level stands until someone reassesses

    # The reassessment clears it.
    assess(besa, code, at(0, 12), answers={**CALM, "threats.contact": "serious"})
    body = risk_of(client, code)
    assert body["level"] == "critical" and body["next_due"] == today_plus(2)
    assert body["due_because"] == "level"


def test_a_visit_can_carry_the_trigger(client, shelter) -> None:
    besa, code = shelter["besa"], shelter["code"]
    assess(besa, code, at(-20))
    submit(besa, plaintext("visit", code, occurred_at=at(-3), place="shelter"))
    log_in(client, "besa")
    assert risk_of(client, code)["next_due"] == today_plus(10)
    submit(
        besa,
        plaintext("visit", code, occurred_at=at(-3, 15), place="shelter", trigger="left_shelter"),
    )
    body = risk_of(client, code)
    assert body["next_due"] == today_plus(-3) and body["overdue"] is True
    assert body["trigger"] == "left_shelter"


def test_a_hearing_within_seven_days_makes_it_due(client, shelter) -> None:
    besa, code = shelter["besa"], shelter["code"]
    assess(besa, code, at(-10))
    hearing = at(5, 9)
    submit(besa, plaintext("accompaniment", code, occurred_at=at(-9), next_hearing_at=hearing))
    log_in(client, "besa")
    body = risk_of(client, code)
    # Seven days before the hearing, which is two days ago: overdue.
    assert body["next_due"] == today_plus(-2)
    assert body["due_because"] == "hearing" and body["overdue"] is True
    # An assessment inside the window has taken the hearing into account.
    assess(besa, code, at(0))
    body = risk_of(client, code)
    assert body["next_due"] == today_plus(30) and body["due_because"] == "level"


def test_a_hearing_further_ahead_brings_the_date_forward(client, shelter) -> None:
    besa, code = shelter["besa"], shelter["code"]
    assess(besa, code, at(0))
    submit(besa, plaintext("accompaniment", code, occurred_at=at(0), next_hearing_at=at(20, 9)))
    log_in(client, "besa")
    assert risk_of(client, code)["next_due"] == today_plus(13)


def test_returned_and_corrected_assessments_do_not_count(client, shelter) -> None:
    besa, code = shelter["besa"], shelter["code"]
    assess(besa, code, at(-3))
    later = plaintext(
        "risk_assessment", code, occurred_at=at(-1), answers={**CALM, "self_harm.risk": "some"}
    )
    submit(besa, later)
    log_in(client, "besa")
    assert risk_of(client, code)["level"] == "high"
    run(Entry.update({Entry.status: "returned"}).where(Entry.risk_level == "high"))
    assert risk_of(client, code)["level"] == "low"
    # A correction stands instead of the entry it corrects.
    first = run(Entry.select(Entry.id).where(Entry.risk_level == "low").first())["id"]
    correction = plaintext(
        "risk_assessment",
        code,
        occurred_at=at(-3),
        revises=str(first),
        answers={**CALM, "family.community": "serious"},
    )
    assert submit(besa, correction)["status"] == "stored"
    assert risk_of(client, code)["level"] == "high"


BAD = [
    ("unknown_instrument", {"instrument": "unscored"}),
    ("unknown_instrument", {"instrument": "2"}),
    ("unknown_item", {"answers": {**CALM, "threats.new": "no"}}),
    ("missing_answer", {"answers": {k: v for k, v in CALM.items() if k != "dependants.safety"}}),
    ("unknown_answer", {"answers": {**CALM, "threats.contact": "yes"}}),
    ("override_without_reason", {"override_level": "low"}),
    ("override_without_reason", {"override_level": "high", "override_reason": "  "}),
]


def test_bad_assessments_are_rejected_and_nothing_is_stored(client, shelter) -> None:
    token = log_in(client, "besa")
    _device, device_token = register_device(client, token)
    envelopes = [
        sealed_envelope(plaintext("risk_assessment", shelter["code"], occurred_at=at(0), **fields))
        for _code, fields in BAD
    ]
    good = sealed_envelope(plaintext("risk_assessment", shelter["code"], occurred_at=at(0)))
    results = sync(client, device_token, [*envelopes, good]).json()["results"]
    assert [r["status"] for r in results] == ["rejected"] * len(BAD) + ["stored"]
    assert [r["error"]["code"] for r in results[:-1]] == [code for code, _ in BAD]
    assert all(r["error"]["message"] for r in results[:-1])
    assert run(Entry.count().where(Entry.type == "risk_assessment")) == 1


def test_a_new_version_leaves_old_assessments_as_they_were(client, shelter) -> None:
    besa, code = shelter["besa"], shelter["code"]
    assess(besa, code, at(-1), answers={**CALM, "threats.contact": "past"})
    with instrument_added():
        log_in(client, "besa")
        assert client.get("/api/v1/risk/instrument").json()["version"] == "2"
        body = risk_of(client, code)
        assert (body["level"], body["instrument"], body["next_due"]) == ("low", "1", today_plus(29))
        # A phone that still has the version 1 form sends version 1: scored with version 1.
        assess(besa, code, at(0, 9), answers={**CALM, "threats.contact": "past"})
        assert risk_of(client, code)["level"] == "low"
        # The same answer under version 2 gives another level and interval.
        assess(
            besa,
            code,
            at(0, 11),
            instrument="2",
            answers={"threats.contact": "past", "self_harm.risk": "no"},
        )
        body = risk_of(client, code)
        assert (body["level"], body["instrument"], body["next_due"]) == (
            "medium",
            "2",
            today_plus(10),
        )
    levels = [
        r["risk_level"]
        for r in run(
            Entry.select(Entry.risk_level)
            .order_by(Entry.occurred_at)
            .where(Entry.type == "risk_assessment")
        )
    ]
    assert levels == ["low", "low", "medium"]


def test_the_board_puts_overdue_first_and_shows_sign_off(client, shelter) -> None:
    besa = shelter["besa"]
    _calm_id, calm = open_case(besa, region="Prishtinë", citizenship="XK", occurred_at=at(-3))
    _late_id, late = open_case(besa, region="Prishtinë", citizenship="XK", occurred_at=at(-30))
    _high_id, high = open_case(besa, region="Prishtinë", citizenship="XK", occurred_at=at(-30))
    assess(besa, calm, at(-1))  # low, due in 29 days
    assess(
        besa, late, at(-20), answers={**CALM, "legal.proceedings": "pressure"}
    )  # medium, 6 days overdue
    assess(besa, high, at(-1), answers={**CALM, "self_harm.risk": "some"})  # high, awaits sign-off
    # shelter["code"] was opened 40 days ago and never assessed: the most overdue.
    log_in(client, "arta")
    page = client.get("/risk/board")
    assert page.status_code == 200
    html = page.text
    order = [html.index(f'data-case="{code}"') for code in (shelter["code"], late, high, calm)]
    assert order == sorted(order)
    assert 'id="overdue-banner"' in html and "2 reassessments are overdue." in html
    assert "Overdue by 6 days" in html and "Overdue by 40 days" in html
    high_entry = run(Entry.select(Entry.id).where(Entry.risk_level == "high").first())["id"]
    assert f'href="/entries/{high_entry}"' in html and "Awaiting sign-off" in html

    # Approved: no longer waiting for sign-off.
    run(Entry.update({Entry.status: "approved"}).where(Entry.id == high_entry))
    assert f'href="/entries/{high_entry}"' not in client.get("/risk/board").text

    # Another shelter's board does not list these residents; a coordinator has no board.
    log_in(client, "other")
    assert shelter["code"] not in client.get("/risk/board").text
    log_in(client, "ion")
    assert client.get("/risk/board").status_code == 403


def test_the_board_speaks_albanian(client, shelter) -> None:
    make_user("drita", "shelter", SHELTER, "XK", ("Prishtinë",), language="sq")
    log_in(client, "drita")
    html = client.get("/risk/board").text
    assert 'lang="sq"' in html and shelter["code"] in html
    assert f'href="/capture/risk_assessment?case={shelter["code"]}"' in html


def test_the_case_page_draws_levels_over_time_and_what_changed(client, shelter) -> None:
    besa, code = shelter["besa"], shelter["code"]
    assess(besa, code, at(-20))
    assess(
        besa,
        code,
        at(-10),
        answers={**CALM, "threats.contact": "some", "family.community": "serious"},
    )
    assess(
        besa,
        code,
        at(-1),
        answers={**CALM, "threats.contact": "some", "family.community": "serious"},
        override_level="critical",
        override_reason="Trafficker's car seen",
    )
    log_in(client, "besa")
    html = client.get(f"/cases/{code}").text
    assert "<svg" in html and 'role="img"' in html
    assert '<title id="risk-chart-title">Risk level over time</title>' in html
    assert html.count('<circle class="dot') == 3
    # The values as text too: in the chart's description and in the list.
    assert "Low" in html and "Medium" in html and "Critical" in html
    assert "2 answers changed since the assessment before" in html
    assert "Has anyone connected with the exploitation threatened the resident" in html
    assert "No concern known</del> → <ins>Some concern now</ins>" in html
    assert "No answer changed since the assessment before." in html
    assert "changed by staff from" in html
    # Another shelter gets 404 for the case page, as before.
    log_in(client, "other")
    assert client.get(f"/cases/{code}").status_code == 404


def test_the_capture_form_is_built_from_the_instrument_in_albanian(client, shelter) -> None:
    make_user("drita", "shelter", SHELTER, "XK", ("Prishtinë",), language="sq")
    log_in(client, "drita")
    html = client.get("/capture/risk_assessment").text
    assert 'name="instrument" value="1"' in html
    assert "Kërcënime ose kontakt nga trafikantët ose shfrytëzuesit" in html
    assert "Përfshini mesazhet, thirrjet" in html  # guidance
    assert html.count("data-risk-item=") == 12
    assert 'data-score="10" data-at-least="critical"' in html
    assert 'id="safety-plan-json"' in html and 'name="override_reason"' in html


def test_the_entry_page_shows_level_answers_and_safety_plan_in_words(client, shelter) -> None:
    make_user("drita", "shelter", SHELTER, "XK", ("Prishtinë",), language="sq")
    assess(
        shelter["besa"],
        shelter["code"],
        at(-1),
        answers={**CALM, "self_harm.risk": "some"},
        safety_plan=[
            {
                "action": "Daily check-in with the psychologist",
                "owner": "Besa",
                "due_on": today_plus(3),
            },
            {"action": "Phone kept by staff at night", "owner": None, "due_on": None},
        ],
    )
    entry_id = run(Entry.select(Entry.id).where(Entry.type == "risk_assessment").first())["id"]
    details = run(Entry.select(Entry.details).where(Entry.id == entry_id).first())["details"]
    details = json.loads(details) if isinstance(details, str) else details
    assert details["safety_plan_due"] == [today_plus(3)]  # dates only in the clear
    log_in(client, "arta")
    html = client.get(f"/entries/{entry_id}").text
    assert "Risk level" in html and "High" in html
    assert "Are there signs that the resident may harm themselves" in html
    assert "Some concern now" in html
    assert "Daily check-in with the psychologist — Besa" in html
    assert "Phone kept by staff at night" in html
    log_in(client, "drita")
    html = client.get(f"/entries/{entry_id}").text
    assert "A ka shenja që banori/banorja mund t&#39;i bëjë vetes dëm" in html or (
        "A ka shenja që banori/banorja mund t'i bëjë vetes dëm" in html
    )


def test_home_pages_load_a_banner_of_overdue_reassessments(client, shelter) -> None:
    besa = shelter["besa"]
    _fresh_id, fresh = open_case(besa, region="Prishtinë", citizenship="XK", occurred_at=at(0))
    assess(besa, fresh, at(0))
    for who in ("besa", "arta"):
        log_in(client, who)
        assert 'hx-get="/risk/overdue"' in client.get("/").text
        banner = client.get("/risk/overdue").text
        assert "1 reassessment is overdue:" in banner
        assert shelter["code"] in banner and fresh not in banner
    assess(besa, shelter["code"], at(0))
    assert 'role="alert"' not in client.get("/risk/overdue").text
    log_in(client, "ion")
    assert client.get("/risk/overdue").status_code == 403


def test_an_assessment_stored_before_scoring_existed_makes_the_resident_due(
    client, shelter
) -> None:
    assess(shelter["besa"], shelter["code"], at(-4))
    # What an "unscored" assessment of the first release looks like in the database.
    run(
        Entry.update({Entry.risk_level: "", Entry.due_on: None}).where(
            Entry.type == "risk_assessment"
        )
    )
    log_in(client, "besa")
    body = risk_of(client, shelter["code"])
    assert body["level"] is None and body["next_due"] == today_plus(-4)
    assert body["overdue"] is True and body["due_because"] == "unscored"
    assert "reassess" in client.get("/risk/board").text
    page = client.get(f"/cases/{shelter['code']}")
    assert page.status_code == 200 and "without the instrument" in page.text


def test_which_events_are_triggers_comes_from_the_assessment_s_instrument(client, shelter) -> None:
    besa, code = shelter["besa"], shelter["code"]
    with instrument_added():
        v2 = {"threats.contact": "no", "self_harm.risk": "no"}
        assess(besa, code, at(-2), instrument="2", answers=v2)
        log_in(client, "besa")
        assert risk_of(client, code)["next_due"] == today_plus(19)
        # Version 2 does not list leaving the shelter, nor a window before hearings of 7 days.
        submit(besa, plaintext("risk_trigger", code, occurred_at=at(-1), trigger="left_shelter"))
        submit(besa, plaintext("accompaniment", code, occurred_at=at(-1), next_hearing_at=at(8)))
        assert risk_of(client, code)["next_due"] == today_plus(5)  # 3 days before the hearing
        submit(besa, plaintext("risk_trigger", code, occurred_at=at(0), trigger="incident"))
        body = risk_of(client, code)
        assert body["next_due"] == today_plus(0) and body["trigger"] == "incident"
