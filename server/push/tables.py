"""Web Push: the browsers that asked for reminders, and the messages on their way to them."""

from __future__ import annotations

from piccolo.columns import JSON, Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from server.accounts.tables import User


class PushSubscription(Table, tablename="push_subscription"):
    """One browser's subscription (one per phone or computer). The endpoint is a URL of the
    browser vendor's push service; `p256dh` and `auth` encrypt what is sent to it."""

    user = ForeignKey(references=User, index=True)
    endpoint = Varchar(length=1024, unique=True)
    p256dh = Varchar(length=128)
    auth = Varchar(length=64)
    # The user may switch reminders off on one device and keep them on another.
    enabled = Boolean(default=True)
    # What the settings page shows to tell devices apart: the browser's user agent, cut short.
    user_agent = Varchar(length=200, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    last_sent_at = Timestamptz(null=True, default=None)


class PushDelivery(Table, tablename="push_delivery"):
    """A message waiting to reach one subscription: kept until the push service takes it,
    so that a failure is retried later with backoff instead of being lost."""

    subscription = ForeignKey(references=PushSubscription, index=True, on_delete=OnDelete.cascade)
    # The payload as the notification's recipient reads it: {"kind","title","body","url"}.
    payload = JSON(default="{}")
    topic = Varchar(length=32)
    urgency = Varchar(length=8, default="normal")
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(default=TimestamptzNow(), index=True)
    # After this the message is stale (its TTL is over): it is dropped, not sent.
    expires_at = Timestamptz()
    last_error = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
