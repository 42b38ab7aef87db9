"""A small reader for VRPLIB VRPTW instances (the Solomon / Gehring & Homberger files)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Instance:
    name: str
    vehicles: int
    capacity: int
    # Node 0 is the depot; customers are 1..N as in the .sol files.
    coords: list[tuple[float, float]]
    demand: list[int]
    windows: list[tuple[int, int]]
    service: list[int]


def read(path: str | Path) -> Instance:
    header: dict[str, str] = {}
    sections: dict[str, list[list[str]]] = {}
    current: str | None = None
    for raw in Path(path).read_text().splitlines():
        line = raw.strip()
        if not line or line == "EOF":
            continue
        if line.endswith("_SECTION"):
            current = line
            sections[current] = []
        elif ":" in line and current is None:
            key, value = line.split(":", 1)
            header[key.strip()] = value.strip()
        elif current is not None:
            sections[current].append(line.split())
    coords = [(float(row[1]), float(row[2])) for row in sections["NODE_COORD_SECTION"]]
    demand = [int(row[1]) for row in sections["DEMAND_SECTION"]]
    windows = [(int(row[1]), int(row[2])) for row in sections["TIME_WINDOW_SECTION"]]
    if "SERVICE_TIME_SECTION" in sections:
        service = [int(row[1]) for row in sections["SERVICE_TIME_SECTION"]]
    else:
        service = [0] + [int(header.get("SERVICE_TIME", "0"))] * (len(coords) - 1)
    return Instance(
        name=header.get("NAME", Path(path).stem),
        vehicles=int(header.get("VEHICLES", str(len(coords) - 1))),
        capacity=int(header["CAPACITY"]),
        coords=coords,
        demand=demand,
        windows=windows,
        service=service,
    )


def read_solution_cost(path: str | Path) -> float | None:
    for line in Path(path).read_text().splitlines():
        if line.startswith("Cost"):
            return float(line.split()[1])
    return None
