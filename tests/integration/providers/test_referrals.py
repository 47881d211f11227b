"""A referral names a provider of the directory and never shares identity without the
person's consent to sharing."""

from __future__ import annotations

import html
import json

from server.entries.tables import Entry
from server.providers.services import providers_of, read_provider, save_provider
from tests.support.accounts import log_in, make_user
from tests.support.entries import open_case, plaintext, submit
from tests.support.run import run


def add_provider(organisation: str = "Centrul Psihologic Soroca") -> str:
    draft = read_provider(
        {"organisation": organisation, "services": "psychological", "place": "Soroca"}, "MD"
    )
    assert not draft.errors
    return run(save_provider("MD", draft.values, None))


def test_identity_is_refused_without_sharing_consent_with_a_clear_code():
    ion = make_user("ion")
    _, code = open_case(ion, consent_sharing="refused")
    result = submit(ion, plaintext("referral", code, identity_shared=True))
    assert result["status"] == "rejected"
    assert result["error"]["code"] == "no_sharing_consent"
    assert submit(ion, plaintext("referral", code, identity_shared=False))["status"] == "stored"


def test_identity_may_be_shared_with_consent():
    ion = make_user("ion")
    _, code = open_case(ion, consent_sharing="given")
    assert submit(ion, plaintext("referral", code, identity_shared=True))["status"] == "stored"


def test_a_referral_names_its_provider_by_id_in_clear_metadata():
    ion = make_user("ion")
    _, code = open_case(ion)
    provider_id = add_provider()
    entry = plaintext("referral", code, provider_id=provider_id, provider="Centrul Psihologic")
    result = submit(ion, entry)
    assert result["status"] == "stored", result
    row = run(Entry.select(Entry.details).where(Entry.id == result["id"]).first())
    details = row["details"] if isinstance(row["details"], dict) else json.loads(row["details"])
    assert details["provider_id"] == provider_id


def test_a_provider_outside_the_directory_is_refused_and_old_phones_still_pass():
    ion = make_user("ion")
    _, code = open_case(ion)
    made_up = "0f0e0d0c-0b0a-4909-8807-060504030201"
    result = submit(ion, plaintext("referral", code, provider_id=made_up))
    assert result["error"]["code"] == "unknown_provider"
    # A referral from a phone older than the directory has no provider_id key at all.
    assert submit(ion, plaintext("referral", code))["status"] == "stored"


def test_the_referral_form_offers_the_directory_and_knows_each_cases_consent(client):
    ion = make_user("ion")
    _, code = open_case(ion, consent_sharing="refused")
    add_provider()
    log_in(client, "ion")
    page = client.get("/capture/referral").text
    assert "Centrul Psihologic Soroca" in page and 'data-services="psychological"' in page
    assert f'value="{code}"' in page and 'data-consent-sharing="refused"' in page
    assert run(providers_of("MD"))


def test_a_referrals_status_moves_by_a_new_version_started_from_its_page(client):
    from tests.support.approvals import build_team, decided
    from tests.support.reports import log

    team = build_team()
    ana, sofia, code = team.users["ana"], team.users["sofia"], team.north_code
    sent = log(ana, "referral", code, status="sent")
    decided(sofia, sent, "approved")
    log_in(client, "ana")
    assert f"/capture/referral?revises={sent}" in client.get(f"/entries/{sent}").text
    form = client.get(f"/capture/referral?revises={sent}").text
    assert "You are recording a new status of this referral" in form
    prefill = json.loads(html.unescape(form.split("data-prefill='")[1].split("'")[0]))
    assert prefill["case"] == code and prefill["fields"]["status"] == "sent"
    assert prefill["fields"]["status_on"]  # today, for the new status
    assert prefill["occurred_at"].startswith("2025-07-03")  # the referral keeps its month

    received = log(ana, "referral", code, revises=sent, status="received", status_on="2025-07-20")
    # Only the latest version offers a new status, and only to its author.
    assert "referral-status" not in client.get(f"/entries/{sent}").text
    assert "referral-status" in client.get(f"/entries/{received}").text
    assert 'id="capture-prefill"' not in client.get(f"/capture/referral?revises={sent}").text
