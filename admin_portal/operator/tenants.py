"""Companies: the list with their usage, one company's page, suspending and reactivating."""

from __future__ import annotations

import uuid

from flask import flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from admin_portal.operator.blueprint import bp
from admin_portal.operator.forms import StatusChangeForm, TenantFilterForm
from dala.db import get_session
from dala.errors import DalaError, PreconditionFailed
from dala.operators import console
from dala.operators.status import reactivate_tenant, suspend_tenant
from dala.tenancy import context
from dala.tenancy.models import USABLE_STATUSES, TenantStatus
from dala.web.forms import show_errors
from dala.web.pages import paged
from dala.web.services import STATUS_LABELS

#: How the console names a plan key (billing adds more plans).
PLAN_LABELS: dict[str, object] = {"usage": _l("Pay as you go")}

#: Companies per page. Each listed company's usage is read in its own tenant scope
#: (one query each), so this also bounds the queries of a page.
PAGE_SIZE = 25

#: The badge colour of each status.
STATUS_BADGES = {
    TenantStatus.TRIALING: "text-bg-primary",
    TenantStatus.ACTIVE: "text-bg-success",
    TenantStatus.PAST_DUE: "text-bg-warning",
    TenantStatus.SUSPENDED: "text-bg-danger",
    TenantStatus.CANCELLED: "text-bg-secondary",
}


@bp.context_processor
def _labels() -> dict[str, object]:
    return {
        "status_labels": STATUS_LABELS,
        "status_badges": STATUS_BADGES,
        "plan_label": lambda key: PLAN_LABELS.get(key, key),
    }


@bp.route("/")
def tenants() -> ResponseReturnValue:
    form = TenantFilterForm(formdata=request.args)
    if not form.validate():
        nothing = {"items": [], "page": 1, "page_size": PAGE_SIZE, "total": 0}
        page = render_template(
            "operator/tenants.html",
            form=form,
            listing=nothing,
            usage={},
            days_left=console.trial_days_left,
        )
        return page, 422
    db = get_session()
    query = console.tenants_query(form.q.data or None, form.chosen_status())
    listing = paged(query, page_size=PAGE_SIZE)
    # One query per listed company, each in its own tenant scope (RLS): bounded by PAGE_SIZE.
    usage = console.usage_of(db, list(listing["items"]))
    return render_template(
        "operator/tenants.html",
        form=form,
        listing=listing,
        usage=usage,
        days_left=console.trial_days_left,
    )


@bp.route("/tenants/<uuid:tenant_id>")
def tenant(tenant_id: uuid.UUID) -> ResponseReturnValue:
    detail = console.tenant_detail(get_session(), tenant_id)
    return render_template(
        "operator/tenant.html",
        detail=detail,
        days_left=console.trial_days_left(detail.tenant),
        may_suspend=detail.tenant.status in USABLE_STATUSES,
        may_reactivate=detail.tenant.status == TenantStatus.SUSPENDED,
    )


@bp.route("/tenants/<uuid:tenant_id>/suspend", methods=["GET", "POST"])
def tenant_suspend(tenant_id: uuid.UUID) -> ResponseReturnValue:
    return _change_status(tenant_id, suspend=True)


@bp.route("/tenants/<uuid:tenant_id>/reactivate", methods=["GET", "POST"])
def tenant_reactivate(tenant_id: uuid.UUID) -> ResponseReturnValue:
    return _change_status(tenant_id, suspend=False)


def _change_status(tenant_id: uuid.UUID, *, suspend: bool) -> ResponseReturnValue:
    """The confirmation step (GET) and the change with its reason (POST)."""
    db = get_session()
    company = console.get_tenant(db, tenant_id)
    form = StatusChangeForm()
    error, status = None, 200
    if request.method == "GET":
        form.version.data = str(company.version)
    elif form.validate_on_submit():
        try:
            if form.version.data != str(company.version):
                raise PreconditionFailed(
                    _("Someone changed this company meanwhile; check it and try again.")
                )
            # The action and the audit entry are the company's rows: written, and
            # committed, in its tenant scope.
            with context.tenant_scope(company.id):
                change = suspend_tenant if suspend else reactivate_tenant
                change(db, g.operator, company, form.reason.data)
                db.commit()
        except DalaError as exc:
            db.rollback()
            company = console.get_tenant(db, tenant_id)
            error, status = show_errors(form, exc), exc.status
            form.version.data = str(company.version)
        else:
            message = (
                _("%(name)s is suspended.", name=company.name)
                if suspend
                else _("%(name)s is reactivated.", name=company.name)
            )
            flash(message, "success")
            return redirect(url_for("operator.tenant", tenant_id=company.id))
    else:
        status = 422
    return (
        render_template(
            "operator/status_change.html",
            form=form,
            tenant=company,
            suspend=suspend,
            error=error,
            allowed=(company.status in USABLE_STATUSES)
            if suspend
            else company.status == TenantStatus.SUSPENDED,
        ),
        status,
    )
