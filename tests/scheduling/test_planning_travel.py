"""Travel models: haversine by hand, the DIMACS planar rule, OSRM over its HTTP protocol."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from flask import Flask

from dala_scheduling.planning.travel import (
    UNREACHABLE,
    FallbackTravel,
    HaversineTravel,
    OsrmTravel,
    PlanarTravel,
    TravelModelError,
    travel_model,
)


def test_haversine_matches_a_hand_computed_leg() -> None:
    # 0.1 degree of longitude at 52 N: 2 * 6371000 * asin(cos 52 * sin 0.05) = 6845.84 m,
    # x1.3 = 8899.6 m, at 8.33 m/s = 1068.38 s, truncated.
    model = HaversineTravel(8.33, detour_factor=1.3, earth_radius_m=6371000)
    points = [(52.0, 4.0), (52.0, 4.1)]
    assert model.durations(points) == [[0, 1068], [1068, 0]]
    assert model.distances(points) == [[0, 8899], [8899, 0]]


def test_planar_truncates_to_tenths() -> None:
    # 3-4-5 triangle, and sqrt(2) = 1.414... -> 14 tenths (not 14.14 rounded up).
    model = PlanarTravel(10)
    assert model.durations([(0, 0), (3, 4), (4, 5)]) == [[0, 50, 64], [50, 0, 14], [64, 14, 0]]


def test_settings_pick_the_model() -> None:
    assert isinstance(travel_model({}), HaversineTravel)
    slow = travel_model({"speed_kmh": 18})
    assert isinstance(slow, HaversineTravel)
    assert slow.speed_m_per_s == pytest.approx(5.0)
    osrm = travel_model({"osrm_url": "http://127.0.0.1:5000", "osrm_profile": "bike"})
    assert isinstance(osrm, FallbackTravel)
    assert isinstance(osrm.primary, OsrmTravel)
    assert osrm.primary.profile == "bike"


class _OsrmHandler(BaseHTTPRequestHandler):
    """Just enough of OSRM's table service: |dlon|+|dlat| in 1/1000 degrees as seconds."""

    requests: list[str] = []

    def do_GET(self) -> None:
        type(self).requests.append(self.path)
        path, _, query = self.path.partition("?")
        parts = path.split("/")
        if parts[1:4] != ["table", "v1", "driving"] or "annotations=duration,distance" not in query:
            self._send(400, {"code": "InvalidUrl", "message": "bad"})
            return
        points = [tuple(map(float, pair.split(","))) for pair in parts[4].split(";")]
        durations: list[list[float | None]] = []
        distances: list[list[float | None]] = []
        for lon_a, lat_a in points:
            row = [(abs(lon_a - lon_b) + abs(lat_a - lat_b)) * 1000.4 for lon_b, lat_b in points]
            durations.append(list(row))
            distances.append([value * 10 for value in row])
        if len(points) > 2 and points[2][0] > 100:
            # Off the road network: OSRM answers null.
            durations[0][2] = None
            distances[0][2] = None
        self._send(200, {"code": "Ok", "durations": durations, "distances": distances})

    def _send(self, status: int, body: dict[str, object]) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def osrm_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _OsrmHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _OsrmHandler.requests = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_osrm_client_reads_the_table_service(osrm_server: str) -> None:
    model = OsrmTravel(osrm_server, timeout=5)
    points = [(52.0, 4.0), (52.001, 4.002)]
    assert model.durations(points) == [[0, 3], [3, 0]]
    assert model.distances(points) == [[0, 30], [30, 0]]
    # Longitude first on the wire, and one request for both matrices.
    assert len(_OsrmHandler.requests) == 1
    assert "/table/v1/driving/4.000000,52.000000;4.002000,52.001000?" in _OsrmHandler.requests[0]


def test_osrm_unreachable_pairs_are_never_cheap(osrm_server: str) -> None:
    model = OsrmTravel(osrm_server, timeout=5)
    matrix = model.durations([(52.0, 4.0), (52.0, 4.1), (0.0, 120.0)])
    assert matrix[0][2] == UNREACHABLE


def test_osrm_errors_are_reported(osrm_server: str) -> None:
    with pytest.raises(TravelModelError, match="InvalidUrl"):
        OsrmTravel(osrm_server, profile="boat", timeout=5).durations([(52.0, 4.0), (52.0, 4.1)])
    with pytest.raises(TravelModelError):
        OsrmTravel("http://127.0.0.1:9", timeout=1).durations([(52.0, 4.0), (52.0, 4.1)])


def test_the_road_network_falls_back_to_straight_lines_when_down(
    osrm_server: str, caplog: pytest.LogCaptureFixture
) -> None:
    points = [(52.0, 4.0), (52.001, 4.002)]
    up = travel_model({"osrm_url": osrm_server})
    assert up.durations(points) == [[0, 3], [3, 0]]  # the server's answer
    down = travel_model({"osrm_url": "http://127.0.0.1:9", "osrm_timeout": 1, "speed_kmh": 30})
    assert down.durations(points) == HaversineTravel(30 / 3.6).durations(points)
    assert "failed" in caplog.text
    assert "52.0" not in caplog.text  # no customer's whereabouts in the log


def test_the_installation_s_routing_server_is_used_for_a_branch(
    app: Flask, osrm_server: str
) -> None:
    from dala_scheduling.settings import travel_for

    with app.app_context():
        assert isinstance(travel_for({"travel_speed_kmh": 40}), HaversineTravel)
        app.config["OSRM_URL"] = osrm_server
        try:
            model = travel_for({"travel_speed_kmh": 40})
            assert model.durations([(52.0, 4.0), (52.001, 4.002)]) == [[0, 3], [3, 0]]
        finally:
            app.config["OSRM_URL"] = ""
