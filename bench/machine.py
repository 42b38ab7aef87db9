"""What machine a benchmark ran on, for its output header."""

from __future__ import annotations

import os
from pathlib import Path


def describe() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"machine: {os.cpu_count()} cores (nproc {len(os.sched_getaffinity(0))}), {model}"
