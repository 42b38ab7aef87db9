"""Every error is JSON ``{code, status, message, errors}``; mapped here, once."""

from __future__ import annotations

import logging
from typing import Any

import marshmallow as ma
from flask import Flask, Response, jsonify
from flask_babel import gettext as _
from flask_smorest import Api
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from dala.api.messages import translate_errors
from dala.db import get_session
from dala.errors import DalaError

log = logging.getLogger(__name__)


def error_response(
    status: int,
    message: str,
    errors: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    response = jsonify(
        {
            "code": status,
            "status": HTTP_STATUS_CODES.get(status, "Error"),
            "message": message,
            "errors": errors or {},
        }
    )
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _rollback() -> None:
    get_session().rollback()


def _field_list(errors: dict[str, Any]) -> str:
    names: list[str] = []
    for location in errors.values():
        if isinstance(location, dict):
            names.extend(str(k) for k in location)
    return ", ".join(names)


class ErrorSchema(ma.Schema):
    """The body of every error response."""

    code = ma.fields.Integer(required=True, metadata={"description": "The HTTP status code"})
    status = ma.fields.String(required=True, metadata={"description": "The HTTP status name"})
    message = ma.fields.String(required=True, metadata={"description": "What went wrong"})
    errors = ma.fields.Dict(
        required=True,
        metadata={"description": 'Messages by location and field, e.g. {"json": {"name": [...]}}'},
    )


class DalaApi(Api):
    """flask-smorest's Api with Dala's error body, which keeps headers such as ``Allow``."""

    ERROR_SCHEMA = ErrorSchema
    # Each operation lists its own error statuses (ErrorResponses), not a catch-all "default".
    DEFAULT_ERROR_RESPONSE_NAME = None

    def handle_http_exception(self, error: HTTPException) -> Response:
        _rollback()
        data = getattr(error, "data", None) or {}
        errors = translate_errors(data.get("errors") or data.get("messages") or {})
        code = error.code or 500
        if errors and code in (400, 422):
            fields = _field_list(errors)
            message = (
                _("Invalid input: %(fields)s", fields=fields) if fields else _("Invalid input.")
            )
        else:
            message = data.get("message") or error.description or error.name
        headers = {
            k: v
            for k, v in error.get_headers()
            if k.lower() not in ("content-type", "content-length")
        }
        headers.update(data.get("headers") or {})
        return error_response(code, message, errors, headers)


def _handle_dala_error(error: DalaError) -> Response:
    _rollback()
    if error.status >= 500:
        log.error("%s: %s", type(error).__name__, error.message)
        return error_response(500, _("Internal error."))
    return error_response(error.status, error.message, error.errors, error.headers)


def _handle_integrity(error: IntegrityError) -> Response:
    _rollback()
    log.info("integrity error: %s", type(error.orig).__name__)
    return error_response(409, _("The change conflicts with existing data."))


def _handle_stale(_error: StaleDataError) -> Response:
    _rollback()
    return error_response(412, _("The object was changed by someone else; reload it."))


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(DalaError, _handle_dala_error)
    app.register_error_handler(IntegrityError, _handle_integrity)
    app.register_error_handler(StaleDataError, _handle_stale)
