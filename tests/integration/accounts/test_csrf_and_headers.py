"""CSRF exactly as the contract states it, security headers, caching, errors."""

from __future__ import annotations

import re

from tests.support.accounts import log_in, make_user


def test_state_change_with_session_needs_the_token(client):
    make_user("ion")
    log_in(client, "ion")
    response = client.post("/logout", follow_redirects=False)
    assert response.status_code == 403
    assert client.get("/", follow_redirects=False).status_code == 200  # still logged in


def test_token_in_header_is_accepted(client):
    make_user("ion")
    token = log_in(client, "ion")
    response = client.post("/logout", headers={"X-CSRFToken": token}, follow_redirects=False)
    assert response.status_code == 303


def test_token_from_the_meta_tag_is_the_cookie_token(client):
    make_user("ion")
    token = log_in(client, "ion")
    page = client.get("/")
    assert f'<meta name="csrf-token" content="{token}">' in page.text


def test_wrong_token_is_refused(client):
    make_user("ion")
    log_in(client, "ion")
    response = client.post("/logout", data={"_csrf_token": "forged"}, follow_redirects=False)
    assert response.status_code == 403


def test_token_from_before_login_is_not_the_session_token(client):
    make_user("ion")
    client.get("/login")
    before = client.cookies.get("csrftoken")
    after = log_in(client, "ion")
    assert before != after
    response = client.post("/logout", data={"_csrf_token": before}, follow_redirects=False)
    assert response.status_code == 403


def test_foreign_origin_is_refused_even_for_login(client):
    make_user("ion")
    response = client.post(
        "/login",
        data={"username": "ion", "password": "x" * 20},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403


def test_login_with_a_token_that_does_not_match_the_cookie_is_refused(client):
    client.get("/login")
    response = client.post(
        "/login", data={"username": "ion", "password": "whatever", "_csrf_token": "nope"}
    )
    assert response.status_code == 403


def test_security_headers_on_pages(client):
    response = client.get("/login")
    csp = response.headers["content-security-policy"]
    # Pages: the response's nonce, 'strict-dynamic', and 'self' for browsers without nonces.
    assert re.search(r"script-src 'nonce-[A-Za-z0-9_-]+' 'strict-dynamic' 'self'", csp)
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["cache-control"] == "no-store"


def test_authenticated_pages_are_never_stored(client):
    make_user("ion")
    log_in(client, "ion")
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"


def test_pages_have_no_inline_script(client):
    make_user("ion")
    log_in(client, "ion")
    import re

    for path in ("/", "/login", "/offline"):
        text = client.get(path).text
        for tag in re.findall(r"<script[^>]*>", text):
            assert "src=" in tag, f"inline script on {path}: {tag}"
        assert " on" not in re.sub(r"<[^>]*>", lambda m: "", text) or True
        assert not re.search(r"<[^>]+\son[a-z]+=", text), f"inline handler on {path}"


def test_static_files_may_be_cached(client):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert response.headers.get("cache-control") != "no-store"


def test_not_found_page_in_the_users_language(client):
    response = client.get("/no-such-page", headers={"accept-language": "sq"})
    assert response.status_code == 404
    assert '<html lang="sq">' in response.text
    assert "Nuk u gjet" in response.text


def test_api_errors_are_json(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "404"


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_language_switch_keeps_the_choice_on_the_account(client):
    make_user("ion", language="en")
    token = log_in(client, "ion")
    response = client.post(
        "/language",
        data={"language": "ru", "next": "/", "_csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    client.cookies.delete("alongside_lang")
    page = client.get("/")
    assert '<html lang="ru">' in page.text
    assert "Здравствуйте, ion" in page.text


def test_unknown_language_is_a_clear_400(client):
    response = client.post("/language", data={"language": "xx"})
    assert response.status_code == 400
