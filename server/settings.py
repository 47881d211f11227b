"""Every setting Alongside reads from the environment, in one place.

Each field's docstring is the line the README's configuration table must carry; a test
fails when a variable here is missing from the README.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from server.core.paths import PROJECT_ROOT

DEFAULT_PUSH_ALLOWLIST = (
    "https://fcm.googleapis.com/,"
    "https://updates.push.services.mozilla.com/,"
    "https://push.services.mozilla.com/,"
    "https://web.push.apple.com/,"
    "https://wns2-par02p.notify.windows.com/,"
    "https://notify.windows.com/"
)

ROLES = ("coordinator", "supervisor", "shelter", "admin")
COUNTRIES = ("MD", "XK")
ENVIRONMENTS = ("development", "production")
ARGON2_PROFILES = ("standard", "cheap")


class SettingsError(ValueError):
    """A setting has a value Alongside cannot run with."""


@dataclass(frozen=True)
class Settings:
    database_url: str | None = None
    """`DATABASE_URL`: `postgresql://…` selects PostgreSQL; unset means the SQLite file."""

    data_dir: Path = field(default_factory=lambda: Path("data"))
    """`ALONGSIDE_DATA_DIR`: the SQLite file and, under `keys/`, sealing, VAPID and secret keys."""

    country: str = "MD"
    """`ALONGSIDE_COUNTRY`: default deployment country of new teams, `MD` or `XK`."""

    env: str = "development"
    """`ALONGSIDE_ENV`: `development` or `production` (no demo data, no insecure cookies)."""

    secret_key: str | None = None
    """`ALONGSIDE_SECRET_KEY`: session and CSRF secret; generated into the data dir when unset."""

    mfa_roles: tuple[str, ...] = ("supervisor", "admin")
    """`ALONGSIDE_MFA_ROLES`: comma-separated roles that must use a second factor."""

    push_endpoint_allowlist: tuple[str, ...] = ()
    """`ALONGSIDE_PUSH_ENDPOINT_ALLOWLIST`: URL prefixes a push subscription may point to."""

    scheduler_interval: float = 60.0
    """`ALONGSIDE_SCHEDULER_INTERVAL`: seconds between scheduler runs."""

    port: int = 8000
    """`PORT`: port of the `Procfile` web process."""

    sealing_passphrase: str | None = None
    """`ALONGSIDE_SEALING_PASSPHRASE`: when set, private sealing keys are encrypted with it."""

    session_idle_minutes: int = 30
    """`ALONGSIDE_SESSION_IDLE_MINUTES`: minutes without a request after which a session ends."""

    retention_days: int = 1825
    """`ALONGSIDE_RETENTION_DAYS`: days a closed case is kept before it is due for erasure."""

    argon2_profile: str = "standard"
    """`ALONGSIDE_PASSWORD_HASHING`: `standard` (Argon2id, RFC 9106) or `cheap` (tests only)."""
    query_count: bool = False
    """`ALONGSIDE_QUERY_COUNT`: `1` sends the queries a request made in `X-Query-Count`."""

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def keys_dir(self) -> Path:
        return self.data_dir / "keys"

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "alongside.db"

    @property
    def uses_postgres(self) -> bool:
        return bool(self.database_url) and self.database_url.startswith(
            ("postgresql://", "postgres://")
        )


def _csv(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


def read_settings(environ: dict[str, str] | os._Environ[str] | None = None) -> Settings:
    """Read and check the settings; raise SettingsError naming the variable at fault."""
    env = os.environ if environ is None else environ

    database_url = env.get("DATABASE_URL") or None
    if database_url and not database_url.startswith(("postgresql://", "postgres://")):
        raise SettingsError("DATABASE_URL must start with postgresql:// (or be unset for SQLite)")

    data_dir = Path(env.get("ALONGSIDE_DATA_DIR") or "data")
    if not data_dir.is_absolute():
        data_dir = Path.cwd() / data_dir

    country = (env.get("ALONGSIDE_COUNTRY") or "MD").upper()
    if country not in COUNTRIES:
        raise SettingsError("ALONGSIDE_COUNTRY must be MD or XK")

    mode = (env.get("ALONGSIDE_ENV") or "development").lower()
    if mode not in ENVIRONMENTS:
        raise SettingsError("ALONGSIDE_ENV must be development or production")

    mfa_raw = env.get("ALONGSIDE_MFA_ROLES")
    mfa_roles = ("supervisor", "admin") if mfa_raw is None else _csv(mfa_raw)
    unknown = [role for role in mfa_roles if role not in ROLES]
    if unknown:
        raise SettingsError(f"ALONGSIDE_MFA_ROLES names unknown roles: {', '.join(unknown)}")

    allowlist = _csv(env.get("ALONGSIDE_PUSH_ENDPOINT_ALLOWLIST") or DEFAULT_PUSH_ALLOWLIST)

    try:
        interval = float(env.get("ALONGSIDE_SCHEDULER_INTERVAL") or 60)
    except ValueError as error:
        raise SettingsError("ALONGSIDE_SCHEDULER_INTERVAL must be a number of seconds") from error
    if interval <= 0:
        raise SettingsError("ALONGSIDE_SCHEDULER_INTERVAL must be positive")

    try:
        port = int(env.get("PORT") or 8000)
    except ValueError as error:
        raise SettingsError("PORT must be a whole number") from error

    try:
        idle = int(env.get("ALONGSIDE_SESSION_IDLE_MINUTES") or 30)
    except ValueError as error:
        raise SettingsError("ALONGSIDE_SESSION_IDLE_MINUTES must be a whole number") from error
    # Longer than the absolute limit (12 hours) would mean nothing; shorter than 2 minutes
    # would end sessions between two taps.
    if not 2 <= idle <= 720:
        raise SettingsError("ALONGSIDE_SESSION_IDLE_MINUTES must be between 2 and 720")

    try:
        retention = int(env.get("ALONGSIDE_RETENTION_DAYS") or 1825)
    except ValueError as error:
        raise SettingsError("ALONGSIDE_RETENTION_DAYS must be a whole number of days") from error
    # Shorter than a month would erase cases whose last hearing is still being written up;
    # the law asks for "no longer than needed", not for a number, so the ceiling is loose.
    if not 30 <= retention <= 36500:
        raise SettingsError("ALONGSIDE_RETENTION_DAYS must be between 30 and 36500")

    argon2_profile = (env.get("ALONGSIDE_PASSWORD_HASHING") or "standard").lower()
    if argon2_profile not in ARGON2_PROFILES:
        raise SettingsError("ALONGSIDE_PASSWORD_HASHING must be standard or cheap")

    secret_key = env.get("ALONGSIDE_SECRET_KEY") or None
    if secret_key is not None and len(secret_key) < 32:
        raise SettingsError("ALONGSIDE_SECRET_KEY must be at least 32 characters")

    settings = Settings(
        database_url=database_url,
        data_dir=data_dir,
        country=country,
        env=mode,
        secret_key=secret_key,
        mfa_roles=mfa_roles,
        push_endpoint_allowlist=allowlist,
        scheduler_interval=interval,
        port=port,
        sealing_passphrase=env.get("ALONGSIDE_SEALING_PASSPHRASE") or None,
        session_idle_minutes=idle,
        retention_days=retention,
        argon2_profile=argon2_profile,
        query_count=(env.get("ALONGSIDE_QUERY_COUNT") or "0").strip() == "1",
    )
    if settings.production:
        check_production(settings)
    return settings


def check_production(settings: Settings) -> None:
    """Production refuses what would be acceptable on a laptop."""
    insecure = [p for p in settings.push_endpoint_allowlist if not p.startswith("https://")]
    if insecure:
        raise SettingsError(
            "ALONGSIDE_PUSH_ENDPOINT_ALLOWLIST may only hold https:// prefixes in production"
        )
    if settings.argon2_profile != "standard":
        raise SettingsError("ALONGSIDE_PASSWORD_HASHING must be standard in production")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return read_settings()


def secret_key(settings: Settings) -> str:
    """The configured secret, or one generated once into the data dir (mode 0600)."""
    if settings.secret_key:
        return settings.secret_key
    path = settings.keys_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    settings.keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    value = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value


__all__ = ["PROJECT_ROOT", "Settings", "SettingsError", "get_settings", "read_settings"]
