"""The README's curl flow: sign up, get a token, list branches."""

from __future__ import annotations

from flask.testing import FlaskClient


def test_signup_then_token_then_branches(client: FlaskClient) -> None:
    signup = client.post(
        "/api/v1/signup",
        json={
            "company_name": "Aqua Plumbing",
            "email": "Founder@Aqua.example.com",
            "password": "long enough password",
            "branch_name": "Almaty",
            "timezone": "Asia/Almaty",
        },
    )
    assert signup.status_code == 201, signup.json
    body = signup.json
    slug = body["tenant"]["slug"]
    assert body["tenant"]["status"] == "trialing"
    assert body["user"]["email"] == "founder@aqua.example.com"
    assert body["branch"]["currency"] == "KZT"

    token = client.post(
        "/api/v1/auth/token",
        json={
            "tenant": slug,
            "email": "founder@aqua.example.com",
            "password": "long enough password",
        },
    )
    assert token.status_code == 200, token.json
    assert token.json["token_type"] == "Bearer"

    branches = client.get(
        "/api/v1/branches", headers={"Authorization": f"Bearer {token.json['access_token']}"}
    )
    assert branches.status_code == 200
    assert branches.json["total"] == 1
    assert [b["name"] for b in branches.json["items"]] == ["Almaty"]
