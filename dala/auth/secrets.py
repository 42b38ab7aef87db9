"""Password hashing (argon2) and the random secrets behind tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

TOKEN_PREFIX = "dala_"  # noqa: S105 - a public prefix


def _hasher() -> PasswordHasher:
    hasher = current_app.extensions.get("dala.hasher")
    if hasher is None:
        hasher = PasswordHasher(
            time_cost=current_app.config["ARGON2_TIME_COST"],
            memory_cost=current_app.config["ARGON2_MEMORY_COST"],
        )
        current_app.extensions["dala.hasher"] = hasher
    return hasher


def hash_password(password: str) -> str:
    return _hasher().hash(password)


# Verified against when the user does not exist, so both paths cost the same.
_DUMMY_HASH_KEY = "dala.dummy_hash"


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; spends the same time when there is no hash."""
    hasher = _hasher()
    if password_hash is None:
        dummy = current_app.extensions.get(_DUMMY_HASH_KEY)
        if dummy is None:
            dummy = current_app.extensions[_DUMMY_HASH_KEY] = hasher.hash(secrets.token_hex(16))
        password_hash = dummy
        password = "\x00" + password  # can never match the dummy
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def digest(secret: str) -> str:
    """SHA-256 of a high-entropy secret (tokens are random, so no slow hash is needed)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def digest_matches(stored: str, secret: str) -> bool:
    return hmac.compare_digest(stored, digest(secret))


def make_token(tenant_id: uuid.UUID, token_id: uuid.UUID) -> tuple[str, str]:
    """A bearer/e-mail token naming its tenant and row, and the secret part to hash."""
    locator = base64.urlsafe_b64encode(tenant_id.bytes + token_id.bytes).rstrip(b"=").decode()
    secret = secrets.token_urlsafe(32)
    return f"{TOKEN_PREFIX}{locator}.{secret}", secret


def parse_token(token: str) -> tuple[uuid.UUID, uuid.UUID, str] | None:
    """(tenant id, token id, secret) of a well-formed token, else None."""
    if not token.startswith(TOKEN_PREFIX) or "." not in token:
        return None
    locator, secret = token[len(TOKEN_PREFIX) :].split(".", 1)
    try:
        raw = base64.urlsafe_b64decode(locator + "=" * (-len(locator) % 4))
    except ValueError:
        return None
    if len(raw) != 32 or len(secret) < 32:
        return None
    return uuid.UUID(bytes=raw[:16]), uuid.UUID(bytes=raw[16:]), secret
