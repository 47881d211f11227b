"""On a 360 px phone: the service worker caches only static files and the offline page."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import Page, expect

from tests.support.accounts import PASSWORD, make_user

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

# `ready` can resolve while the worker is still `activating`: wait for `activated` and a
# controller (FIELD-NOTES.md).
CONTROLLED_BY_ACTIVE_WORKER = """
() => Boolean(
  navigator.serviceWorker.controller &&
  navigator.serviceWorker.controller.state === "activated"
)
"""


def test_cache_holds_no_page_and_the_offline_page_shows_offline(page: Page, live_server):
    make_user("zoltanq")
    page.goto("/login")
    page.get_by_label("Username").fill("zoltanq")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, zoltanq")

    page.wait_for_function(CONTROLLED_BY_ACTIVE_WORKER, timeout=20_000)
    worker_url = page.evaluate("navigator.serviceWorker.controller.scriptURL")
    assert worker_url == live_server.url + "/sw.js"

    urls = page.evaluate(CACHED_URLS)
    paths = [urlsplit(url).path for url in urls]
    assert "/offline" in paths, urls
    assert any(path.startswith("/static/") for path in paths), urls
    for url in urls:
        parts = urlsplit(url)
        assert parts.netloc == urlsplit(live_server.url).netloc, url
        assert parts.path == "/offline" or parts.path.startswith("/static/"), url
    assert "/" not in paths

    # Browsing pages online does not put them in the cache either.
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, zoltanq")
    assert "/" not in [urlsplit(url).path for url in page.evaluate(CACHED_URLS)]

    page.context.set_offline(True)
    try:
        page.goto("/")
        expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")
        # The cached offline page names nobody.
        assert "zoltanq" not in page.content()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
    finally:
        page.context.set_offline(False)
