"""The raw counts behind the indicators, compiled without HTTP: who is a person assisted, who
is a new case, which referrals count, and who is left out, in one period of one team.

The database answers with a row per person and a row per referral; these are the near misses
of that shape: a person with many entries is one person, a case opened before the period is
assisted but not new, a corrected referral counts once in its approved form, a referral
still waiting does not count, and the referrals of a person who refused statistics count
nowhere (nor does the person), whatever order the rows come back in.
"""

from __future__ import annotations

from datetime import date

from server.indicators.services import IndicatorFilters, compile_counts
from tests.support.accounts import make_user
from tests.support.approvals import decided
from tests.support.entries import open_case, plaintext, submit
from tests.support.run import run

ZONE = "Europe/Chisinau"
JULY = "2025-07-{:02d}T10:00:00+03:00"


def approved(supervisor: int, author: int, entry: dict) -> str:
    result = submit(author, entry)
    assert result["status"] == "stored", result
    decided(supervisor, result["id"], "approved")
    return result["id"]


def intake_of(case: str) -> str:
    from server.entries.tables import Entry

    row = run(Entry.select(Entry.id).where(Entry.case == case).first())
    return str(row["id"])


def test_persons_new_cases_and_referrals_of_a_period() -> None:
    ana = make_user("ana", "coordinator", "Team North", regions=("North",))
    sofia = make_user("sofia", "supervisor", "Team North", regions=("North",))
    petru = make_user("petru", "coordinator", "Team South", regions=("Centre",))
    victor = make_user("victor", "supervisor", "Team South", regions=("Centre",))

    # Opened in July, visited twice, referred twice (one referral corrected, then approved).
    opened, opened_code = open_case(
        ana, occurred_at=JULY.format(2), sex="female", exploitation=["sexual", "forced_labour"]
    )
    decided(sofia, intake_of(opened), "approved")
    for day in (4, 9):
        approved(sofia, ana, plaintext("visit", opened_code, occurred_at=JULY.format(day)))
    approved(
        sofia,
        ana,
        plaintext("referral", opened_code, occurred_at=JULY.format(5), service_type="medical"),
    )
    first = approved(
        sofia,
        ana,
        plaintext("referral", opened_code, occurred_at=JULY.format(6), service_type="legal"),
    )
    approved(
        sofia,
        ana,
        plaintext(
            "referral",
            opened_code,
            occurred_at=JULY.format(6),
            revises=first,
            service_type="legal",
            status="accepted",
        ),
    )
    # Opened in June, a visit in July: assisted in July, not new in July.
    earlier, earlier_code = open_case(
        ana, occurred_at="2025-06-20T10:00:00+03:00", sex="male", exploitation=[]
    )
    decided(sofia, intake_of(earlier), "approved")
    approved(sofia, ana, plaintext("visit", earlier_code, occurred_at=JULY.format(10)))
    # A referral still waiting counts nowhere.
    waiting = submit(
        ana, plaintext("referral", earlier_code, occurred_at=JULY.format(11), service_type="social")
    )
    assert waiting["status"] == "stored"
    # Refused statistics: neither the person nor their referral is counted; the code is named.
    refused, refused_code = open_case(
        ana, occurred_at=JULY.format(3), sex="female", consent_statistics="refused"
    )
    decided(sofia, intake_of(refused), "approved")
    approved(
        sofia,
        ana,
        plaintext("referral", refused_code, occurred_at=JULY.format(7), service_type="medical"),
    )
    # Another team's person and referral, in the same month.
    south, south_code = open_case(petru, occurred_at=JULY.format(2), region="Centre")
    decided(victor, intake_of(south), "approved")
    approved(
        victor,
        petru,
        plaintext("referral", south_code, occurred_at=JULY.format(8), service_type="medical"),
    )

    from server.accounts.tables import User

    north = run(User.select(User.team).where(User.id == ana).first())["team"]
    counts = run(compile_counts(IndicatorFilters(date(2025, 7, 1), date(2025, 7, 31), north), ZONE))

    assisted = counts["persons_assisted"]
    assert assisted["total"] == 2
    assert assisted["sex"]["female"] == 1 and assisted["sex"]["male"] == 1
    # A person with no form of exploitation recorded is "not disclosed", once.
    assert assisted["exploitation"]["sexual"] == 1
    assert assisted["exploitation"]["forced_labour"] == 1
    assert assisted["exploitation"]["not_disclosed"] == 1
    new = counts["new_cases"]
    assert new["total"] == 1 and new["sex"]["female"] == 1 and new["sex"]["male"] == 0
    referrals = counts["referrals"]
    assert referrals["total"] == 2
    assert referrals["service_type"]["medical"] == 1
    assert referrals["service_type"]["legal"] == 1
    assert referrals["service_type"]["social"] == 0
    assert referrals["status"]["accepted"] == 1 and referrals["status"]["sent"] == 1
    assert counts["left_out"] == [refused_code]

    # Every team: the South person and referral join; the refused person stays out.
    everyone = run(
        compile_counts(IndicatorFilters(date(2025, 7, 1), date(2025, 7, 31), None), ZONE)
    )
    assert everyone["persons_assisted"]["total"] == 3
    assert everyone["new_cases"]["total"] == 2
    assert everyone["referrals"]["service_type"]["medical"] == 2
    assert everyone["left_out"] == [refused_code]
    # June: only the earlier case's intake, a new case then.
    june = run(compile_counts(IndicatorFilters(date(2025, 6, 1), date(2025, 6, 30), north), ZONE))
    assert june["persons_assisted"]["total"] == 1 and june["new_cases"]["total"] == 1
    assert june["referrals"]["total"] == 0 and june["left_out"] == []
