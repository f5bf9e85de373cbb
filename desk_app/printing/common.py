"""What every printed page shares: labels, money and dates, in the page's own ``Fmt``.

A page never changes the screen's language: it is given a ``Fmt`` (language, the
shop's time zone, currency) and says everything through it.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from desk_app.checkout.views import SaleView, VoucherOnSale
from desk_app.domain.money import Money
from desk_app.domain.voucher import shown
from desk_app.i18n import N_, Fmt

# printed labels come in both languages here so a Chinese receipt is Chinese even
# before the catalogs are translated; English goes through gettext as usual
LABELS: dict[str, tuple[str, str]] = {
    "receipt": (N_("Receipt"), "收据"),
    "refund": (N_("Refund"), "退款单"),
    "void": (N_("Void"), "作废单"),
    "original": (N_("Original receipt"), "原收据"),
    "receipt_no": (N_("Receipt no."), "单号"),
    "tax_number": (N_("Tax no."), "税号"),
    "date": (N_("Date"), "日期"),
    "cashier": (N_("Cashier"), "收银员"),
    "client": (N_("Client"), "顾客"),
    "client_no": (N_("Client no."), "会员号"),
    "stylist": (N_("Stylist"), "服务技师"),
    "discount": (N_("Discount"), "折扣"),
    "member_price": (N_("Member price"), "会员价"),
    "tax_incl": (N_("incl. tax"), "含税"),
    "tax_excl": (N_("plus tax"), "加税"),
    "subtotal": (N_("Subtotal"), "小计"),
    "discounts": (N_("Discounts"), "优惠合计"),
    "tax": (N_("Tax"), "税额"),
    "tip": (N_("Tip"), "小费"),
    "rounding": (N_("Rounding"), "抹零"),
    "total": (N_("Total"), "合计"),
    "payments": (N_("Payment"), "付款方式"),
    "tendered": (N_("Tendered"), "实收"),
    "change": (N_("Change"), "找零"),
    "balance_after": (N_("Prepaid balance left"), "储值余额"),
    "sessions_left": (N_("Sessions left"), "剩余次数"),
    "member_status": (N_("Member status"), "会员状态"),
    "vip": (N_("VIP member"), "VIP 会员"),
    "not_member": (N_("Not a member yet"), "普通顾客"),
    "upgraded": (N_("Welcome! This purchase made you a VIP member."), "恭喜！本次消费您已成为 VIP 会员。"),
    "next_appt": (N_("Next appointment"), "下次预约"),
    "policy": (N_("Returns and exchanges"), "退换政策"),
    "thanks": (N_("Thank you for your visit!"), "感谢您的光临！"),
    "reason": (N_("Reason"), "原因"),
    "package": (N_("package session"), "套餐次卡抵扣"),
    "reward": (N_("reward for points"), "积分兑换"),
    "cash": (N_("Cash"), "现金"),
    "card": (N_("Card"), "银行卡"),
    "wechat": (N_("WeChat Pay"), "微信支付"),
    "alipay": (N_("Alipay"), "支付宝"),
    "prepaid": (N_("Paid from prepaid"), "储值卡支付"),
    "care_title": (N_("Your care advice"), "居家护理建议"),
    "care_for": (N_("For"), "顾客"),
    "care_services": (N_("What we did today and how to look after it"), "今日服务与护理要点"),
    "care_products": (N_("Products for home care"), "居家护理产品"),
    "bought": (N_("bought today"), "今日购买"),
    "recommended": (N_("recommended"), "推荐使用"),
    "how_to_use": (N_("How to use"), "使用方法"),
    "contact": (N_("Questions? Call us"), "如有疑问，请致电"),
    "no_next": (N_("Book your next visit with us any time."), "欢迎随时预约下次服务。"),
    "z_title": (N_("End of day (Z report)"), "日结报表（Z 报表）"),
    "drawer": (N_("Cash drawer"), "钱箱"),
    "opened": (N_("Opened"), "开箱"),
    "closed": (N_("Closed"), "关箱"),
    "float": (N_("Float"), "备用金"),
    "cash_sales": (N_("Cash from sales"), "现金收入"),
    "cash_in": (N_("Cash in"), "存入"),
    "cash_out": (N_("Cash out"), "取出"),
    "expected": (N_("Expected in drawer"), "应有现金"),
    "counted": (N_("Counted"), "实点现金"),
    "over_short": (N_("Over / short"), "长短款"),
    "by_method": (N_("Takings by payment method"), "按付款方式汇总"),
    "count": (N_("Count"), "笔数"),
    "amount": (N_("Amount"), "金额"),
    "sales": (N_("Sales"), "销售"),
    "refunds": (N_("Refunds"), "退款"),
    "voids": (N_("Voids"), "作废"),
    "tips": (N_("Tips"), "小费"),
    "topups": (N_("Prepaid top-ups (held, not revenue)"), "储值充值（代收，不计营收）"),
    "sessions": (N_("Package sessions redeemed"), "套餐核销次数"),
    "net": (N_("Net takings"), "净收入"),
    "receipts": (N_("Receipts"), "单据"),
    "open_now": (N_("still open"), "未关箱"),
    "method_total": (N_("All methods"), "全部"),
    "with": (N_("with"), "技师"),
    "voucher": (N_("Gift voucher"), "礼品券"),  # also the payment method that spends one
    "voucher_code": (N_("Code"), "券码"),
    "valid_until": (N_("Valid until"), "有效期至"),
    "no_end_date": (N_("No end date"), "无期限"),
    "voucher_left": (N_("left"), "余额"),
    "points": (N_("Paid with loyalty points"), "积分抵扣"),  # the payment method that spends them
    "points_used": (N_("Points used"), "本次使用积分"),
    "points_earned": (N_("Points earned"), "本次获得积分"),
    "points_back": (N_("Points given back"), "退回积分"),
    "points_taken": (N_("Points taken back"), "扣回积分"),
    "points_balance": (N_("Points balance"), "积分余额"),
}


def points_rows(fmt: Fmt, view: SaleView) -> list[tuple[str, str]]:
    """The loyalty points a sale moved, for the receipt: used, earned (a refund: given back, taken
    back), then the balance after."""
    pv = view.points
    if pv is None:
        return []
    rows = []
    for key, n, sign in (("points_used", pv.used, "-"), ("points_earned", pv.earned, "+"),
                         ("points_back", pv.given_back, "+"), ("points_taken", pv.taken_back, "-")):
        if n:
            rows.append((L(fmt, key), f"{sign}{fmt.number(n)}"))
    rows.append((L(fmt, "points_balance"), fmt.number(pv.balance_after)))
    return rows


def L(fmt: Fmt, key: str) -> str:  # noqa: N802 - short on purpose, used everywhere in layouts
    en, zh = LABELS[key]
    return zh if fmt.is_zh else fmt._(en)


def method_label(fmt: Fmt, method: str) -> str:
    return L(fmt, method) if method in LABELS else method


def money(fmt: Fmt, minor: int, currency: str) -> str:
    return fmt.money(Money.from_minor(minor, currency).amount, currency)


def when(fmt: Fmt, dt: datetime) -> str:
    """A date and time on paper, in the shop's time zone: "2026-11-17 21:00" in Chinese, "Nov 17,
    2026 21:00" in English (Babel's short "11/17/26, 9:00 PM" reads as 11 July outside the US and
    used a 12-hour clock where the screens use 24 hours)."""
    text = fmt.datetime(dt, "yyyy-MM-dd HH:mm") if fmt.is_zh else fmt.when(dt)
    return text.replace("\u202f", " ").replace("\xa0", " ")


def day(fmt: Fmt, d: date) -> str:
    """A date on paper: "2027-12-07" in Chinese, "Dec 7, 2027" in English (as ``when``)."""
    text = fmt.date(d, "yyyy-MM-dd") if fmt.is_zh else fmt.date(d)
    return text.replace("\u202f", " ").replace("\xa0", " ")


def voucher_expiry(fmt: Fmt, v: VoucherOnSale) -> str:
    """"Valid until <date>" under a sold gift voucher, or "No end date"."""
    if v.expires_on is None:
        return L(fmt, "no_end_date")
    return f"{L(fmt, 'valid_until')} {day(fmt, v.expires_on)}"


def voucher_spent(fmt: Fmt, v: VoucherOnSale, currency: str) -> list[str]:
    """The line for a gift voucher a sale spent (or a refund paid back onto), in pieces that may
    each start a line on narrow paper: "Gift voucher K7QM-2XWP-9HD4: ", "¥100.00, ", "left ¥400.00"."""
    colon, comma = ("：", "，") if fmt.is_zh else (": ", ", ")
    return [f"{L(fmt, 'voucher')} {shown(v.code)}{colon}", f"{money(fmt, v.amount_minor, currency)}{comma}",
            f"{L(fmt, 'voucher_left')} {money(fmt, v.balance_minor, currency)}"]


def pct(bp: int) -> str:
    return f"{(Decimal(bp) / 100).normalize()}%"
