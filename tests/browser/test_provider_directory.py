"""A supervisor keeps the service provider directory on a 360 px phone: adds a provider,
imports a spreadsheet that has a mistake (nothing goes in, the line is named), then the
corrected one, in real Chromium."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from server.providers.services import providers_of
from tests.support.accounts import make_user
from tests.support.capture_page import log_in
from tests.support.run import run

HEADER = "organisation,services,place,languages,without_documents\n"


def narrow(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 360


def test_a_supervisor_adds_and_imports_providers_on_a_phone(page: Page, live_server, tmp_path):
    make_user("elena", role="supervisor", team="VPC North")
    log_in(page, "elena")
    page.goto("/providers")
    page.get_by_role("link", name="Add a provider").click()
    page.get_by_label("Organisation").fill("Centrul Medical Orhei")
    page.get_by_label("Medical").check()
    page.locator("#place").select_option("Orhei")
    page.get_by_label("Opening hours").fill("Mon–Fri 8–16")
    assert narrow(page)
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#providers")).to_contain_text("Centrul Medical Orhei")

    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "Psiholog Soroca,psychological,Soroca,ru,no\nX,surgery,Soroca,,no\n")
    page.get_by_role("link", name="Import from CSV").click()
    page.get_by_label("CSV file").set_input_files(str(bad))
    page.get_by_role("button", name="Import").click()
    expect(page.locator("#import-errors")).to_contain_text("Line 3:")
    assert narrow(page)
    assert len(run(providers_of("MD"))) == 1

    good = tmp_path / "good.csv"
    good.write_text(HEADER + "Psiholog Soroca,psychological,Soroca,ru,no\n")
    page.get_by_label("CSV file").set_input_files(str(good))
    page.get_by_role("button", name="Import").click()
    expect(page.locator("#import-done")).to_contain_text("1 added, 0 updated")
    assert sorted(p["organisation"] for p in run(providers_of("MD"))) == [
        "Centrul Medical Orhei",
        "Psiholog Soroca",
    ]
