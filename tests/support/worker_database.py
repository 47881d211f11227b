"""One PostgreSQL database per pytest-xdist worker, so workers never empty each other's tables.

Imports nothing from `server`: it runs before the settings and the engine are chosen.
"""

from __future__ import annotations

import asyncio
from collections.abc import MutableMapping
from urllib.parse import urlparse, urlunparse


def worker_url(url: str, worker: str) -> str:
    parsed = urlparse(url)
    return urlunparse(parsed._replace(path=f"{parsed.path.rstrip('/')}_{worker}"))


async def _create_if_missing(url: str, worker: str) -> None:
    import asyncpg

    name = urlparse(worker_url(url, worker)).path.lstrip("/")
    connection = await asyncpg.connect(url)
    try:
        exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            # A name cannot be a query parameter; this one is ours (the given name + gwN).
            await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


def use_worker_database(environ: MutableMapping[str, str]) -> None:
    """Point DATABASE_URL at this worker's own database (made when missing)."""
    url = environ.get("DATABASE_URL")
    worker = environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return
    asyncio.run(_create_if_missing(url, worker))
    environ["DATABASE_URL"] = worker_url(url, worker)
