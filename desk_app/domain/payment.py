"""How a bill is paid, and the one word shown for each on screens and in the monthly report.
(The receipt's own paper words, with their fixed Chinese, are in desk_app/printing/common.py.)"""

from __future__ import annotations

from enum import StrEnum

from desk_app.i18n import N_, _


class PaymentMethod(StrEnum):
    CASH = "cash"
    CARD = "card"
    WECHAT = "wechat"  # WeChat Pay
    ALIPAY = "alipay"
    PREPAID = "prepaid"  # from the client's prepaid balance
    PACKAGE = "package"  # a session of a package the client bought (a redemption, not money taken)
    VOUCHER = "voucher"  # from a gift voucher's balance, by its code (docs/vouchers.md)
    POINTS = "points"  # the client's loyalty points (docs/loyalty.md): never money taken

    @property
    def label(self) -> str:
        return _(METHOD_LABELS[self])


METHOD_LABELS: dict[PaymentMethod, str] = {  # N_() marked, translated where shown
    PaymentMethod.CASH: N_("Cash"),
    PaymentMethod.CARD: N_("Card"),
    PaymentMethod.WECHAT: N_("WeChat Pay"),
    PaymentMethod.ALIPAY: N_("Alipay"),
    PaymentMethod.PREPAID: N_("Prepaid balance"),
    PaymentMethod.PACKAGE: N_("Package session"),
    PaymentMethod.VOUCHER: N_("Gift voucher"),
    PaymentMethod.POINTS: N_("Loyalty points"),
}
# what the counter can take for a bill, in the order the buttons show
COUNTER_METHODS: tuple[PaymentMethod, ...] = (
    PaymentMethod.CASH,
    PaymentMethod.CARD,
    PaymentMethod.WECHAT,
    PaymentMethod.ALIPAY,
    PaymentMethod.PREPAID,
    PaymentMethod.VOUCHER,
    PaymentMethod.POINTS,
)
# spending money taken earlier (a balance, a package, a voucher), or loyalty points: not money taken now
STORED_METHODS: tuple[PaymentMethod, ...] = (
    PaymentMethod.PREPAID, PaymentMethod.PACKAGE, PaymentMethod.VOUCHER, PaymentMethod.POINTS,
)
