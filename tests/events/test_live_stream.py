"""GET /api/v1/live against a real server process: a job changed through the API reaches
the stream at once; another company's stream never sees it; a branch filter holds; the
portal's session cookie and bearer tokens both sign in; no credentials is a 401."""

from __future__ import annotations

import contextlib
import http.client
import json
import queue
import re
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from flask.testing import FlaskClient

from tests.conftest import TestDatabase
from tests.support import work
from tests.support.server import ServerProcess
from tests.support.world import PASSWORD, Person, TenantWorld, World

WAIT = 5.0  # generous; the latency is printed, not asserted
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture(scope="module")
def server(database: TestDatabase, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("live") / "server.log"
    with ServerProcess(database, log) as process:
        # Plain HTTP on loopback: the session cookie cannot be Secure here.
        process.start(LIVE_HEARTBEAT_SECONDS="1", SESSION_COOKIE_SECURE="false")
        yield process.url


class EventStream:
    """An open /live stream, read line by line in a thread into events and comments."""

    def __init__(self, base: str, path: str, headers: dict[str, str]) -> None:
        url = urlsplit(base)
        self.connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=30)
        self.connection.request("GET", path, headers=headers)
        self._socket = self.connection.sock
        self.response = self.connection.getresponse()
        self.status = self.response.status
        self.events: queue.Queue[tuple[float, dict[str, str]]] = queue.Queue()
        self.comments: queue.Queue[str] = queue.Queue()
        if self.status != 200:
            self.body = self.response.read()
            return
        # The hello is sent once the subscription is made: what happens after it is seen.
        hello = [self.response.readline(), self.response.readline(), self.response.readline()]
        assert hello == [b"retry: 3000\n", b": connected\n", b"\n"], hello
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        fields: dict[str, str] = {}
        try:
            while line := self.response.readline():
                text = line.decode().rstrip("\n")
                if text.startswith(":"):
                    self.comments.put(text)
                elif text:
                    name, _sep, value = text.partition(": ")
                    fields[name] = value
                elif fields:
                    self.events.put((time.monotonic(), fields))
                    fields = {}
        except (OSError, ValueError):
            pass  # closed by the test

    def next_event(self, timeout: float = WAIT) -> tuple[float, str, dict[str, Any]]:
        """(when it arrived, kind, data) of the next event."""
        try:
            at, fields = self.events.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no event within {timeout} s") from None
        return at, fields["event"], json.loads(fields["data"])

    def close(self) -> None:
        if self._socket is not None:
            with contextlib.suppress(OSError):
                self._socket.shutdown(socket.SHUT_RDWR)
        self.connection.close()


def bearer(person: Person) -> dict[str, str]:
    return {"Authorization": f"Bearer {person.token}"}


def open_stream(server: str, person: Person, query: str = "") -> EventStream:
    stream = EventStream(server, f"/api/v1/live{query}", bearer(person))
    assert stream.status == 200, stream.body
    return stream


def reschedule(server: str, t: TenantWorld, job: dict[str, Any], hour: int) -> float:
    """PATCH the job's start over HTTP as the owner; when the request was sent."""
    sent = time.monotonic()
    start = work.tomorrow(hour).isoformat()
    r = requests.patch(
        f"{server}/api/v1/jobs/{job['id']}",
        json={"scheduled_start": start},
        headers=bearer(t["owner"]),
        timeout=WAIT,
    )
    assert r.status_code == 200, r.text
    return sent


def test_a_rescheduled_job_reaches_the_stream_at_once(
    server: str, client: FlaskClient, world: World
) -> None:
    job = work.scheduled_job(client, world.a)
    stream = open_stream(server, world.a["dispatcher"])
    try:
        latencies = []
        for hour in (10, 11, 12):
            sent = reschedule(server, world.a, job, hour)
            arrived, kind, data = stream.next_event()
            latencies.append(arrived - sent)
            assert kind == "job.changed"
            assert data["job_id"] == job["id"] and data["what"] == "scheduled"
            assert data["scheduled_start"] == work.tomorrow(hour).isoformat()
            assert data["branch_id"] == str(world.a.main) and data["source"] == "api"
        print(
            "\nPATCH sent -> job.changed received: "
            + ", ".join(f"{s * 1000:.0f} ms" for s in latencies)
        )
    finally:
        stream.close()


def test_another_companys_stream_never_sees_the_change(
    server: str, client: FlaskClient, world: World
) -> None:
    a_job, b_job = work.scheduled_job(client, world.a), work.scheduled_job(client, world.b)
    a_stream, b_stream = (
        open_stream(server, world.a["owner"]),
        open_stream(server, world.b["owner"]),
    )
    try:
        reschedule(server, world.a, a_job, 14)
        assert a_stream.next_event()[2]["job_id"] == a_job["id"]
        reschedule(server, world.b, b_job, 15)
        # A's change came first: had B's stream been sent it, it would be first here.
        assert b_stream.next_event()[2]["job_id"] == b_job["id"]
        assert a_stream.events.empty()
    finally:
        a_stream.close()
        b_stream.close()


def test_a_stream_of_one_branch_sees_only_that_branch(
    server: str, client: FlaskClient, world: World
) -> None:
    in_main = work.scheduled_job(client, world.a)
    in_other = work.job(client, world.a, branch_id=str(world.a.other))
    stream = open_stream(server, world.a["owner"], f"?branch={world.a.other}")
    try:
        reschedule(server, world.a, in_main, 10)
        reschedule(server, world.a, in_other, 11)
        _at, _kind, data = stream.next_event()
        assert (data["job_id"], data["branch_id"]) == (in_other["id"], str(world.a.other))
    finally:
        stream.close()


def test_an_idle_stream_gets_keep_alive_comments(server: str, world: World) -> None:
    stream = open_stream(server, world.a["viewer"])
    try:
        assert stream.comments.get(timeout=WAIT) == ": keep-alive"
    finally:
        stream.close()


def sign_in(server: str, t: TenantWorld, role: str) -> requests.Session:
    browser = requests.Session()
    page = browser.get(f"{server}/login", timeout=WAIT)
    token = CSRF_RE.search(page.text)
    assert token, page.text
    form = {"csrf_token": token.group(1), "tenant": t.slug, "email": t[role].email}
    r = browser.post(f"{server}/login", data=form | {"password": PASSWORD}, timeout=WAIT)
    assert r.status_code == 200 and "session" in browser.cookies, r.status_code
    return browser


def test_the_portal_session_cookie_opens_the_stream(
    server: str, client: FlaskClient, world: World
) -> None:
    job = work.scheduled_job(client, world.a)
    browser = sign_in(server, world.a, "dispatcher")
    cookie = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
    # The same browser: flask-login's strong session protection checks its User-Agent.
    headers = {"Cookie": cookie, "User-Agent": str(browser.headers["User-Agent"])}
    stream = EventStream(server, "/api/v1/live", headers)
    try:
        assert stream.status == 200
        reschedule(server, world.a, job, 16)
        assert stream.next_event()[2]["job_id"] == job["id"]
    finally:
        stream.close()


def test_no_credentials_is_401(server: str) -> None:
    stream = EventStream(server, "/api/v1/live", {})
    assert stream.status == 401
    assert json.loads(stream.body)["errors"]["token"] == ["missing"]
