"""The app as a real server process (werkzeug) on the session's test database.

Tests that must lose the server itself — stop it, SIGKILL it, let the fault-injection
switch ``DALA_SYNC_CRASH_AFTER`` kill it mid-push — run it here rather than in a
thread of the test process. The port is chosen once per ``ServerProcess`` and kept
across restarts: a browser's origin (and with it the service worker and IndexedDB of
the technician app) is scheme, host *and port*, so a restart on another port would be
a different app to the phone.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Self

from tests.conftest import FILES_DIR, TEST_MASTER_KEY, TestDatabase

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
SERVE = (
    "import sys; from dala import create_app; "
    "create_app().run(host=sys.argv[1], port=int(sys.argv[2]), threaded=True, use_reloader=False)"
)
# What the server answers once it is up (any cheap GET that needs the app built).
READY_PATH = "/api/openapi.json"
START_TIMEOUT = 60.0
STOP_TIMEOUT = 20.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


class ServerProcess:
    """One server address; the process behind it can be started, stopped, killed and
    started again. Used as a context manager, whatever still runs is stopped on exit."""

    def __init__(self, database: TestDatabase, log: Path) -> None:
        self.database = database
        self.log = log
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def _env(self, settings: dict[str, str]) -> dict[str, str]:
        # Nothing of the caller's own DALA_* settings leaks in: the server sees the
        # test database and these settings only.
        env = {k: v for k, v in os.environ.items() if not k.startswith("DALA_")}
        env.update(
            {
                "DALA_SECRET_KEY": "server-process-secret-key-that-is-long-enough",
                "DALA_MASTER_KEY": TEST_MASTER_KEY,
                "DALA_DATABASE_URL": self.database.app_url,
                "DALA_MIGRATION_DATABASE_URL": self.database.owner_url,
                "DALA_DB_APP_ROLE": self.database.app_role,
                "DALA_FILES_DIR": FILES_DIR,
                "DALA_PUBLIC_URL": self.url,
                "PYTHONUNBUFFERED": "1",
                # Nothing written to the checkout's instance folder: tasks run in the
                # server, live updates stay within it (a test can set either).
                "DALA_TASKS_IMMEDIATE": "true",
                "DALA_LIVE_URL": "memory://",
                **{f"DALA_{k}": v for k, v in settings.items()},
            }
        )
        return env

    def start(self, **settings: str) -> Self:
        """Start the process (``settings`` are ``DALA_*`` names without the prefix, for
        this run only) and return once it answers HTTP."""
        assert not self.running, "the server is already running"
        with self.log.open("ab") as out:
            out.write(f"--- start {settings or ''}\n".encode())
            self.process = subprocess.Popen(
                [sys.executable, "-c", SERVE, HOST, str(self.port)],
                cwd=ROOT,
                env=self._env(settings),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=out,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert self.running, f"the server exited while starting:\n{self.tail()}"
            try:
                with urllib.request.urlopen(self.url + READY_PATH, timeout=5) as answer:  # noqa: S310 - loopback
                    if answer.status == 200:
                        return self
            except OSError:
                pass
            assert time.monotonic() < deadline, f"the server did not start:\n{self.tail()}"
            time.sleep(0.1)

    def stop(self) -> int | None:
        """SIGTERM (an orderly shutdown) and wait; the exit code, None if nothing ran."""
        return self._end(signal.SIGTERM)

    def kill(self) -> int | None:
        """SIGKILL (a power cut, the OOM killer) and wait; the exit code."""
        return self._end(signal.SIGKILL)

    def wait(self, timeout: float = STOP_TIMEOUT) -> int:
        """Wait for the process to end by itself (the crash switch); its exit code."""
        assert self.process is not None, "the server was never started"
        return self.process.wait(timeout=timeout)

    def _end(self, sign: signal.Signals) -> int | None:
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(sign)
        return self.process.wait(timeout=STOP_TIMEOUT)

    def tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""
