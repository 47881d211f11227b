"""The second factor: asked after the password, enrolled at the first login of the roles
that need one, managed on the account's page; an admin resets a user who lost every factor.

Completing the second factor replaces the session (a new id), so a session id seen before
the factor was given is worth nothing after.
"""

from __future__ import annotations

from litestar import Request, Response, Router, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from server.accounts import factors, sessions, throttle
from server.accounts.account_routes import reauthentication_needed
from server.accounts.tables import Session
from server.audit.services import record
from server.core.cookies import cookie, csrf_cookie_name, session_cookie_name
from server.core.forms import form_fields, safe_next
from server.core.guards import role_in, signed_in
from server.core.i18n import gettext as _
from server.core.templating import render
from server.settings import get_settings

LOGIN_STEP = "/login/second-factor"
ACCOUNT_PAGE = "/account/second-factor"


def relying_party(request: Request) -> tuple[str, str]:
    """(RP id, origin) of this request: the host the browser talks to, behind the proxy too."""
    url = request.url
    return url.hostname or "", f"{url.scheme}://{url.netloc}"


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def requires_second_factor(role: str) -> bool:
    return role in get_settings().mfa_roles


async def _promote(request: Request) -> list:
    """End the half-way session and start a full one: returns its cookies."""
    user = request.scope.get("pending_user") or request.scope.get("user")
    await sessions.end_session(request.scope["session_id"])
    token, csrf_token = await sessions.start_session(
        user.id, request.headers.get("user-agent", ""), needs_second_factor=True
    )
    row = await Session.select(Session.id).where(Session.token_hash == sessions.token_hash(token))
    await factors.complete_second_factor(row[0]["id"])
    # The rest of this request (a page with forms) belongs to the new session.
    request.scope.update(
        session_id=row[0]["id"], csrf_token=csrf_token, user=user, pending_user=None
    )
    return [
        cookie(session_cookie_name(), token, http_only=True),
        cookie(csrf_cookie_name(), csrf_token, http_only=False),
    ]


# --- the login step ------------------------------------------------------------------------


async def _login_step_page(
    request: Request,
    error: str = "",
    status: int = 200,
    next_path: str = "/",
    headers: dict[str, str] | None = None,
) -> Template:
    user = request.scope["pending_user"]
    kinds = {factor.kind for factor in await factors.factors_of(user.id)}
    return render(
        request,
        "accounts/second_factor.html",
        {
            "error": error,
            "next": next_path,
            "has_passkey": "passkey" in kinds,
            "has_totp": "totp" in kinds,
            "pending": True,
        },
        status_code=status,
        headers=headers,
    )


@get(LOGIN_STEP, name="second_factor_form")
async def second_factor_form(request: Request) -> Template | Redirect:
    next_path = safe_next(request.query_params.get("next"))
    user = request.scope.get("pending_user")
    if user is None:
        return Redirect(path="/login" if not request.scope.get("user") else next_path)
    if not await factors.has_factor(user.id):
        return Redirect(path=f"{ACCOUNT_PAGE}?next={next_path}", status_code=303)
    return await _login_step_page(request, next_path=next_path)


@post(LOGIN_STEP, name="second_factor")
async def second_factor(request: Request) -> Template | Response:
    fields = await form_fields(request)
    next_path = safe_next(fields.get("next"))
    user = request.scope.get("pending_user")
    if user is None:
        return Redirect(path="/login", status_code=303)
    code = fields.get("code", "").strip()[:64]
    address = _address(request)
    # The second factor's own counts: wrong passwords typed by strangers at the login do not
    # slow the owner here, and wrong codes slow only further codes.
    wait = await throttle.seconds_to_wait("second_factor", user.username, address)
    if wait:
        return await _login_step_page(
            request, throttle.wait_message(wait), 429, next_path, throttle.retry_after(wait)
        )
    if not code:
        return await _login_step_page(
            request, _("Enter the code from your authenticator app."), 400, next_path
        )
    used = "totp" if await factors.verify_totp(user.id, code) else ""
    if not used and await factors.use_recovery_code(user.id, code):
        used = "recovery_code"
    if not used:
        await throttle.record_failure("second_factor", user.username, address)
        await record("second_factor_failed", user, "user", str(user.id))
        return await _login_step_page(
            request,
            _("That code is not right, or it was used already. Wait for the next code."),
            401,
            next_path,
        )
    # The login is complete: no count on the name holds the owner back any more.
    await throttle.clear_name(user.username, address)
    await record(f"second_factor_{used}", user, "user", str(user.id))
    return Redirect(path=next_path, status_code=303, cookies=await _promote(request))


