"""Web Push: checking and keeping subscriptions, and sending messages to them.

What is sent is a notification's payload (`server.notifications.services.payload`): a kind,
a title and a body in the recipient's language, and a path — never a name, free text or
case content, since a lock screen shows it to whoever holds the phone.

Sending: every message is first queued (`PushDelivery`), then sent by `send_due()`, which
the scheduler calls on each run. A push service that answers 404 or 410 has forgotten the
subscription: it is deleted. Any other failure is tried again later, waiting longer each
time, until the message's TTL is over.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import requests
from pywebpush import WebPushException, webpush

from server.push import vapid
from server.push.tables import PushDelivery, PushSubscription
from server.settings import get_settings

log = logging.getLogger("alongside.push")

# A phone that is off for a day still gets its reminder when it comes back.
TTL = timedelta(hours=36)
# How urgently the push service should wake the phone (RFC 8030 §5.3): a hearing cannot wait.
URGENCY = {
    "hearing": "high",
    "follow_up": "normal",
    "reassessment": "normal",
    "safety_plan": "normal",
    "report_due": "normal",
    "entry_returned": "normal",
    "test": "normal",
    "entries_waiting": "low",
    "approvals_overdue": "low",
}
# Retries wait 1, 2, 4… minutes, at most an hour.
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=1)
# While one process sends a message, nobody else picks it up (longer than any send takes).
CLAIM = timedelta(minutes=5)
SEND_TIMEOUT = 10  # seconds
ENDPOINT_MAX = 1024
DEFAULT_PORTS = {"https": 443, "http": 80}


class SubscriptionError(ValueError):
    """A subscription that cannot be accepted; the message is the user's."""


@dataclass(frozen=True)
class Prefix:
    scheme: str
    host: str
    port: int
    path: str


def _prefix(text: str) -> Prefix | None:
    parts = urlsplit(text.strip())
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname or "@" in parts.netloc:
        return None
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError:
        return None
    return Prefix(parts.scheme, parts.hostname.lower(), port, parts.path or "/")


def endpoint_allowed(endpoint: str, allowlist: tuple[str, ...] | None = None) -> bool:
    """Whether the server may post to this endpoint: it must have a prefix's scheme, host
    and port exactly (a prefix without a port means the scheme's default port), and a path
    under the prefix's path. Compared part by part, not as strings, so that
    `https://fcm.googleapis.com.evil.example/` and `https://fcm.googleapis.com@evil.example/`
    do not pass for the real thing — the server must never be made to post to an internal
    address."""
    if not isinstance(endpoint, str) or len(endpoint) > ENDPOINT_MAX:
        return False
    if any(ord(ch) <= 32 or ch in "\\\x7f" for ch in endpoint):
        return False
    try:
        parts = urlsplit(endpoint)
        port = parts.port or DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        return False
    if parts.scheme not in DEFAULT_PORTS or "@" in parts.netloc or not parts.hostname:
        return False
    if parts.fragment:
        return False
    host = parts.hostname.lower()
    path = parts.path or "/"
    prefixes = get_settings().push_endpoint_allowlist if allowlist is None else allowlist
    for text in prefixes:
        prefix = _prefix(text)
        if prefix is None:
            continue
        if (prefix.scheme, prefix.host, prefix.port) != (parts.scheme, host, port):
            continue
        if path == prefix.path or path.startswith(prefix.path.rstrip("/") + "/"):
            return True
    return False


def _b64url_bytes(value: object) -> bytes | None:
    if not isinstance(value, str) or not value or len(value) > 200:
        return None
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (ValueError, TypeError):
        return None


def parse_subscription(data: object) -> tuple[str, str, str]:
    """(endpoint, p256dh, auth) of a browser PushSubscription's JSON; raises
    SubscriptionError for anything else."""
    from server.core.i18n import gettext as _

    if not isinstance(data, dict):
        raise SubscriptionError(_("The subscription must be a JSON object."))
    endpoint = data.get("endpoint")
    keys = data.get("keys")
    if not isinstance(endpoint, str) or not isinstance(keys, dict):
        raise SubscriptionError(_("The subscription needs an endpoint and keys."))
    p256dh = _b64url_bytes(keys.get("p256dh"))
    auth = _b64url_bytes(keys.get("auth"))
    # A P-256 public key as an uncompressed point (65 bytes, 0x04 first); a 16-byte secret.
    if p256dh is None or len(p256dh) != 65 or p256dh[0] != 4 or auth is None or len(auth) != 16:
        raise SubscriptionError(_("The subscription's keys are not valid."))
    if not endpoint_allowed(endpoint):
        raise SubscriptionError(_("This push service is not allowed on this server."))
    return endpoint, keys["p256dh"], keys["auth"]


