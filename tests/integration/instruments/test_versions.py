"""Who may revise the instrument, drafts from an upload, downloads, the guidelines, and every
process scoring with what the database holds."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from server.instruments.tables import InstrumentVersion
from server.risk.instrument import INSTRUMENTS_DIR, library
from tests.support.accounts import log_in, make_user
from tests.support.entries import VALID_FIELDS, open_case, plaintext, submit
from tests.support.html_forms import form_of
from tests.support.run import run

SHELTER = "State Shelter Pristina"
V1_TEXT = (INSTRUMENTS_DIR / "v1.json").read_text(encoding="utf-8")


@pytest.fixture
def people() -> dict:
    return {
        "arta": make_user("arta", "supervisor", SHELTER, "XK", ("Prishtinë",)),
        "besa": make_user("besa", "shelter", SHELTER, "XK", ("Prishtinë",)),
        "drita": make_user("drita", "shelter", SHELTER, "XK", ("Prishtinë",), language="sq"),
        "maria": make_user("maria", "supervisor", "VPC North", "MD", ("North",)),
        "ion": make_user("ion", "coordinator", "VPC North", "MD", ("North",)),
        "admin": make_user("admin", "admin", "VPC North", "MD", ()),
    }


def post(client, path: str, **data):
    return client.post(
        path, data={**data, "_csrf_token": client.cookies.get("csrftoken")}, follow_redirects=False
    )


def test_only_the_shelters_supervisor_and_admins_revise_it(client, people) -> None:
    log_in(client, "ion")
    assert client.get("/instruments").status_code == 403
    client.cookies.clear()
    log_in(client, "maria")  # supervises a team without shelter staff
    assert client.get("/instruments").status_code == 200
    assert post(client, "/instruments/draft").status_code == 404
    client.cookies.clear()
    log_in(client, "besa")
    page = client.get("/instruments")
    assert page.status_code == 200 and 'id="start-draft"' not in page.text
    assert post(client, "/instruments/draft").status_code == 404
    client.cookies.clear()
    log_in(client, "admin")
    assert post(client, "/instruments/draft").status_code == 303
    assert post(client, "/instruments/draft").status_code == 409  # one draft at a time
    client.cookies.clear()
    log_in(client, "besa")
    assert client.get("/instruments/draft").status_code == 404
    assert client.get("/instruments/draft/export").status_code == 404
    assert client.get("/instruments/practice").status_code == 404
    # Comments only while the draft is open for them.
    closed = post(client, "/instruments/draft/comments", item="", text="Too long.")
    assert closed.status_code == 409


def test_staff_read_only_their_own_comments(client, people) -> None:
    log_in(client, "arta")
    post(client, "/instruments/draft")
    post(client, "/instruments/draft/consultation", open="1")
    for name, text in (("besa", "Besa's view of the whole."), ("drita", "Mendimi i Dritës.")):
        client.cookies.clear()
        log_in(client, name)
        assert post(client, "/instruments/draft/comments", item="", text=text).status_code == 303
    page = client.get("/instruments/draft/comments")
    assert "Mendimi i Dritës." in page.text and "Besa's view" not in page.text
    refused = post(client, "/instruments/draft/comments", item="no.such.item", text="x")
    assert refused.status_code == 422
    empty = post(client, "/instruments/draft/comments", item="", text="   ")
    assert empty.status_code == 422


def test_an_uploaded_file_becomes_a_draft_with_its_problems_listed(client, people) -> None:
    log_in(client, "arta")
    csrf = client.cookies.get("csrftoken")
    not_json = client.post(
        "/instruments/upload",
        files={"file": ("v9.json", b"{not json", "application/json")},
        data={"_csrf_token": csrf},
    )
    assert not_json.status_code == 422
    assert "The file is not JSON" in not_json.text
    raw = json.loads(V1_TEXT)
    raw["domains"][0]["items"][0]["text"]["sr"] = ""
    raw["triggers"]["hearing_within_days"] = 0
    uploaded = client.post(
        "/instruments/upload",
        files={"file": ("mine.json", json.dumps(raw).encode(), "application/json")},
        data={"_csrf_token": csrf},
        follow_redirects=False,
    )
    assert uploaded.status_code == 303
    editor = client.get("/instruments/draft?part=threats")
    assert "Question “threats.contact”: the question has no text in: Српски." in editor.text
    assert "has no interval" in editor.text
    refused = post(client, "/instruments/draft/publish")
    assert refused.status_code == 422
    assert "The draft has 2 problem(s) to fix first." in refused.text
    # The draft's file carries the version it would be published under.
    exported = client.get("/instruments/draft/export")
    assert exported.json()["version"] == "2"
    assert post(client, "/instruments/draft/discard").status_code == 303
    assert run(InstrumentVersion.count().where(InstrumentVersion.status == "draft")) == 0


def test_a_draft_version_scores_nothing_until_it_is_published(client, people) -> None:
    log_in(client, "arta")
    post(client, "/instruments/draft")
    _case, code = open_case(people["besa"], region="Prishtinë", citizenship="XK")
    entry = plaintext("risk_assessment", code, instrument="2")
    result = submit(people["besa"], entry)
    assert result["status"] == "rejected"
    assert result["error"]["code"] == "unknown_instrument"
    assert client.get("/api/v1/risk/instrument").json()["version"] == "1"


def test_the_shipped_file_is_the_first_published_version(client, people) -> None:
    log_in(client, "besa")
    page = client.get("/instruments")
    assert 'data-version="1"' in page.text
    row = run(InstrumentVersion.select().where(InstrumentVersion.version == "1").first())
    assert row["status"] == "published" and row["origin"] == "shipped"
    download = client.get("/instruments/1/export")
    assert download.status_code == 200
    assert "attachment" in download.headers["content-disposition"]
    assert json.loads(download.text) == json.loads(V1_TEXT)
    assert client.get("/instruments/7/export").status_code == 404


def test_a_version_another_process_published_is_used_at_the_next_request(client, people) -> None:
    raw = json.loads(V1_TEXT)
    raw["version"] = "2"
    raw["levels"][1]["reassess_after_days"] = 10
    log_in(client, "besa")
    run(
        InstrumentVersion.insert(
            InstrumentVersion(
                version="2", status="published", definition=json.dumps(raw), origin="app"
            )
        )
    )
    body = client.get("/api/v1/risk/instrument").json()
    assert body["version"] == "2"
    assert body["reassess_after_days"]["medium"] == 10
    # Gone from the database (a restored backup): gone from the library at the next request.
    run(InstrumentVersion.delete().where(InstrumentVersion.version == "2"))
    assert client.get("/api/v1/risk/instrument").json()["version"] == "1"
    assert library().get("2") is None


def test_the_guidelines_in_the_staffs_language_as_page_and_word(client, people) -> None:
    log_in(client, "drita")
    instrument = library().get("1")
    item = instrument.items[0]
    page = client.get("/instruments/1/guide")
    assert page.status_code == 200
    assert item.text["sq"] in page.text and item.guidance["sq"] in page.text
    assert "Rivlerësim jo më vonë se pas 30 ditësh." in page.text
    word = client.get("/instruments/1/guide.docx")
    assert word.status_code == 200
    with zipfile.ZipFile(io.BytesIO(word.content)) as document:
        body = document.read("word/document.xml").decode("utf-8")
    assert item.text["sq"] in body
    assert client.get("/instruments/9/guide").status_code == 404


def test_the_practice_report_suppresses_small_counts(client, people) -> None:
    _case, code = open_case(people["besa"], region="Prishtinë", citizenship="XK")
    answers = {**VALID_FIELDS["risk_assessment"]["answers"], "health.mental": "unknown"}
    assert (
        submit(people["besa"], plaintext("risk_assessment", code, answers=answers))["status"]
        == "stored"
    )
    log_in(client, "arta")
    occurred = plaintext("visit")["occurred_at"][:10]  # the default day of test entries
    exported = client.get(f"/instruments/practice.csv?from={occurred}&to={occurred}")
    assert exported.status_code == 200
    assert "assessments,Assessments in the period,<5" in exported.text
    assert "health.mental," in exported.text and ",<5" in exported.text
    bad = client.get("/instruments/practice?from=2026-13-01")
    assert bad.status_code == 400


def test_changing_the_shape_keeps_what_was_typed(client, people) -> None:
    log_in(client, "arta")
    post(client, "/instruments/draft")
    fields = form_of(
        client.get("/instruments/draft?part=legal").text, "/instruments/draft/parts/legal"
    )
    fields["item-0-guidance-en"] = "Ask about the next hearing date too."
    fields["change"] = "add_item"
    page = client.post("/instruments/draft/parts/legal", data=fields)
    assert page.status_code == 200
    assert "Ask about the next hearing date too." in page.text
    assert 'data-item="legal.new1"' in page.text
    # The new question needs its texts: named, and publishing is refused until written.
    assert "Question “legal.new1”: the question has no text in:" in page.text
    fields = form_of(page.text, "/instruments/draft/parts/legal")
    fields["change"] = "add_answer:1"
    page = client.post("/instruments/draft/parts/legal", data=fields)
    assert 'name="item-1-answer-4-value" value="answer5"' in page.text
    fields = form_of(page.text, "/instruments/draft/parts/legal")
    fields["change"] = "remove_item:1"
    page = client.post("/instruments/draft/parts/legal", data=fields)
    assert 'data-item="legal.new1"' not in page.text
    assert 'id="draft-ready"' in page.text
    added = post(client, "/instruments/draft/domains")
    assert added.status_code == 303 and added.headers["location"].endswith("part=domain10")
    assert (
        "Domain “domain10”: the title has no text in:" in client.get(added.headers["location"]).text
    )


def test_what_a_level_asks_of_staff_is_written_by_the_working_group(client, people) -> None:
    log_in(client, "arta")
    post(client, "/instruments/draft")
    fields = form_of(
        client.get("/instruments/draft?part=scoring").text, "/instruments/draft/parts/scoring"
    )
    fields["level-2-asks-en"] = "Call the duty supervisor before the end of the shift."
    page = client.post("/instruments/draft/parts/scoring", data=fields)
    assert "Level High: what it asks of staff has no text in: Română, Русский" in page.text
    for code, words in (
        ("ro", "Sunați supervizorul de serviciu."),
        ("ru", "Позвоните дежурному супервизору."),
        ("sq", "Telefononi mbikëqyrësin kujdestar para mbarimit të turnit."),
        ("sr", "Позовите дежурног супервизора."),
    ):
        fields[f"level-2-asks-{code}"] = words
    page = client.post("/instruments/draft/parts/scoring", data=fields)
    assert 'id="draft-ready"' in page.text
    assert post(client, "/instruments/draft/publish").status_code == 303
    client.cookies.clear()
    log_in(client, "drita")
    guide = client.get("/instruments/2/guide").text
    assert "Telefononi mbikëqyrësin kujdestar para mbarimit të turnit." in guide
    # A level the group left without words gets the app's own.
    assert "Vazhdoni mbështetjen e dakorduar" in guide


def test_a_form_older_than_the_domain_is_refused_not_misapplied(client, people) -> None:
    log_in(client, "arta")
    post(client, "/instruments/draft")
    stale = form_of(
        client.get("/instruments/draft?part=retrafficking").text,
        "/instruments/draft/parts/retrafficking",
    )
    # Someone else removes the first question of the domain.
    fresh = dict(stale, change="remove_item:0")
    assert client.post("/instruments/draft/parts/retrafficking", data=fresh).status_code == 200
    # The stale form's "question 1" texts would now land on retrafficking.absconding.
    stale["item-0-text-en"] = "Changed on a stale page."
    refused = client.post("/instruments/draft/parts/retrafficking", data=stale)
    assert refused.status_code == 409
    assert "Someone else changed this domain meanwhile" in refused.text
    draft = client.get("/instruments/draft/export").json()
    domain = next(d for d in draft["domains"] if d["id"] == "retrafficking")
    assert [item["id"] for item in domain["items"]] == ["retrafficking.absconding"]
    assert domain["items"][0]["text"]["en"] != "Changed on a stale page."
