"""Receipts, care sheets and the Z report are read back from the PDFs (pypdf)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from escpos.printer import Dummy
from pypdf import PdfReader

from desk_app.checkout.service import PaymentIn
from desk_app.checkout.views import SaleView
from desk_app.cli import run as cli_run
from desk_app.container import Services
from desk_app.domain.permissions import Actor
from desk_app.i18n import Fmt
from desk_app.printing.care_sheet import render_care_sheet
from desk_app.printing.escpos_out import _cols, print_receipt_escpos, receipt_text
from desk_app.printing.receipt import receipt_fmt, render_receipt
from desk_app.printing.z_report import render_z_report
from tests.conftest import OWNER_PIN, FakeClock
from tests.integration.test_checkout_support import new_client, new_staff, visit_at_checkout


def _text(data: bytes) -> tuple[str, int]:
    r = PdfReader(io.BytesIO(data))
    return "\n".join(p.extract_text() for p in r.pages), len(r.pages)


@pytest.fixture
def sale(services: Services, owner: Actor, clock: FakeClock) -> SaleView:
    db = services.db
    leo = new_staff(db, owner.branch_id, "Leo")
    cid = new_client(db, "王芳")
    co = services.checkout
    b = co.add_topup(co.build_bill(owner, client_id=cid), 50000)
    services.payments.pay(owner, b, [PaymentIn("card", 50000)])
    vid = visit_at_checkout(
        db, clock, owner.branch_id, cid, leo.staff_id, ["COL-ROOT"], suggested=["SH-COL-250"]
    )
    bill = co.build_bill(owner, visit_id=vid)
    bill = co.add_by_code(bill, "CO-COL-250")
    bill = co.agree_over_estimate(bill, "ok")
    bill = co.add_tip(bill, leo.staff_id, 3000)
    cash = bill.total_minor - 20000
    paid = services.payments.pay(
        owner, bill, [PaymentIn("prepaid", 20000), PaymentIn("cash", cash, tendered_minor=cash + 500)]
    )
    return services.payments.get_sale(paid.sale_id)


@pytest.mark.parametrize("layout", ["80mm", "58mm", "a5"])
def test_receipt_layouts_in_chinese_and_english(sale: SaleView, layout: str) -> None:
    zh, en = io.BytesIO(), io.BytesIO()
    assert render_receipt(sale, zh, receipt_fmt(sale, "zh_CN"), layout) == 1
    assert render_receipt(sale, en, receipt_fmt(sale, "en"), layout) == 1
    tzh, _n = _text(zh.getvalue())
    ten, _n = _text(en.getvalue())
    for needle in (
        "收据",
        "发根补染",
        "护色护发素",
        "Leo",
        "合计",
        "找零",
        "储值余额",
        sale.receipt_no,
        "王芳",
        "退换政策",
    ):
        assert needle in tzh, needle
    for needle in (
        "Receipt",
        "Root colour",
        "Colour-care conditioner",
        "Total",
        "Change",
        "Prepaid balance",
        "Returns and exchanges",
    ):
        assert needle in ten, needle
    total = f"{sale.total_minor // 100:,}.{sale.total_minor % 100:02d}"
    assert total in tzh and total in ten
    assert "300.00" in tzh  # 500 - 200 left on the prepaid account
    assert "5.00" in ten  # the change


def test_receipt_width_follows_the_paper(sale: SaleView) -> None:
    widths = {}
    for layout in ("80mm", "58mm", "a5"):
        buf = io.BytesIO()
        render_receipt(sale, buf, receipt_fmt(sale, "en"), layout)
        widths[layout] = float(PdfReader(io.BytesIO(buf.getvalue())).pages[0].mediabox.width)
    assert round(widths["80mm"]) == 227 and round(widths["58mm"]) == 164 and round(widths["a5"]) == 420


def test_care_sheet_is_one_page_with_advice(sale: SaleView) -> None:
    for lang, needles in (
        ("zh_CN", ("居家护理建议", "染发后 48 小时内不要洗头", "护色洗发水", "推荐使用", "今日购买", "王芳")),
        (
            "en",
            (
                "Your care advice",
                "Wait 48 hours",
                "Colour-care shampoo",
                "recommended",
                "bought today",
                "Leo",
            ),
        ),
    ):
        buf = io.BytesIO()
        assert render_care_sheet(sale, buf, receipt_fmt(sale, lang)) == 1
        text, pages = _text(buf.getvalue())
        assert pages == 1
        for n in needles:
            assert n in text.replace("\n", ""), n


def test_refund_receipt_names_the_original(services: Services, owner: Actor, sale: SaleView) -> None:
    r = services.payments.refund(owner, sale.id, [sale.lines[1].id], "wrong shade")
    buf = io.BytesIO()
    refund = services.payments.get_sale(r.sale_id)
    render_receipt(refund, buf, receipt_fmt(refund, "en"), "80mm")
    text, _n = _text(buf.getvalue())
    assert "Refund" in text and sale.receipt_no in text and "wrong shade" in text


def test_z_report_pdf(services: Services, owner: Actor) -> None:
    cash = services.cash
    cash.open(owner, 50000)
    co = services.checkout
    b = co.add_counter_item(co.build_bill(owner), "修眉 Brow shaping", 8800)
    services.payments.pay(owner, b, [PaymentIn("cash", 8800, tendered_minor=10000)])
    d = cash.close(owner, 58800)
    buf = io.BytesIO()
    assert render_z_report(cash.z_report(d.id), buf, Fmt.for_shop("zh_CN", "Asia/Shanghai", "CNY")) == 1
    text, _n = _text(buf.getvalue())
    assert "日结报表" in text and "588.00" in text and "现金" in text


def test_escpos_bytes_are_gb18030(sale: SaleView) -> None:
    printer = Dummy()
    print_receipt_escpos(sale, printer, receipt_fmt(sale, "zh_CN"), 48)
    out = printer.output
    assert "发根补染".encode("gb18030") in out and "合计".encode("gb18030") in out
    assert sale.receipt_no.encode() in out
    lines = receipt_text(sale, receipt_fmt(sale, "zh_CN"), 48).splitlines()
    paired = [ln for ln in lines if "  " in ln.strip() and ln.strip()[-1].isdigit()]
    assert paired and all(_cols(ln) == 48 for ln in paired), paired


def test_cli_reprints_receipt_and_care_sheet(
    sale: SaleView, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DESK_APP_PIN", OWNER_PIN)  # the owner runs the commands (desk_app/cli/owner.py)
    out = tmp_path / "r.pdf"
    assert (
        cli_run(["receipt", "--db", str(db_path), "--sale", str(sale.id), "--pdf", str(out), "--lang", "en"])
        == 0
    )
    assert "Root colour" in _text(out.read_bytes())[0]
    care = tmp_path / "c.pdf"
    assert (
        cli_run(
            [
                "receipt",
                "--db",
                str(db_path),
                "--sale",
                str(sale.id),
                "--pdf",
                str(care),
                "--care-sheet",
                "--layout",
                "a5",
            ]
        )
        == 0
    )
    assert _text(care.read_bytes())[1] == 1
    assert cli_run(["receipt", "--db", str(db_path), "--sale", "9999", "--pdf", str(out)]) == 2


def test_cli_finds_a_sale_by_its_printed_receipt_number(
    sale: SaleView, db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DESK_APP_PIN", OWNER_PIN)  # the owner runs the commands (desk_app/cli/owner.py)
    out = tmp_path / "r.pdf"
    number = sale.receipt_no.lower()  # as typed from the paper, in any case
    assert cli_run(["receipt", "--db", str(db_path), "--sale", number, "--pdf", str(out), "--lang", "en"]) == 0
    assert sale.receipt_no in capsys.readouterr().out and "Root colour" in _text(out.read_bytes())[0]
    assert cli_run(["receipt", "--db", str(db_path), "--sale", "R99999999", "--pdf", str(out)]) == 2
    assert "no sale R99999999" in capsys.readouterr().err
    for bad in ("R", "12x", "0", "-3"):
        assert cli_run(["receipt", "--db", str(db_path), "--sale", bad, "--pdf", str(out)]) == 2
        assert "receipt number (R00000123)" in capsys.readouterr().err
    assert cli_run(["receipt", "--db", str(db_path), "--sale", str(sale.id), "--pdf", str(out), "--lang", "fr"]) == 2
    assert "not a language of the app" in capsys.readouterr().err
