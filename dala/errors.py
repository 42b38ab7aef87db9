"""One exception hierarchy for the domain; mapped once to HTTP in ``dala.api.errors``."""

from __future__ import annotations

from typing import Any


class DalaError(Exception):
    """Base of every error Dala raises on purpose."""

    status = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        errors: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or {}
        self.headers = headers or {}


class ConfigurationError(DalaError):
    """The application cannot start with the given settings."""

    status = 500
    code = "configuration"


class ValidationFailed(DalaError):
    """Input is well-formed but violates a rule; ``errors`` names the fields."""

    status = 422
    code = "validation"


class NotFound(DalaError):
    """The object does not exist for this tenant (also: belongs to another tenant)."""

    status = 404
    code = "not_found"


class Conflict(DalaError):
    """The request conflicts with the current state (duplicate, illegal transition)."""

    status = 409
    code = "conflict"


class TooLarge(DalaError):
    """The request carries more than a limit allows (too many items, too many bytes)."""

    status = 413
    code = "too_large"


class PreconditionFailed(DalaError):
    """An ``If-Match`` ETag no longer matches the object."""

    status = 412
    code = "precondition_failed"


class Unauthenticated(DalaError):
    """No valid credentials."""

    status = 401
    code = "unauthenticated"


class TokenRefused(Unauthenticated):
    """A bearer token that cannot be used, and why, in ``errors.token`` for clients to act on:
    ``missing``, ``invalid`` (unreadable, unknown or a wrong secret), ``expired`` or
    ``revoked`` (revoked, or its user deactivated). A phone keeps unsent work when its token
    merely expired and wipes it when revoked, so the two must not look alike."""

    MISSING = "missing"
    INVALID = "invalid"
    EXPIRED = "expired"
    REVOKED = "revoked"

    def __init__(self, message: str, reason: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message, errors={"token": [reason]}, headers=headers)
        self.reason = reason


class Forbidden(DalaError):
    """Authenticated, but the role may not take this action."""

    status = 403
    code = "forbidden"


class TenantInactive(DalaError):
    """The tenant is suspended or cancelled (this class: suspended)."""

    status = 402
    code = "tenant_inactive"


class TenantCancelled(TenantInactive):
    """The tenant has cancelled: its account is closed, not waiting for a payment."""

    status = 403
    code = "tenant_cancelled"


class NoTenantContext(DalaError):
    """A tenant-scoped query ran with no current tenant: a programming error, never data."""

    status = 500
    code = "no_tenant_context"


class CrossTenantWrite(DalaError):
    """An object of one tenant was about to be written under another tenant's context."""

    status = 500
    code = "cross_tenant_write"
