"""Shared by the messages tests: a shop whose email goes to a real SMTP server on loopback
(aiosmtpd), clients with their consents, and reading the outbox."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from desk_app.db.engine import Database
from desk_app.db.models import Client, OutboxMessage
from desk_app.settings import S, SettingsStore
from tests.integration.test_message_channels import Mailbox, free_port


@dataclass
class Relay:
    port: int
    mailbox: Mailbox


@pytest.fixture
def relay() -> Iterator[Relay]:
    """A mail relay on this computer (no TLS, no sign-in): what the sender delivers lands here."""
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield Relay(port, mailbox)
    finally:
        controller.stop()


def email_set_up(settings: SettingsStore, port: int) -> None:
    settings.set(S.MESSAGES_EMAIL_HOST, "127.0.0.1")
    settings.set(S.MESSAGES_EMAIL_PORT, port)
    settings.set(S.MESSAGES_EMAIL_SECURITY, "none")
    settings.set(S.MESSAGES_EMAIL_FROM_ADDRESS, "desk@lotus.example")


def sms_set_up(settings: SettingsStore) -> None:
    settings.set(S.MESSAGES_SMS_PROVIDER, "twilio")
    settings.set(S.MESSAGES_SMS_ACCOUNT, "AC123")
    settings.set(S.MESSAGES_SMS_SENDER, "+15005550006")


def client(
    db: Database,
    name: str,
    *,
    email: str = "",
    phone: str = "",
    email_ok: bool = True,
    sms_ok: bool = False,
    marketing: bool = False,
    language: str = "en",
    channel: str = "email",
    birthday: date | None = None,
    **extra: Any,
) -> int:
    with db.uow() as uow:
        n = uow.session.scalar(select(Client.id).order_by(Client.id.desc()).limit(1)) or 0
        c = Client(
            client_number=f"M{n + 1:06d}", name=name, search_text=name,
            email=email or (f"c{n + 1}@example.com" if email_ok else ""), phone=phone,
            phone_digits="".join(ch for ch in phone if ch.isdigit()), preferred_channel=channel,
            email_consent=email_ok, sms_consent=sms_ok, marketing_consent=marketing, language=language,
            birthday=birthday, birthday_md=birthday.strftime("%m-%d") if birthday else None, **extra,
        )
        uow.session.add(c)
        uow.session.flush()
        cid = c.id
        uow.commit()
    return cid


def outbox(db: Database, **where: Any) -> list[OutboxMessage]:
    with db.uow(write=False) as uow:
        q = select(OutboxMessage).order_by(OutboxMessage.id)
        for k, v in where.items():
            q = q.where(getattr(OutboxMessage, k) == v)
        rows = list(uow.session.scalars(q))
        uow.session.expunge_all()
        return rows
