"""Password hashing (Argon2id) and the password rules."""

from __future__ import annotations

import secrets
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from server.core.i18n import gettext as _
from server.settings import get_settings

MIN_LENGTH = 12
MAX_LENGTH = 1024

COMMON_PASSWORDS = Path(__file__).with_name("common-passwords.txt")


def _make_hasher() -> PasswordHasher:
    # Argon2id with argon2-cffi's defaults (RFC 9106's low-memory profile: 64 MiB, 3 passes)
    # costs about 0.1 s a login, on purpose. The test suite logs in thousands of times and
    # asks for the cheap profile; production refuses it (server.settings.check_production).
    if get_settings().argon2_profile == "cheap":
        return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return PasswordHasher()


_hasher = _make_hasher()
# Verified against when the account does not exist, so an unknown name costs the same time.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def password_problem(password: str) -> str | None:
    """Why a new password cannot be used, in the user's language, or None."""
    if len(password) < MIN_LENGTH:
        return _("A password needs at least %(n)s characters.", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("A password can have at most %(n)s characters.", n=MAX_LENGTH)
    if is_common(password):
        return _("This password is one of the most common ones. Choose another.")
    return None


@cache
def _common() -> frozenset[str]:
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def is_common(password: str) -> bool:
    """On the shipped list of common passwords, ignoring case (no composition rules: length
    and this list are what NIST SP 800-63B and ASVS ask for)."""
    return password.strip().lower() in _common()


def generate_password() -> str:
    return secrets.token_urlsafe(15)
