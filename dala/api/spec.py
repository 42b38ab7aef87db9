"""The OpenAPI document: what every operation can answer and which headers it reads."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from apispec import BasePlugin

from dala.api.gate import BRANCH_HEADER

_WRITES = frozenset({"post", "put", "patch", "delete"})


def _error_statuses(path: str, method: str, operation: dict[str, Any]) -> set[int]:
    """The error statuses any operation of this shape can answer with."""
    statuses = {429}  # RATELIMIT_DEFAULT can limit every route
    if operation.get("security") != []:
        # no or bad token; company suspended; role lacks the permission; unknown X-Dala-Branch
        statuses |= {401, 402, 403, 422}
        if method in _WRITES:
            statuses.add(409)
    if "requestBody" in operation:
        statuses |= {400, 422}  # not JSON; invalid fields
    if any(p.get("in") == "query" for p in operation.get("parameters", [])):
        statuses.add(422)
    if "{" in path:
        statuses.add(404)
    return statuses


class ErrorResponses(BasePlugin):
    """Documents on every operation the errors it can give, each with the ``Error`` body."""

    def __init__(self) -> None:
        super().__init__()
        #: Path prefixes of modules' endpoints: 404 where the module is off.
        self.module_prefixes: set[str] = set()

    def operation_helper(
        self, path: str | None = None, operations: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        for method, operation in (operations or {}).items():
            responses = operation.setdefault("responses", {})
            documented = {str(code) for code in responses}
            statuses = _error_statuses(path or "", method, operation)
            if any((path or "").startswith(p) for p in self.module_prefixes):
                statuses.add(404)
            for status in sorted(statuses):
                if str(status) not in documented:
                    responses[status] = HTTPStatus(status).name  # flask-smorest's components
            for code, response in responses.items():
                # e.g. alt_response(412, description=...): say what the body is
                if isinstance(response, dict) and str(code)[0] in "45":
                    response.setdefault("content", {"application/json": {"schema": "Error"}})


class HeaderParameters(BasePlugin):
    """Documents ``X-Dala-Branch`` on authenticated calls and ``If-Match`` on guarded writes."""

    def operation_helper(
        self, path: str | None = None, operations: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        for method, operation in (operations or {}).items():
            parameters = operation.setdefault("parameters", [])
            if operation.get("security") != []:
                parameters.append(
                    {
                        "in": "header",
                        "name": BRANCH_HEADER,
                        "required": False,
                        "schema": {"type": "string", "format": "uuid"},
                        "description": "The branch whose permissions apply to this request",
                    }
                )
            if method in ("patch", "put", "delete") and "412" in {
                str(c) for c in operation.get("responses", {})
            }:
                parameters.append(
                    {
                        "in": "header",
                        "name": "If-Match",
                        "required": False,
                        "schema": {"type": "string"},
                        "description": "The ETag you read; a stale one is answered with 412",
                    }
                )


def spec_kwargs(errors: ErrorResponses) -> dict[str, object]:
    return {
        "extra_plugins": [errors, HeaderParameters()],
        "info": {
            "description": (
                "Multi-tenant field service management. Authenticate with "
                "`POST /api/v1/auth/token`, then send `Authorization: Bearer <token>`. "
                f"Select a branch with the `{BRANCH_HEADER}` header where it matters. "
                "Lists are paginated with `page` and `page_size`; updates honour `If-Match`; "
                "every error is JSON `{code, status, message, errors}`."
            )
        },
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "dala_...",
                    "description": (
                        "A token from POST /api/v1/auth/token or /api/v1/tokens. A refused "
                        'token answers 401 with errors.token: ["missing"], ["invalid"], '
                        '["expired"] (sign in again, keep local work) or ["revoked"] '
                        "(revoked or user deactivated: drop local data)."
                    ),
                }
            }
        },
        "security": [{"bearerAuth": []}],
    }
