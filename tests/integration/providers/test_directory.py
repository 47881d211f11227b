"""The service provider directory: managed by supervisors, imported and exported as CSV
(all or nothing), searched by coordinators online and from the page's offline copy."""

from __future__ import annotations

import re

from server.core.templating import OFFLINE_COPY_HEADER
from server.providers.services import providers_of
from server.providers.tables import Provider
from tests.support.accounts import log_in, make_user
from tests.support.run import run

GOOD_CSV = (
    "organisation,services,place,address,phone,hours,languages,without_documents,notes\n"
    "Centrul Psihologic Soroca,psychological,Soroca,str. Ștefan cel Mare 1,+373 230 00000,"
    "L-V 9-17,ro;ru,yes,Ask for Dr. Rusu\n"
    "Biroul de asistență juridică,legal;social,Bălți,,,,ro,no,\n"
)


def upload(client, token, data: bytes):
    return client.post(
        "/providers/import",
        files={"file": ("providers.csv", data, "text/csv")},
        data={"_csrf_token": token},
    )


def test_a_supervisor_adds_edits_and_deactivates_a_provider(client):
    make_user("elena", role="supervisor")
    token = log_in(client, "elena")
    form = {
        "_csrf_token": token,
        "organisation": "Centrul Medical Orhei",
        "services": ["medical"],
        "place": "Orhei",
        "languages": ["ro", "ru"],
        "without_documents": "1",
    }
    response = client.post("/providers", data=form, follow_redirects=False)
    assert response.status_code == 303, response.text
    (provider,) = run(providers_of("MD"))
    assert provider["languages"] == ["ro", "ru"] and provider["without_documents"] is True

    edited = {**form, "organisation": "Centrul Medical Raional Orhei", "place": "Nowhere"}
    refused = client.post(f"/providers/{provider['id']}", data=edited)
    assert refused.status_code == 422
    assert "rayon or municipality" in refused.text
    edited["place"] = "Orhei"
    assert client.post(f"/providers/{provider['id']}", data=edited).status_code == 200
    assert run(providers_of("MD"))[0]["organisation"] == "Centrul Medical Raional Orhei"

    # Languages are optional: a form with none ticked sends no `languages` at all.
    bare = {"_csrf_token": token, "organisation": "Avocat", "services": "legal", "place": "Orhei"}
    assert client.post("/providers", data=bare, follow_redirects=False).status_code == 303
    assert len(run(providers_of("MD"))) == 2

    client.post(f"/providers/{provider['id']}/active", data={"_csrf_token": token, "active": "0"})
    assert [p["organisation"] for p in run(providers_of("MD"))] == ["Avocat"]
    assert len(run(providers_of("MD", active_only=False))) == 2


def test_coordinators_cannot_manage_the_directory(client):
    make_user("ion")
    token = log_in(client, "ion")
    assert client.get("/providers", follow_redirects=False).status_code in (403, 404)
    assert upload(client, token, GOOD_CSV.encode()).status_code in (403, 404)


def test_import_then_export_round_trips_and_updates_by_id(client):
    make_user("elena", role="supervisor")
    token = log_in(client, "elena")
    response = upload(client, token, ("\ufeff" + GOOD_CSV).encode())
    assert response.status_code == 200, response.text
    assert "2 added, 0 updated" in response.text
    exported = client.get("/providers.csv").text
    assert "Centrul Psihologic Soroca" in exported and "ro;ru" in exported
    changed = exported.replace("Ask for Dr. Rusu", "Ask at the front desk")
    response = upload(client, token, changed.encode())
    assert "0 added, 2 updated" in response.text
    notes = {p["organisation"]: p["notes"] for p in run(providers_of("MD"))}
    assert notes["Centrul Psihologic Soroca"] == "Ask at the front desk"


def test_a_file_with_one_bad_row_imports_nothing_and_says_which_line_in_the_users_language(
    client,
):
    make_user("elena", role="supervisor", language="ro")
    token = log_in(client, "elena")
    bad = GOOD_CSV + "Clinica X,surgery,Atlantis,,,,xx,maybe,\n"
    response = upload(client, token, bad.encode())
    assert response.status_code == 422
    assert run(Provider.count()) == 0
    text = response.text
    assert "Linia 4:" in text  # the header is line 1
    assert "Nimic nu a fost importat." in text


def test_the_directory_searches_by_service_place_and_language_and_is_kept_offline(client):
    make_user("elena", role="supervisor")
    upload(client, log_in(client, "elena"), GOOD_CSV.encode())
    client.cookies.clear()
    make_user("ion")
    log_in(client, "ion")
    assert "/providers/directory" in client.get("/api/v1/offline-pages").json()["pages"]
    found = client.get(
        "/providers/directory", params={"service": "psychological", "language": "ru"}
    ).text
    assert "Centrul Psihologic Soroca" in found
    assert shown_places(found) == ["Soroca"]
    assert shown_places(client.get("/providers/directory", params={"language": "ro"}).text) == [
        "Soroca",
        "mun. Bălți",
    ]
    # The offline copy carries the whole directory, unfiltered, for the page's own search.
    copy = client.get("/providers/directory?service=legal", headers={OFFLINE_COPY_HEADER: "1"})
    assert copy.headers.get(OFFLINE_COPY_HEADER) == "1"
    assert sorted(shown_places(copy.text)) == ["Soroca", "mun. Bălți"]


def shown_places(page: str) -> list[str]:
    items = re.findall(r"<li class=\"card\" data-provider [^>]*>", page)
    return [
        re.search(r'data-place="([^"]*)"', item).group(1)
        for item in items
        if not item.endswith(" hidden>")
    ]
