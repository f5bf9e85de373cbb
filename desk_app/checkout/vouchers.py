"""Gift vouchers after they are sold (docs/vouchers.md): look one up by its code, and move its
balance to a new code (a transfer: a lost or passed-on voucher). Selling and spending one are
part of a sale (checkout/record.py); refunding one is the refund of the line that sold it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from desk_app.checkout.ledger import fresh_codes, voucher_move
from desk_app.core.service import (
    ConflictError,
    NotFound,
    ValidationError,
    audit,
    permitted,
    require,
    shop_tz,
)
from desk_app.db.engine import Clock, Database
from desk_app.db.models import GiftVoucher, Sale, Staff, VoucherMovement
from desk_app.domain import voucher as gv
from desk_app.domain.permissions import Actor, Perm
from desk_app.i18n import _

NOTE_MAX = 200


@dataclass(frozen=True)
class VoucherMove:
    at: datetime
    kind: str  # redeem | refund | void | transfer
    amount_minor: int
    balance_after_minor: int
    receipt_no: str
    staff_name: str
    note: str


@dataclass(frozen=True)
class VoucherCard:
    """One voucher as the desk shows it."""

    id: int
    code: str
    state: gv.State
    amount_minor: int  # its value when issued
    balance_minor: int
    currency: str
    issued_at: datetime
    expires_on: date | None
    receipt_no: str  # the sale that sold it ("" for a transfer's new code)
    from_code: str  # the voucher whose balance it carries ("" when sold)
    from_note: str  # why that balance was moved here, as typed ("" when sold)
    to_code: str  # the code its balance moved to ("" unless transferred)
    moves: tuple[VoucherMove, ...]

    @property
    def shown_code(self) -> str:
        return gv.shown(self.code)

    @property
    def state_word(self) -> str:
        return _(gv.STATE_WORDS[self.state])


class VoucherService:
    def __init__(self, db: Database, clock: Clock | None = None) -> None:
        self.db = db if clock is None else db.with_clock(clock)
        self.clock = self.db.clock

    @staticmethod
    def _code(text: str) -> str:
        code = gv.normalize(text)
        if isinstance(code, gv.CodeProblem):
            raise ValidationError({"code": gv.problem_text(code)})
        return code

    def find(self, actor: Actor, text: str) -> VoucherCard:
        """The voucher with this code (typed or scanned, dashes optional)."""
        code = self._code(text)
        require(self.db.uow, actor, Perm.CHECKOUT)
        with self.db.uow(write=False) as uow:
            v = uow.session.scalars(select(GiftVoucher).where(GiftVoucher.code == code)).first()
            if v is None:
                raise NotFound(_("No voucher has that code. Check it against the voucher."))
            return self._card(uow.session, v)

    def recent(self, actor: Actor, query: str = "", limit: int = 100) -> list[VoucherCard]:
        """The vouchers sold or carried over most recently; ``query``: part of a code or a receipt number."""
        require(self.db.uow, actor, Perm.CHECKOUT)
        with self.db.uow(write=False) as uow:
            stmt = select(GiftVoucher).outerjoin(Sale, Sale.id == GiftVoucher.sale_id)
            q = "".join(ch for ch in query.upper() if ch not in " -")
            if q:
                stmt = stmt.where(or_(GiftVoucher.code.contains(q), Sale.receipt_no.contains(q)))
            rows = list(uow.session.scalars(stmt.order_by(GiftVoucher.id.desc()).limit(limit)))
            return self._cards(uow.session, rows, moves=False)

    def transfer(self, actor: Actor, text: str, note: str) -> VoucherCard:
        """Move a valid voucher's whole balance to a new code (its expiry stays); the old code can
        no longer be spent. The owner's right (a balance moved away from whoever holds the code)."""
        code = self._code(text)
        note = note.strip()
        if not note:
            raise ValidationError({"note": _("Say why the balance moves (lost voucher, passed on, ...).")})
        if len(note) > NOTE_MAX:
            raise ValidationError({"note": _("Keep the reason under {n} characters.").format(n=NOTE_MAX)})
        now = self.clock()
        try:
            with permitted(self.db.uow, actor, Perm.REFUND) as (uow, _known):
                s = uow.session
                old = s.scalars(select(GiftVoucher).where(GiftVoucher.code == code)).first()
                if old is None:
                    raise NotFound(_("No voucher has that code. Check it against the voucher."))
                today = now.astimezone(shop_tz(s)).date()
                st = gv.state(old.closed, old.balance_minor, old.expires_on, today)
                if st is not gv.State.ACTIVE:
                    raise ValidationError(
                        {"code": _("Only a valid voucher with money left can move to a new code; this one is: "
                                   "{state}.").format(state=_(gv.STATE_WORDS[st]))}
                    )
                balance = old.balance_minor
                new = GiftVoucher(
                    code=fresh_codes(s, 1)[0], branch_id=actor.branch_id, sale_id=None, from_voucher_id=old.id,
                    amount_minor=balance, balance_minor=balance, currency=old.currency, issued_at=now,
                    expires_on=old.expires_on, closed="", staff_id=actor.staff_id,
                )
                s.add(new)
                s.flush()
                voucher_move(s, old, "transfer", -balance, None, actor.staff_id, now, note)  # the reason, as typed
                old.closed = "transferred"
                audit(s, actor, "voucher_transfer", "gift_voucher", old.id, at=now,
                      before={"code": old.code, "balance_minor": balance},
                      after={"code": new.code, "balance_minor": balance, "note": note})
                s.flush()
                card = self._card(s, new)
                uow.commit()
                return card
        except StaleDataError as exc:
            raise ConflictError(
                _("The voucher was spent or changed at another desk a moment ago. Nothing was moved; look it up again.")
            ) from exc

    def _card(self, s: Session, v: GiftVoucher, moves: bool = True) -> VoucherCard:
        return self._cards(s, [v], moves)[0]

    def _cards(self, s: Session, vouchers: list[GiftVoucher], moves: bool) -> list[VoucherCard]:
        """Cards for these vouchers, with a fixed number of queries however many there are."""
        today = self.clock().astimezone(shop_tz(s)).date()
        sale_ids = {v.sale_id for v in vouchers if v.sale_id}
        receipts = dict(s.execute(select(Sale.id, Sale.receipt_no).where(Sale.id.in_(sale_ids))).all()) if sale_ids else {}
        from_ids = {v.from_voucher_id for v in vouchers if v.from_voucher_id}
        from_codes = dict(s.execute(select(GiftVoucher.id, GiftVoucher.code).where(GiftVoucher.id.in_(from_ids))).all()) \
            if from_ids else {}
        from_notes = dict(s.execute(
            select(VoucherMovement.voucher_id, VoucherMovement.note)
            .where(VoucherMovement.voucher_id.in_(from_ids), VoucherMovement.kind == "transfer")
        ).all()) if from_ids else {}
        moved_ids = [v.id for v in vouchers if v.closed == "transferred"]
        to_codes = dict(s.execute(
            select(GiftVoucher.from_voucher_id, GiftVoucher.code).where(GiftVoucher.from_voucher_id.in_(moved_ids))
        ).all()) if moved_ids else {}
        history: dict[int, list[VoucherMove]] = {v.id: [] for v in vouchers}
        if moves and vouchers:
            for m, rno, who in s.execute(
                select(VoucherMovement, Sale.receipt_no, Staff.name)
                .outerjoin(Sale, Sale.id == VoucherMovement.sale_id)
                .outerjoin(Staff, Staff.id == VoucherMovement.staff_id)
                .where(VoucherMovement.voucher_id.in_(list(history)))
                .order_by(VoucherMovement.id)
            ):
                history[m.voucher_id].append(
                    VoucherMove(m.at, m.kind, m.amount_minor, m.balance_after_minor, rno or "", who or "", m.note))
        return [
            VoucherCard(
                id=v.id, code=v.code, state=gv.state(v.closed, v.balance_minor, v.expires_on, today),
                amount_minor=v.amount_minor, balance_minor=v.balance_minor, currency=v.currency,
                issued_at=v.issued_at, expires_on=v.expires_on, receipt_no=receipts.get(v.sale_id or 0, "") or "",
                from_code=from_codes.get(v.from_voucher_id or 0, "") or "",
                from_note=from_notes.get(v.from_voucher_id or 0, "") or "",
                to_code=to_codes.get(v.id, "") or "", moves=tuple(history[v.id]),
            )
            for v in vouchers
        ]
