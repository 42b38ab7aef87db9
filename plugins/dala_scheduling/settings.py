"""The scheduling module's settings for a branch, and what follows from them."""

from __future__ import annotations

import uuid
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from dala.modules.enablement import resolve_all
from dala.modules.host import hooks
from dala_scheduling.planning.problem import TravelModel

MODULE = "dala_scheduling"


def branch_settings(session: Session, branch_id: uuid.UUID) -> dict[str, Any]:
    """The branch's values (else the company's, else the defaults), one query."""
    manifests = hooks(current_app).manifests
    return dict(resolve_all(session, {MODULE: manifests[MODULE]}, branch_id)[MODULE].settings)


def module_on(branch_id: uuid.UUID) -> bool:
    """Whether scheduling is switched on in ``branch_id`` (for the current company)."""
    return MODULE in hooks(current_app).enabled_in(branch_id)


def travel_for(settings: dict[str, Any]) -> TravelModel:
    """The road network when the installation has a routing server (``OSRM_URL``), else
    straight-line distance at the branch's average speed."""
    from dala_scheduling.planning.travel import travel_model

    config = current_app.config
    return travel_model(
        {
            "osrm_url": config.get("OSRM_URL") or "",
            "osrm_profile": config.get("OSRM_PROFILE") or "driving",
            "speed_kmh": settings.get("travel_speed_kmh") or 30,
        }
    )
