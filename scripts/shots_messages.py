"""Screenshots of the Messages screen (outbox, templates, channels & timing) and the reply dialog,
in English and Chinese.

    .venv/bin/python scripts/shots_messages.py

Builds a small shop in /tmp whose messages were really sent by the sender through the SMTP channel
to a mail relay on loopback (aiosmtpd, from the dev extra), one refused by it, one waiting and one
cancelled, and renders offscreen at 1366x768 into docs/screenshots/messages-<tab>-<en|zh>.png and
messages-reply-<en|zh>.png.
"""

from __future__ import annotations

import os
import socket
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desk_app.container import Services
    from desk_app.domain.permissions import Actor

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
OUT = ROOT / "docs" / "screenshots"
NOW = datetime(2026, 11, 20, 6, 30, tzinfo=UTC)  # Friday 14:30 in Shanghai
REFUSED = "old.address@example.com"


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Relay:
    """A mail relay on loopback that refuses one address for good."""

    messages: list[bytes] = field(default_factory=list)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:  # noqa: N802
        if address == REFUSED:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(bytes(envelope.original_content))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def seed(path: Path, clock: Clock, port: int) -> tuple[Services, Actor]:
    from desk_app.bootstrap import open_database
    from desk_app.container import Services
    from desk_app.db.models import Client
    from desk_app.messages.outbox import enqueue
    from desk_app.settings import S
    from tests.integration.test_aftercare_data import add_client, add_staff, shanghai, visit

    for p in path.parent.glob(path.name + "*"):
        p.unlink()
    db = open_database(str(path))
    sv = Services(db, clock=clock)
    owner = sv.shop.create_shop(
        name="莲花美发美容 Lotus Hair & Spa", currency="CNY", language="zh_CN", owner_name="Mia Chen", owner_pin="1234"
    )
    leo = add_staff(db, owner.branch_id, "Leo Zhang")
    for setting, value in (
        (S.MESSAGES_EMAIL_HOST, "127.0.0.1"),
        (S.MESSAGES_EMAIL_PORT, port),
        (S.MESSAGES_EMAIL_SECURITY, "none"),
        (S.MESSAGES_EMAIL_FROM_ADDRESS, "hello@lotus-hair.example"),
        (S.MESSAGES_EMAIL_FROM_NAME, "莲花美发 Lotus Hair"),
    ):
        sv.settings.set(setting, value)
    people = [
        ("王芳", "wang.fang@example.com"),
        ("李娜", "li.na@example.com"),
        ("张伟", REFUSED),
        ("陈静", "chen.jing@example.com"),
        ("刘洋", "liu.yang@example.com"),
        ("Emma Brown", "emma@example.com"),
    ]
    cids = []
    for name, email in people:
        cid = add_client(db, name, channel="email")
        with db.uow() as uow:
            c = uow.session.get(Client, cid)
            assert c is not None
            c.email, c.email_consent, c.email_consent_at = email, True, clock()
            uow.commit()
        cids.append(cid)

    def queue(ci: int, kind: str, due: datetime, ref: tuple[str, int | None] = ("", None)) -> int:
        with db.uow() as uow:
            c = uow.session.get(Client, cids[ci])
            assert c is not None
            row = enqueue(uow.session, client=c, kind=kind, ref_kind=ref[0], ref_id=ref[1], due_at=due,
                          dedupe_key=f"shot:{kind}:{ci}:{due.isoformat()}", settings=sv.settings,
                          branch_id=owner.branch_id)
            assert row is not None
            mid = row.id
            uow.commit()
        return mid

    # this morning's visits: paid, so a feedback request went two hours later
    visits = []
    for ci, hour in ((0, 9), (1, 10), (5, 11)):
        clock.now = shanghai(2026, 11, 20, hour)
        visits.append(visit(db, sv.settings, branch_id=owner.branch_id, client_id=cids[ci],
                            stylist_id=leo.staff_id, desk_id=owner.staff_id, arrived=clock.now))
    clock.now = shanghai(2026, 11, 20, 9, 5)
    queue(3, "confirmation", clock.now)
    queue(2, "confirmation", clock.now)  # the relay refuses this address
    sv.messages.run_due()
    clock.now = shanghai(2026, 11, 20, 9, 40)
    queue(4, "reminder", clock.now)
    sv.messages.run_due()
    for i, (ci, minute) in enumerate(((0, 12), (1, 13), (5, 14))):
        clock.now = shanghai(2026, 11, 20, minute, 2)
        queue(ci, "feedback", clock.now, ("visit", visits[i]))
        sv.messages.run_due()
    clock.now = NOW
    queue(3, "reminder", shanghai(2026, 11, 20, 17))  # waiting for its time
    cancelled = queue(1, "reminder", shanghai(2026, 11, 20, 18))
    sv.messages.cancel(owner, cancelled)
    # the Channels tab as a shop has it: its mail provider and Aliyun SMS (the secrets stand in the
    # environment, as on a computer without a password store)
    os.environ["DESK_APP_SMTP_PASSWORD"] = "shot-only"
    os.environ["DESK_APP_SMS_SECRET"] = "shot-only"
    for setting, value in (
        (S.MESSAGES_EMAIL_HOST, "smtp.exmail.qq.com"),
        (S.MESSAGES_EMAIL_PORT, 465),
        (S.MESSAGES_EMAIL_SECURITY, "ssl"),
        (S.MESSAGES_EMAIL_USER, "hello@lotus-hair.example"),
        (S.MESSAGES_SMS_PROVIDER, "aliyun"),
        (S.MESSAGES_SMS_ACCOUNT, "LTAI5tQx8Demo7Shot"),
        (S.MESSAGES_SMS_SENDER, "莲花美发"),
        (S.MESSAGES_SMS_TEMPLATES, {k: f"SMS_4651{i:05d}" for i, k in enumerate(
            ("confirmation", "reminder", "feedback", "rebook", "birthday", "no_show", "balance_low",
             "package_expiring"))}),
    ):
        sv.settings.set(setting, value)
    return sv, owner


