"""A real server process on a free port, for browser tests (datasette's pattern)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen
    log_path: Path
    port: int
    env: dict

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def kill(self) -> None:
        """SIGKILL, as when the host loses power: no shutdown, requests die mid-flight."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def start_server(
    log_dir: Path, port: int | None = None, extra_env: dict | None = None
) -> LiveServer:
    port = port or free_port()
    env = os.environ.copy()
    # The served app's own scheduler works on the real clock, over the same database as the
    # tests: it would send what a test's controlled-clock scheduler queued (a doubled push).
    # Tests of the served scheduler set their own interval.
    env["ALONGSIDE_SCHEDULER_INTERVAL"] = "86400"
    env.update(extra_env or {})
    log_path = log_dir / f"server-{port}.log"
    log_file = log_path.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        stdout=log_file,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=str(log_dir),
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1) as response:
                if response.status == 200:
                    return LiveServer(url, process, log_path, port, env)
        except OSError:
            time.sleep(0.2)
    server = LiveServer(url, process, log_path, port, env)
    server.stop()
    raise RuntimeError(f"server did not start on {url}:\n{server.log()}")


def restart_server(server: LiveServer) -> LiveServer:
    """A new process on the same port with the same environment (data dir, database), after
    `server` stopped or was killed. The old log is kept beside the new one."""
    server.stop()
    server.log_path.rename(server.log_path.with_suffix(".before-restart.log"))
    return start_server(server.log_path.parent, port=server.port, extra_env=server.env)
