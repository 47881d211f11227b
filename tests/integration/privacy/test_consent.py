"""Consent per purpose, changed by a `consent` entry and honoured from the moment it is stored:
no identity shared on referrals without it, out of indicators compiled after it, shown on
the case page."""

from __future__ import annotations

import uuid
from datetime import date

from server.cases.tables import Case
from server.indicators.services import IndicatorFilters, compile_counts
from tests.integration.cases.people import build_world
from tests.support.accounts import log_in
from tests.support.approvals import decided
from tests.support.entries import plaintext, submit
from tests.support.run import run

ZONE = "Europe/Chisinau"
LAST_YEAR = IndicatorFilters(start=date(2025, 1, 1), end=date(2025, 12, 31), team_id=None)


def consents(case_id: str) -> dict:
    return run(
        Case.select(Case.consent_assistance, Case.consent_sharing, Case.consent_statistics)
        .where(Case.id == uuid.UUID(case_id))
        .first()
    )


def test_a_consent_entry_changes_the_case_at_once_and_is_honoured(client):
    world = build_world()
    for entry_id in (world.north_intake, world.north_visit):
        decided(world.users["sofia"], entry_id, "approved")
    assert run(compile_counts(LAST_YEAR, ZONE))["persons_assisted"]["total"] == 1

    # The intake refused sharing: a referral that shares the identity is refused.
    sharing = plaintext("referral", world.north_code, identity_shared=True)
    refused = submit(world.users["ana"], sharing)
    assert refused["status"] == "rejected"
    assert refused["error"]["code"] == "no_sharing_consent"

    # The person now consents to sharing and withdraws from statistics.
    changed = submit(
        world.users["ana"],
        plaintext(
            "consent",
            world.north_code,
            consent_sharing="given",
            consent_statistics="refused",
            consent_manner="written",
        ),
    )
    assert changed["status"] == "stored", changed
    assert consents(world.north_case) == {
        "consent_assistance": "given",
        "consent_sharing": "given",
        "consent_statistics": "refused",
    }
    # Honoured before any approval: the referral goes through, the person leaves the figures.
    assert submit(world.users["ana"], sharing)["status"] == "stored"
    assert run(compile_counts(LAST_YEAR, ZONE))["persons_assisted"]["total"] == 0

    log_in(client, "ana")
    page = client.get(f"/cases/{world.north_code}").text
    assert "Consent to anonymised statistics</dt><dd>Refused" in page
    # Another person's case is not the coordinator's to change.
    other = submit(world.users["ana"], plaintext("consent", world.south_code))
    assert other["status"] == "rejected"
    assert consents(world.south_case)["consent_sharing"] == "refused"
