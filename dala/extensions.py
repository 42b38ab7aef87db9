"""Flask extensions created once and bound in ``create_app``."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Any

from flask import current_app, request
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_wtf import CSRFProtect


def client_key() -> str:
    """Rate-limit key: the client's address."""
    return request.remote_addr or "unknown"


def login_key() -> str:
    """Rate-limit key for sign-in: the client address and the account it names.

    The account is keyed by an HMAC, so e-mail addresses never reach the limiter's
    storage or its log lines.
    """
    data = request.get_json(silent=True) if request.is_json else request.form
    data = data if isinstance(data, dict) else {}
    account = f"{str(data.get('tenant', ''))[:63]}/{str(data.get('email', ''))[:254]}".lower()
    # JSON may carry lone surrogates, which no storage can encode as a key.
    raw = account.encode("utf-8", "replace")
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return f"{client_key()}|{hmac.new(secret, raw, hashlib.sha256).hexdigest()[:32]}"


def sign_in_limits(
    account_limit: str, methods: list[str] | None = None
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Rate limits for a sign-in form: per client and account (guessing one password) and
    per client alone (trying one password on many accounts)."""
    per_account = limiter.limit(config_limit(account_limit), key_func=login_key, methods=methods)
    per_client = limiter.limit(
        config_limit("CLIENT_RATE_LIMIT"), key_func=client_key, methods=methods
    )

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        return per_account(per_client(view))

    return decorate


limiter = Limiter(key_func=client_key, default_limits=[])
login_manager = LoginManager()
csrf = CSRFProtect()


def config_limit(name: str) -> Callable[[], str]:
    """A rate limit read from the app's configuration at request time."""
    return lambda: str(current_app.config[name])
