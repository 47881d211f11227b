"""The hashing profile a deployment gets: the suite runs with the cheap one, so what a real
server does is checked in a process started without it."""

from __future__ import annotations

import os
import subprocess
import sys

from server.core.paths import PROJECT_ROOT

SHOW_HASH = (
    "from server.accounts.passwords import hash_password, verify_password\n"
    "h = hash_password('correct horse battery staple')\n"
    "assert verify_password(h, 'correct horse battery staple')\n"
    "assert not verify_password(h, 'correct horse battery stapler')\n"
    "print(h)\n"
)


def hash_made_with(environment: dict[str, str]) -> str:
    env = {k: v for k, v in os.environ.items() if k != "ALONGSIDE_PASSWORD_HASHING"}
    env.update(environment)
    done = subprocess.run(
        [sys.executable, "-c", SHOW_HASH],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def test_a_deployment_hashes_with_argon2id_at_rfc_9106_cost():
    assert hash_made_with({}).startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_the_cheap_profile_is_still_argon2id():
    cheap = hash_made_with({"ALONGSIDE_PASSWORD_HASHING": "cheap"})
    assert cheap.startswith("$argon2id$v=19$m=1024,t=1,p=1$")
