"""The shop's region (for phone numbers) and currency, as the client services read them."""

from __future__ import annotations

from sqlalchemy.orm import Session

from desk_app.core.service import shop_row
from desk_app.db.engine import Database


class ShopFacts:
    """Read once and kept (a search runs on every keystroke); each client service holds its own.

    ``forget()`` after the region or currency changed in Settings.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self._shop: tuple[str, str] | None = None

    def region_currency(self, session: Session | None = None) -> tuple[str, str]:
        if self._shop is None:
            if session is None:
                with self.db.uow(write=False) as uow:
                    s = shop_row(uow.session)
                    self._shop = (s.region or "CN", s.currency)
            else:
                s = shop_row(session)
                self._shop = (s.region or "CN", s.currency)
        return self._shop

    def forget(self) -> None:
        self._shop = None
