"""Mail leaves only when its transaction commits, and never from a rolled-back one."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

from flask import Flask

from dala.db import get_session
from dala.mail import queue_mail
from tests.support.mailbox import Mailbox


def test_mail_is_sent_after_commit_and_dropped_on_rollback(app: Flask, mailbox: Mailbox) -> None:
    kept, dropped = (f"{n}-{uuid.uuid4().hex[:6]}@example.com" for n in ("kept", "dropped"))
    with app.app_context():
        session = get_session()
        queue_mail(session, dropped, "Dropped", "never sent")
        session.rollback()
        queue_mail(session, kept, "Kept", "sent after commit")
        assert mailbox.to(kept, timeout=0.3) == []  # not before the commit
        session.commit()
    message = mailbox.to(kept)[-1]
    assert message["Subject"] == "Kept"
    assert mailbox.to(dropped, timeout=0.5) == []


def test_without_smtp_mail_goes_to_the_outbox_folder(
    app: Flask, mailbox: Mailbox, tmp_path: object
) -> None:
    from dala import create_app
    from tests.conftest import TestDatabase, app_config

    url = app.config["DATABASE_URL"]
    owner = app.config["MIGRATION_DATABASE_URL"]
    folder = f"{tmp_path}/outbox"
    local = create_app(
        app_config(TestDatabase(owner, url), mailbox, SMTP_HOST="", MAIL_OUTBOX_DIR=folder)
    )
    with local.app_context():
        session = get_session()
        queue_mail(session, "someone@example.com", "Hello", "body")
        session.commit()
    deadline = time.monotonic() + 5
    while not (files := list(Path(folder).glob("*.eml"))) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(files) == 1 and b"Subject: Hello" in files[0].read_bytes()
    local.extensions["dala.db"].engine.dispose()
