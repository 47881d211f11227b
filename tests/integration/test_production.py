"""A real server process with ALONGSIDE_ENV=production: __Host- Secure cookies and HSTS."""

from __future__ import annotations

from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path

import httpx
import pytest

from tests.support.accounts import PASSWORD, make_user
from tests.support.live_server import LiveServer, start_server


@pytest.fixture(scope="module")
def production_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = start_server(
        Path(tmp_path_factory.mktemp("production")),
        extra_env={"ALONGSIDE_ENV": "production", "ALONGSIDE_PASSWORD_HASHING": "standard"},
    )
    yield server
    server.stop()


def set_cookies(response: httpx.Response) -> dict[str, str]:
    """Each Set-Cookie header by cookie name, as sent."""
    cookies = {}
    for header in response.headers.get_list("set-cookie"):
        name = header.split("=", 1)[0].strip()
        cookies[name] = header
    return cookies


def attributes(header: str) -> dict[str, str]:
    parsed = SimpleCookie()
    parsed.load(header)
    (morsel,) = parsed.values()
    return {key: value for key, value in morsel.items() if value}


def test_login_sets_host_prefixed_secure_cookies(production_server: LiveServer):
    make_user("zoltanq")
    response = httpx.post(
        production_server.url + "/login",
        data={"username": "zoltanq", "password": PASSWORD},
        follow_redirects=False,
        timeout=20,
    )
    assert response.status_code == 303, response.text
    cookies = set_cookies(response)
    assert "__Host-alongside_session" in cookies, cookies
    assert "__Host-csrftoken" in cookies, cookies
    assert "alongside_session" not in cookies
    assert "csrftoken" not in cookies
    for name, header in cookies.items():
        if not name.startswith("__Host-"):
            continue
        # What browsers require of a __Host- cookie: Secure, Path=/, no Domain.
        found = attributes(header)
        assert found.get("secure") is True, header
        assert found.get("path") == "/", header
        assert "domain" not in found, header
        assert found.get("samesite", "").lower() == "strict", header
    assert attributes(cookies["__Host-alongside_session"]).get("httponly") is True


def test_the_login_form_sets_a_host_prefixed_csrf_cookie(production_server: LiveServer):
    response = httpx.get(production_server.url + "/login", timeout=20)
    assert response.status_code == 200
    cookies = set_cookies(response)
    assert "__Host-csrftoken" in cookies, cookies
    assert attributes(cookies["__Host-csrftoken"]).get("secure") is True


@pytest.mark.parametrize("path", ["/healthz", "/login", "/manifest.webmanifest", "/sw.js"])
def test_responses_carry_strict_transport_security(production_server: LiveServer, path: str):
    response = httpx.get(production_server.url + path, timeout=20)
    assert response.status_code == 200
    hsts = response.headers.get("strict-transport-security", "")
    assert "max-age=" in hsts
    assert int(hsts.split("max-age=")[1].split(";")[0]) >= 15_552_000  # at least 180 days


def test_static_files_and_errors_carry_strict_transport_security(production_server: LiveServer):
    static = httpx.get(production_server.url + "/static/icons/icon-192.png", timeout=20)
    missing = httpx.get(production_server.url + "/no-such-page", timeout=20)
    assert static.status_code == 200
    assert missing.status_code == 404
    assert "max-age=" in static.headers.get("strict-transport-security", "")
    assert "max-age=" in missing.headers.get("strict-transport-security", "")


def test_development_sends_neither_hsts_nor_host_cookies(client):
    # The same app in development (the test process's own settings): plain names, no HSTS.
    make_user("zoltanq")
    response = client.post(
        "/login", data={"username": "zoltanq", "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 303
    assert "strict-transport-security" not in response.headers
    assert "alongside_session" in response.cookies
    assert not any(name.startswith("__Host-") for name in response.cookies)


def test_production_refuses_to_start_with_readable_private_keys(tmp_path):
    import os

    import pytest

    from server.sealing.keys import KeyRing
    from server.settings import read_settings
    from tests.support.live_server import start_server

    data_dir = tmp_path / "data"
    ring = KeyRing(read_settings({"ALONGSIDE_DATA_DIR": str(data_dir)}))
    kid = ring.current_kid()
    os.chmod(ring.directory / f"{kid}.pem", 0o644)
    with pytest.raises(RuntimeError) as failure:
        start_server(
            tmp_path,
            extra_env={
                "ALONGSIDE_ENV": "production",
                "ALONGSIDE_PASSWORD_HASHING": "standard",
                "ALONGSIDE_DATA_DIR": str(data_dir),
            },
        )
    assert "sealing keys readable by others" in str(failure.value)
