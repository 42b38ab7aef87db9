"""Travel models: how long (and how far) it is between two stops.

Every model returns whole units (seconds, or tenths of a planar unit), truncated
rather than rounded, so that a plan checked by someone else's code with the
same model gives the same numbers.
"""

from __future__ import annotations

import json
import logging
import math
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .problem import LatLon, TravelModel

log = logging.getLogger(__name__)

# An OSRM pair with no route (a ferry-less island) must never be chosen.
UNREACHABLE = 10**9


class TravelModelError(RuntimeError):
    """The travel model could not answer (routing server down, bad reply)."""


def _haversine_metres(locations: Sequence[LatLon], earth_radius_m: float) -> np.ndarray:
    points = np.radians(np.asarray(locations, dtype=float).reshape(-1, 2))
    lat, lon = points[:, 0], points[:, 1]
    dlat = lat[:, None] - lat[None, :]
    dlon = lon[:, None] - lon[None, :]
    a = np.sin(dlat / 2) ** 2 + np.cos(lat)[:, None] * np.cos(lat)[None, :] * np.sin(dlon / 2) ** 2
    return 2 * earth_radius_m * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


class HaversineTravel:
    """Great-circle distance times a detour factor, at one speed.

    With ``speed_m_per_s=8.33, detour_factor=1.3`` it is exactly the model of
    the benchmark day (``/work/shared/bench/fsm_day``): metres and seconds
    truncated to whole numbers.
    """

    def __init__(
        self,
        speed_m_per_s: float,
        detour_factor: float = 1.3,
        earth_radius_m: float = 6371000,
    ) -> None:
        if speed_m_per_s <= 0:
            raise ValueError("speed must be positive")
        self.speed_m_per_s = speed_m_per_s
        self.detour_factor = detour_factor
        self.earth_radius_m = earth_radius_m
        self.name = f"haversine({speed_m_per_s * 3.6:g} km/h, x{detour_factor:g})"

    def _road_metres(self, locations: Sequence[LatLon]) -> np.ndarray:
        return _haversine_metres(locations, self.earth_radius_m) * self.detour_factor

    def durations(self, locations: Sequence[LatLon]) -> list[list[int]]:
        seconds = np.floor(self._road_metres(locations) / self.speed_m_per_s)
        return seconds.astype(np.int64).tolist()

    def distances(self, locations: Sequence[LatLon]) -> list[list[int]]:
        return np.floor(self._road_metres(locations)).astype(np.int64).tolist()


class PlanarTravel:
    """Euclidean distance on the plane, as travel time too (the Solomon convention).

    Distances are truncated after multiplying by ``scale``: ``scale=10`` gives
    the DIMACS convention (one decimal, truncated) as integer tenths.
    """

    def __init__(self, scale: int = 10) -> None:
        self.scale = scale
        self.name = f"planar(x{scale})"

    def _matrix(self, locations: Sequence[LatLon]) -> list[list[int]]:
        points = np.asarray(locations, dtype=float).reshape(-1, 2)
        delta = points[:, None, :] - points[None, :, :]
        euclid = np.sqrt((delta**2).sum(axis=2))
        return np.floor(euclid * self.scale).astype(np.int64).tolist()

    def durations(self, locations: Sequence[LatLon]) -> list[list[int]]:
        return self._matrix(locations)

    def distances(self, locations: Sequence[LatLon]) -> list[list[int]]:
        return self._matrix(locations)


