"""A submitted (or approved) report closes its `report_due` deadline; a returned one is due
again (server/deadlines). Two supervisors deciding at once: exactly one decision is kept."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from server.deadlines.services import reports as report_deadlines
from server.reports import services
from server.reports.tables import MonthlyReport, ReportDecision
from tests.support.approvals import current_user
from tests.support.reports import build_month
from tests.support.run import run

NOW = datetime(2025, 7, 29, 9, tzinfo=UTC)


def july_due(user) -> list[str]:
    return [d.key for d in run(report_deadlines(user, NOW)) if d.key.endswith(":2025-07")]


def test_submitting_closes_the_deadline_and_returning_opens_it_again():
    month = build_month()
    ana = current_user(month.team.users["ana"])
    sofia = current_user(month.team.users["sofia"])
    assert july_due(ana) == [f"report_due:{ana.id}:2025-07"]

    report = run(services.load_report(ana, "ana", "2025-07"))
    run(services.save_narrative(ana, report, "July."))
    assert july_due(ana) != []  # a draft is not handed in
    run(services.submit(ana, report))
    assert july_due(ana) == []

    report = run(services.load_report(sofia, "ana", "2025-07"))
    run(services.decide(sofia, report, "returned", "Add the trainings."))
    assert july_due(ana) == [f"report_due:{ana.id}:2025-07"]


def test_two_decisions_at_once_exactly_one_wins():
    month = build_month()
    ana = current_user(month.team.users["ana"])
    sofia = current_user(month.team.users["sofia"])
    report = run(services.load_report(ana, "ana", "2025-07"))
    run(services.save_narrative(ana, report, "July."))
    run(services.submit(ana, report))

    async def both():
        first = await services.load_report(sofia, "ana", "2025-07")
        second = await services.load_report(sofia, "ana", "2025-07")
        return await asyncio.gather(
            services.decide(sofia, first, "approved"),
            services.decide(sofia, second, "returned", "Add the trainings."),
            return_exceptions=True,
        )

    outcomes = run(both())
    losers = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
    assert len(losers) == 1, outcomes
    assert isinstance(losers[0], services.ReportError) and losers[0].status == 409
    decisions = run(ReportDecision.select(ReportDecision.decision))
    assert len(decisions) == 1
    stored = run(MonthlyReport.select(MonthlyReport.status).first())
    assert stored["status"] == decisions[0]["decision"]


def test_a_key_rotation_rewraps_the_narrative():
    from server.entries.rotation import rotate_keys

    month = build_month()
    ana = current_user(month.team.users["ana"])
    report = run(services.load_report(ana, "ana", "2025-07"))
    run(services.save_narrative(ana, report, "Sealed before the rotation."))
    before = run(MonthlyReport.select().first())
    new_kid, _count = run(rotate_keys())
    after = run(MonthlyReport.select().first())
    assert after["narrative_key_kid"] == new_kid != before["narrative_key_kid"]
    assert after["narrative_ciphertext"] == before["narrative_ciphertext"]  # never rewritten
    report = run(services.load_report(ana, "ana", "2025-07"))
    assert services.narrative(report) == "Sealed before the rotation."
