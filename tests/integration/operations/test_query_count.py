"""`ALONGSIDE_QUERY_COUNT`: a real request carries the number of queries it made; off, no
header and no wrapping."""

from __future__ import annotations

from litestar.testing import TestClient
from piccolo.engine import engine_finder

from server.app import create_app
from server.operations.query_count import HEADER
from tests.support.accounts import log_in, make_user


def queries_printed(capsys) -> int:
    """Piccolo's own query log (one `Query N:` line per query run), read independently."""
    return capsys.readouterr().out.count("\nQuery ")


def test_a_page_sends_the_number_of_queries_it_made(capsys):
    make_user("zorba", role="supervisor")
    with TestClient(app=create_app(count_queries=True), base_url="http://127.0.0.1:8000") as client:
        log_in(client, "zorba")
        engine = engine_finder()
        engine.log_queries = True
        try:
            capsys.readouterr()
            response = client.get("/approvals")
            printed = queries_printed(capsys)
        finally:
            engine.log_queries = False
    assert response.status_code == 200
    assert printed > 3  # session, notifications, the queue and its counts at least
    assert int(response.headers[HEADER]) == printed


def test_each_request_counts_only_its_own_queries():
    make_user("zorba", role="supervisor")
    with TestClient(app=create_app(count_queries=True), base_url="http://127.0.0.1:8000") as client:
        log_in(client, "zorba")
        first = int(client.get("/approvals").headers[HEADER])
        second = int(client.get("/approvals").headers[HEADER])
    assert first == second


def test_off_means_no_header():
    make_user("zorba", role="supervisor")
    with TestClient(
        app=create_app(count_queries=False), base_url="http://127.0.0.1:8000"
    ) as client:
        log_in(client, "zorba")
        response = client.get("/approvals")
    assert response.status_code == 200
    assert HEADER not in response.headers
