"""The referral network on the road, in real Chromium on a 360 px phone: offline in a rayon a
coordinator finds a psychologist there who speaks Russian, refers a person to them without
sharing identity (the person did not consent), logs the trip, and at month's end the report
shows the referral by service and outcome and lists the trip for reimbursement."""

from __future__ import annotations

from datetime import UTC, datetime

from playwright.sync_api import Page, expect

from server.entries.services import open_entry
from server.entries.tables import Entry
from server.providers.services import read_provider, save_provider
from tests.support.accounts import make_user
from tests.support.approvals import decided
from tests.support.capture_page import fill_required, log_in, wait_until_ready_offline
from tests.support.entries import open_case
from tests.support.run import run


def add_provider(organisation: str, services: str, place: str, languages: str) -> str:
    draft = read_provider(
        {
            "organisation": organisation,
            "services": services,
            "place": place,
            "languages": languages,
            "phone": "+373 230 22 222",
        },
        "MD",
    )
    assert not draft.errors, draft.errors
    return run(save_provider("MD", draft.values, None))


def shown_providers(page: Page) -> list[str]:
    return page.locator("#provider-results [data-provider]:visible h2").all_inner_texts()


def save_offline(page: Page) -> None:
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#capture-status li.status-waiting")).to_have_count(1)


def test_offline_in_a_rayon_refer_without_identity_and_see_it_at_months_end(
    page: Page, console_errors: list[str], live_server
):
    ion = make_user("ion", team="VPC North", regions=("North",))
    elena = make_user("elena", role="supervisor", team="VPC North")
    _, code = open_case(ion, region="North", consent_sharing="refused")
    wanted = add_provider("Psiholog Soroca (RU)", "psychological", "Soroca", "ro;ru")
    add_provider("Psiholog Soroca (RO)", "psychological", "Soroca", "ro")
    add_provider("Psiholog Bălți", "psychological", "mun. Bălți", "ru")
    add_provider("Avocat Soroca", "legal", "Soroca", "ru")

    log_in(page, "ion")
    wait_until_ready_offline(page)
    page.context.set_offline(True)

    # The directory opens from its offline copy and searches itself.
    page.goto("/providers/directory")
    expect(page.get_by_role("heading", level=1)).to_have_text("Service providers")
    expect(page.locator("#provider-results [data-provider]")).to_have_count(4)
    page.get_by_label("Service").select_option("psychological")
    page.get_by_label("Rayon or municipality").select_option("Soroca")
    page.locator("#p-language").select_option("ru")
    expect(page.locator("#provider-results [data-provider]:visible")).to_have_count(1)
    assert shown_providers(page) == ["Psiholog Soroca (RU)"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # The referral: the person did not consent to sharing, so identity cannot be shared.
    page.goto("/capture/referral")
    page.get_by_label("Case").select_option(code)
    identity = page.get_by_label("Identity shared with the provider")
    expect(identity).to_be_disabled()
    expect(page.locator("[data-consent-note]")).to_contain_text("has not consented")
    page.locator("#f-service_type").select_option("psychological")
    page.get_by_label("Provider from the directory").select_option(wanted)
    expect(page.locator("#f-provider")).to_have_value("Psiholog Soroca (RU)")
    page.locator("#f-status").select_option("sent")
    page.get_by_label("Notes").fill("Appointment on Thursday")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    save_offline(page)

    # The trip to Soroca, on the visit made there.
    page.goto("/capture/visit")
    page.get_by_label("Case").select_option(code)
    fill_required(page, "Visit in Soroca")
    page.get_by_label("Trip: from").select_option("mun. Chișinău")
    page.get_by_label("Trip: to").select_option("Soroca")
    page.get_by_label("Trip: means of transport").select_option("public_transport")
    page.get_by_label("Trip: distance (km)").fill("150")
    page.get_by_label("Trip: cost (lei)").fill("120")
    page.get_by_label("Trip: receipt number").fill("BX-0042")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    save_offline(page)

    page.context.set_offline(False)
    page.goto("/outbox")
    expect(page.locator("#outbox-summary")).to_contain_text(
        "Everything you saved on this phone has reached the server", timeout=20_000
    )
    rows = run(Entry.select().where(Entry.type.is_in(["referral", "visit"])))
    assert sorted(row["type"] for row in rows) == ["referral", "visit"]
    referral = next(open_entry(row) for row in rows if row["type"] == "referral")
    assert referral["fields"]["provider_id"] == wanted
    assert referral["fields"]["identity_shared"] is False
    for row in rows:
        decided(elena, str(row["id"]), "approved")

    month = datetime.now(UTC).astimezone().strftime("%Y-%m")
    page.goto(f"/reports/monthly/ion/{month}")
    expect(page.locator("#table-referrals")).to_contain_text("Psychological")
    expect(page.locator("#table-referral_outcomes")).to_contain_text("Sent")
    expect(page.locator("#table-referral_providers")).to_contain_text("Psiholog Soroca (RU)")
    travel = page.locator("#table-travel")
    expect(travel).to_contain_text("Soroca")
    expect(travel).to_contain_text("BX-0042")
    assert [e for e in console_errors if "ERR_INTERNET_DISCONNECTED" not in e] == []
