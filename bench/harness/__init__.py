"""What every benchmark needs: a deployment of its own (temporary data dir, migrated database,
users made with the CLI, a real `alongside serve` on a free port), a phone's sealing, and a
table of figures against targets.

This folder is a package, not a script, so `make bench` (which runs `bench/*.py`) does not
run it on its own. Benchmarks print; they never fail because a target is missed.
"""

from __future__ import annotations

import asyncio
import base64
import json
import math
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import load_der_public_key

ROOT = Path(__file__).resolve().parents[2]
# The benchmarks drive Chromium the way the browser tests do, with the same helpers.
sys.path.insert(0, str(ROOT))
from tests.support.capture_page import fill_required  # noqa: E402
from tests.support.chromium import CHROMIUM, CHROMIUM_ARGS, PHONE  # noqa: E402, F401

ALONGSIDE = ROOT / ".venv" / "bin" / "alongside"
PASSWORD = "bench password that is long enough"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_url() -> str | None:
    return os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("TEST_POSTGRES_URL") or None


async def _empty_postgres(url: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        await connection.execute("DROP SCHEMA IF EXISTS public CASCADE")
        await connection.execute("CREATE SCHEMA public")
    finally:
        await connection.close()


@dataclass
class Deployment:
    """A data dir, a migrated database and users; `serve()` starts the server process.

    With a PostgreSQL URL the database's `public` schema is emptied first: point
    BENCH_POSTGRES_URL at a database kept for tests or benchmarks, never at real data."""

    database_url: str | None = None
    data_dir: Path = field(
        default_factory=lambda: Path(tempfile.mkdtemp(prefix="alongside-bench-"))
    )
    process: subprocess.Popen | None = None
    url: str = ""
    others: list[subprocess.Popen] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("DATABASE_URL", "ALONGSIDE_SECRET_KEY", "ALONGSIDE_SEALING_PASSPHRASE")
        }
        env.update(
            ALONGSIDE_DATA_DIR=str(self.data_dir),
            ALONGSIDE_ENV="development",
            ALONGSIDE_MFA_ROLES="",
            PICCOLO_CONF="server.piccolo_conf",
        )
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        return env

    def cli(self, *args: str, stdin: str | None = None) -> str:
        done = subprocess.run(
            [str(ALONGSIDE), *args],
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            cwd=str(self.data_dir),
        )
        if done.returncode != 0:
            raise RuntimeError(f"alongside {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    def __enter__(self) -> Deployment:
        if self.database_url:
            asyncio.run(_empty_postgres(self.database_url))
        self.cli("migrate")
        return self

    def user(self, name: str, role: str = "coordinator", team: str = "Bench Team") -> str:
        self.cli(
            "user",
            "create",
            name,
            "--role",
            role,
            "--team",
            team,
            "--password-stdin",
            stdin=PASSWORD + "\n",
        )
        return name

    def serve(self) -> str:
        self.process, self.url = self._start_server("server.log")
        return self.url

    def serve_another(self) -> str:
        """One more server process on the same data dir and database (PostgreSQL: several
        processes behind a load balancer, as the README deploys them)."""
        process, url = self._start_server(f"server-{len(self.others) + 2}.log")
        self.others.append(process)
        return url

    def _start_server(self, log_name: str) -> tuple[subprocess.Popen, str]:
        port = free_port()
        log_path = self.data_dir / log_name
        log = log_path.open("w")
        process = subprocess.Popen(
            [str(ALONGSIDE), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=str(self.data_dir),
        )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=1) as response:
                    if response.status == 200:
                        return process, url
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("the server did not start:\n" + log_path.read_text())

    def __exit__(self, *exc: object) -> None:
        for process in [self.process, *self.others]:
            if process and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def use_in_this_process(self) -> None:
        """Point this process's settings and Piccolo at the deployment (before importing
        `server`), for measuring the same work without HTTP."""
        if "server.settings" in sys.modules:
            raise RuntimeError("server was imported before the deployment was chosen")
        os.environ.clear()
        os.environ.update(self.env)


# --- A phone, over HTTP ---------------------------------------------------------------------


def log_in(client, username: str) -> str:
    """Log an httpx client in through the real form; returns the CSRF token."""
    client.get("/login")
    token = client.cookies.get("csrftoken")
    response = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "_csrf_token": token},
        follow_redirects=False,
    )
    if response.status_code != 303:
        raise RuntimeError(f"login failed: {response.status_code}")
    return client.cookies.get("csrftoken")


def register_device(client, csrf: str) -> str:
    response = client.post(
        "/api/v1/devices", json={"name": "Bench phone"}, headers={"X-CSRFToken": csrf}
    )
    if response.status_code != 201:
        raise RuntimeError(f"device registration failed: {response.status_code}")
    return response.json()["token"]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass(frozen=True)
class PublicSealingKey:
    kid: str
    key: object

    @classmethod
    def from_json(cls, body: dict) -> PublicSealingKey:
        der = base64.urlsafe_b64decode(body["spki"] + "=" * (-len(body["spki"]) % 4))
        return cls(body["kid"], load_der_public_key(der))

    def seal(self, plaintext: dict) -> dict:
        """Seal as the phone does (Envelope v1): AES-256-GCM, key wrapped with RSA-OAEP-256."""
        entry_id = str(uuid.uuid4())
        content_key = AESGCM.generate_key(bit_length=256)
        iv = os.urandom(12)
        aad = f"alongside/v1|{entry_id}|{self.kid}".encode()
        ciphertext = AESGCM(content_key).encrypt(
            iv, json.dumps(plaintext, ensure_ascii=False).encode(), aad
        )
        oaep = padding.OAEP(
            mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None
        )
        wrapped = self.key.encrypt(content_key, oaep)
        return {
            "v": 1,
            "id": entry_id,
            "kid": self.kid,
            "alg": "RSA-OAEP-256+A256GCM",
            "wrapped_key": b64url(wrapped),
            "iv": b64url(iv),
            "ciphertext": b64url(ciphertext),
        }


def training(number: int) -> dict:
    """A valid training entry, with some free text as a real one has."""
    return {
        "type": "training",
        "case": None,
        "occurred_at": "2026-03-03T10:00:00+02:00",
        "revises": None,
        "fields": {
            "topic": f"Identification of victims, session {number}",
            "audience": "social_assistants",
            "region": "North",
            "participants_female": 12,
            "participants_male": 3,
            "notes": "Discussed referral pathways and the first contact. " * 4,
        },
    }


# --- Browser --------------------------------------------------------------------------------


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def browser_log_in(page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login" not in url)


# --- Reporting ------------------------------------------------------------------------------


def verdict(met: bool | None) -> str:
    if met is None:
        return "(no target)"
    return "meets target" if met else "below target"


def print_table(title: str, rows: list[tuple[str, str, str, str]]) -> None:
    """Rows of (figure, value, target, verdict)."""
    header = ("figure", "value", "target", "")
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(4)]
    print(f"\n{title}")
    for row in [header, *rows]:
        print(
            "  "
            + "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True))
        )


def fill_capture_form(page, marker: str) -> None:
    """Fill every required field of the capture form on the page (as the browser tests do)."""
    fill_required(page, marker)


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]
