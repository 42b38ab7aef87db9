"""The REST API: flask-smorest, OpenAPI 3 at /api/openapi.json, docs at /api/docs."""

from __future__ import annotations

from flask import Flask

from dala.api.errors import DalaApi
from dala.api.fields import Email
from dala.extensions import csrf


def api_of(app: Flask) -> DalaApi:
    """The app's API (one per app: each keeps its own OpenAPI document)."""
    api: DalaApi = app.extensions["dala.api"]
    return api


def init_api(app: Flask) -> None:
    from dala.api import (
        audit,
        auth,
        branches,
        customers,
        job_types,
        jobs,
        live,
        meta,
        modules,
        roles,
        signup,
        sites,
        skills,
        sync_pull,
        sync_push,
        technicians,
        tenant,
        tokens,
        users,
    )
    from dala.api.gate import authenticate_api_request
    from dala.api.spec import ErrorResponses, spec_kwargs

    app.config.update(
        API_TITLE="Dala API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        # Swagger UI from the npm package swagger-ui-dist (see dala.web.assets).
        OPENAPI_SWAGGER_UI_URL="/static/vendor/swagger-ui-dist/",
    )
    api = DalaApi()
    errors = ErrorResponses()
    app.extensions["dala.api.errors"] = errors
    api.init_app(app, spec_kwargs=spec_kwargs(errors))
    api.register_field(Email, "string", "email")
    app.extensions["dala.api"] = api
    first = (signup, auth, meta, tenant, branches, users, roles, tokens, customers, sites)
    sync = (sync_push, sync_pull)
    for module in (*first, skills, technicians, job_types, jobs, modules, audit, *sync, live):
        # The API takes bearer tokens only, never cookies, so CSRF cannot apply.
        csrf.exempt(module.blp)
        api.register_blueprint(module.blp, url_prefix="/api/v1" + (module.blp.url_prefix or ""))
    app.before_request(authenticate_api_request)
