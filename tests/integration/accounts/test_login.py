"""Login, logout, throttling and sessions through the real HTTP stack."""

from __future__ import annotations

from datetime import timedelta

from server.accounts import sessions
from server.accounts.throttle import FREE_PER_PAIR
from tests.support.accounts import PASSWORD, csrf_from, log_in, make_user
from tests.support.run import run


def test_login_form_renders_with_csrf_field_and_meta(client):
    response = client.get("/login")
    assert response.status_code == 200
    token = client.cookies.get("csrftoken")
    assert token
    assert f'<meta name="csrf-token" content="{token}">' in response.text
    assert 'name="_csrf_token"' in response.text


def test_login_success_sets_session_and_redirects(client):
    make_user("ion")
    response = client.post(
        "/login",
        data={"username": "ion", "password": PASSWORD, "_csrf_token": csrf_from(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    assert "alongside_session" in response.cookies
    home = client.get("/")
    assert home.status_code == 200
    assert "Hello, ion" in home.text


def test_login_from_a_script_without_csrf_token_works(client):
    # The contract: POST /login with username and password; a non-browser client sends
    # no Origin and has no session, so it needs no token.
    make_user("ion")
    response = client.post(
        "/login", data={"username": "ion", "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 303


def test_username_is_case_insensitive(client):
    make_user("ion")
    response = client.post(
        "/login", data={"username": " ION ", "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 303


def test_wrong_password_and_unknown_user_get_the_same_answer(client):
    make_user("ion")
    wrong = client.post("/login", data={"username": "ion", "password": "not the password"})
    unknown = client.post("/login", data={"username": "nobody", "password": "not the password"})
    assert wrong.status_code == unknown.status_code == 401
    assert "Wrong username or password." in wrong.text
    assert "Wrong username or password." in unknown.text
    assert "alongside_session" not in client.cookies


def test_empty_fields_get_a_clear_400(client):
    response = client.post("/login", data={"username": "", "password": ""})
    assert response.status_code == 400
    assert "Enter your username and your password." in response.text


def test_too_long_input_gets_400_not_500(client):
    response = client.post("/login", data={"username": "x" * 5000, "password": "y" * 5000})
    assert response.status_code == 400


def test_wrong_content_type_gets_a_clear_4xx(client):
    response = client.post("/login", content=b"\x00\xff", headers={"content-type": "text/plain"})
    assert 400 <= response.status_code < 500


def test_login_page_in_the_language_of_the_browser(client):
    response = client.post(
        "/login",
        data={"username": "", "password": ""},
        headers={"accept-language": "ro-MD,ro;q=0.9,en;q=0.5"},
    )
    assert response.status_code == 400
    assert '<html lang="ro">' in response.text
    assert "Introduceți" in response.text


def test_throttled_after_repeated_failures_same_for_unknown_users(client):
    make_user("ion")
    for _ in range(FREE_PER_PAIR):
        assert client.post("/login", data={"username": "ion", "password": "bad"}).status_code == 401
        client.post("/login", data={"username": "ghost", "password": "bad"})
    # Even the right password waits, from the address that guessed: a guesser learns nothing.
    right = client.post("/login", data={"username": "ion", "password": PASSWORD})
    ghost = client.post("/login", data={"username": "ghost", "password": "bad"})
    assert right.status_code == ghost.status_code == 429
    # A delay to wait (the first is 5 s, counted from each name's last failure), not a lock.
    assert 1 <= int(right.headers["retry-after"]) <= 5
    assert 1 <= int(ghost.headers["retry-after"]) <= 5
    assert "alongside_session" not in client.cookies


def test_open_redirect_through_next_is_refused(client):
    make_user("ion")
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        response = client.post(
            "/login",
            data={"username": "ion", "password": PASSWORD, "next": target},
            follow_redirects=False,
        )
        assert response.headers["location"] == "/"
        client.cookies.clear()


def test_next_local_path_is_followed(client):
    make_user("ion")
    response = client.post(
        "/login",
        data={"username": "ion", "password": PASSWORD, "next": "/offline"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/offline"


def test_anonymous_home_redirects_to_login(client):
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=/")


def test_logout_ends_the_session_and_clears_site_data(client):
    make_user("ion")
    token = log_in(client, "ion")
    session_cookie = client.cookies.get("alongside_session")
    response = client.post(
        "/logout", data={"_csrf_token": token, "outbox": "empty"}, follow_redirects=False
    )
    assert response.status_code == 303
    assert "cookies" in response.headers["clear-site-data"]
    assert "storage" in response.headers["clear-site-data"]
    # The old cookie is dead on the server, not only deleted in the browser.
    client.cookies.clear()
    client.cookies.set("alongside_session", session_cookie)
    assert client.get("/", follow_redirects=False).status_code == 303


def test_logout_keeps_the_phone_storage_unless_the_outbox_is_empty(client):
    # Without the page's word that nothing waits to be sent, the outbox (in the site's
    # storage) must survive logging out: only cookies and the HTTP cache are cleared.
    make_user("ion")
    token = log_in(client, "ion")
    response = client.post("/logout", data={"_csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    cleared = response.headers["clear-site-data"]
    assert '"cookies"' in cleared and '"cache"' in cleared
    assert "storage" not in cleared
    assert client.get("/", follow_redirects=False).status_code == 303


def test_new_session_id_at_every_login(client):
    make_user("ion")
    log_in(client, "ion")
    first = client.cookies.get("alongside_session")
    client.cookies.clear()
    log_in(client, "ion")
    assert client.cookies.get("alongside_session") != first


def test_idle_and_absolute_timeouts():
    make_user("ion")
    from server.accounts.tables import User

    user_id = run(User.select(User.id).first())["id"]
    token, _csrf = run(sessions.start_session(user_id))
    start = sessions.now()
    assert run(sessions.load_session(token, at=start + timedelta(minutes=10))) is not None
    # Touched at +10 min, so +35 min is only 25 idle minutes.
    assert run(sessions.load_session(token, at=start + timedelta(minutes=35))) is not None
    assert run(sessions.load_session(token, at=start + timedelta(minutes=80))) is None
    # Once ended, it stays ended.
    assert run(sessions.load_session(token, at=start + timedelta(minutes=36))) is None

    token2, _ = run(sessions.start_session(user_id))
    moment = sessions.now()
    for minutes in range(20, 12 * 60, 20):  # active all day long, never idle
        assert run(sessions.load_session(token2, at=moment + timedelta(minutes=minutes)))
    assert run(sessions.load_session(token2, at=moment + timedelta(hours=12, minutes=5))) is None


def test_disabled_user_loses_access(client):
    make_user("ion")
    log_in(client, "ion")
    from server.accounts.tables import User

    run(User.update({User.active: False}).where(User.username == "ion"))
    assert client.get("/", follow_redirects=False).status_code == 303
