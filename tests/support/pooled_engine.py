"""The test process's PostgreSQL engine keeps its connections open between queries.

The served app keeps one connection pool (server/app.py). Tests cannot: each TestClient
runs the app on an event loop of its own and `tests/support/run.py` runs set-up on another,
and an asyncpg connection belongs to the loop that opened it. Without a pool every query
opened a connection of its own — 5.5 ms, against 0.06 ms for the query — and that was most
of the PostgreSQL pass's time. So the engine keeps one small pool per event loop, made on
the loop's first query and closed by the app's shutdown (`close_database_pool`) or at the
end of the session. Only this process's engine is swapped: subprocesses (`alongside serve`,
the CLI) use server/piccolo_conf.py as deployed.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from piccolo.engine.postgres import PostgresEngine, PostgresTransaction

POOL_SIZE = 4


class LoopPoolTransaction(PostgresTransaction):
    async def get_connection(self):
        pool = await self.engine.pool_of_this_loop()
        return await pool.acquire()


class PoolPerLoopEngine(PostgresEngine):
    """A PostgresEngine whose `pool` is the pool of the running event loop."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._pools: dict[asyncio.AbstractEventLoop, Any] = {}
        super().__init__(*args, **kwargs)

    @property
    def pool(self):
        try:
            return self._pools.get(asyncio.get_running_loop())
        except RuntimeError:  # no running loop
            return None

    @pool.setter
    def pool(self, value) -> None:
        # PostgresEngine sets None at first and after closing; the pools live in _pools.
        if value is None:
            with contextlib.suppress(RuntimeError):
                self._pools.pop(asyncio.get_running_loop(), None)

    async def pool_of_this_loop(self):
        loop = asyncio.get_running_loop()
        if loop not in self._pools:
            import asyncpg

            # Closed loops' pools went with their loops' shutdown; forget them.
            for stale in [known for known in self._pools if known.is_closed()]:
                del self._pools[stale]
            self._pools[loop] = await asyncpg.create_pool(
                **self.config, min_size=1, max_size=POOL_SIZE
            )
        return self._pools[loop]

    async def start_connection_pool(self, **_kwargs: Any) -> None:
        await self.pool_of_this_loop()

    async def close_connection_pool(self) -> None:
        pool = self._pools.pop(asyncio.get_running_loop(), None)
        if pool is not None:
            await pool.close()

    async def _run_in_new_connection(self, query: str, args=None):
        pool = await self.pool_of_this_loop()
        async with pool.acquire() as connection:
            return await connection.fetch(query, *(args or []))

    def transaction(self, allow_nested: bool = True) -> PostgresTransaction:
        return LoopPoolTransaction(engine=self, allow_nested=allow_nested)


def keep_connections() -> None:
    """Swap server/piccolo_conf.py's PostgreSQL engine for one that keeps its connections;
    before any table has asked for its engine."""
    from server import piccolo_conf

    if isinstance(piccolo_conf.DB, PostgresEngine):
        piccolo_conf.DB = PoolPerLoopEngine(config=piccolo_conf.DB.config, log_queries=False)
