"""The channels' secrets (the mail server's password, the SMS provider's secret key or token).

Kept in the operating system's password store through ``keyring`` (service ``desk-app-messages``,
usernames ``smtp`` and ``sms``), found the same way as the shop's key (``desk_app.db.cipher``):
a computer without a real password store has none here either. For unattended runs (a server, a
script) the environment variables ``DESK_APP_SMTP_PASSWORD`` and ``DESK_APP_SMS_SECRET`` stand in
for the store. Never a command-line flag (other users see those), never the database (a backup or
a copied file would carry it).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from desk_app.db import cipher
from desk_app.i18n import _

SERVICE = "desk-app-messages"
SMTP = "smtp"
SMS = "sms"
ENV = {SMTP: "DESK_APP_SMTP_PASSWORD", SMS: "DESK_APP_SMS_SECRET"}


class NoPasswordStore(Exception):
    """This computer has no password store to keep a channel's secret in."""

    def __init__(self, name: str) -> None:
        super().__init__(
            _(
                "This computer has no password store (keyring) to keep the {what} in. Set {env} in the "
                "environment of the program that sends the messages instead."
            ).format(what=secret_words(name), env=ENV[name])
        )
        self.name = name


def secret_words(name: str) -> str:
    return _("mail server's password") if name == SMTP else _("text message provider's secret")


def _check(name: str) -> None:
    if name not in ENV:
        raise KeyError(f"unknown channel secret {name!r}: use 'smtp' or 'sms'")


class Secrets:
    """get/set/delete a channel's secret: the password store first, then the environment."""

    def __init__(
        self,
        store: Callable[[], Any | None] = cipher.password_store,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self._store = store
        self._environ = environ

    def _env(self) -> Mapping[str, str]:
        return os.environ if self._environ is None else self._environ

    def store_available(self) -> bool:
        return self._store() is not None

    def get(self, name: str) -> str | None:
        _check(name)
        kr = self._store()
        if kr is not None:
            try:
                value = kr.get_password(SERVICE, name)
            except Exception:  # noqa: BLE001 - a locked or broken store: as if it held nothing
                value = None
            if value:
                return str(value)
        return self._env().get(ENV[name]) or None

    def set(self, name: str, value: str) -> None:
        """Keep ``value`` in the password store (NoPasswordStore when there is none); empty deletes."""
        _check(name)
        if not value:
            self.delete(name)
            return
        kr = self._store()
        if kr is None:
            raise NoPasswordStore(name)
        kr.set_password(SERVICE, name, value)

    def delete(self, name: str) -> None:
        _check(name)
        kr = self._store()
        if kr is None:
            return
        try:
            kr.delete_password(SERVICE, name)
        except Exception:  # noqa: BLE001 - nothing kept: nothing to forget
            pass

    def missing_reason(self, name: str) -> str | None:
        """None when the secret is there, else what the owner should do, in words."""
        if self.get(name):
            return None
        if not self.store_available():
            return str(NoPasswordStore(name))
        return _("The {what} is not saved on this computer: type it in Messages › Channels & timing.").format(
            what=secret_words(name)
        )