@post(f"{LOGIN_STEP}/passkey/options", name="second_factor_passkey_options")
async def second_factor_passkey_options(request: Request) -> Response:
    user = request.scope.get("pending_user")
    if user is None:
        raise NotFoundException()
    rp_id, _origin = relying_party(request)
    options = await factors.passkey_authentication_options(
        request.scope["session_id"], user.id, rp_id
    )
    return Response(options, media_type="application/json")


@post(f"{LOGIN_STEP}/passkey", name="second_factor_passkey")
async def second_factor_passkey(request: Request) -> Response:
    user = request.scope.get("pending_user")
    if user is None:
        raise NotFoundException()
    credential = factors.parse_credential(await request.body())
    next_path = safe_next(request.query_params.get("next"))
    rp_id, origin = relying_party(request)
    address = _address(request)
    wait = await throttle.seconds_to_wait("second_factor", user.username, address)
    if wait:
        return Response(
            {"error": throttle.wait_message(wait)},
            status_code=429,
            headers=throttle.retry_after(wait),
        )
    if credential is None or not await factors.verify_passkey(
        request.scope["session_id"], user.id, credential, rp_id, origin
    ):
        await throttle.record_failure("second_factor", user.username, address)
        await record("second_factor_failed", user, "user", str(user.id))
        return Response(
            {"error": _("This passkey was not accepted. Try again or use another way.")},
            status_code=400,
        )
    await throttle.clear_name(user.username, address)
    await record("second_factor_passkey", user, "user", str(user.id))
    return Response({"next": next_path}, cookies=await _promote(request))


# --- enrolment and the account's factors -----------------------------------------------------


def _reauthentication(request: Request) -> Redirect | None:
    """Factor changes need the password given in the last minutes; a half-way session at its
    first enrolment has just given it."""
    if request.scope.get("pending_user") is not None:
        return None
    return reauthentication_needed(request, ACCOUNT_PAGE)


def _enrolling_user(request: Request):
    """The full user, or a half-way one with no factor yet (enrolment at the first login)."""
    return request.scope.get("user") or request.scope.get("pending_user")


async def _factors_page(
    request: Request,
    *,
    error: str = "",
    status: int = 200,
    totp: factors.TotpEnrolment | None = None,
    recovery_codes: list[str] | None = None,
    next_path: str = "/",
) -> Template:
    user = _enrolling_user(request)
    return render(
        request,
        "accounts/factors.html",
        {
            "error": error,
            "factors": await factors.factors_of(user.id),
            "codes_left": await factors.recovery_codes_left(user.id),
            "totp": totp,
            "totp_uri": totp.uri(user.username) if totp else "",
            "recovery_codes": recovery_codes or [],
            "pending": request.scope.get("pending_user") is not None,
            "required": requires_second_factor(user.role),
            "next": next_path,
        },
        status_code=status,
    )


async def _may_enrol(request: Request) -> bool:
    if request.scope.get("user") is not None:
        return True
    pending = request.scope.get("pending_user")
    return pending is not None and not await factors.has_factor(pending.id)


@get(ACCOUNT_PAGE, name="factors_page")
async def factors_page(request: Request) -> Template | Redirect:
    next_path = safe_next(request.query_params.get("next"))
    if not await _may_enrol(request):
        target = LOGIN_STEP if request.scope.get("pending_user") else "/login"
        return Redirect(path=f"{target}?next={ACCOUNT_PAGE}", status_code=303)
    return await _factors_page(request, next_path=next_path)


@post(f"{ACCOUNT_PAGE}/totp", name="totp_start")
async def totp_start(request: Request) -> Template | Redirect:
    fields = await form_fields(request)
    if not await _may_enrol(request):
        return Redirect(path="/login", status_code=303)
    if again := _reauthentication(request):
        return again
    enrolment = await factors.start_totp(_enrolling_user(request).id)
    return await _factors_page(request, totp=enrolment, next_path=safe_next(fields.get("next")))


async def _after_first_factor(request: Request, next_path: str, cookies: list) -> Template:
    """Recovery codes are made with the first factor and shown once."""
    user = _enrolling_user(request)
    codes = await factors.new_recovery_codes(user.id)
    page = await _factors_page(request, recovery_codes=codes, next_path=next_path)
    page.cookies = cookies
    return page


