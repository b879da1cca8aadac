"""A real SMTP server (aiosmtpd) for the tests that send mail, and the wiki's mail settings pointed at it."""

from __future__ import annotations

import email
import socket
import time
from contextlib import contextmanager
from email.policy import default as default_policy
from typing import Iterator

from aiosmtpd.controller import Controller

MAIL_FROM = "wiki@partnerwiki.example"


class Inbox:
    """What the server received, each message with its envelope recipients as ``X-Envelope-To``."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 – aiosmtpd's API
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, seconds: float = 10) -> list:
        deadline = time.monotonic() + seconds
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.messages

    def wait_for_mail_to(self, address: str, seconds: float = 10):
        """The first message to ``address``; fails after ``seconds`` without one."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for message in list(self.messages):
                if address in message["X-Envelope-To"]:
                    return message
            time.sleep(0.05)
        went_to = [m["X-Envelope-To"] for m in self.messages]
        raise AssertionError(f"no mail to {address} within {seconds} s; mail went to {went_to}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def smtp_server(handler=None) -> Iterator[tuple[Inbox, int]]:
    """A running SMTP server on a free local port: (its handler, the port)."""
    handler = handler or Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield handler, controller.port
    finally:
        controller.stop()


@contextmanager
def mailing_to(cfg, port: int) -> Iterator[None]:
    """The wiki configuration ``cfg`` sends its mail to the local server on ``port`` for a while."""
    saved = (cfg.mail_smarthost, cfg.mail_from, cfg.mail_enabled)
    cfg.mail_smarthost, cfg.mail_from, cfg.mail_enabled = f"127.0.0.1:{port}", MAIL_FROM, True
    try:
        yield
    finally:
        cfg.mail_smarthost, cfg.mail_from, cfg.mail_enabled = saved