async def subscribe(user_id: int, data: object, user_agent: str = "") -> int:
    """Keep a subscription for the user (again, when the browser sends it again: one row per
    endpoint, and an endpoint moves to whoever subscribed it last — a shared phone)."""
    endpoint, p256dh, auth = parse_subscription(data)
    values = {
        PushSubscription.user: user_id,
        PushSubscription.p256dh: p256dh,
        PushSubscription.auth: auth,
        PushSubscription.enabled: True,
        PushSubscription.user_agent: user_agent[:200],
    }
    for _attempt in range(3):
        existing = (
            await PushSubscription.select(PushSubscription.id)
            .where(PushSubscription.endpoint == endpoint)
            .first()
        )
        if existing is not None:
            await PushSubscription.update(values).where(PushSubscription.id == existing["id"])
            return existing["id"]
        try:
            rows = await PushSubscription.insert(
                PushSubscription(endpoint=endpoint, **{c._meta.name: v for c, v in values.items()})
            ).returning(PushSubscription.id)
            return rows[0]["id"]
        except Exception as error:  # the same endpoint was inserted meanwhile: update it
            from server.entries.services import UNIQUE_VIOLATIONS

            if not isinstance(error, UNIQUE_VIOLATIONS):
                raise
    raise SubscriptionError("busy")


async def replace_subscription(old: object, new: object, user_agent: str = "") -> bool:
    """The browser changed a subscription (`pushsubscriptionchange` in the service worker):
    the new one takes the old one's place, for the same user, on or off as it was, and the
    old row is deleted rather than left to fail.

    The worker has no session or CSRF token to show (it may run with no page open), so the
    request is authenticated by what only the browser and this server know: the old
    subscription's endpoint together with its `auth` secret (the push service sees the
    endpoint, never the secret). False when no subscription has both; raises
    SubscriptionError when the new subscription is not acceptable."""
    if not isinstance(old, dict):
        return False
    endpoint = old.get("endpoint")
    keys = old.get("keys")
    auth = keys.get("auth") if isinstance(keys, dict) else None
    if not isinstance(endpoint, str) or not isinstance(auth, str) or len(endpoint) > ENDPOINT_MAX:
        return False
    new_endpoint, p256dh, new_auth = parse_subscription(new)
    row = (
        await PushSubscription.select(
            PushSubscription.id,
            PushSubscription.user,
            PushSubscription.auth,
            PushSubscription.enabled,
        )
        .where(PushSubscription.endpoint == endpoint)
        .first()
    )
    if row is None or not hmac.compare_digest(row["auth"].encode(), auth.encode()):
        return False
    from piccolo.engine import engine_finder

    from server.entries.services import _write_transaction

    async with _write_transaction(engine_finder()):
        # The same endpoint, kept with new keys, is an update; a new one replaces the row.
        await PushSubscription.delete().where(
            (PushSubscription.id == row["id"]) | (PushSubscription.endpoint == new_endpoint)
        )
        await PushSubscription.insert(
            PushSubscription(
                user=row["user"],
                endpoint=new_endpoint,
                p256dh=p256dh,
                auth=new_auth,
                enabled=row["enabled"],
                user_agent=user_agent[:200],
            )
        )
    return True


async def subscriptions_of(user_id: int) -> list[dict]:
    return await (
        PushSubscription.select(
            PushSubscription.id,
            PushSubscription.endpoint,
            PushSubscription.enabled,
            PushSubscription.user_agent,
            PushSubscription.created_at,
            PushSubscription.last_sent_at,
        )
        .where(PushSubscription.user == user_id)
        .order_by(PushSubscription.created_at)
    )


async def set_enabled(user_id: int, endpoint: str, enabled: bool) -> bool:
    """Switch reminders on or off for one of the user's devices; False when it is not theirs."""
    rows = (
        await PushSubscription.update({PushSubscription.enabled: enabled})
        .where((PushSubscription.user == user_id) & (PushSubscription.endpoint == endpoint))
        .returning(PushSubscription.id)
    )
    return bool(rows)


async def unsubscribe(user_id: int, endpoint: str) -> bool:
    rows = (
        await PushSubscription.delete()
        .where((PushSubscription.user == user_id) & (PushSubscription.endpoint == endpoint))
        .returning(PushSubscription.id)
    )
    return bool(rows)


