"""Providers that decline or never answer: counted from approved referrals, and a coordinator
starts a systemic-problem entry prefilled from them."""

from __future__ import annotations

import html
import json
import re

from server.providers.services import read_provider, save_provider
from tests.support.accounts import log_in
from tests.support.approvals import build_team, decided
from tests.support.reports import log
from tests.support.run import run


def add_provider(organisation: str) -> str:
    draft = read_provider(
        {"organisation": organisation, "services": "legal", "place": "Orhei"}, "MD"
    )
    return run(save_provider("MD", draft.values, None))


def test_declining_and_silent_providers_are_listed_and_start_a_problem(client):
    team = build_team()
    ana, sofia, code = team.users["ana"], team.users["sofia"], team.north_code
    silent = add_provider("Biroul Juridic Orhei")
    good = add_provider("Centrul de Drept")
    # July 2025: long past a month without an answer.
    decided(sofia, log(ana, "referral", code, provider_id=silent, status="sent"), "approved")
    decided(sofia, log(ana, "referral", code, provider_id=silent, status="declined"), "approved")
    decided(sofia, log(ana, "referral", code, provider_id=good, status="received"), "approved")
    # Waiting for approval: does not count.
    log(ana, "referral", code, provider_id=good, status="declined")

    log_in(client, "sofia")
    page = client.get("/providers/attention").text
    assert "Biroul Juridic Orhei" in page and "Centrul de Drept" not in page
    row = page.split("Biroul Juridic Orhei")[1].split("</tr>")[0]
    assert re.findall(r'class="number">(\d+)<', row) == ["2", "1", "1"]
    assert "/capture/systemic_problem" not in page  # supervisors do not capture entries

    client.cookies.clear()
    log_in(client, "ana")
    page = client.get("/providers/attention").text
    assert f"/capture/systemic_problem?provider={silent}" in page
    form = client.get(f"/capture/systemic_problem?provider={silent}").text
    prefill = json.loads(html.unescape(form.split("data-prefill='")[1].split("'")[0]))
    assert prefill["fields"]["kind"] == "institutional"
    assert (
        "Biroul Juridic Orhei (Orhei): 1 of 2 referrals declined"
        in prefill["fields"]["description"]
    )
