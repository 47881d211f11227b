"""Second factors: passkeys (WebAuthn) first, authenticator apps (TOTP, RFC 6238) as the
fallback, and one-time recovery codes. Plain functions, testable without HTTP.

A TOTP secret is stored encrypted with a key derived from the deployment's secret key, so a
leaked database or backup cannot mint codes; every TOTP step is accepted once (the factor
remembers the last step used). Of a recovery code only an HMAC keyed from the secret key
is kept, so a leaked backup cannot be used to try codes offline.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.twofactor import InvalidToken
from cryptography.hazmat.primitives.twofactor.totp import TOTP

from server.accounts.tables import RecoveryCode, SecondFactor, Session, User
from server.core.json_input import JSONInputError, read_json
from server.settings import get_settings, secret_key

TOTP_DIGITS = 6
TOTP_STEP = 30
# A code from the step before or after is accepted too: phone clocks drift.
TOTP_WINDOW = 1
RECOVERY_CODES = 10
ISSUER = "Alongside"
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


def now() -> datetime:
    return datetime.now(UTC)


# --- sealing the TOTP secret ---------------------------------------------------------------


def _secret_box() -> AESGCM:
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"alongside/totp-secret/v1"
    ).derive(secret_key(get_settings()).encode())
    return AESGCM(key)


def _seal_secret(secret: bytes, user_id: int) -> str:
    nonce = secrets.token_bytes(12)
    sealed = _secret_box().encrypt(nonce, secret, f"totp|{user_id}".encode())
    return base64.urlsafe_b64encode(nonce + sealed).decode()


def _open_secret(stored: str, user_id: int) -> bytes:
    raw = base64.urlsafe_b64decode(stored.encode())
    return _secret_box().decrypt(raw[:12], raw[12:], f"totp|{user_id}".encode())


# --- TOTP ----------------------------------------------------------------------------------


def _totp(secret: bytes) -> TOTP:
    # SHA-1 is what RFC 6238 and every authenticator app use; HMAC-SHA-1 is not broken.
    return TOTP(secret, TOTP_DIGITS, SHA1(), TOTP_STEP, enforce_key_length=False)  # noqa: S303


def totp_code(secret: bytes, at: datetime) -> str:
    """The code an authenticator app shows at that moment (tests use it as the phone)."""
    return _totp(secret).generate(int(at.timestamp())).decode()


@dataclass(frozen=True)
class TotpEnrolment:
    factor_id: int
    secret: bytes

    @property
    def secret_base32(self) -> str:
        return base64.b32encode(self.secret).decode().rstrip("=")

    def uri(self, username: str) -> str:
        label = quote(f"{ISSUER}:{username}")
        return (
            f"otpauth://totp/{label}?secret={self.secret_base32}&issuer={ISSUER}"
            f"&algorithm=SHA1&digits={TOTP_DIGITS}&period={TOTP_STEP}"
        )


async def start_totp(user_id: int) -> TotpEnrolment:
    """A new, unconfirmed authenticator app; an earlier unconfirmed one is dropped."""
    await SecondFactor.delete().where(
        (SecondFactor.user == user_id)
        & (SecondFactor.kind == "totp")
        & SecondFactor.confirmed.eq(False)
    )
    secret = secrets.token_bytes(20)
    rows = await SecondFactor.insert(
        SecondFactor(user=user_id, kind="totp", totp_secret=_seal_secret(secret, user_id))
    ).returning(SecondFactor.id)
    return TotpEnrolment(rows[0]["id"], secret)


async def pending_totp(user_id: int) -> TotpEnrolment | None:
    row = (
        await SecondFactor.select(SecondFactor.id, SecondFactor.totp_secret)
        .where(
            (SecondFactor.user == user_id)
            & (SecondFactor.kind == "totp")
            & SecondFactor.confirmed.eq(False)
        )
        .first()
    )
    if row is None:
        return None
    return TotpEnrolment(row["id"], _open_secret(row["totp_secret"], user_id))


def _matching_step(secret: bytes, code: str, at: datetime) -> int | None:
    if len(code) != TOTP_DIGITS or not code.isdigit():
        return None
    totp = _totp(secret)
    current = int(at.timestamp()) // TOTP_STEP
    for step in range(current - TOTP_WINDOW, current + TOTP_WINDOW + 1):
        try:
            totp.verify(code.encode(), step * TOTP_STEP)
        except InvalidToken:
            continue
        return step
    return None


async def _use_step(factor_id: int, step: int, at: datetime) -> bool:
    """Record that a step was used; False when it (or a later one) was used already. One
    conditional UPDATE, so two requests racing with the same code cannot both win."""
    updated = (
        await SecondFactor.update(
            {
                SecondFactor.last_step: step,
                SecondFactor.last_used_at: at,
                SecondFactor.confirmed: True,
            }
        )
        .where((SecondFactor.id == factor_id) & (SecondFactor.last_step < step))
        .returning(SecondFactor.id)
    )
    return bool(updated)


async def confirm_totp(user_id: int, code: str, at: datetime | None = None) -> bool:
    """The first code from the app confirms it; that code is then spent."""
    enrolment = await pending_totp(user_id)
    if enrolment is None:
        return False
    moment = at or now()
    step = _matching_step(enrolment.secret, code.strip().replace(" ", ""), moment)
    return step is not None and await _use_step(enrolment.factor_id, step, moment)


async def verify_totp(user_id: int, code: str, at: datetime | None = None) -> bool:
    """A code of one of the user's confirmed apps, never accepted twice."""
    moment = at or now()
    code = code.strip().replace(" ", "")
    rows = await SecondFactor.select(SecondFactor.id, SecondFactor.totp_secret).where(
        (SecondFactor.user == user_id)
        & (SecondFactor.kind == "totp")
        & SecondFactor.confirmed.eq(True)
    )
    for row in rows:
        step = _matching_step(_open_secret(row["totp_secret"], user_id), code, moment)
        if step is not None:
            return await _use_step(row["id"], step, moment)
    return False


