"""Flask extensions created once and bound in ``create_app``."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, request
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_wtf import CSRFProtect


def _login_key() -> str:
    """Rate-limit key for sign-in: the client address and the account it names."""
    data = request.get_json(silent=True) if request.is_json else request.form
    data = data if isinstance(data, dict) else {}
    account = f"{str(data.get('tenant', ''))[:63]}/{str(data.get('email', ''))[:254]}".lower()
    # JSON may carry lone surrogates, which no storage can encode as a key.
    account = account.encode("utf-8", "replace").decode("utf-8")
    return f"{request.remote_addr}|{account}"


limiter = Limiter(key_func=lambda: request.remote_addr or "unknown", default_limits=[])
login_key = _login_key
login_manager = LoginManager()
csrf = CSRFProtect()


def config_limit(name: str) -> Callable[[], str]:
    """A rate limit read from the app's configuration at request time."""
    return lambda: str(current_app.config[name])
