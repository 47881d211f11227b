"""Devices: register a phone (its token shown once), find it by token, revoke it."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from server.accounts.tables import User
from server.devices.tables import Device

NAME_MAX = 100


@dataclass(frozen=True)
class DeviceIdentity:
    id: str
    user_id: int


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def register_device(user_id: int, name: str) -> tuple[str, str]:
    """A new device for the user: returns (device id, token). Only the hash is kept."""
    token = secrets.token_urlsafe(32)
    device_id = str(uuid.uuid4())
    await Device.insert(
        Device(
            id=device_id, user=user_id, name=name.strip()[:NAME_MAX], token_hash=token_hash(token)
        )
    )
    return device_id, token


async def device_for_token(token: str) -> DeviceIdentity | None:
    if not token or len(token) > 200:
        return None
    row = (
        await Device.select(Device.id, Device.user, Device.revoked_at, Device.user.active)
        .where(Device.token_hash == token_hash(token))
        .first()
    )
    if row is None or row["revoked_at"] is not None or not row["user.active"]:
        return None
    return DeviceIdentity(id=str(row["id"]), user_id=row["user"])


async def touch(device_id: str) -> None:
    await Device.update({Device.last_seen_at: datetime.now(UTC)}).where(Device.id == device_id)


async def devices_of(user_id: int) -> list[dict]:
    return (
        await Device.select(
            Device.id, Device.name, Device.created_at, Device.last_seen_at, Device.revoked_at
        )
        .where(Device.user == user_id)
        .order_by(Device.created_at, ascending=False)
    )


async def revoke_device(device_id: str, by_user_id: int, by_admin: bool) -> bool:
    """Revoke a device of the user (or any device, for an admin). False when not found."""
    try:
        uuid.UUID(device_id)
    except ValueError:
        return False
    query = Device.select(Device.id, Device.user).where(Device.id == device_id)
    row = await query.first()
    if row is None or (row["user"] != by_user_id and not by_admin):
        return False
    await Device.update({Device.revoked_at: datetime.now(UTC)}).where(
        (Device.id == device_id) & Device.revoked_at.is_null()
    )
    return True


async def revoke_all_devices(user_id: int) -> None:
    await Device.update({Device.revoked_at: datetime.now(UTC)}).where(
        (Device.user == user_id) & Device.revoked_at.is_null()
    )


__all__ = ["DeviceIdentity", "User", "device_for_token", "register_device", "revoke_device"]
