"""The plug-in host: manifests, per-branch enablement, dependencies, settings, gating."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from dala import create_app
from dala.modules.host import hooks
from tests.conftest import TestDatabase, app_config
from tests.support import work
from tests.support.mailbox import Mailbox
from tests.support.plugins import Gadgets, Incompatible, Widgets
from tests.support.world import World, build_world, call

API = "/api/v1"


@pytest.fixture(scope="module")
def gadgets() -> Gadgets:
    return Gadgets()


@pytest.fixture(scope="module")
def plugged(
    app: Flask, database: TestDatabase, mailbox: Mailbox, gadgets: Gadgets
) -> Iterator[Flask]:
    """An app (same database) with the test plug-ins registered."""
    other = create_app(app_config(database, mailbox, PLUGINS=[gadgets, Widgets(), Incompatible()]))
    yield other
    other.extensions["dala.db"].engine.dispose()


@pytest.fixture
def pw(plugged: Flask) -> World:
    return build_world(plugged)


def _patch(client: FlaskClient, w: World, name: str, role: str = "owner", **body: Any) -> Any:
    return call(client, "PATCH", f"{API}/modules/{name}", w.a[role], json=body)


def test_the_catalogue_shows_manifests_and_states(plugged: Flask, pw: World) -> None:
    client = plugged.test_client()
    r = call(client, "GET", f"{API}/modules?page_size=100", pw.a["owner"])
    assert r.status_code == 200, r.json
    by_name = {m["name"]: m for m in r.json["items"]}
    gadgets = by_name["test_gadgets"]
    assert gadgets["level"] == "both" and gadgets["layer"] == "optional"
    assert gadgets["enabled"] is False and gadgets["source"] == "default"
    assert gadgets["settings"] == {"greeting": "hello", "count": 3, "mode": "fast"}
    assert gadgets["permissions"] == [{"key": "gadget:use", "label": "Use gadgets"}]
    assert gadgets["meters"] == [{"key": "pings", "label": "Pings", "unit": "ping"}]
    assert [s["key"] for s in gadgets["settings_schema"]] == ["greeting", "count", "mode"]
    assert by_name["test_widgets"]["depends"] == ["test_gadgets"]
    assert "test_future" not in by_name  # needs core API 99: refused at start-up


def test_a_module_on_for_one_branch_only(plugged: Flask, pw: World, gadgets: Gadgets) -> None:
    client = plugged.test_client()
    t = pw.a
    ping = f"{API}/test-gadgets/ping"

    def get_ping(branch: Any) -> Any:
        return call(client, "GET", ping, t["owner"], headers={"X-Dala-Branch": str(branch)})

    assert get_ping(t.main).status_code == 404
    r = _patch(client, pw, "test_gadgets", branch_id=str(t.main), enabled=True)
    assert r.status_code == 200 and r.json["enabled"] and r.json["source"] == "branch"
    assert get_ping(t.main).status_code == 200
    assert get_ping(t.other).status_code == 404
    assert (
        call(
            client, "GET", ping, pw.b["owner"], headers={"X-Dala-Branch": str(pw.b.main)}
        ).status_code
        == 404
    )
    # The job hook fires for the branch where the module is on, not the other.
    gadgets.events.clear()
    here = work.job(client, t)
    there = work.made(
        client,
        t,
        "/jobs",
        {"customer_id": here["customer_id"], "branch_id": str(t.other), "title": "x"},
    )
    numbers = {e.job_id for _k, e in gadgets.events}
    assert here["id"] in {str(n) for n in numbers} and there["id"] not in {str(n) for n in numbers}
    # Company-wide on, the branch's own "off" still wins there.
    _patch(client, pw, "test_gadgets", branch_id=None, enabled=True)
    _patch(client, pw, "test_gadgets", branch_id=str(t.main), enabled=False)
    assert get_ping(t.other).status_code == 200 and get_ping(t.main).status_code == 404
    # Switching off keeps the data: settings survive a round trip.
    _patch(client, pw, "test_gadgets", branch_id=str(t.main), settings={"greeting": "salem"})
    _patch(client, pw, "test_gadgets", branch_id=str(t.main), enabled=True)
    assert get_ping(t.main).json["greeting"] == "salem"
    assert get_ping(t.other).json["greeting"] == "hello"


def test_dependencies_are_checked_both_ways(plugged: Flask, pw: World) -> None:
    client = plugged.test_client()
    r = _patch(client, pw, "test_widgets", enabled=True)
    assert r.status_code == 409 and r.json["errors"]["depends"] == ["test_gadgets"]
    assert "Gadgets" in r.json["message"]
    assert _patch(client, pw, "test_gadgets", enabled=True).status_code == 200
    assert _patch(client, pw, "test_widgets", enabled=True).status_code == 200
    r = _patch(client, pw, "test_gadgets", enabled=False)
    assert r.status_code == 409 and r.json["errors"]["dependents"] == ["test_widgets"]
    assert _patch(client, pw, "test_widgets", enabled=False).status_code == 200
    assert _patch(client, pw, "test_gadgets", enabled=False).status_code == 200


def test_bad_settings_and_scopes_are_422_and_change_nothing(plugged: Flask, pw: World) -> None:
    client = plugged.test_client()
    t = pw.a
    for settings, key in (
        ({"count": 11}, "count"),
        ({"count": "3"}, "count"),
        ({"mode": "warp"}, "mode"),
        ({"greeting": 5}, "greeting"),
        ({"colour": "red"}, "colour"),
    ):
        r = _patch(client, pw, "test_gadgets", branch_id=str(t.main), settings=settings)
        assert r.status_code == 422 and key in r.json["errors"]["settings"], (settings, r.json)
    r = _patch(client, pw, "test_widgets", branch_id=str(t.main), enabled=True)
    assert r.status_code == 422 and "branch_id" in r.json["errors"]
    assert _patch(client, pw, "test_nothing", enabled=True).status_code == 404
    r = _patch(client, pw, "test_gadgets", branch_id=str(pw.b.main), enabled=True)
    assert r.status_code == 404  # another company's branch
    state = call(client, "GET", f"{API}/modules/test_gadgets?branch_id={t.main}", t["owner"]).json
    assert state["settings"] == {"greeting": "hello", "count": 3, "mode": "fast"}


def test_null_falls_back_to_the_wider_scope(plugged: Flask, pw: World) -> None:
    client = plugged.test_client()
    t = pw.a
    main = str(t.main)
    _patch(client, pw, "test_gadgets", branch_id=None, enabled=True, settings={"count": 5})
    r = _patch(client, pw, "test_gadgets", branch_id=main, enabled=False, settings={"count": 7})
    assert r.json["enabled"] is False and r.json["source"] == "branch"
    assert r.json["settings_sources"] == {
        "greeting": "default",
        "count": "branch",
        "mode": "default",
    }
    # null: the branch no longer decides; the company's value and switch hold there again.
    r = _patch(client, pw, "test_gadgets", branch_id=main, enabled=None, settings={"count": None})
    assert r.status_code == 200, r.json
    assert (r.json["enabled"], r.json["source"]) == (True, "company")
    assert r.json["settings"]["count"] == 5 and r.json["settings_sources"]["count"] == "company"
    # The company's own null goes back to the manifest's default.
    r = _patch(client, pw, "test_gadgets", branch_id=None, enabled=None, settings={"count": None})
    assert (r.json["enabled"], r.json["source"], r.json["settings"]["count"]) == (
        False,
        "default",
        3,
    )
    # Following the wider scope is checked like the switch it amounts to.
    _patch(client, pw, "test_gadgets", branch_id=None, enabled=True)
    assert _patch(client, pw, "test_widgets", branch_id=None, enabled=True).status_code == 200
    r = _patch(client, pw, "test_gadgets", branch_id=None, enabled=None)
    assert r.status_code == 409 and r.json["errors"]["dependents"] == ["test_widgets"]


def test_choices_carry_their_labels(plugged: Flask, pw: World) -> None:
    client = plugged.test_client()
    r = call(client, "GET", f"{API}/modules/dala_scheduling", pw.a["owner"])
    [policy] = [s for s in r.json["settings_schema"] if s["key"] == "replan_policy"]
    assert policy["choices"] == ["propose", "apply"]  # the values, as before
    assert policy["choice_labels"] == {
        "propose": "Propose a new plan",
        "apply": "Apply the new plan at once",
    }
    r = call(client, "GET", f"{API}/modules/test_gadgets", pw.a["owner"])
    [mode] = [s for s in r.json["settings_schema"] if s["key"] == "mode"]
    assert mode["choice_labels"] == {"fast": "fast", "slow": "slow"}  # unnamed: the value


def test_who_may_manage_modules(plugged: Flask, pw: World) -> None:
    client = plugged.test_client()
    t = pw.a
    assert (
        _patch(
            client, pw, "test_gadgets", "dispatcher", branch_id=str(t.main), enabled=True
        ).status_code
        == 403
    )
    assert (
        _patch(
            client, pw, "test_gadgets", "branch_admin", branch_id=str(t.other), enabled=True
        ).status_code
        == 403
    )
    assert (
        _patch(
            client, pw, "test_gadgets", "branch_admin", branch_id=str(t.main), enabled=True
        ).status_code
        == 200
    )
    assert _patch(client, pw, "test_gadgets", "branch_admin", enabled=True).status_code == 403
    # Company B is not touched by A's switches.
    b = call(client, "GET", f"{API}/modules/test_gadgets?branch_id={pw.b.main}", pw.b["owner"])
    assert b.json["enabled"] is False


def test_pages_and_menu_follow_the_module(plugged: Flask, pw: World) -> None:
    from dala.web.shell import nav_items

    client = plugged.test_client()
    signed_out = client.get("/test-gadgets/")
    assert signed_out.status_code == 302 and "/login" in signed_out.headers["Location"]
    gadgets_nav = [i for i in nav_items(plugged) if i.endpoint == "test_gadgets.index"]
    assert len(gadgets_nav) == 1
    with plugged.test_request_context():
        from dala.tenancy import context

        with context.tenant_scope(pw.a.tenant_id, pw.a.main):
            assert gadgets_nav[0].visible is not None and not gadgets_nav[0].visible()
            _patch(client, pw, "test_gadgets", branch_id=str(pw.a.main), enabled=True)
        with plugged.test_request_context(), context.tenant_scope(pw.a.tenant_id, pw.a.main):
            assert gadgets_nav[0].visible()
        with plugged.test_request_context(), context.tenant_scope(pw.a.tenant_id, pw.a.other):
            assert not gadgets_nav[0].visible()


def test_safe_mode_and_block_list(database: TestDatabase, mailbox: Mailbox) -> None:
    from importlib.metadata import entry_points

    installed = {e.name for e in entry_points(group="dala.plugins")}
    safe = create_app(app_config(database, mailbox, SAFE_MODE=True))
    assert set(hooks(safe).manifests) == set()
    safe.extensions["dala.db"].engine.dispose()
    if installed:
        blocked = sorted(installed)[0]
        app = create_app(app_config(database, mailbox, PLUGINS_BLOCKED=[blocked]))
        assert blocked not in {n for n in hooks(app).module_of_plugin}
        app.extensions["dala.db"].engine.dispose()


def test_hook_calls_can_be_traced(
    database: TestDatabase, mailbox: Mailbox, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    traced = create_app(app_config(database, mailbox, PLUGIN_TRACE=True, PLUGINS=[Widgets()]))
    try:
        with caplog.at_level(logging.INFO, logger="dala.modules.host"):
            hooks(traced).pm.hook.dala_manifest()
        assert any(
            "hook:" in r.getMessage() and "dala_manifest" in r.getMessage() for r in caplog.records
        )
    finally:
        traced.extensions["dala.db"].engine.dispose()
