"""Printing and the report PDF speak through their own Fmt: the screen's language and time zone
stay as they are, and prints running at the same time each come out in their own language."""

from __future__ import annotations

import io
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from pypdf import PdfReader

from desk_app import i18n
from desk_app.checkout.service import PaymentIn
from desk_app.checkout.views import SaleView
from desk_app.container import Services
from desk_app.demo.sample import generate
from desk_app.domain.permissions import Actor
from desk_app.i18n import Fmt
from desk_app.printing.care_sheet import render_care_sheet
from desk_app.printing.escpos_out import receipt_text
from desk_app.printing.receipt import receipt_fmt, render_receipt
from desk_app.reports.monthly import build_monthly
from desk_app.reports.pdf import render_pdf_bytes
from tests.conftest import FakeClock


def _text(pdf: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)


def _receipt(view: SaleView, lang: str) -> str:
    buf = io.BytesIO()
    render_receipt(view, buf, receipt_fmt(view, lang), "80mm")
    return _text(buf.getvalue())


def _screen_is_english() -> None:
    assert i18n.language() == "en"
    assert i18n._("Today") == "Today"
    assert str(i18n.timezone()) == "Asia/Shanghai"


@pytest.fixture
def sale(services: Services, owner: Actor) -> SaleView:
    co = services.checkout
    bill = co.add_by_code(co.build_bill(owner), "SH-COL-250")
    bill = co.add_counter_item(bill, "洗吹 Blow-dry", 6800)
    paid = services.payments.pay(owner, bill, [PaymentIn("cash", bill.total_minor, tendered_minor=bill.total_minor + 500)])
    return services.payments.get_sale(paid.sale_id)


def test_fmt_is_its_own_language_and_zone() -> None:
    zh = Fmt.for_shop("zh-CN", "America/New_York", "USD")
    assert (zh.language, zh.timezone, zh.currency) == ("zh_CN", "America/New_York", "USD")
    assert zh._("Today") == "今天" and i18n._("Today") == "Today"
    assert zh.money(Decimal("1234.5"), "CNY") == "¥1,234.50"
    assert i18n.format_money(Decimal("1234.5"), "CNY") == "CN¥1,234.50"
    late = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)  # 21:00 the day before in New York
    assert zh.local(late).hour == 21 and i18n.local(late).hour == 10
    assert zh.datetime(late, "yyyy-MM-dd HH:mm") == "2026-11-17 21:00"
    assert i18n.format_datetime(late, "yyyy-MM-dd HH:mm") == "2026-11-18 10:00"
    assert zh.duration_minutes(90) == "1 小时 30 分钟" and i18n.format_duration_minutes(90) == "1 h 30 min"
    assert Fmt.for_shop(None, "", "") == Fmt("en", "Asia/Shanghai", "CNY")
    with pytest.raises(Exception):  # noqa: B017 - zoneinfo raises a KeyError subclass or ValueError
        Fmt.for_shop("en", "Mars/Olympus", "CNY")
    _screen_is_english()


def test_chinese_receipt_leaves_the_screen_english(sale: SaleView) -> None:
    text = _receipt(sale, "zh_CN")
    for needle in ("收据", "护色洗发水", "合计", "找零", "感谢您的光临"):
        assert needle in text, needle
    assert "Receipt" not in text and "Total" not in text
    _screen_is_english()
    buf = io.BytesIO()
    render_care_sheet(sale, buf, receipt_fmt(sale, "zh_CN"))
    assert "居家护理建议" in _text(buf.getvalue())
    assert "合计" in receipt_text(sale, receipt_fmt(sale, "zh_CN"))
    _screen_is_english()


def test_prints_at_the_same_time_keep_their_own_language(sale: SaleView) -> None:
    langs = ["zh_CN", "en"] * 6
    stop = threading.Event()
    screen_words: list[str] = []

    def screen() -> None:  # the GUI keeps translating while the prints run
        while not stop.is_set():
            screen_words.append(i18n._("Today"))

    watcher = threading.Thread(target=screen)
    watcher.start()
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            texts = list(pool.map(lambda lang: _receipt(sale, lang), langs))
    finally:
        stop.set()
        watcher.join()
    for lang, text in zip(langs, texts, strict=True):
        if lang == "zh_CN":
            assert "收据" in text and "合计" in text and "Total" not in text
        else:
            assert "Receipt" in text and "Total" in text and "合计" not in text
    assert screen_words and set(screen_words) == {"Today"}
    _screen_is_english()


