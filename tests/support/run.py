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
_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-db")


async def _wait(awaitable: Awaitable[T]) -> T:
    return await awaitable


def run(awaitable: Awaitable[T]) -> T:
    """Await a coroutine or a Piccolo query and return its result."""
    return _executor.submit(asyncio.run, _wait(awaitable)).result()
