"""Private sealing keys stay private: 0600 files, and production refuses anything looser."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from server.sealing.keys import KeyRing
from server.settings import read_settings


def ring_in(directory: Path, **env: str) -> KeyRing:
    return KeyRing(read_settings({"ALONGSIDE_DATA_DIR": str(directory), **env}))


def test_new_keys_are_readable_by_the_server_user_only(tmp_path: Path):
    ring = ring_in(tmp_path)
    kid = ring.current_kid()
    assert (ring.directory / f"{kid}.pem").stat().st_mode & 0o777 == 0o600
    assert ring.loose_files() == []


def test_loose_permissions_are_found(tmp_path: Path):
    ring = ring_in(tmp_path)
    kid = ring.current_kid()
    os.chmod(ring.directory / f"{kid}.pem", 0o644)
    assert ring.directory / f"{kid}.pem" in ring.loose_files()


def test_passphrase_encrypts_the_key_file(tmp_path: Path):
    ring = ring_in(tmp_path, ALONGSIDE_SEALING_PASSPHRASE="a long passphrase for keys")
    kid = ring.current_kid()
    assert b"ENCRYPTED" in (ring.directory / f"{kid}.pem").read_bytes()
    reopened = ring_in(tmp_path, ALONGSIDE_SEALING_PASSPHRASE="a long passphrase for keys")
    assert reopened.get(kid) is not None
    from server.sealing.keys import SealingKeyError

    with pytest.raises(SealingKeyError):
        ring_in(tmp_path).get(kid)