# --- recovery codes ------------------------------------------------------------------------


def _code_hash(code: str) -> str:
    """HMAC-SHA-256 keyed from the secret key (kept in keys/, never in a backup): a leaked
    database or backup gives no way to try recovery codes offline."""
    normal = code.strip().lower().replace("-", "").replace(" ", "")
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"alongside/recovery-code/v1"
    ).derive(secret_key(get_settings()).encode())
    return hmac.new(key, normal.encode(), hashlib.sha256).hexdigest()


async def new_recovery_codes(user_id: int) -> list[str]:
    """Ten fresh codes, shown once; the earlier ones stop working."""
    codes = [
        "-".join("".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(5)) for _ in range(2))
        for _ in range(RECOVERY_CODES)
    ]
    await RecoveryCode.delete().where(RecoveryCode.user == user_id)
    await RecoveryCode.insert(
        *(RecoveryCode(user=user_id, code_hash=_code_hash(code)) for code in codes)
    )
    return codes


async def use_recovery_code(user_id: int, code: str, at: datetime | None = None) -> bool:
    if not code.strip() or len(code) > 64:
        return False
    updated = (
        await RecoveryCode.update({RecoveryCode.used_at: at or now()})
        .where(
            (RecoveryCode.user == user_id)
            & (RecoveryCode.code_hash == _code_hash(code))
            & RecoveryCode.used_at.is_null()
        )
        .returning(RecoveryCode.id)
    )
    return bool(updated)


async def recovery_codes_left(user_id: int) -> int:
    return await RecoveryCode.count().where(
        (RecoveryCode.user == user_id) & RecoveryCode.used_at.is_null()
    )


# --- what a user has -----------------------------------------------------------------------


@dataclass(frozen=True)
class Factor:
    id: int
    kind: str
    created_at: datetime
    last_used_at: datetime | None


async def factors_of(user_id: int) -> list[Factor]:
    rows = (
        await SecondFactor.select(
            SecondFactor.id, SecondFactor.kind, SecondFactor.created_at, SecondFactor.last_used_at
        )
        .where((SecondFactor.user == user_id) & SecondFactor.confirmed.eq(True))
        .order_by(SecondFactor.id)
    )
    return [Factor(**row) for row in rows]


async def has_factor(user_id: int) -> bool:
    return await SecondFactor.exists().where(
        (SecondFactor.user == user_id) & SecondFactor.confirmed.eq(True)
    )


async def remove_factor(user_id: int, factor_id: int) -> bool:
    """Remove one of the user's own factors; the last one cannot go while the role needs one."""
    deleted = (
        await SecondFactor.delete()
        .where((SecondFactor.id == factor_id) & (SecondFactor.user == user_id))
        .returning(SecondFactor.id)
    )
    return bool(deleted)


async def reset_factors(user_id: int) -> None:
    """An admin's reset for a user who lost every factor: factors, recovery codes and
    sessions go; the next login enrols anew."""
    await SecondFactor.delete().where(SecondFactor.user == user_id)
    await RecoveryCode.delete().where(RecoveryCode.user == user_id)
    await Session.update({Session.ended_at: now()}).where(
        (Session.user == user_id) & Session.ended_at.is_null()
    )


async def user_id_by_name(username: str) -> int | None:
    row = await User.select(User.id).where(User.username == username.strip().lower()).first()
    return row["id"] if row else None


# --- sessions ------------------------------------------------------------------------------


async def complete_second_factor(session_id: int, at: datetime | None = None) -> None:
    moment = at or now()
    await Session.update(
        {
            Session.second_factor_at: moment,
            Session.reauthenticated_at: moment,
            Session.webauthn_challenge: "",
        }
    ).where(Session.id == session_id)


