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
from sqlalchemy.orm import Session

from dala.db import on_commit

log = logging.getLogger(__name__)


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
    msg = build_message(to, subject, body)
    mailer: Mailer = current_app.extensions["dala.mailer"]
    on_commit(session, lambda: mailer.submit(msg))


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


def install(app: Flask) -> None:
    Mailer(app)
