"""The WSGI entry point of the API benchmark: Dala's app plus one bare Flask route.

``gunicorn bench.wsgi:app`` builds the real application from the ``DALA_*``
environment (exactly as production does) and adds ``GET /bench/bare``: a
JSON list of 50 small dicts shaped like users, with no database, no
authentication and no schema. It runs in the same process, behind the same
``before_request`` hooks, so the gap between it and ``/api/v1/users`` is what
Dala's own work per request costs.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from flask import Flask, Response, jsonify

from dala import create_app

BARE_PATH = "/bench/bare"
BARE_ROWS = 50

_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
_ROWS: list[dict[str, object]] = [
    {
        "id": str(uuid.UUID(int=i + 1)),
        "email": f"person{i:02d}@bench.example.com",
        "name": f"Bench Person {i:02d}",
        "status": "active",
        "locale": "en",
        "last_login_at": None,
        "version": 1,
        "created_at": (_EPOCH + timedelta(minutes=i)).isoformat(),
    }
    for i in range(BARE_ROWS)
]


def build_app() -> Flask:
    application = create_app()

    @application.get(BARE_PATH)
    def bench_bare() -> Response:
        # A fresh list of fresh dicts per request, serialised by Flask's JSON provider.
        return jsonify([dict(row) for row in _ROWS])

    return application


app = build_app()
