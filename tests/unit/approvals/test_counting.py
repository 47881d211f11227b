"""The "what counts" helper over realistic chains of versions and decisions: only the most
recent approved version of each chain counts; drafts, returned and superseded versions and
pending revisions never do (a pending revision leaves the approved version counting)."""

from __future__ import annotations

import pytest

from server.approvals.counting import counted_condition, counted_entries
from server.entries.tables import Entry
from tests.support.approvals import build_team, decided, log_entry, log_visit
from tests.support.run import run

# Counts through SQL: can differ by engine.
pytestmark = pytest.mark.engine


@pytest.fixture
def chains() -> dict[str, list[str]]:
    team = build_team()
    ana, sofia = team.users["ana"], team.users["sofia"]
    petru, victor = team.users["petru"], team.users["victor"]
    case = team.north_code

    def chain(*decisions: str | None, author: int = ana, supervisor: int = sofia, code=case):
        """One version per item, each correcting the one before; decide each as given."""
        ids: list[str] = []
        for decision in decisions:
            ids.append(log_visit(author, code, revises=ids[-1] if ids else None))
            if decision:
                decided(
                    supervisor, ids[-1], decision, "Needs more." if decision == "returned" else ""
                )
        return ids

    return {
        "waiting": chain(None),
        "returned_corrected_approved": chain("returned", "approved"),
        "approved_revision_pending": chain("approved", None),
        "approved_revision_returned": chain("approved", "returned"),
        "approved_revision_approved": chain("approved", "approved"),
        "returned_never_corrected": chain("returned"),
        "returned_twice_then_approved": chain("returned", "returned", "approved"),
        "corrected_before_decision": chain(None, None),
        "approved_once": chain("approved"),
        "other_team": chain("approved", author=petru, supervisor=victor, code=team.south_code),
        "approved_training": [log_entry(ana, "training")],
        "team": [str(sofia)],  # the supervisor of Team North, to decide later
    }


def counted_ids(query) -> set[str]:
    return {str(row["id"]) for row in run(query)}


def test_which_versions_count(chains):
    ids = counted_ids(counted_entries(Entry.id).where(Entry.type == "visit"))
    expected = {
        chains["returned_corrected_approved"][1],
        chains["approved_revision_pending"][0],
        chains["approved_revision_returned"][0],
        chains["approved_revision_approved"][1],
        chains["returned_twice_then_approved"][2],
        chains["approved_once"][0],
        chains["other_team"][0],
    }
    assert ids == expected
    # Never two versions of one chain.
    roots = run(Entry.select(Entry.root).where(Entry.id.is_in(list(ids))))
    assert len({row["root"] for row in roots}) == len(ids)


def test_the_pending_revision_takes_over_once_approved(chains):
    first, revision = chains["approved_revision_pending"]
    assert counted_ids(counted_entries(Entry.id).where(Entry.id.is_in([first, revision]))) == {
        first
    }
    decided(int(chains["team"][0]), revision, "approved")
    assert counted_ids(counted_entries(Entry.id).where(Entry.id.is_in([first, revision]))) == {
        revision
    }


def test_a_correction_made_before_a_decision_replaces_the_waiting_version(chains):
    old, new = chains["corrected_before_decision"]
    assert counted_ids(counted_entries(Entry.id).where(Entry.id.is_in([old, new]))) == set()
    decided(int(chains["team"][0]), new, "approved")
    assert counted_ids(counted_entries(Entry.id).where(Entry.id.is_in([old, new]))) == {new}


def test_the_condition_combines_with_counts_filters_and_joined_columns(chains):
    team_north = run(
        Entry.select(Entry.team).where(Entry.id == chains["approved_once"][0]).first()
    )["team"]
    visits_north = run(
        Entry.count().where(
            counted_condition() & (Entry.team == team_north) & (Entry.type == "visit")
        )
    )
    assert visits_north == 6
    rows = run(
        counted_entries(Entry.id, Entry.case.code, Entry.author.username)
        .where(Entry.team == team_north)
        .where(Entry.type == "visit")
    )
    assert len(rows) == 6 and all(row["case.code"] for row in rows)
    # The training was never decided: it does not count.
    assert run(Entry.count().where(counted_condition() & (Entry.type == "training"))) == 0
    # The approved case intakes count like any entry.
    assert run(Entry.count().where(counted_condition() & (Entry.type == "case_intake"))) == 3
