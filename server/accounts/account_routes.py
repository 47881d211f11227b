"""The account's own pages: "my sessions and devices", confirming the password again before a
sensitive action, and an admin disabling (or enabling) a user."""

from __future__ import annotations

from urllib.parse import quote

from litestar import Request, Router, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from server.accounts import services, sessions, throttle
from server.accounts.passwords import MAX_LENGTH, MIN_LENGTH, verify_password
from server.accounts.tables import User
from server.audit.services import record
from server.core.forms import form_fields, safe_next
from server.core.guards import role_in, signed_in
from server.core.i18n import gettext as _
from server.core.templating import render
from server.devices.services import devices_of

SESSIONS_PAGE = "/account/sessions"
CONFIRM_PAGE = "/account/confirm"


def reauthentication_needed(request: Request, back_to: str) -> Redirect | None:
    """None when the password was given recently; otherwise where to go to give it again.
    Sensitive actions (factor changes, key rotation, exports) call this first."""
    if sessions.recently_authenticated(request.scope.get("reauthenticated_at")):
        return None
    # Encoded, so that a way back with its own query (an export's filters) arrives whole.
    back = quote(safe_next(back_to), safe="/")
    return Redirect(path=f"{CONFIRM_PAGE}?next={back}", status_code=303)


# --- re-authentication -----------------------------------------------------------------------


def _confirm_page(
    request: Request,
    next_path: str,
    error: str = "",
    status: int = 200,
    headers: dict[str, str] | None = None,
):
    return render(
        request,
        "accounts/confirm.html",
        {"next": next_path, "error": error},
        status_code=status,
        headers=headers,
    )


@get(CONFIRM_PAGE, name="confirm_form", guards=[signed_in])
async def confirm_form(request: Request) -> Template:
    return _confirm_page(request, safe_next(request.query_params.get("next")))


@post(CONFIRM_PAGE, name="confirm", guards=[signed_in])
async def confirm(request: Request) -> Template | Redirect:
    user = request.scope["user"]
    fields = await form_fields(request)
    next_path = safe_next(fields.get("next"))
    password = fields.get("password", "")[:1024]
    address = request.client.host if request.client else "unknown"
    # A signed-in owner's own counts ("password"): strangers failing at the login page do
    # not hold it back.
    wait = await throttle.seconds_to_wait("password", user.username, address)
    if wait:
        return _confirm_page(
            request, next_path, throttle.wait_message(wait), 429, throttle.retry_after(wait)
        )
    row = await User.select(User.password_hash).where(User.id == user.id).first()
    if not password or not verify_password(row["password_hash"] if row else None, password):
        await throttle.record_failure("password", user.username, address)
        await record("reauthentication_failed", user, "user", str(user.id))
        return _confirm_page(request, next_path, _("That password is not right."), 401)
    await sessions.mark_reauthenticated(request.scope["session_id"])
    await record("reauthenticated", user, "user", str(user.id))
    return Redirect(path=next_path, status_code=303)


# --- my password -----------------------------------------------------------------------------

PASSWORD_PAGE = "/account/password"  # noqa: S105 - a path, not a password


def _password_page(
    request: Request,
    error: str = "",
    notice: str = "",
    status: int = 200,
    headers: dict[str, str] | None = None,
):
    return render(
        request,
        "accounts/password.html",
        {"error": error, "notice": notice, "min_length": MIN_LENGTH},
        status_code=status,
        headers=headers,
    )


@get(PASSWORD_PAGE, name="password_form", guards=[signed_in])
async def password_form(request: Request) -> Template:
    return _password_page(request)


@post(PASSWORD_PAGE, name="password_change", guards=[signed_in])
async def password_change(request: Request) -> Template:
    user = request.scope["user"]
    fields = await form_fields(request)
    address = request.client.host if request.client else "unknown"
    # Guessing the current password here is throttled like logging in.
    wait = await throttle.seconds_to_wait("password", user.username, address)
    if wait:
        return _password_page(
            request, throttle.wait_message(wait), status=429, headers=throttle.retry_after(wait)
        )
    try:
        ended = await services.change_password(
            user.id,
            request.scope["session_id"],
            fields.get("current_password", "")[:MAX_LENGTH],
            fields.get("new_password", "")[: MAX_LENGTH + 1],
            fields.get("new_password_again", "")[: MAX_LENGTH + 1],
        )
    except services.WrongPassword as error:
        await throttle.record_failure("password", user.username, address)
        await record("password_change_failed", user, "user", str(user.id))
        return _password_page(request, str(error), status=401)
    except services.AccountError as error:
        return _password_page(request, str(error), status=422)
    await record("password_changed", user, "user", str(user.id))
    notice = _("Your password has changed.")
    if ended:
        notice += " " + _("Every other session has ended.")
    return _password_page(request, notice=notice)


