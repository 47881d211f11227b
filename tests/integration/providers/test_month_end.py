"""At month's end: the monthly report and the indicators count referrals by service, provider
and outcome (approved entries only, the latest version of each referral), and the report
lists the trips outside the capital for reimbursement (page, Word file, CSV)."""

from __future__ import annotations

import io
from datetime import date

from docx import Document

from server.indicators.services import IndicatorFilters, compile_counts
from server.providers.services import read_provider, save_provider
from server.reports.compiling import compile_month
from tests.support.accounts import log_in
from tests.support.approvals import build_team, decided
from tests.support.reports import log
from tests.support.run import run

JULY = "2025-07-{:02d}T10:00:00+03:00"


def add_provider(organisation: str, place: str = "Soroca") -> str:
    draft = read_provider(
        {"organisation": organisation, "services": "psychological", "place": place}, "MD"
    )
    return run(save_provider("MD", draft.values, None))


def test_referrals_count_by_service_provider_and_outcome_and_trips_are_summarised(client):
    team = build_team()
    ana, sofia, code = team.users["ana"], team.users["sofia"], team.north_code
    soroca = add_provider("Centrul Psihologic Soroca")
    # Sent, then received: the later version is the outcome, and only it counts.
    sent = log(
        ana,
        "referral",
        code,
        at=JULY.format(2),
        service_type="psychological",
        provider_id=soroca,
        provider="Centrul Psihologic Soroca",
    )
    decided(sofia, sent, "approved")
    received = log(
        ana,
        "referral",
        code,
        revises=sent,
        at=JULY.format(2),
        service_type="psychological",
        provider_id=soroca,
        provider="Centrul Psihologic Soroca",
        status="received",
    )
    decided(sofia, received, "approved")
    # Declined by a provider outside the directory; a waiting one never counts.
    decided(
        sofia,
        log(
            ana,
            "referral",
            code,
            at=JULY.format(5),
            service_type="legal",
            provider="Avocat X",
            status="declined",
        ),
        "approved",
    )
    log(ana, "referral", code, at=JULY.format(6), provider_id=soroca, status="sent")
    # Trips: Soroca (reimbursed), within Chișinău (not), and one whose entry waits (not).
    decided(
        sofia,
        log(
            ana,
            "visit",
            code,
            at=JULY.format(2),
            trip_from="mun. Chișinău",
            trip_to="Soroca",
            trip_means="public_transport",
            trip_km=150,
            trip_cost=120,
            trip_receipt="BX-0042",
        ),
        "approved",
    )
    decided(
        sofia,
        log(
            ana,
            "visit",
            code,
            at=JULY.format(3),
            trip_from="mun. Chișinău",
            trip_to="mun. Chișinău",
            trip_cost=10,
        ),
        "approved",
    )
    log(ana, "visit", code, at=JULY.format(4), trip_from="mun. Chișinău", trip_to="Orhei")

    figures = run(compile_month(ana, date(2025, 7, 1), "Europe/Chisinau"))
    referrals = figures["referrals"]
    assert referrals["by_service"] == {"legal": 1, "psychological": 1}
    assert referrals["by_outcome"] == {"declined": 1, "received": 1}
    assert referrals["by_provider"] == {"": 1, soroca: 1}
    assert referrals["provider_names"] == {soroca: "Centrul Psihologic Soroca"}

    counts = run(
        compile_counts(
            IndicatorFilters(
                start=date(2025, 7, 1), end=date(2025, 7, 31), team_id=None, region=""
            ),
            "Europe/Chisinau",
        )
    )
    assert counts["referrals"]["status"]["received"] == 1
    assert counts["referrals"]["provider"] == {soroca: 1, "": 1}

    log_in(client, "ana")
    page = client.get("/reports/monthly/ana/2025-07").text
    assert "Centrul Psihologic Soroca" in page and "Other (not in the directory)" in page
    travel = page.split('id="table-travel"')[1].split("</table>")[0]
    assert "BX-0042" in travel and "Soroca" in travel and "Orhei" not in travel
    assert travel.count("<tr>") == 1 + 1 + 1  # header, the Soroca trip, the total

    lines = client.get("/reports/monthly/ana/2025-07/travel.csv").text.strip().splitlines()
    assert lines[0].startswith("date,from,to,means,km,cost,receipt")
    assert lines[1].startswith("2025-07-02,mun. Chișinău,Soroca,public_transport,150,120,BX-0042")
    assert len(lines) == 2

    word = Document(io.BytesIO(client.get("/reports/monthly/ana/2025-07.docx").content))
    cells = {cell.text for table in word.tables for row in table.rows for cell in row.cells}
    assert "BX-0042" in cells and "Centrul Psihologic Soroca" in cells
