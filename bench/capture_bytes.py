"""Bytes a phone downloads for a capture page.

First load: a fresh browser context, logged in (through the login form's HTTP request, so no
other page warms the cache), opens /capture/training; every response of the page counts with
its bytes on the wire (CDP Network.loadingFinished encodedDataLength: gzip as sent, headers
included). The service worker's own precache downloads, made after the page has loaded, are
shown apart. Target: under 60 KB.
Offline: after that one online visit, the same page opened with the network cut; bytes that
came from the network (not from the service worker or the browser's cache). Target: 0.
"""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import (
    PASSWORD,
    PHONE,
    Deployment,
    launch_chromium,
    print_table,
    verdict,
)

CAPTURE = "/capture/training"
TARGET_FIRST_LOAD = 60 * 1024
WORKER_SETTLE_MS = 20_000

CONTROLLED = """() => Boolean(
    navigator.serviceWorker.controller &&
    navigator.serviceWorker.controller.state === "activated"
)"""


class Wire:
    """Responses of one page seen through CDP: url, bytes on the wire, where they came from."""

    def __init__(self, cdp) -> None:
        self.responses: dict[str, dict] = {}
        self.finished: dict[str, float] = {}
        self.failed: list[str] = []
        cdp.on("Network.responseReceived", self._response)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.on("Network.loadingFailed", lambda event: self.failed.append(event["requestId"]))
        cdp.send("Network.enable")

    def _response(self, event: dict) -> None:
        response = event["response"]
        self.responses[event["requestId"]] = {
            "url": response["url"],
            "worker": response.get("fromServiceWorker", False),
            "cache": response.get("fromDiskCache", False),
            "encoding": {k.lower(): v for k, v in response["headers"].items()}.get(
                "content-encoding", ""
            ),
        }

    def _finished(self, event: dict) -> None:
        self.finished[event["requestId"]] = event["encodedDataLength"]

    def from_network(self) -> list[tuple[str, int, str]]:
        rows = []
        for request_id, size in self.finished.items():
            response = self.responses.get(request_id)
            if response is None or response["worker"] or response["cache"]:
                continue
            if not response["url"].startswith("http"):  # data: URLs cost nothing
                continue
            parts = urlsplit(response["url"])
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            rows.append((path, int(size), response["encoding"]))
        return rows


def main() -> int:
    with Deployment() as deployment, sync_playwright() as playwright:
        deployment.user("bench")
        url = deployment.serve()
        browser = launch_chromium(playwright)
        context = browser.new_context(viewport=PHONE, base_url=url, service_workers="allow")
        # Log in with the login form's request only, so the capture page is the first page.
        context.request.get("/login")
        csrf = next(c["value"] for c in context.cookies() if c["name"] == "csrftoken")
        response = context.request.post(
            "/login",
            form={"username": "bench", "password": PASSWORD, "_csrf_token": csrf},
            max_redirects=0,
        )
        if response.status != 303:
            raise RuntimeError(f"login failed: {response.status}")

        worker_requests = []
        context.on(
            "requestfinished",
            lambda request: worker_requests.append(request) if request.service_worker else None,
        )
        page = context.new_page()
        first = Wire(context.new_cdp_session(page))
        page.goto(CAPTURE, wait_until="networkidle")
        first_rows = first.from_network()
        first_bytes = sum(size for _path, size, _encoding in first_rows)

        # The service worker installs and caches what it caches for offline use.
        page.wait_for_function(CONTROLLED, timeout=WORKER_SETTLE_MS)
        try:
            page.wait_for_function(
                "(path) => caches.match(path).then((hit) => Boolean(hit))",
                arg=CAPTURE,
                timeout=WORKER_SETTLE_MS,
            )
            offline_ready = "yes"
        except Exception:  # the page caching may not be there yet: say so, do not fail
            offline_ready = "no"
        page.wait_for_timeout(2000)
        worker_bytes = 0
        for request in list(worker_requests):
            sizes = request.sizes()
            worker_bytes += sizes["responseBodySize"] + sizes["responseHeadersSize"]

        context.set_offline(True)
        offline_page = context.new_page()
        offline = Wire(context.new_cdp_session(offline_page))
        offline_page.goto(CAPTURE, wait_until="load")
        offline_page.wait_for_timeout(1000)
        heading = offline_page.locator("h1").first.inner_text()
        offline_rows = [row for row in offline.from_network() if row[1] > 0]
        offline_bytes = sum(size for _path, size, _ in offline_rows)
        browser.close()

    print("\nFirst load of", CAPTURE, "(bytes on the wire, content-encoding)")
    for path, size, encoding in sorted(first_rows, key=lambda row: -row[1]):
        print(f"  {size:>8}  {encoding or 'identity':<8}  {path}")
    print_table(
        "Capture page bytes",
        [
            (
                "first load, logged in (KB)",
                f"{first_bytes / 1024:.1f}",
                f"< {TARGET_FIRST_LOAD // 1024}",
                verdict(first_bytes < TARGET_FIRST_LOAD),
            ),
            (
                f"service worker's own downloads ({len(worker_requests)} requests, KB)",
                f"{worker_bytes / 1024:.1f}",
                "",
                "",
            ),
            (
                "offline-ready after the first visit",
                offline_ready,
                "yes",
                verdict(offline_ready == "yes"),
            ),
            (
                f"opened offline: bytes from the network (page shows {heading!r})",
                str(offline_bytes),
                "0",
                verdict(offline_bytes == 0 and heading != "You are offline"),
            ),
        ],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
