"""On a 360 px phone: the service worker keeps static files, the offline page and, for field
workers, offline copies of the pages on the server's list — nothing else, however much the
user browses."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import Page, expect

from tests.support.accounts import make_user
from tests.support.capture_page import log_in, wait_until_ready_offline

CACHED_URLS = """
async () => {
  const urls = [];
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) urls.push(request.url);
  }
  return urls;
}
"""


def test_browsing_caches_only_listed_pages_and_the_offline_page_names_nobody(
    page: Page, live_server
):
    make_user("zoltanq")
    log_in(page, "zoltanq")
    wait_until_ready_offline(page)
    worker_url = page.evaluate("navigator.serviceWorker.controller.scriptURL")
    assert worker_url == live_server.url + "/sw.js"

    # Browsing pages online does not put them in the cache.
    page.goto("/cases")
    page.goto("/devices")
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, zoltanq")

    listed = set(
        page.evaluate("async () => (await (await fetch('/api/v1/offline-pages')).json()).pages")
    )
    listed.add("/__alongside/session")
    urls = page.evaluate(CACHED_URLS)
    for url in urls:
        parts = urlsplit(url)
        assert parts.netloc == urlsplit(live_server.url).netloc, url
        assert (
            parts.path == "/offline" or parts.path.startswith("/static/") or parts.path in listed
        ), url
        assert not parts.query or parts.path.startswith("/static/"), url

    page.context.set_offline(True)
    try:
        page.goto("/cases")
        expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")
        # The cached offline page names nobody.
        assert "zoltanq" not in page.content()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
    finally:
        page.context.set_offline(False)