@post(f"{ACCOUNT_PAGE}/totp/confirm", name="totp_confirm")
async def totp_confirm(request: Request) -> Template | Redirect:
    fields = await form_fields(request)
    next_path = safe_next(fields.get("next"))
    if not await _may_enrol(request):
        return Redirect(path="/login", status_code=303)
    user = _enrolling_user(request)
    first = not await factors.has_factor(user.id)
    if not await factors.confirm_totp(user.id, fields.get("code", "")[:16]):
        return await _factors_page(
            request,
            error=_("That code is not right. Enter the code your app shows now."),
            status=400,
            totp=await factors.pending_totp(user.id),
            next_path=next_path,
        )
    await record("second_factor_added", user, "user", str(user.id))
    cookies = []
    if request.scope.get("pending_user") is not None:
        cookies = await _promote(request)
    if first or not await factors.recovery_codes_left(user.id):
        return await _after_first_factor(request, next_path, cookies)
    page = await _factors_page(request, next_path=next_path)
    page.cookies = cookies
    return page


@post(f"{ACCOUNT_PAGE}/passkey/options", name="passkey_options")
async def passkey_options(request: Request) -> Response:
    if not await _may_enrol(request):
        raise NotFoundException()
    if again := _reauthentication(request):
        return Response(
            {"error": _("This change needs your password again."), "next": again.url},
            status_code=401,
        )
    user = _enrolling_user(request)
    rp_id, _origin = relying_party(request)
    options = await factors.passkey_registration_options(
        request.scope["session_id"], user.id, user.username, rp_id
    )
    return Response(options, media_type="application/json")


@post(f"{ACCOUNT_PAGE}/passkey", name="passkey_register")
async def passkey_register(request: Request) -> Response:
    if not await _may_enrol(request):
        raise NotFoundException()
    user = _enrolling_user(request)
    credential = factors.parse_credential(await request.body())
    rp_id, origin = relying_party(request)
    if credential is None or not await factors.register_passkey(
        request.scope["session_id"], user.id, credential, rp_id, origin
    ):
        return Response({"error": _("The passkey could not be added. Try again.")}, status_code=400)
    await record("second_factor_added", user, "user", str(user.id))
    cookies = []
    if request.scope.get("pending_user") is not None:
        cookies = await _promote(request)
    # The page then offers the recovery codes (made on the first factor, shown once).
    return Response({"next": ACCOUNT_PAGE}, status_code=201, cookies=cookies)


@post(f"{ACCOUNT_PAGE}/recovery-codes", name="recovery_codes_new", guards=[signed_in])
async def recovery_codes_new(request: Request) -> Template | Redirect:
    user = request.scope["user"]
    if again := _reauthentication(request):
        return again
    codes = await factors.new_recovery_codes(user.id)
    await record("recovery_codes_new", user, "user", str(user.id))
    return await _factors_page(request, recovery_codes=codes)


@post(f"{ACCOUNT_PAGE}/{{factor_id:int}}/remove", name="factor_remove", guards=[signed_in])
async def factor_remove(request: Request, factor_id: FromPath[int]) -> Template | Redirect:
    user = request.scope["user"]
    owned = [factor for factor in await factors.factors_of(user.id) if factor.id == factor_id]
    if not owned:
        raise NotFoundException()
    if again := _reauthentication(request):
        return again
    if len(await factors.factors_of(user.id)) == 1 and requires_second_factor(user.role):
        return await _factors_page(
            request,
            error=_("Your role needs a second factor: add another one before removing this one."),
            status=400,
        )
    await factors.remove_factor(user.id, factor_id)
    await record("second_factor_removed", user, "user", str(user.id))
    return Redirect(path=ACCOUNT_PAGE, status_code=303)


@post(
    "/account/users/{username:str}/second-factor/reset",
    name="factors_reset",
    guards=[role_in("admin")],
)
async def factors_reset(request: Request, username: FromPath[str]) -> Redirect:
    admin = request.scope["user"]
    user_id = await factors.user_id_by_name(username[:64])
    if user_id is None:
        raise NotFoundException()
    await factors.reset_factors(user_id)
    await record("second_factor_reset", admin, "user", str(user_id))
    return Redirect(path=safe_next((await form_fields(request)).get("next"), "/"), status_code=303)


router = Router(
    path="/",
    route_handlers=[
        second_factor_form,
        second_factor,
        second_factor_passkey_options,
        second_factor_passkey,
        factors_page,
        totp_start,
        totp_confirm,
        passkey_options,
        passkey_register,
        recovery_codes_new,
        factor_remove,
        factors_reset,
    ],
)
