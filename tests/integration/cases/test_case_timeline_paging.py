"""The case page's timeline in pages of 50, newest first: the first page on the case page,
the older ones from GET /cases/<code>/timeline?before=<cursor> for "Show older entries",
every entry exactly once even when many share a moment; the identity link no matter how far
back the intake is."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest

from server.accounts.tables import User
from server.cases.services import TIMELINE_PAGE
from server.core.i18n import translations
from server.entries.tables import Entry
from tests.integration.cases.people import build_world, visit
from tests.support.accounts import log_in
from tests.support.run import run

HTMX = {"HX-Request": "true"}
START = datetime(2025, 8, 1, 7, 0, tzinfo=UTC)  # after the world's intake and visit


@pytest.fixture
def world():
    return build_world()


def main_of(page: str) -> str:
    return page[page.index("<main") : page.index("</main>")]


def entry_ids(page: str) -> list[str]:
    return re.findall(r'class="timeline-type" href="/entries/([0-9a-f-]{36})"', page)


def older_link(page: str) -> str | None:
    """The address "Show older entries" asks for, or None when there is no button."""
    found = re.findall(r'hx-get="(/cases/[^"]+/timeline\?before=[^"]+)"', page)
    assert len(found) <= 1
    if found:
        assert "Show older entries" in page
    return html.unescape(found[0]) if found else None


def log_visits(world, moments: list[datetime]) -> list[str]:
    return [visit(world.users["ana"], world.north_code, moment.isoformat()) for moment in moments]


def newest_first(world) -> list[str]:
    """Every entry of the north case, in the timeline's order: newest first, the id deciding
    between entries of the same moment."""
    rows = run(Entry.select(Entry.id, Entry.occurred_at).where(Entry.case == world.north_case))
    rows.sort(key=lambda row: (row["occurred_at"], str(row["id"])), reverse=True)
    return [str(row["id"]) for row in rows]


def test_the_case_page_shows_the_50_newest_and_a_button_for_the_rest(client, world):
    log_visits(world, [START + timedelta(hours=n) for n in range(TIMELINE_PAGE)])
    log_in(client, "sofia")
    page = main_of(client.get(f"/cases/{world.north_code}").text)
    north = newest_first(world)
    assert len(north) == TIMELINE_PAGE + 2  # with the intake and the first visit
    assert entry_ids(page) == north[:TIMELINE_PAGE]
    assert world.north_intake not in entry_ids(page)
    link = older_link(page)
    assert link is not None and link.startswith(f"/cases/{world.north_code}/timeline?before=")


def test_no_button_when_everything_is_shown(client, world):
    # The intake, the first visit and 48 more: exactly one page.
    log_visits(world, [START + timedelta(hours=n) for n in range(TIMELINE_PAGE - 2)])
    log_in(client, "sofia")
    page = main_of(client.get(f"/cases/{world.north_code}").text)
    assert len(entry_ids(page)) == TIMELINE_PAGE
    assert older_link(page) is None
    assert "Show older entries" not in page
    # One more, and there is a second page holding just the oldest.
    log_visits(world, [START + timedelta(days=30)])
    page = main_of(client.get(f"/cases/{world.north_code}").text)
    second = client.get(older_link(page), headers=HTMX)
    assert second.status_code == 200
    assert entry_ids(second.text) == [world.north_intake]
    assert older_link(second.text) is None


@pytest.mark.parametrize("username", ["sofia", "ana"])
def test_paging_reaches_every_entry_once_when_many_share_a_moment(client, world, username):
    # 124 visits over 8 moments: runs of 15 or 16 entries at the same minute straddle the
    # page boundaries, which only the id can tell apart.
    moments = [START + timedelta(minutes=n // 16) for n in range(124)]
    ids = log_visits(world, moments)
    # Phones send seconds; moments with microseconds must page the same (SQLite compares
    # them as text): a run of 12 at one, their neighbours a microsecond either side, lying
    # across the end of the first page (46 entries are newer).
    tied = START + timedelta(minutes=3, seconds=20, microseconds=500_000)
    for n, entry_id in enumerate(ids[66:80]):
        offset = {0: -1, 13: 1}.get(n, 0)
        moment = tied + timedelta(microseconds=offset)
        run(Entry.update({Entry.occurred_at: moment}).where(Entry.id == entry_id))
    log_in(client, username)
    page = main_of(client.get(f"/cases/{world.north_code}").text)
    shown = entry_ids(page)
    pages = [len(shown)]
    link = older_link(page)
    while link is not None:
        response = client.get(link, headers=HTMX)
        assert response.status_code == 200
        assert "<html" not in response.text  # a fragment, not a page
        assert "HX-Request" in response.headers["vary"]
        ids = entry_ids(response.text)
        pages.append(len(ids))
        shown += ids
        link = older_link(response.text)
    north = newest_first(world)
    assert len(north) == 126
    assert shown == north  # each once, newest first
    assert pages == [50, 50, 26]


def test_without_htmx_the_timeline_address_goes_to_the_case_page(client, world):
    log_in(client, "sofia")
    response = client.get(
        f"/cases/{world.north_code.lower()}/timeline?before=2025-08-01T07:00:00.000000Z_"
        f"{world.north_visit}",
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/cases/{world.north_code}"


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "yesterday",
        "2025-08-01T07:00:00.000000Z",  # no id
        "2025-08-01T07:00:00.000000_0f0e0d0c-0b0a-4909-8807-060504030201",  # no Z
        "2025-08-01T07:00:00+03:00Z_0f0e0d0c-0b0a-4909-8807-060504030201",
        "2025-13-01T07:00:00.000000Z_0f0e0d0c-0b0a-4909-8807-060504030201",
        "2025-08-01T07:00:00.000000Z_not-a-uuid",
        "2025-08-01T07:00:00.000000Z_0f0e0d0c' OR 1=1 --",
    ],
)
def test_a_malformed_cursor_is_400_with_a_message(client, world, cursor):
    log_in(client, "sofia")
    response = client.get(
        f"/cases/{world.north_code}/timeline", params={"before": cursor}, headers=HTMX
    )
    assert response.status_code == 400
    assert "These older entries cannot be found." in response.text
    assert entry_ids(response.text) == []


def test_a_malformed_cursor_is_400_in_the_users_language(client, world):
    run(User.update({User.language: "ro"}).where(User.username == "sofia"))
    log_in(client, "sofia")
    response = client.get(
        f"/cases/{world.north_code}/timeline", params={"before": "x"}, headers=HTMX
    )
    assert response.status_code == 400
    message = translations("ro").gettext(
        "These older entries cannot be found. Reload the case page and try again."
    )
    assert message != "These older entries cannot be found. Reload the case page and try again."
    assert html.escape(message, quote=False) in response.text


@pytest.mark.parametrize("username", ["victor", "petru", "bogdan", "ada"])
def test_a_case_the_user_may_not_see_is_404_as_on_the_case_page(client, world, username):
    log_in(client, username)
    cursor = f"2025-08-01T07:00:00.000000Z_{world.north_visit}"
    page = client.get(f"/cases/{world.north_code}")
    assert page.status_code == 404
    for headers in (HTMX, {}):
        response = client.get(
            f"/cases/{world.north_code}/timeline",
            params={"before": cursor},
            headers=headers,
            follow_redirects=False,
        )
        assert response.status_code == 404
        assert world.north_visit not in response.text


def test_the_identity_link_stays_when_the_intake_is_far_back(client, world):
    log_visits(world, [START + timedelta(hours=n) for n in range(TIMELINE_PAGE + 10)])
    for username in ("sofia", "ana"):
        log_in(client, username)
        page = main_of(client.get(f"/cases/{world.north_code}").text)
        assert world.north_intake not in entry_ids(page)
        assert f'href="/entries/{world.north_intake}/identity">Show identity</a>' in page
        client.cookies.clear()


def test_no_identity_link_when_the_far_back_intake_is_not_the_viewers(client, world):
    log_visits(world, [START + timedelta(hours=n) for n in range(TIMELINE_PAGE + 10)])
    south = run(Entry.select(Entry.team).where(Entry.id == world.south_visit).first())["team"]
    run(Entry.update({Entry.team: south}).where(Entry.id == world.north_intake))
    log_in(client, "sofia")
    page = main_of(client.get(f"/cases/{world.north_code}").text)
    assert "Show identity" not in page
    assert "The case intake is not among the entries you may open." in page
