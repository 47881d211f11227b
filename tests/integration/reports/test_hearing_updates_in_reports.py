"""A hearing update is work on a case, approved like every entry, but not an accompaniment:
the monthly report lists it as its own kind and never adds it to the accompaniments."""

from __future__ import annotations

from datetime import date

from server.reports.compiling import compile_month
from tests.support.approvals import build_team, decided
from tests.support.reports import log
from tests.support.run import run


def test_a_hearing_update_is_its_own_line_and_no_accompaniment():
    team = build_team()
    ana, sofia, case = team.users["ana"], team.users["sofia"], team.north_code
    scheduling = log(
        ana, "accompaniment", case, institution="court", next_hearing_at="2025-07-20T10:00:00+03:00"
    )
    decided(sofia, scheduling, "approved")
    moved = log(
        ana,
        "hearing_update",
        case,
        hearing=scheduling,
        change="moved",
        next_hearing_at="2025-07-27T10:00:00+03:00",
    )
    decided(sofia, moved, "approved")
    figures = run(compile_month(ana, date(2025, 7, 1), "Europe/Chisinau"))
    assert figures["accompaniments"]["total"] == 1
    assert figures["accompaniments"]["by_institution"] == {"court": 1}
    assert figures["by_type"]["hearing_update"] == 1
    assert figures["by_type"]["accompaniment"] == 1