# --- my sessions and devices -----------------------------------------------------------------


async def _sessions_page(request: Request, notice: str = "") -> Template:
    user = request.scope["user"]
    return render(
        request,
        "accounts/sessions.html",
        {
            "sessions": await sessions.live_sessions(user.id),
            "this_session": request.scope["session_id"],
            "devices": await devices_of(user.id),
            "notice": notice,
        },
    )


@get(SESSIONS_PAGE, name="sessions_page", guards=[signed_in])
async def sessions_page(request: Request) -> Template:
    return await _sessions_page(request)


@post(f"{SESSIONS_PAGE}/{{session_id:int}}/end", name="session_end", guards=[signed_in])
async def session_end(request: Request, session_id: FromPath[int]) -> Template | Redirect:
    user = request.scope["user"]
    if not await sessions.end_own_session(user.id, session_id):
        raise NotFoundException()  # not theirs, or over: the same answer
    await record("session_ended", user, "session", str(session_id))
    if session_id == request.scope["session_id"]:
        return Redirect(path="/login", status_code=303)
    return await _sessions_page(request, _("That session has ended."))


@post(f"{SESSIONS_PAGE}/end-others", name="sessions_end_others", guards=[signed_in])
async def sessions_end_others(request: Request) -> Template:
    user = request.scope["user"]
    count = await sessions.end_other_sessions(user.id, request.scope["session_id"])
    await record("sessions_ended", user, "user", str(user.id))
    return await _sessions_page(
        request,
        _("Every other session has ended.") if count else _("There was no other session."),
    )


# --- an admin disables a user ----------------------------------------------------------------


@get("/account/users", name="users_page", guards=[role_in("admin")])
async def users_page(request: Request) -> Template:
    """Every account with its state, for an admin to disable, enable or reset factors."""
    from server.accounts.tables import SecondFactor

    rows = await User.select(
        User.id, User.username, User.role, User.team.name, User.team.names, User.active
    ).order_by(User.username)
    with_factor = set(
        await SecondFactor.select(SecondFactor.user)
        .where(SecondFactor.confirmed.eq(True))
        .output(as_list=True)
    )
    users = [{**row, "has_factor": row["id"] in with_factor} for row in rows]
    return render(request, "accounts/users.html", {"users": users, "me": request.scope["user"].id})


async def _target(username: str) -> int:
    row = await User.select(User.id).where(User.username == username.strip().lower()[:64]).first()
    if row is None:
        raise NotFoundException()
    return row["id"]


@post("/account/users/{username:str}/disable", name="user_disable", guards=[role_in("admin")])
async def user_disable(request: Request, username: FromPath[str]) -> Redirect:
    admin = request.scope["user"]
    user_id = await _target(username)
    if user_id == admin.id:
        raise NotFoundException()  # an admin cannot lock themselves out by a slip
    await services.disable_user(user_id)
    await record("user_disabled", admin, "user", str(user_id))
    return Redirect(path=safe_next((await form_fields(request)).get("next")), status_code=303)


@post("/account/users/{username:str}/enable", name="user_enable", guards=[role_in("admin")])
async def user_enable(request: Request, username: FromPath[str]) -> Redirect:
    admin = request.scope["user"]
    user_id = await _target(username)
    await services.enable_user(user_id)
    await record("user_enabled", admin, "user", str(user_id))
    return Redirect(path=safe_next((await form_fields(request)).get("next")), status_code=303)


router = Router(
    path="/",
    route_handlers=[
        confirm_form,
        confirm,
        password_form,
        password_change,
        users_page,
        sessions_page,
        session_end,
        sessions_end_others,
        user_disable,
        user_enable,
    ],
)