class OsrmTravel:
    """Road travel from an OSRM server's table service (``/table/v1/{profile}/...``).

    One request answers both matrices; the last answer is kept, since the
    planner asks for durations and distances of the same locations in turn.
    """

    def __init__(self, base_url: str, profile: str = "driving", timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.profile = profile
        self.timeout = timeout
        self.name = f"osrm({self.profile})"
        self._cached: tuple[tuple[LatLon, ...], list[list[int]], list[list[int]]] | None = None

    def _table(self, locations: Sequence[LatLon]) -> tuple[list[list[int]], list[list[int]]]:
        key = tuple((float(lat), float(lon)) for lat, lon in locations)
        if self._cached is not None and self._cached[0] == key:
            return self._cached[1], self._cached[2]
        if not key:
            return [], []
        # OSRM takes longitude first.
        coordinates = ";".join(f"{lon:.6f},{lat:.6f}" for lat, lon in key)
        url = (
            f"{self.base_url}/table/v1/{urllib.parse.quote(self.profile)}/{coordinates}"
            "?annotations=duration,distance"
        )
        if not url.startswith(("http://", "https://")):
            raise TravelModelError(f"OSRM URL must be http(s): {self.base_url!r}")
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as response:  # noqa: S310
                body: dict[str, Any] = json.load(response)
        except urllib.error.HTTPError as error:
            # OSRM explains a refusal in a JSON body ({"code": "InvalidUrl", ...}).
            try:
                body = json.load(error)
            except ValueError:
                body = {"code": f"HTTP {error.code}"}
        except (OSError, ValueError) as error:
            raise TravelModelError(f"OSRM table request failed: {error}") from error
        if body.get("code") != "Ok":
            raise TravelModelError(f"OSRM answered {body.get('code')}: {body.get('message', '')}")
        size = len(key)
        durations = _whole_matrix(body.get("durations"), size)
        distances = _whole_matrix(body.get("distances"), size)
        self._cached = (key, durations, distances)
        return durations, distances

    def durations(self, locations: Sequence[LatLon]) -> list[list[int]]:
        return self._table(locations)[0]

    def distances(self, locations: Sequence[LatLon]) -> list[list[int]]:
        return self._table(locations)[1]


def _whole_matrix(rows: Any, size: int) -> list[list[int]]:
    if not isinstance(rows, list) or len(rows) != size:
        raise TravelModelError("OSRM table has the wrong shape")
    matrix: list[list[int]] = []
    for row in rows:
        if not isinstance(row, list) or len(row) != size:
            raise TravelModelError("OSRM table has the wrong shape")
        matrix.append([UNREACHABLE if value is None else math.floor(value) for value in row])
    return matrix


DEFAULT_SPEED_KMH = 30.0


class FallbackTravel:
    """A routing server, with straight-line travel when it cannot answer.

    A dispatcher's board or a re-plan must not fail because the routing server
    is down; the answer is less exact for as long as it is, and the log says so
    (without the coordinates, which are customers' addresses).
    """

    def __init__(self, primary: TravelModel, fallback: TravelModel) -> None:
        self.primary = primary
        self.fallback = fallback
        self.name = primary.name

    def _ask(self, method: str, locations: Sequence[LatLon]) -> list[list[int]]:
        try:
            answer: list[list[int]] = getattr(self.primary, method)(locations)
        except TravelModelError as exc:
            log.warning(
                "travel model %s failed (%s); using %s",
                self.primary.name,
                type(exc).__name__,
                self.fallback.name,
            )
            answer = getattr(self.fallback, method)(locations)
        return answer

    def durations(self, locations: Sequence[LatLon]) -> list[list[int]]:
        return self._ask("durations", locations)

    def distances(self, locations: Sequence[LatLon]) -> list[list[int]]:
        return self._ask("distances", locations)


def travel_model(settings: Mapping[str, Any]) -> TravelModel:
    """The travel model a branch's settings ask for.

    ``osrm_url`` (with optional ``osrm_profile``, ``osrm_timeout``) selects OSRM;
    otherwise haversine at ``speed_kmh`` (default 30) with ``detour_factor``
    (default 1.3).
    """
    speed_kmh = float(settings.get("speed_kmh") or DEFAULT_SPEED_KMH)
    straight = HaversineTravel(
        speed_kmh / 3.6, detour_factor=float(settings.get("detour_factor") or 1.3)
    )
    url = settings.get("osrm_url")
    if not url:
        return straight
    road = OsrmTravel(
        str(url),
        profile=str(settings.get("osrm_profile") or "driving"),
        timeout=float(settings.get("osrm_timeout") or 10.0),
    )
    return FallbackTravel(road, straight)
