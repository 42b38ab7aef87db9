"""A real SMTP server (aiosmtpd) on a free loopback port that keeps what it receives."""

from __future__ import annotations

import re
import socket
import threading
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


class _Handler:
    def __init__(self, box: Mailbox) -> None:
        self.box = box

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = message_from_bytes(envelope.content, policy=policy.default)
        with self.box.lock:
            self.box.messages.append(msg)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()
        self.host = "127.0.0.1"
        with socket.socket() as s:
            s.bind((self.host, 0))
            self.port = s.getsockname()[1]
        self._controller = Controller(_Handler(self), hostname=self.host, port=self.port)

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def to(self, address: str, timeout: float = 5.0, count: int = 1) -> list[EmailMessage]:
        """Messages received for ``address`` (waits briefly for at least ``count``)."""
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                found = [m for m in self.messages if address.lower() in str(m["To"]).lower()]
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.05)

    def last_token(self, address: str, count: int = 1) -> str:
        """The token in the link of the newest of (at least ``count``) messages to ``address``."""
        messages = self.to(address, count=count)
        assert messages, f"no mail for {address}"
        body = messages[-1].get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
        match = re.search(r"token=(dala_[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)", body)
        assert match, body
        return match.group(1)
