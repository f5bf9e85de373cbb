"""Purchasing and stocktake rules without a database (docs/stock.md)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# what an order's status and lines say, in words the screens translate
DRAFT, SENT, PARTLY, RECEIVED, CANCELLED = "draft", "sent", "partly", "received", "cancelled"
SCOPES = ("retail", "backbar", "all")  # what a stock count covers


def suggest_quantity(on_hand: int, on_order: int, reorder_level: int, pack_qty: int = 1) -> int:
    """How many to order so the stock comes back to twice its reorder level, counting what is
    already on its way, in whole packs; 0 when the product is above its level or has none."""
    if reorder_level <= 0 or on_hand + on_order > reorder_level:
        return 0
    want = 2 * reorder_level - on_hand - on_order
    pack = max(pack_qty, 1)
    return max(-(-want // pack) * pack, pack)


@dataclass(frozen=True)
class LineQty:
    ordered: int
    received: int

    @property
    def open(self) -> int:
        """Still to come."""
        return max(self.ordered - self.received, 0)


def order_state(status: str, lines: Iterable[LineQty]) -> str:
    """draft | sent | partly | received | cancelled: a sent order's state is read from its lines."""
    if status in (DRAFT, CANCELLED):
        return status
    ls = list(lines)
    if ls and all(ln.open == 0 for ln in ls):
        return RECEIVED
    if any(ln.received for ln in ls):
        return PARTLY
    return SENT


def in_scope(scope: str, is_retail: bool, is_backbar: bool) -> bool:
    """Whether a product is counted in a stock count of ``scope``: the retail shelf holds what is
    sold (a product sold and used is counted there); the back-bar what is only used in services."""
    if scope == "retail":
        return is_retail
    if scope == "backbar":
        return is_backbar and not is_retail
    return True


def variance(counted: int, expected: int) -> int:
    """What a count books: more than the record (+) or less (-)."""
    return counted - expected
