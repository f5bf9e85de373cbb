"""What the customer-facing display shows (docs/counter-hardware.md): plain views of the bill being
built and of the paid sale, in the client's language, holding nothing but this bill and a short
name to greet this client by.

Nothing private reaches the display: no phone, number, notes, allergies, formulas, staff-only
figures or prepaid balance (the screen faces the waiting area), and never another client. The
client is named by :func:`greeting_name`: a Chinese name as the counter says it aloud (the surname
and 女士/先生), a Latin name by its first word (the given name, as Western salons address a
client). Either confirms "this is my bill" to the client at the desk without spelling out their
full name to the people waiting behind them.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from desk_app.checkout.bill import GOODS_KINDS, TIP, Bill
from desk_app.checkout.views import PaidSale, SaleView
from desk_app.domain import vip
from desk_app.domain.money import Money
from desk_app.i18n import Fmt, normalise_language

# two-character Chinese surnames (欧阳娜娜 is Ms 欧阳, not Ms 欧)
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 令狐 端木 独孤 南宫 西门 轩辕 "
    "呼延 万俟 澹台 公冶 宗政 濮阳 太史 申屠 钟离 闻人 赫连 司空 百里 东郭 仲孙".split()
)
TITLES_ZH = {"female": "女士", "male": "先生"}


def _is_cjk(ch: str) -> bool:
    return unicodedata.name(ch, "").startswith("CJK UNIFIED IDEOGRAPH")


def greeting_name(name: str, gender: str = "") -> str:
    """How the display names the client: 王女士 / 王先生 (a Chinese name: surname and title; with no
    gender recorded the rest of the name is masked, 王*), or the first word of a Latin name (Hélène).
    "" for no name (an erased client)."""
    name = " ".join(name.split())
    if not name:
        return ""
    if _is_cjk(name[0]):
        compact = name.replace(" ", "").replace("·", "")
        surname = compact[:2] if len(compact) > 2 and compact[:2] in COMPOUND_SURNAMES else compact[:1]
        title = TITLES_ZH.get(gender)
        if title:
            return surname + title
        return surname + "*" * max(1, len(compact) - len(surname))
    return name.split(" ")[0]


def display_language(client_language: str | None, shop_language: str | None) -> str:
    """The client's language when recorded, else the shop's."""
    return normalise_language(client_language or shop_language)


@dataclass(frozen=True)
class DisplayClient:
    """The bill's client, as much as the display may know."""

    client_id: int
    language: str  # zh_CN | en | "" (not recorded)
    greeting: str  # greeting_name()


@dataclass(frozen=True)
class DisplayLine:
    name: str  # in the display's language
    kind: str
    quantity: int
    amount_minor: int  # before discounts (a tip: its amount; a package session: 0)
    redeemed: bool  # a session of a package the client bought before, or a reward for points
    reward: bool = False  # free for the client's loyalty points (docs/loyalty.md)


@dataclass(frozen=True)
class BillScreen:
    """The bill as the client sees it. ``subtotal - savings + tax_added + tip + rounding == total``."""

    currency: str
    lines: tuple[DisplayLine, ...]
    subtotal_minor: int
    savings_minor: int  # discounts, the VIP price and an owed voucher, together
    member_price_minor: int  # of which the VIP price
    tax_added_minor: int  # tax added on top of the prices (0 when prices include it)
    tip_minor: int
    rounding_minor: int
    total_minor: int
    goods_minor: int  # services and products: what the estimate is compared with
    estimate_minor: int | None  # the estimate the client confirmed
    over_estimate_minor: int  # how much the services and products are above it (0: not above)
    over_estimate_agreed: bool
    is_member: bool
    becomes_member: bool  # this bill makes the client a VIP
    vip_gap_minor: int | None  # this much more full-price spend today makes the client a VIP
    vip_progress: Decimal | None  # 0..1, how far along the nearer way to VIP the client is

    @property
    def empty(self) -> bool:
        return not self.lines

    @property
    def above_estimate(self) -> bool:
        return self.over_estimate_minor > 0


