"""The live broker: fan-out within a process, and between processes through an SQLite
file and through Redis; a subscriber only ever gets its company's messages in its branches."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from dala.events import live
from dala.events.live import Broker, LiveMessage, Subscription

REDIS_URL = os.environ.get("DALA_TEST_LIVE_REDIS_URL", "redis://127.0.0.1:6379/14")
WAIT = 5.0  # generous: what must arrive does within a fraction of it


def next_message(subscription: Subscription, timeout: float = WAIT) -> LiveMessage:
    message = subscription.get(timeout)
    assert message is not None, "nothing arrived"
    return message


def test_memory_broker_fans_out_by_company_and_branch() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    a_main, a_other, b_main = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    broker = Broker("memory://")
    with (
        broker.subscribe(a) as a_all,
        broker.subscribe(a, [a_other]) as a_other_only,
        broker.subscribe(b) as b_all,
    ):
        broker.publish(a, a_main, "job.changed", {"job_id": "1"})
        broker.publish(a, a_other, "job.changed", {"job_id": "2"})
        broker.publish(b, b_main, "job.changed", {"job_id": "3"})
        assert [m.data for m in (a_all.get(0), a_all.get(0))] == [
            '{"job_id":"1"}',
            '{"job_id":"2"}',
        ]
        assert a_all.get(0) is None
        assert next_message(a_other_only, 0).data == '{"job_id":"2"}'
        assert a_other_only.get(0) is None
        assert next_message(b_all, 0).data == '{"job_id":"3"}'
        assert b_all.get(0) is None


def test_messages_are_plain_json_with_increasing_ids() -> None:
    tenant, branch = uuid.uuid4(), uuid.uuid4()
    broker = Broker("memory://")
    job_id = uuid.uuid4()
    with broker.subscribe(tenant) as sub:
        broker.publish(tenant, branch, "job.changed", {"job_id": job_id, "number": 7})
        broker.publish(tenant, branch, "job.changed", {"job_id": job_id, "number": 8})
        first, second = next_message(sub, 0), next_message(sub, 0)
    assert first.data == f'{{"job_id":"{job_id}","number":7}}'
    assert (first.kind, first.branch_id, first.tenant_id) == ("job.changed", branch, tenant)
    assert second.id > first.id


def test_a_reconnecting_subscriber_is_replayed_what_came_after_its_last_id() -> None:
    tenant, branch, elsewhere = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    broker = Broker("memory://")
    with broker.subscribe(tenant) as first:
        for n in range(3):
            broker.publish(tenant, branch, "job.changed", {"n": n})
        broker.publish(tenant, elsewhere, "job.changed", {"n": "elsewhere"})
        broker.publish(uuid.uuid4(), branch, "job.changed", {"n": "other company"})
        seen = next_message(first, 0)
    with broker.subscribe(tenant, [branch], last_event_id=seen.id) as again:
        assert [next_message(again, 0).data for _ in range(2)] == ['{"n":1}', '{"n":2}']
        assert again.get(0) is None


def test_a_subscriber_that_falls_too_far_behind_is_told_to_reconnect() -> None:
    tenant, branch = uuid.uuid4(), uuid.uuid4()
    broker = Broker("memory://")
    with broker.subscribe(tenant) as slow:
        for n in range(live.SUBSCRIBER_BACKLOG):
            broker.publish(tenant, branch, "job.changed", {"n": n})
        assert not slow.lost
        broker.publish(tenant, branch, "job.changed", {"n": "one too many"})
        assert slow.lost


def test_closed_subscriptions_leave_the_hub() -> None:
    broker = Broker("memory://")
    sub = broker.subscribe(uuid.uuid4())
    assert broker.hub.subscriber_count == 1
    sub.close()
    sub.close()
    assert broker.hub.subscriber_count == 0


def _between_processes(publisher: Broker, listener: Broker) -> None:
    """What one process publishes reaches the other's subscribers, filtered the same way."""
    a, b, branch, elsewhere = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    with listener.subscribe(a, [branch]) as a_sub, listener.subscribe(b) as b_sub:
        publisher.publish(a, elsewhere, "job.changed", {"n": "other branch"})
        publisher.publish(b, branch, "job.changed", {"n": "other company"})
        publisher.publish(a, branch, "technician.changed", {"n": 1})
        publisher.publish(a, branch, "job.changed", {"n": 2})
        first, second = next_message(a_sub), next_message(a_sub)
        assert (first.kind, first.data) == ("technician.changed", '{"n":1}')
        assert second.data == '{"n":2}' and second.id > first.id
        # B's stream had B's message only: it was sent before A's, so it is there by now.
        assert next_message(b_sub).data == '{"n":"other company"}'
        assert b_sub.get(0) is None
        assert a_sub.get(0) is None


def test_sqlite_file_carries_messages_between_processes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'live.db'}"
    publisher, listener = Broker(url), Broker(url)
    try:
        _between_processes(publisher, listener)
    finally:
        publisher.close()
        listener.close()


@pytest.fixture
def redis_url() -> Iterator[str]:
    client = redis.Redis.from_url(REDIS_URL)
    client.ping()
    yield REDIS_URL
    client.close()


def test_redis_carries_messages_between_processes(redis_url: str) -> None:
    publisher, listener = Broker(redis_url), Broker(redis_url)
    try:
        _between_processes(publisher, listener)
    finally:
        publisher.close()
        listener.close()


def test_redis_channel_is_per_company(redis_url: str) -> None:
    tenant, branch = uuid.uuid4(), uuid.uuid4()
    client = redis.Redis.from_url(redis_url)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(f"dala:live:{tenant}")
    try:
        Broker(redis_url).publish(tenant, branch, "job.changed", {"job_id": "x"})
        deadline = time.monotonic() + WAIT
        item = None
        while item is None and time.monotonic() < deadline:
            item = pubsub.get_message(timeout=0.5)
        assert item is not None
        message = LiveMessage.decode(item["data"])
        assert (message.tenant_id, message.branch_id, message.data) == (
            tenant,
            branch,
            '{"job_id":"x"}',
        )
    finally:
        pubsub.close()
        client.close()
