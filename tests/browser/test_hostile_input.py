"""Hostile input in every free-text field stays inert text everywhere it is shown, in real
Chromium: `<script>`, event handler attributes, htmx attributes (`hx-get`, `hx-on`),
`javascript:` URLs, template syntax and control characters — in every text field of every
entry type, a device name, a supervisor's return comment and a browser's user agent. Strings
of 1 MB are refused with a clear answer and nothing stored is lost."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from server.entries.definitions import ENTRY_TYPES
from server.entries.tables import Entry
from tests.support.accounts import make_user
from tests.support.capture_page import log_in
from tests.support.entries import ENTRY_TYPE_KEYS, open_case, plaintext, submit
from tests.support.live_server import LiveServer
from tests.support.run import run

PWN = "window.__pwned = (window.__pwned || 0) + 1"
HOSTILE = (
    f"<script>{PWN}</script>"
    f'<img src="x" onerror="{PWN}">'
    f'<div hx-get="/logout" hx-trigger="load" hx-on::load="{PWN}" hx-on:click="{PWN}">hx</div>'
    f'<a href="javascript:{PWN}">link</a>'
    "{{ 7*7 }}{% raw %}${7*7}"
    "\x07\x1b[31m\u202e\u0000end"
)
# What must show as text, literally, wherever the value is shown.
VISIBLE = "<script>window.__pwned"
MEGABYTE = "<script>alert(1)</script>" * (1024 * 1024 // 25 + 1)


def hostile_fields(type_key: str) -> dict:
    """Every free-text field of the type filled with the hostile string, cut to its limit."""
    definition = ENTRY_TYPES[type_key]
    return {
        field.key: HOSTILE[: field.max_length]
        for field in definition.fields
        if field.kind in ("text", "textarea")
    }


def assert_inert(page: Page) -> None:
    """Nothing ran, no markup came from the data, and the text is there to read."""
    assert page.evaluate("window.__pwned") is None
    main = page.locator("main")
    assert main.locator("script").count() == 0
    assert main.locator("img[onerror], [hx-on\\:\\:load], [hx-on\\:click]").count() == 0
    assert main.locator('[hx-get="/logout"]').count() == 0
    assert main.locator('a[href^="javascript:"]').count() == 0
    expect(main).to_contain_text(VISIBLE)


def assert_template_syntax_shown(page: Page) -> None:
    """Template syntax in the data was not evaluated (no 49 in its place)."""
    expect(page.locator("main")).to_contain_text("{{ 7*7 }}")


def test_hostile_text_is_inert_on_every_page_that_shows_it(
    page: Page, browser: Browser, live_server: LiveServer
):
    ion = make_user("ion", team="VPC North", regions=("North",))
    make_user("elena", role="supervisor", team="VPC North")
    case_id, case_code = open_case(ion, region="North", **hostile_fields("case_intake"))
    entry_ids = []
    stored: dict[str, str] = {}
    for type_key in ENTRY_TYPE_KEYS:
        if type_key == "case_intake":
            continue
        case = None if ENTRY_TYPES[type_key].case == "none" else case_id
        # A hearing update names the hearing the accompaniment above scheduled.
        extra = {"hearing": stored["accompaniment"]} if type_key == "hearing_update" else {}
        result = submit(ion, plaintext(type_key, case, **hostile_fields(type_key), **extra))
        assert result["status"] == "stored", (type_key, result)
        entry_ids.append(result["id"])
        stored[type_key] = result["id"]
    intake = run(Entry.select(Entry.id).where(Entry.type == "case_intake").first())
    entry_ids.append(str(intake["id"]))
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    # The supervisor reads every entry and returns one with a hostile comment, in the UI.
    log_in(page, "elena")
    for entry_id in entry_ids:
        page.goto(f"/entries/{entry_id}")
        assert_inert(page)
        assert_template_syntax_shown(page)
    page.goto(f"/entries/{entry_ids[0]}")
    page.locator("#return-comment").fill(HOSTILE.replace("\x00", ""))
    page.locator("#return-button").click()
    expect(page.locator("#review-outcome")).to_be_visible()
    page.goto(f"/entries/{entry_ids[0]}")
    assert_inert(page)
    page.goto(f"/cases/{case_code}")
    assert page.evaluate("window.__pwned") is None
    for path in ("/approvals", "/audit"):
        page.goto(path)
        assert page.evaluate("window.__pwned") is None
        assert page.locator("main script").count() == 0

    # The coordinator, in a browser whose user agent is hostile too, sees the comment, the
    # device name and the sessions list as text.
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 360, "height": 740},
        user_agent=HOSTILE.replace("\x00", "").replace("\x07", "").replace("\x1b", ""),
    )
    phone = context.new_page()
    phone.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    log_in(phone, "ion")
    registered = phone.evaluate(
        """async (name) => {
            const token = document.querySelector('meta[name="csrf-token"]').content;
            const response = await fetch('/api/v1/devices', {method: 'POST',
              headers: {'Content-Type': 'application/json', 'X-CSRFToken': token},
              body: JSON.stringify({name})});
            return response.status;
        }""",
        HOSTILE[:100],
    )
    assert registered == 201
    for path in ("/returned", f"/entries/{entry_ids[0]}", "/devices", "/account/sessions"):
        phone.goto(path)
        assert_inert(phone)
    phone.wait_for_timeout(500)  # an hx-trigger="load" would have fired by now
    phone.goto("/")
    expect(phone.get_by_role("heading", level=1)).to_contain_text("ion")  # not logged out
    context.close()
    assert dialogs == []


def test_a_megabyte_in_a_free_text_field_is_refused_clearly_and_loses_nothing(
    page: Page, browser: Browser, live_server: LiveServer
):
    ion = make_user("ion", team="VPC North", regions=("North",))
    make_user("elena", role="supervisor", team="VPC North")
    case_id, _code = open_case(ion, region="North")
    visit = submit(ion, plaintext("visit", case_id, notes="kept"))
    assert visit["status"] == "stored"
    # Through the sealing path: the entry is refused on its own, with a reason.
    refused = submit(ion, plaintext("visit", case_id, notes=MEGABYTE[: 1024 * 1024]))
    assert refused["status"] == "rejected"
    assert refused["error"]["code"]

    log_in(page, "ion")
    answers = page.evaluate(
        """async (name) => {
            const token = document.querySelector('meta[name="csrf-token"]').content;
            const response = await fetch('/api/v1/devices', {method: 'POST',
              headers: {'Content-Type': 'application/json', 'X-CSRFToken': token},
              body: JSON.stringify({name})});
            return [response.status, await response.json()];
        }""",
        MEGABYTE[: 1024 * 1024],
    )
    assert answers[0] == 400 and answers[1]["error"]["message"]

    # A supervisor's 1 MB comment: refused with a message on the page, the entry unchanged.
    context = browser.new_context(base_url=live_server.url, viewport={"width": 360, "height": 740})
    page = context.new_page()
    log_in(page, "elena")
    page.goto(f"/entries/{visit['id']}")
    status = page.evaluate(
        """async ([id, comment]) => {
            const token = document.querySelector('meta[name="csrf-token"]').content;
            const body = new URLSearchParams({comment, _csrf_token: token});
            const response = await fetch(`/entries/${id}/return`, {method: 'POST', body});
            return response.status;
        }""",
        [visit["id"], MEGABYTE[: 1024 * 1024]],
    )
    assert 400 <= status < 500
    stored = run(Entry.select(Entry.status).where(Entry.id == visit["id"]).first())
    assert stored["status"] == "submitted"
    page.goto(f"/entries/{visit['id']}")
    expect(page.locator("main")).to_contain_text("kept")
    context.close()