def vip_progress(bill: Bill) -> tuple[int | None, Decimal | None]:
    """(gap, progress) toward membership: the smaller of the two gaps (this purchase, the running
    full-price total) and how far along that way the client is. (None, None) without a client, for a
    member, or when this bill already makes them one."""
    gap = bill.vip_gap_minor
    if gap is None:
        return None, None
    cur = bill.currency
    rule = bill.ctx.vip_rule
    single_t = Money.of(rule.single_purchase_threshold, cur).minor
    cumulative_t = Money.of(rule.cumulative_threshold, cur).minor
    single_gap = single_t - bill.goods_total_minor
    cumulative_gap = cumulative_t - (bill.ctx.client_full_price_spend_minor + bill.full_price_goods_minor)
    threshold = single_t if single_gap <= cumulative_gap else cumulative_t
    if threshold <= 0:
        return gap, Decimal(1)
    done = max(0, min(threshold, threshold - gap))
    return gap, Decimal(done) / Decimal(threshold)


def bill_screen(bill: Bill, fmt: Fmt) -> BillScreen:
    """The display's view of ``bill``; line names in ``fmt``'s language."""
    p = bill.p
    lines: list[DisplayLine] = []
    savings = 0
    for ln, pl in zip(bill.lines, p.lines, strict=True):
        if ln.kind == TIP:
            amount = pl.line_total_minor
        elif ln.redeemed:
            amount = 0
        else:
            amount = pl.gross_minor
            savings += pl.discount_minor + pl.member_discount_minor
        lines.append(DisplayLine(fmt.pick(ln.name_zh, ln.name_en), ln.kind, ln.quantity, amount, ln.redeemed,
                                 ln.reward_id is not None))
    subtotal = sum(d.amount_minor for d in lines if d.kind != TIP)
    gap, progress = vip_progress(bill)
    decision: vip.VipDecision = bill.vip_decision
    return BillScreen(
        currency=bill.currency,
        lines=tuple(lines),
        subtotal_minor=subtotal,
        savings_minor=savings,
        member_price_minor=p.member_discount_minor,
        tax_added_minor=0 if p.prices_include_tax else p.tax_minor,
        tip_minor=p.tip_minor,
        rounding_minor=p.rounding_minor,
        total_minor=p.total_minor,
        goods_minor=sum(pl.line_total_minor for pl in p.lines if pl.line.kind in GOODS_KINDS),
        estimate_minor=bill.ctx.estimate_minor,
        over_estimate_minor=bill.over_estimate_minor,
        over_estimate_agreed=bill.over_estimate_agreed,
        is_member=bill.ctx.is_member,
        becomes_member=decision.becomes_member,
        vip_gap_minor=gap,
        vip_progress=progress,
    )


@dataclass(frozen=True)
class NextVisit:
    start_at: datetime
    staff_name: str
    services: tuple[str, ...]  # in the display's language


@dataclass(frozen=True)
class PaidScreen:
    """A paid sale on the display: what was due, what was handed over, the change; then the
    thank-you with the next appointment."""

    currency: str
    total_minor: int
    payments: tuple[tuple[str, int], ...]  # (method, amount handed over: cash tendered, else the amount)
    handed_minor: int
    change_minor: int
    became_member: bool
    next_visit: NextVisit | None


def paid_screen(paid: PaidSale, view: SaleView, fmt: Fmt) -> PaidScreen:
    pays = tuple(
        (p.method, p.tendered_minor if p.method == "cash" and p.tendered_minor is not None else p.amount_minor)
        for p in view.payments
    )
    nxt = view.next_appointment
    return PaidScreen(
        currency=view.currency,
        total_minor=view.total_minor,
        payments=pays,
        handed_minor=sum(a for _m, a in pays),
        change_minor=paid.change_minor,
        became_member=paid.member_upgrade,
        next_visit=None
        if nxt is None
        else NextVisit(
            nxt.start_at,
            staff_first_name(nxt.staff_name),
            tuple(fmt.pick(zh, en) for zh, en in zip(nxt.service_names_zh, nxt.service_names_en, strict=True)),
        ),
    )


def staff_first_name(name: str) -> str:
    """The stylist as the client knows them (Leo, 刘杰): the first word of a Latin name, a Chinese name whole."""
    name = " ".join(name.split())
    if not name or _is_cjk(name[0]):
        return name
    return name.split(" ")[0]