def main() -> int:
    from aiosmtpd.controller import Controller
    from PySide6.QtWidgets import QApplication

    from desk_app import i18n
    from ui.context import UiContext
    from ui.main_window import MainArea
    from ui.messages.reply_dialog import ReplyDialog
    from ui.runner import TaskRunner
    from ui.theme import apply_theme

    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    apply_theme(app)
    i18n.set_timezone("Asia/Shanghai")
    relay = Relay()
    port = free_port()
    controller = Controller(relay, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        clock = Clock(NOW)
        sv, owner = seed(Path("/tmp/shots_messages.sqlite3"), clock, port)
    finally:
        controller.stop()
    OUT.mkdir(parents=True, exist_ok=True)

    def settle() -> None:
        for _ in range(5):
            app.processEvents()

    for lang, suffix in (("en", "en"), ("zh_CN", "zh")):
        i18n.set_language(lang)
        ctx = UiContext(services=sv, runner=TaskRunner(synchronous=True), shop=sv.shop.info(), actor=owner)
        area = MainArea(ctx)
        area.resize(1366, 768)
        area.show()
        area.navigate("messages", tab="outbox")
        screen: Any = area.current_screen()
        settle()
        area.grab().save(str(OUT / f"messages-outbox-{suffix}.png"))
        tab = screen.outbox
        row = next(r for r in tab.table.model_.payloads if r.can_answer)
        tab.select(row.id)
        dlg = ReplyDialog(ctx, row, area)
        dlg.choose(4, "颜色很满意，就是等的时间有点长" if lang != "en" else "Love the colour; the wait was a bit long")
        dlg.show()
        settle()
        dlg.grab().save(str(OUT / f"messages-reply-{suffix}.png"))
        dlg.close()
        templates = screen.tab("templates")
        templates.select("feedback", lang)
        templates.update_preview()
        settle()
        area.grab().save(str(OUT / f"messages-templates-{suffix}.png"))
        screen.tab("channels")
        settle()
        area.grab().save(str(OUT / f"messages-channels-{suffix}.png"))
        area.close()
    print("written to", OUT)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