def test_new_york_receipt_shows_new_york_time(services: Services, clock: FakeClock) -> None:
    owner = services.shop.create_shop(
        name="Brooklyn Cuts", currency="USD", language="en", owner_name="Ann Lee", owner_pin="1234",
        timezone="America/New_York", region="US",
    )  # fmt: skip
    clock.now = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)  # 21:00 on the 17th in New York, 10:00 in Shanghai
    co = services.checkout
    bill = co.add_counter_item(co.build_bill(owner), "Blow-dry", 4500)
    view = services.payments.get_sale(services.payments.pay(owner, bill, [PaymentIn("card", bill.total_minor)]).sale_id)
    assert str(i18n.timezone()) == "Asia/Shanghai"
    zh = _receipt(view, "zh_CN")
    assert "2026-11-17 21:00" in zh and "2026-11-18" not in zh
    en = _receipt(view, "en")
    assert "Nov 17, 2026 21:00" in en and "$45.00" in en  # the day in words, a 24-hour time
    assert "2026-11-17 21:00" in receipt_text(view, receipt_fmt(view, "zh_CN"))
    _screen_is_english()


def test_monthly_pdf_in_chinese_while_the_screen_is_english(services: Services, owner: Actor) -> None:
    generate(services.db, start_month="2026-09", months=2, clients=20, stylists=2, visits_per_day=3, seed=3)
    report = services.reports.monthly(owner, "2026-10")
    with ThreadPoolExecutor(max_workers=2) as pool:
        zh_pdf, en_pdf = pool.map(
            lambda lang: services.reports.pdf_bytes(owner, report, lang), ["zh_CN", "en"]
        )
    zh, en = _text(zh_pdf), _text(en_pdf)
    assert "2026年10月" in zh and "月度汇总" in zh and "第1页" in zh and "美发" in zh
    assert "October 2026" not in zh and "Monthly summary" not in zh
    assert "October 2026" in en and "Monthly summary" in en and "Page 1 of" in en and "2026年10月" not in en
    assert i18n._("Monthly summary") == "Monthly summary"
    _screen_is_english()
    data = build_monthly(services.db, "2026-10", settings=services.settings, now=services.clock())
    again = _text(render_pdf_bytes(data, Fmt.for_shop("zh_CN", "Asia/Shanghai", "CNY")))
    assert "2026年10月" in again
    _screen_is_english()


def test_pdfs_drawn_at_once_on_several_workers_all_come_out(services: Services, owner: Actor) -> None:
    """ReportLab keeps the embedded CJK font's subset on the shared font object: without the one
    PDF lock, four Chinese reports drawn at once failed now and then (KeyError in makeSubset,
    about 1 in 40 here). 15 rounds of 4 at once: every one is a whole PDF."""
    generate(services.db, start_month="2026-09", months=2, clients=20, stylists=2, visits_per_day=3, seed=3)
    data = build_monthly(services.db, "2026-10", settings=services.settings, now=services.clock())
    fmts = [Fmt.for_shop(lang, "Asia/Shanghai", "CNY") for lang in ("zh_CN", "en", "zh_CN", "zh_CN")]
    for _round in range(15):
        with ThreadPoolExecutor(max_workers=4) as pool:
            pdfs = list(pool.map(lambda f: render_pdf_bytes(data, f), fmts))
        assert all(p.startswith(b"%PDF") and p.rstrip().endswith(b"%%EOF") for p in pdfs)
    assert "2026年10月" in _text(pdfs[0])


def test_the_tax_number_is_labelled_on_every_receipt(services: Services, owner: Actor) -> None:
    """The second newcomer's walk: once a tax number was saved it printed as a bare number under the
    phone. It is labelled, in the receipt's language, on paper and on the thermal printer."""
    services.shop_details.save_details(owner, {"name": services.shop.info().name, "tax_number": "91310000MA1"})
    co = services.checkout
    bill = co.add_counter_item(co.build_bill(owner), "Blow-dry", 4500)
    view = services.payments.get_sale(services.payments.pay(owner, bill, [PaymentIn("card", bill.total_minor)]).sale_id)
    assert "Tax no. 91310000MA1" in _receipt(view, "en")
    assert "税号 91310000MA1" in _receipt(view, "zh_CN")
    assert "Tax no. 91310000MA1" in receipt_text(view, receipt_fmt(view, "en"))
    assert "税号 91310000MA1" in receipt_text(view, receipt_fmt(view, "zh_CN"))
    _screen_is_english()
