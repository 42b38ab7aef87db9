"""Outgoing e-mail: queued with the transaction, sent after it commits, off the request.

Mail goes to SMTP when configured, otherwise to ``.eml`` files in an outbox
folder (the demo). A message queued in a transaction that rolls back is never
sent, so no e-mail can point at data that was not saved; sending in a worker
thread keeps SMTP latency (and whether an account exists) out of response times.
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from email.message import EmailMessage
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

_QUEUE = "dala_mail_queue"


def build_message(to: str, subject: str, body: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = current_app.config["MAIL_FROM"]
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{uuid.uuid4()}@dala>"
    msg.set_content(body)
    return msg


def queue_mail(session: Session, to: str, subject: str, body: str) -> None:
    """Send this message once ``session``'s transaction commits (never if it rolls back)."""
    session.connection()  # the transaction the message belongs to, begun if need be
    session.info.setdefault(_QUEUE, []).append(build_message(to, subject, body))


def deliver(app: Flask, msg: EmailMessage) -> None:
    """Hand one message to SMTP or the outbox folder; failures are logged without addresses."""
    cfg = app.config
    try:
        if cfg["SMTP_HOST"]:
            with smtplib.SMTP(cfg["SMTP_HOST"], cfg["SMTP_PORT"], timeout=10) as smtp:
                if cfg["SMTP_STARTTLS"]:
                    smtp.starttls()
                if cfg["SMTP_USER"]:
                    smtp.login(cfg["SMTP_USER"], cfg["SMTP_PASSWORD"])
                smtp.send_message(msg)
            return
        outbox = Path(cfg["MAIL_OUTBOX_DIR"] or Path(app.instance_path) / "outbox")
        outbox.mkdir(parents=True, exist_ok=True)
        name = uuid.uuid4()
        partial = outbox / f"{name}.part"
        partial.write_bytes(bytes(msg))
        partial.replace(outbox / f"{name}.eml")  # readers never see half a message
    except (OSError, smtplib.SMTPException) as exc:
        log.error("mail %s failed: %s", msg["Message-ID"], type(exc).__name__)


class Mailer:
    """Sends committed mail on a small pool of worker threads; kept on the app."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="dala-mail")
        app.extensions["dala.mailer"] = self

    def submit(self, msg: EmailMessage) -> Future[None]:
        return self._pool.submit(deliver, self.app, msg)


def _after_commit(session: Session) -> None:
    queued: list[EmailMessage] = session.info.pop(_QUEUE, [])
    if queued:
        mailer: Mailer = current_app.extensions["dala.mailer"]
        for msg in queued:
            mailer.submit(msg)


def _after_rollback(session: Session) -> None:
    session.info.pop(_QUEUE, None)


def install(app: Flask, factory: sessionmaker[Session]) -> None:
    Mailer(app)
    event.listen(factory, "after_commit", _after_commit)
    event.listen(factory, "after_rollback", _after_rollback)
