"""The working group revises the risk instrument on a 360 px phone: the supervisor drafts a
change one domain at a time (a problem is named in place and fixed), staff comment in
Albanian, the supervisor marks the comment taken and publishes; the app then serves the new
version, and nothing on these pages is wider than the phone."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from server.core.i18n import translations
from tests.support.accounts import make_user
from tests.support.capture_page import log_in

SQ = translations("sq").gettext
SHELTER = "State Shelter Pristina"


def fits_the_phone(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} is {width} px wide"


def test_drafting_commenting_and_publishing_at_360_px(
    page: Page, console_errors: list[str], live_server
) -> None:
    assert page.viewport_size["width"] == 360
    make_user("arta", "supervisor", SHELTER, "XK", ("Prishtinë",))
    make_user("drita", "shelter", SHELTER, "XK", ("Prishtinë",), "sq")

    log_in(page, "arta")
    page.goto("/instruments")
    fits_the_phone(page)
    page.get_by_role("button", name="Start a draft from version 1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Draft of version 2")
    fits_the_phone(page)

    # One domain at a time: choosing "health" swaps the part in place.
    page.locator('#draft-parts a[data-part="health"]').click()
    part = page.locator('#draft-part[data-part="health"]')
    expect(part).to_be_visible()
    item = part.locator('fieldset[data-item="health.mental"]')
    # A missing Albanian text is named where the group is working.
    item.get_by_label("Question · Shqip").fill("")
    part.locator("#save-part").click()
    expect(page.locator("#draft-problems")).to_contain_text(
        "Question “health.mental”: the question has no text in: Shqip."
    )
    expect(page.locator("#publish-draft")).to_have_count(0)  # not on this page
    item = page.locator('fieldset[data-item="health.mental"]')
    item.get_by_label("Question · Shqip").fill("Shëndeti mendor: a ka shqetësime?")
    some = item.locator("details.field").nth(3)
    some.locator("summary").click()
    score = some.get_by_label("Score", exact=True)
    expect(score).to_have_value("3")
    score.fill("8")
    page.locator("#save-part").click()
    expect(page.locator("#part-saved")).to_be_visible()
    expect(page.locator("#draft-ready")).to_be_visible()
    fits_the_phone(page)

    # The preview is the form staff would fill, with the new score.
    page.goto("/instruments/draft/preview")
    page.locator('[data-risk-item="health.mental"] input[value="some"]').check()
    expect(page.locator("#risk-score")).to_have_text("8")
    expect(page.locator("#risk-level")).to_have_text("Medium")
    fits_the_phone(page)

    page.goto("/instruments")
    page.get_by_role("button", name="Open for comments by staff").click()
    expect(page.locator("#draft-consultation")).to_contain_text("Open for comments")

    # Staff comment in Albanian.
    page.context.clear_cookies()
    log_in(page, "drita")
    page.goto("/instruments")
    page.get_by_role("link", name=SQ("Read the draft and comment")).click()
    fits_the_phone(page)
    section = page.locator('section[data-item="health.mental"]')
    comment = "Pikët e reja për shëndetin mendor duken të drejta."
    section.get_by_label(SQ("Your comment")).fill(comment)
    section.get_by_role("button", name=SQ("Send the comment")).click()
    expect(page.locator('section[data-item="health.mental"] .comment-text')).to_have_text(comment)

    # The supervisor reads it under its question, marks it taken and publishes.
    page.context.clear_cookies()
    log_in(page, "arta")
    page.goto("/instruments/draft/comments")
    fits_the_phone(page)
    article = page.locator('section[data-item="health.mental"] article.comment')
    expect(article.locator(".comment-text")).to_have_text(comment)
    article.get_by_label("Outcome").select_option("taken")
    article.get_by_role("button", name="Save the outcome").click()
    expect(page.locator('section[data-item="health.mental"] article.comment')).to_have_attribute(
        "data-outcome", "taken"
    )
    page.goto("/instruments")
    page.get_by_role("button", name="Publish as version 2").click()
    expect(page.locator('#version-list li[data-version="2"]')).to_contain_text("in use")
    fits_the_phone(page)

    body = page.request.get("/api/v1/risk/instrument").json()
    assert body["version"] == "2"
    mental = next(i for d in body["domains"] for i in d["items"] if i["id"] == "health.mental")
    assert {a["value"]: a["score"] for a in mental["answers"]}["some"] == 8
    assert console_errors == []