def topic_of(kind: str, url: str) -> str:
    """RFC 8030 topic (at most 32 URL-safe characters): the same for every reminder of one
    deadline, so a newer one replaces an older one still waiting at the push service."""
    digest = hashlib.sha256(f"{kind}|{url}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()[:32]


async def enqueue(user_id: int, message: dict, now: datetime | None = None) -> int:
    """Queue the payload for each of the user's enabled devices; returns how many."""
    now = now or datetime.now(UTC)
    targets = await PushSubscription.select(PushSubscription.id).where(
        (PushSubscription.user == user_id) & (PushSubscription.enabled == True)  # noqa: E712
    )
    if not targets:
        return 0
    await PushDelivery.insert(
        *[
            PushDelivery(
                subscription=target["id"],
                payload=json.dumps(message, ensure_ascii=False),
                topic=topic_of(message["kind"], message["url"]),
                urgency=URGENCY.get(message["kind"], "normal"),
                next_attempt_at=now,
                expires_at=now + TTL,
            )
            for target in targets
        ]
    )
    return len(targets)


class _NoRedirects(requests.Session):
    """A push service answers; it never sends the server elsewhere (an open redirect there
    must not become a way into the internal network)."""

    def request(self, *args, **kwargs):  # type: ignore[override]
        kwargs["allow_redirects"] = False
        return super().request(*args, **kwargs)


def _claims_subject() -> str:
    # The contact push services may use; a path on this server's own name would do too.
    return "mailto:alongside@localhost"


def _send(row: dict, now: datetime) -> int:
    """Post one message; returns the push service's status (2xx on success)."""
    subscription = {
        "endpoint": row["subscription.endpoint"],
        "keys": {"p256dh": row["subscription.p256dh"], "auth": row["subscription.auth"]},
    }
    ttl = max(60, int((row["expires_at"] - now).total_seconds()))
    data = row["payload"] if isinstance(row["payload"], str) else json.dumps(row["payload"])
    with _NoRedirects() as session:
        try:
            response = webpush(
                subscription,
                data=data,
                vapid_private_key=vapid.vapid(),
                vapid_claims={"sub": _claims_subject()},
                content_encoding="aes128gcm",
                ttl=ttl,
                timeout=SEND_TIMEOUT,
                headers={"Urgency": row["urgency"], "Topic": row["topic"]},
                requests_session=session,
            )
        except WebPushException as error:
            if error.response is not None:
                return error.response.status_code
            raise
    return response.status_code


def retry_delay(attempts: int) -> timedelta:
    return min(FIRST_RETRY * (2 ** max(0, attempts - 1)), LONGEST_RETRY)


async def send_due(now: datetime | None = None, user_id: int | None = None) -> dict[str, int]:
    """Send every queued message whose time has come (of one user, when given). Returns
    counts: sent, gone (subscriptions deleted), retry, dropped."""
    now = now or datetime.now(UTC)
    counts = {"sent": 0, "gone": 0, "retry": 0, "dropped": 0}
    await PushDelivery.delete().where(PushDelivery.expires_at <= now)
    query = PushDelivery.select(
        PushDelivery.id,
        PushDelivery.payload,
        PushDelivery.topic,
        PushDelivery.urgency,
        PushDelivery.attempts,
        PushDelivery.expires_at,
        PushDelivery.subscription,
        PushDelivery.subscription.endpoint,
        PushDelivery.subscription.p256dh,
        PushDelivery.subscription.auth,
    ).where(PushDelivery.next_attempt_at <= now)
    if user_id is not None:
        query = query.where(PushDelivery.subscription.user == user_id)
    for row in await query.order_by(PushDelivery.id).limit(500):
        # Claim it: another process (or scheduler run) that read it too finds it moved on.
        claimed = (
            await PushDelivery.update(
                {
                    PushDelivery.next_attempt_at: now + CLAIM,
                    PushDelivery.attempts: PushDelivery.attempts + 1,
                }
            )
            .where((PushDelivery.id == row["id"]) & (PushDelivery.next_attempt_at <= now))
            .returning(PushDelivery.id)
        )
        if not claimed:
            continue
        attempts = row["attempts"] + 1
        try:
            status = await asyncio.to_thread(_send, row, now)
            error = f"HTTP {status}"
        except (requests.RequestException, OSError, WebPushException) as failure:
            status, error = 0, type(failure).__name__
        if 200 <= status < 300:
            counts["sent"] += 1
            await PushDelivery.delete().where(PushDelivery.id == row["id"])
            await PushSubscription.update({PushSubscription.last_sent_at: now}).where(
                PushSubscription.id == row["subscription"]
            )
        elif status in (404, 410):
            # The browser unsubscribed or the push service forgot it: it will never work again.
            counts["gone"] += 1
            await PushSubscription.delete().where(PushSubscription.id == row["subscription"])
        elif status in (400, 413) or (now + retry_delay(attempts) >= row["expires_at"]):
            # Refused as malformed (retrying sends the same bytes), or too late to matter.
            counts["dropped"] += 1
            log.warning("push message dropped after %s attempt(s): %s", attempts, error)
            await PushDelivery.delete().where(PushDelivery.id == row["id"])
        else:
            counts["retry"] += 1
            await PushDelivery.update(
                {
                    PushDelivery.next_attempt_at: now + retry_delay(attempts),
                    PushDelivery.last_error: error,
                }
            ).where(PushDelivery.id == row["id"])
    return counts
