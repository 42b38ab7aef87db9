"""Sites: the addresses where a customer's work is done, each served by one branch."""

from __future__ import annotations

import uuid
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from dala.errors import Conflict, NotFound
from dala.tenancy.services import get_branch
from dala.work.customers import get_customer
from dala.work.job_models import Job
from dala.work.models import Site

_FIELDS = ("label", "address", "access_notes", "latitude", "longitude")


def sites_query() -> Select[Any]:
    return select(Site).order_by(Site.created_at.desc(), Site.id)


def get_site(session: Session, site_id: uuid.UUID) -> Site:
    site = session.scalars(select(Site).where(Site.id == site_id)).one_or_none()
    if site is None:
        raise NotFound(_("Site not found."))
    return site


def create_site(session: Session, data: dict[str, Any]) -> Site:
    """A new service address; the customer and branch must be the company's own."""
    get_customer(session, data["customer_id"])
    get_branch(session, data["branch_id"])
    site = Site(
        id=uuid.uuid4(),
        customer_id=data["customer_id"],
        branch_id=data["branch_id"],
        **{f: data.get(f, "" if f == "label" else None) for f in _FIELDS},
    )
    session.add(site)
    session.flush()
    return site


def update_site(session: Session, site: Site, data: dict[str, Any]) -> Site:
    if "branch_id" in data:
        get_branch(session, data["branch_id"])
        site.branch_id = data["branch_id"]
    for field in _FIELDS:
        if field in data:
            setattr(site, field, data[field])
    session.flush()
    return site


def delete_site(session: Session, site: Site) -> None:
    """Delete a site no job points to (jobs keep their history)."""
    if session.scalar(select(Job.id).where(Job.site_id == site.id).limit(1)) is not None:
        raise Conflict(_("The site has jobs; it stays while they do."))
    session.delete(site)
    session.flush()
