"""Driving portal pages with the Flask test client: CSRF tokens, signing in, sending forms."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.support.world import PASSWORD, TenantWorld

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf(client: FlaskClient, url: str = "/login", **kwargs: object) -> str:
    """The CSRF token of the form on ``url`` (fetched with GET)."""
    page = client.get(url, **kwargs)  # type: ignore[arg-type]
    match = CSRF_RE.search(page.text)
    assert match, page.text
    return match.group(1)


def sign_in(
    client: FlaskClient, tw: TenantWorld, role: str, password: str = PASSWORD, url: str = "/login"
) -> TestResponse:
    token = csrf(client, url)
    return client.post(
        url,
        data={
            "csrf_token": token,
            "tenant": tw.slug,
            "email": tw[role].email,
            "password": password,
        },
    )


def send_form(
    client: FlaskClient, url: str, data: dict[str, Any], *, form_url: str | None = None
) -> TestResponse:
    """POST ``data`` to ``url`` with the CSRF token of the page at ``form_url`` (or ``url``)."""
    token = csrf(client, form_url or url)
    return client.post(url, data={"csrf_token": token, **data})
