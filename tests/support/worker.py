"""``dala worker`` as a real process on the session's test database and a given task storage.

Tests whose tasks must run the way production runs them — enqueued by the web
process, picked up by a separate worker over the shared storage — start one here.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from tests.conftest import FILES_DIR, TEST_MASTER_KEY, TestDatabase

ROOT = Path(__file__).resolve().parents[2]


class WorkerProcess:
    """``dala worker`` on the test database and the given task storage."""

    def __init__(
        self,
        database: TestDatabase,
        settings: dict[str, str],
        log: Path,
        imports: Sequence[str] = ("tests.events.task_probe",),
    ) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DALA_")}
        env.update(
            {
                "DALA_SECRET_KEY": "worker-process-secret-key-that-is-long-enough",
                "DALA_MASTER_KEY": TEST_MASTER_KEY,
                "DALA_DATABASE_URL": database.app_url,
                "DALA_DB_APP_ROLE": database.app_role,
                "DALA_FILES_DIR": FILES_DIR,
                "DALA_LIVE_URL": "memory://",
                "PYTHONUNBUFFERED": "1",
                "PYTHONPATH": str(ROOT),  # for --import tests.events.task_probe
                **{f"DALA_{k}": v for k, v in settings.items()},
            }
        )
        self.log = log
        dala = Path(sys.executable).with_name("dala")
        command = [str(dala), "worker", "--workers", "1"]
        for module in imports:
            command += ["--import", module]
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=out
            )

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=20)

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]
