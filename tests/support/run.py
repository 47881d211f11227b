"""Run a coroutine from synchronous test code, on a loop of its own in a worker thread.

Tests are synchronous (Litestar's TestClient and Playwright's sync API own their loops), so
database set-up and service calls go through here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
# One loop for the whole session, so that its PostgreSQL connections are kept between calls
# (tests/support/piccolo_conf.py); a loop per call opened a connection per call.
_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-db")
_loop = asyncio.new_event_loop()


async def _wait(awaitable: Awaitable[T]) -> T:
    return await awaitable


def _run_on_the_loop(awaitable: Awaitable[T]) -> T:
    asyncio.set_event_loop(_loop)
    return _loop.run_until_complete(_wait(awaitable))


def run(awaitable: Awaitable[T]) -> T:
    """Await a coroutine or a Piccolo query and return its result."""
    return _executor.submit(_run_on_the_loop, awaitable).result()
