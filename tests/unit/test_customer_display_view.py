"""The customer display's views (desk_app/checkout/display.py): the greeting name, the client's
language, the figures adding up to the total, the estimate, VIP progress and the paid sale."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desk_app.checkout import bill as cb
from desk_app.checkout.bill import Bill, DraftLine
from desk_app.checkout.display import (
    bill_screen,
    display_language,
    greeting_name,
    paid_screen,
    staff_first_name,
    vip_progress,
)
from desk_app.checkout.views import NextAppointment, PaidSale, PaymentView
from desk_app.i18n import Fmt
from tests.unit.test_checkout_properties import ctx, line_st, make

ZH = Fmt("zh_CN")
EN = Fmt("en")


def line(name_zh: str, name_en: str, price: int, kind: str = "service", qty: int = 1, **kw: object) -> DraftLine:
    return DraftLine(key="", kind=kind, name_zh=name_zh, name_en=name_en, quantity=qty, unit_price_minor=price,
                     **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "gender", "shown"),
    [
        ("王芳", "female", "王女士"),
        ("张伟", "male", "张先生"),
        ("李小龙", "", "李**"),  # no gender recorded: the rest of the name masked
        ("欧阳娜娜", "female", "欧阳女士"),  # a two-character surname
        ("欧阳", "other", "欧*"),  # too short to be a compound surname and a name
        ("Hélène Dupont", "female", "Hélène"),
        ("  Tom   O'Brien ", "male", "Tom"),
        ("", "female", ""),  # an erased client
    ],
)
def test_the_display_names_a_client_without_their_full_name(name: str, gender: str, shown: str) -> None:
    assert greeting_name(name, gender) == shown


def test_language_and_staff_names() -> None:
    assert display_language("en", "zh_CN") == "en"
    assert display_language("", "zh_CN") == "zh_CN"
    assert display_language(None, "en_US") == "en"
    assert staff_first_name("Leo Liu") == "Leo" and staff_first_name("刘杰") == "刘杰"


def test_the_bill_in_the_clients_language_beside_the_estimate() -> None:
    b = make([line("女士精剪", "Women's cut", 16800), line("护色洗发水", "Colour shampoo", 12800, "product", 2)],
             ctx(spend=420000, estimate=20000))
    zh, en = bill_screen(b, ZH), bill_screen(b, EN)
    assert [x.name for x in zh.lines] == ["女士精剪", "护色洗发水"]
    assert [x.name for x in en.lines] == ["Women's cut", "Colour shampoo"]
    assert en.lines[1].amount_minor == 25600 and en.total_minor == 42400
    assert en.estimate_minor == 20000 and en.above_estimate and en.over_estimate_minor == 22400
    assert not en.over_estimate_agreed
    assert bill_screen(replace(b, over_estimate_agreed=True), EN).over_estimate_agreed
    within = make([line("剪", "Cut", 16800)], ctx(estimate=20000))
    assert not bill_screen(within, EN).above_estimate


def test_vip_progress_takes_the_nearer_way() -> None:
    # ¥4,200 of ¥5,000 full-price before; ¥168 now: ¥632 to go on the running total (nearer than ¥2,832)
    b = make([line("剪", "Cut", 16800)], ctx(spend=420000))
    gap, progress = vip_progress(b)
    assert gap == 63200 and progress == Decimal(500000 - 63200) / Decimal(500000)
    s = bill_screen(b, EN)
    assert s.vip_gap_minor == 63200 and not s.becomes_member and not s.is_member
    # a new client buying ¥2,500: ¥500 more in this purchase reaches the ¥3,000 single-purchase rule
    big = make([line("烫染", "Perm & colour", 250000)], ctx())
    assert vip_progress(big) == (50000, Decimal(250000) / Decimal(300000))
    # this bill makes them one; a member has no gap; no client, no talk
    assert bill_screen(make([line("套餐", "Course", 300000)], ctx()), EN).becomes_member
    assert vip_progress(make([line("剪", "Cut", 16800)], ctx(member=True))) == (None, None)
    assert vip_progress(make([line("剪", "Cut", 16800)], ctx(), client=None)) == (None, None)


@settings(max_examples=150, deadline=None)
@given(st.lists(line_st, min_size=1, max_size=6), st.booleans(), st.booleans(), st.sampled_from([0, 10, 100]))
def test_the_figures_shown_add_up_to_the_total(
    lines: list[DraftLine], include_tax: bool, member: bool, step: int
) -> None:
    b: Bill = make(lines, ctx(include_tax=include_tax, member=member, step=step))
    s = bill_screen(b, EN)
    assert s.subtotal_minor - s.savings_minor + s.tax_added_minor + s.tip_minor + s.rounding_minor == s.total_minor
    assert s.total_minor == b.total_minor and len(s.lines) == len(b.lines)


def test_a_package_session_shows_no_charge() -> None:
    b = make([line("护理", "Facial", 38000, client_package_id=7)], ctx())
    s = bill_screen(b, EN)
    assert s.lines[0].redeemed and s.lines[0].amount_minor == 0 and s.total_minor == 0 and s.savings_minor == 0


def test_the_paid_screen() -> None:
    when = datetime(2026, 12, 23, 7, 30, tzinfo=UTC)
    view = _sale_view(
        payments=(PaymentView(1, "prepaid", 5000, None, 0, ""), PaymentView(2, "cash", 15000, 20000, 5000, "")),
        next_appointment=NextAppointment(when, "Leo Liu", ("女士精剪",), ("Women's cut",)),
    )
    paid = PaidSale(9, "R1", 20000, 5000, True, 3)
    s = paid_screen(paid, view, ZH)
    assert s.payments == (("prepaid", 5000), ("cash", 20000)) and s.handed_minor == 25000
    assert s.change_minor == 5000 and s.total_minor == 20000 and s.became_member
    assert s.next_visit is not None and s.next_visit.services == ("女士精剪",) and s.next_visit.staff_name == "Leo"
    assert paid_screen(paid, view, EN).next_visit.services == ("Women's cut",)  # type: ignore[union-attr]


def _sale_view(**kw: object) -> object:
    from desk_app.checkout.views import SaleView
    from desk_app.shop.service import ShopInfo

    fields = {f: None for f in SaleView.__dataclass_fields__}
    fields.update(currency="CNY", total_minor=20000, lines=(), payments=(), shop=ShopInfo.__new__(ShopInfo))
    fields.update(kw)
    return SaleView(**fields)  # type: ignore[arg-type]


def test_what_the_bill_screen_never_holds() -> None:
    """Only names, amounts and this client's VIP figures: no phone, number, notes or staff fields."""
    from desk_app.checkout.display import BillScreen, DisplayClient, DisplayLine, PaidScreen

    held = set()
    for cls in (BillScreen, DisplayLine, PaidScreen, DisplayClient):
        held |= set(cls.__dataclass_fields__)
    for private in ("phone", "client_number", "notes", "allergies", "staff_name", "client_name", "cost_minor"):
        assert private not in held
    b = make([line("剪", "Cut", 16800, staff_id=3, staff_name="Leo")], replace(ctx(), estimate_minor=None))
    assert "Leo" not in repr(bill_screen(b, EN)) and cb.reprice(b).total_minor == 16800
