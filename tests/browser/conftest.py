"""Browser tests: real Chromium (Debian's) against a real server process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.chromium import CHROMIUM, CHROMIUM_ARGS, PHONE
from tests.support.live_server import LiveServer, start_server


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = start_server(Path(tmp_path_factory.mktemp("server")))
    yield server
    server.stop()


@pytest.fixture
def browser_context_args(browser_context_args: dict, live_server: LiveServer) -> dict:
    return {
        **browser_context_args,
        "viewport": PHONE,
        "base_url": live_server.url,
        "locale": "en-GB",
        "service_workers": "allow",
    }


@pytest.fixture
def console_errors(page) -> list[str]:
    """Errors the page logs (a CSP violation shows up here)."""
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors
