"""A referral names a provider of the directory and never shares identity without the
person's consent to sharing."""

from __future__ import annotations

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
