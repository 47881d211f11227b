"""Login, logout and the language switch."""

from __future__ import annotations

from urllib.parse import quote

from litestar import Request, Response, Router, get, post
from litestar.response import Redirect, Template

from server.accounts import factors, services, sessions, throttle
from server.accounts.tables import User
from server.audit.services import record
from server.core import i18n
from server.core.cookies import (
    LANGUAGE_COOKIE,
    cookie,
    csrf_cookie_name,
    expired_cookie,
    session_cookie_name,
)
from server.core.errors import error_page
from server.core.forms import form_fields, safe_next
from server.core.i18n import gettext as _
from server.core.templating import render
from server.settings import get_settings

MAX_USERNAME = 64
MAX_PASSWORD = 1024


def _login_page(
    request: Request,
    error: str = "",
    username: str = "",
    status: int = 200,
    next_path: str = "/",
    headers: dict[str, str] | None = None,
) -> Template:
    return render(
        request,
        "accounts/login.html",
        {"error": error, "username": username, "next": next_path},
        status_code=status,
        headers=headers,
    )


async def _record_failed_login(username: str) -> None:
    """Audit a failed login under the account's id when the account exists; a name that is
    no account is not kept (it may be a password typed into the wrong field)."""
    row = (
        await User.select(User.id, User.team)
        .where(User.username == services.normalise_username(username)[:64])
        .first()
    )
    if row is None:
        await record("login_failed_unknown", None)
        return
    await record(
        "login_failed",
        None,
        "user",
        str(row["id"]),
        user_id=row["id"],
        username=services.normalise_username(username),
        team_id=row["team"],
    )


@get("/login", name="login_form")
async def login_form(request: Request) -> Template | Redirect:
    next_path = safe_next(request.query_params.get("next"))
    if request.scope.get("user"):
        return Redirect(path=next_path, status_code=303)
    if request.scope.get("pending_user"):
        return Redirect(path=f"/login/second-factor?next={next_path}", status_code=303)
    return _login_page(request, next_path=next_path)


@post("/login", name="login")
async def login(request: Request) -> Template | Response:
    fields = await form_fields(request)
    username = fields.get("username", "").strip()
    password = fields.get("password", "")
    next_path = safe_next(fields.get("next"))
    if not username or not password:
        return _login_page(
            request,
            _("Enter your username and your password."),
            username[:MAX_USERNAME],
            400,
            next_path,
        )
    if len(username) > MAX_USERNAME or len(password) > MAX_PASSWORD:
        return _login_page(request, _("Wrong username or password."), "", 400, next_path)
    address = request.client.host if request.client else "unknown"
    outcome = await services.authenticate(username, password, address)
    if outcome.throttled:
        return _login_page(
            request,
            throttle.wait_message(outcome.retry_after),
            username,
            429,
            next_path,
            headers=throttle.retry_after(outcome.retry_after),
        )
    if outcome.user_id is None:
        await _record_failed_login(username)
        return _login_page(request, _("Wrong username or password."), username, 401, next_path)

    user = await sessions.load_user(outcome.user_id)
    if user is not None and not user.language:
        # Keep the language chosen on the login page as the account's language.
        await services.set_language(user.id, i18n.current_language.get())
    # The second factor is asked of the roles that need one and of anyone who enrolled one.
    needs_second_factor = user is not None and (
        user.role in get_settings().mfa_roles or await factors.has_factor(user.id)
    )
    if request.scope.get("session_id"):
        await sessions.end_session(request.scope["session_id"])
    token, csrf_token = await sessions.start_session(
        outcome.user_id, request.headers.get("user-agent", ""), needs_second_factor
    )
    if user is not None:
        await record("login", user, "user", str(user.id))
    if not needs_second_factor:
        # The owner is in: strangers' failures on this name stop counting against it.
        await throttle.clear_name(services.normalise_username(username)[:64], address)
    if needs_second_factor:
        next_path = f"/login/second-factor?next={quote(next_path, safe='/')}"
    return Redirect(
        path=next_path,
        status_code=303,
        cookies=[
            cookie(session_cookie_name(), token, http_only=True),
            cookie(csrf_cookie_name(), csrf_token, http_only=False),
        ],
    )


@post("/logout", name="logout")
async def logout(request: Request) -> Response:
    session_id = request.scope.get("session_id")
    if session_id:
        await sessions.end_session(session_id)
        user = request.scope.get("user") or request.scope.get("pending_user")
        if user is not None:
            await record("logout", user, "user", str(user.id))
    fields = await form_fields(request)
    # The phone's storage holds the outbox: sealed entries not sent yet. The page script says
    # `outbox=empty` once nothing is waiting (or the user chose to discard it); without that,
    # only cookies and the HTTP cache go, so no unsent entry is ever wiped by logging out.
    cleared = (
        '"cache", "cookies", "storage"' if fields.get("outbox") == "empty" else '"cache", "cookies"'
    )
    return Redirect(
        path="/login",
        status_code=303,
        headers={"clear-site-data": cleared},
        cookies=[expired_cookie(session_cookie_name()), expired_cookie(csrf_cookie_name())],
    )


@post("/language", name="language_set")
async def language_set(request: Request) -> Response | Template:
    fields = await form_fields(request)
    language = fields.get("language", "")
    if language not in i18n.LANGUAGES:
        return error_page(request, 400, _("Unknown language."))
    user = request.scope.get("user")
    if user:
        await services.set_language(user.id, language)
    return Redirect(
        path=safe_next(fields.get("next")),
        status_code=303,
        cookies=[cookie(LANGUAGE_COOKIE, language, http_only=True, max_age=365 * 24 * 3600)],
    )


router = Router(path="/", route_handlers=[login_form, login, logout, language_set])