async def set_challenge(session_id: int, challenge: bytes) -> None:
    value = base64.urlsafe_b64encode(challenge).decode().rstrip("=")
    await Session.update({Session.webauthn_challenge: value}).where(Session.id == session_id)


async def take_challenge(session_id: int) -> bytes | None:
    """The challenge of the ceremony under way, cleared as it is read (one attempt each)."""
    row = await Session.select(Session.webauthn_challenge).where(Session.id == session_id).first()
    if not row or not row["webauthn_challenge"]:
        return None
    await Session.update({Session.webauthn_challenge: ""}).where(Session.id == session_id)
    value = row["webauthn_challenge"]
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


# --- passkeys ------------------------------------------------------------------------------


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


async def passkey_registration_options(
    session_id: int, user_id: int, username: str, rp_id: str
) -> str:
    import webauthn
    from webauthn.helpers.structs import (
        AuthenticatorSelectionCriteria,
        PublicKeyCredentialDescriptor,
        ResidentKeyRequirement,
        UserVerificationRequirement,
    )

    existing = await SecondFactor.select(SecondFactor.credential_id).where(
        (SecondFactor.user == user_id) & (SecondFactor.kind == "passkey")
    )
    options = webauthn.generate_registration_options(
        rp_id=rp_id,
        rp_name=ISSUER,
        user_name=username,
        # A random handle, not the database id: the authenticator learns nothing countable.
        user_id=hashlib.sha256(f"{secret_key(get_settings())}|{user_id}".encode()).digest()[:16],
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=_unb64url(row["credential_id"])) for row in existing
        ],
    )
    await set_challenge(session_id, options.challenge)
    return webauthn.options_to_json(options)


async def register_passkey(
    session_id: int, user_id: int, credential: dict, rp_id: str, origin: str
) -> bool:
    import webauthn
    from webauthn.helpers.exceptions import InvalidRegistrationResponse

    challenge = await take_challenge(session_id)
    if challenge is None:
        return False
    try:
        verified = webauthn.verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
        )
    except (InvalidRegistrationResponse, ValueError, KeyError, TypeError):
        return False
    credential_id = _b64url(verified.credential_id)
    if await SecondFactor.exists().where(SecondFactor.credential_id == credential_id):
        return False
    await SecondFactor.insert(
        SecondFactor(
            user=user_id,
            kind="passkey",
            credential_id=credential_id,
            public_key=_b64url(verified.credential_public_key),
            sign_count=verified.sign_count,
            confirmed=True,
        )
    )
    return True


async def passkey_authentication_options(session_id: int, user_id: int, rp_id: str) -> str:
    import webauthn
    from webauthn.helpers.structs import PublicKeyCredentialDescriptor

    rows = await SecondFactor.select(SecondFactor.credential_id).where(
        (SecondFactor.user == user_id) & (SecondFactor.kind == "passkey")
    )
    options = webauthn.generate_authentication_options(
        rp_id=rp_id,
        allow_credentials=[
            PublicKeyCredentialDescriptor(id=_unb64url(row["credential_id"])) for row in rows
        ],
    )
    await set_challenge(session_id, options.challenge)
    return webauthn.options_to_json(options)


async def verify_passkey(
    session_id: int, user_id: int, credential: dict, rp_id: str, origin: str
) -> bool:
    import webauthn
    from webauthn.helpers.exceptions import InvalidAuthenticationResponse

    challenge = await take_challenge(session_id)
    credential_id = credential.get("id") if isinstance(credential, dict) else None
    if challenge is None or not isinstance(credential_id, str) or len(credential_id) > 1024:
        return False
    row = (
        await SecondFactor.select(SecondFactor.id, SecondFactor.public_key, SecondFactor.sign_count)
        .where(
            (SecondFactor.user == user_id)
            & (SecondFactor.kind == "passkey")
            & (SecondFactor.credential_id == credential_id)
        )
        .first()
    )
    if row is None:
        return False
    try:
        verified = webauthn.verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
            credential_public_key=_unb64url(row["public_key"]),
            credential_current_sign_count=row["sign_count"],
        )
    except (InvalidAuthenticationResponse, ValueError, KeyError, TypeError):
        return False
    await SecondFactor.update(
        {SecondFactor.sign_count: verified.new_sign_count, SecondFactor.last_used_at: now()}
    ).where(SecondFactor.id == row["id"])
    return True


def parse_credential(body: bytes) -> dict | None:
    """The JSON a page posts after navigator.credentials; None when it is not an object."""
    try:
        value = read_json(body)
    except JSONInputError:
        return None
    return value if isinstance(value, dict) and len(body) < 64 * 1024 else None
