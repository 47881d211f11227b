"""Counting the database queries a request makes (`ALONGSIDE_QUERY_COUNT=1`), for benchmarks.

A page whose number of queries grows with the data (one query per row: "N+1") is slow at
size however good its indexes are. With the setting on, every query Piccolo runs during a
request adds one to a counter kept in a context variable, and the response carries the
total in an `X-Query-Count` header. Off (the default), nothing is wrapped and no middleware
is added: the served app is exactly what it is without this module.
"""

from __future__ import annotations

from contextvars import ContextVar

from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from piccolo.engine.base import Engine

HEADER = "x-query-count"

# A one-item list rather than an int: tasks started during the request copy the context,
# and they must add to the request's own counter, not to a copy of it.
_counter: ContextVar[list[int] | None] = ContextVar("alongside_query_counter", default=None)


def count_queries_of(engine: Engine) -> None:
    """Wrap query execution of the engine's class (once) so that a request's queries are
    counted. The class, not the instance: Piccolo's engines have read-only attributes."""
    engine_class = type(engine)
    if engine_class.__dict__.get("_alongside_counted", False):
        return
    run_querystring = engine_class.run_querystring
    run_ddl = engine_class.run_ddl

    async def counted_querystring(self, *args, **kwargs):
        counter = _counter.get()
        if counter is not None:
            counter[0] += 1
        return await run_querystring(self, *args, **kwargs)

    async def counted_ddl(self, *args, **kwargs):
        counter = _counter.get()
        if counter is not None:
            counter[0] += 1
        return await run_ddl(self, *args, **kwargs)

    engine_class.run_querystring = counted_querystring  # type: ignore[method-assign]
    engine_class.run_ddl = counted_ddl  # type: ignore[method-assign]
    engine_class._alongside_counted = True  # type: ignore[attr-defined]


class QueryCountHeader(ASGIMiddleware):
    """The outermost middleware when counting: the session and notification queries made
    before the handler count too. The header goes out with the response's start, which
    every page sends after rendering (no page streams)."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        counter = [0]
        token = _counter.set(counter)

        async def send_with_count(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableScopeHeaders.from_message(message)[HEADER] = str(counter[0])
            await send(message)

        try:
            await next_app(scope, receive, send_with_count)
        finally:
            _counter.reset(token)
