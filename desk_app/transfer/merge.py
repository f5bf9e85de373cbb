"""Possible duplicates and merging two profiles of one person (docs/clients.md, "Duplicates").

The owner (``Perm.CLIENT_MERGE``) sees the pairs ``domain/duplicates.find_pairs`` finds, compares
two profiles side by side, and either says they are two people (``not_the_same``: never offered
again) or merges one into the other (``merge``), in one unit of work:

- every row of the merged profile's history (visits, sales, appointments, packages, consents,
  formulas, patch tests, follow-ups, complaints, messages...) moves to the kept profile; the ids
  moved are kept in the merge record;
- a prepaid balance and loyalty points move as two movements of kind ``merge`` (out of the merged
  profile's account, into the kept one's), so every account stays the sum of its movements; a
  deposit held for a booking must be taken or released first;
- the kept profile takes what it lacks (phone, e-mail, WeChat, birthday...), adds the other's
  allergies, contraindications, preferences and notes (never loses a safety note), the later of
  each consent statement, and the other's visits, spend and no-shows;
- the merged profile stays, marked ``merged_into_id``: not listed, found, messaged or booked.

``undo`` puts it back as a new record (the merge record's ``undone_at``): the rows moved go back,
the balances move back (refused if the kept profile has since spent them), and each field the merge
changed goes back unless someone changed it since. Both are audited.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from desk_app.checkout.ledger import prepaid_account, prepaid_move
from desk_app.clients.phones import quick_phone
from desk_app.clients.search_text import build_search_fields
from desk_app.clients.shop_facts import ShopFacts
from desk_app.core.service import ConflictError, NotFound, ServiceError, ValidationError, audit, can, require
from desk_app.db.engine import Clock, Database, connection_of, touched
from desk_app.db.models import (
    Base,
    Client,
    ClientMerge,
    NotDuplicate,
    OutreachTask,
    PointsAccount,
    PointsMovement,
    PrepaidAccount,
    Staff,
    client_listed,
)
from desk_app.domain import duplicates as dup
from desk_app.domain.money import Money
from desk_app.domain.permissions import Actor, Perm, mask_phone
from desk_app.i18n import _

# the tables a merge does not move row by row: the balances move as movements, an erasure stays
# with its profile, the summaries follow their triggers, and the merge records name both profiles
NOT_MOVED = {"prepaid_accounts", "points_accounts", "erasures", "client_merges", "not_duplicates", "clients"}
FILLED = ("phone", "email", "wechat_id", "gender", "skin_type", "hair_type", "language", "external_id",
          "favourite_staff_id", "branch_id")  # fmt: skip
JOINED = ("allergies", "contraindications")  # safety notes: the kept profile gets both
CONSENTS = ("privacy", "marketing", "sms", "email")
COUNTS = ("visit_count", "no_show_count", "late_cancel_count", "total_spend_minor", "full_price_spend_minor")
DATES = {"birthday", "prepaid_expires_on"}
TIMES = {"first_visit_at", "last_visit_at", "member_since"} | {f"{c}_consent_at" for c in CONSENTS}
CHUNK = 500


def reason_label(reason: str) -> str:
    return {
        "phone": _("same phone"),
        "email": _("same e-mail"),
        "phone_tail": _("same phone ending"),
        "name_birthday": _("similar name, same birthday"),
        "pinyin": _("same pinyin"),
        "name": _("same name, one without contact details"),
        "same_name": _("same uncommon name"),
    }.get(reason, reason)


@dataclass(frozen=True)
class ProfileSide:
    """One profile of a possible pair, as the owner compares them."""

    id: int
    version: int
    client_number: str
    name: str
    phone: str  # formatted, or masked for someone who may not see phones
    email: str
    birthday: date | None
    created_at: datetime
    last_visit_at: datetime | None
    visits: int
    spend: Decimal
    prepaid: Decimal
    points: int
    allergies: str
    currency: str


@dataclass(frozen=True)
class DuplicatePair:
    a: ProfileSide  # the one to keep by default: more visits, then the older profile
    b: ProfileSide
    reasons: tuple[str, ...]
    score: int

    @property
    def reason_text(self) -> str:
        return _(", ").join(reason_label(r) for r in self.reasons)


@dataclass(frozen=True)
class MergeRecord:
    id: int
    kept_id: int
    kept_number: str
    merged_id: int
    merged_number: str
    merged_name: str
    at: datetime
    staff_name: str
    rows_moved: int
    prepaid: Decimal
    points: int
    undone_at: datetime | None
    undone_by: str
    fields: tuple[str, ...] = ()  # the kept profile's fields the merge filled or added to


def moved_tables() -> list[Table]:
    """Every table with a ``client_id`` that references a client, but those in NOT_MOVED."""
    out = []
    for table in Base.metadata.sorted_tables:
        col = table.c.get("client_id")
        if col is None or table.name in NOT_MOVED:
            continue
        if any(fk.column.table.name == "clients" for fk in col.foreign_keys):
            out.append(table)
    return out


def _enc(value: Any) -> Any:
    """A field's value as JSON keeps it (dates as ISO text)."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def _dec(field: str, value: Any) -> Any:
    if value is None:
        return None
    if field in DATES:
        return date.fromisoformat(value)
    if field in TIMES:
        return datetime.fromisoformat(value)
    return value


def _later(a: datetime | None, b: datetime | None) -> bool:
    """Whether statement ``b`` is later than ``a`` (a statement never made is earliest)."""
    return b is not None and (a is None or b > a)


class MergeService:
    """Each public method is one person's action (one unit of work) or one read."""

    def __init__(self, db: Database, clock: Clock | None = None) -> None:
        self.db = db if clock is None else db.with_clock(clock)
        self.clock = self.db.clock
        self.shop = ShopFacts(self.db)

    # -- reading ---------------------------------------------------------------------
    def possible_duplicates(self, actor: Actor, limit: int = 300) -> list[DuplicatePair]:
        """The pairs of listed clients that may be one person, strongest first."""
        require(self.db.uow, actor, Perm.CLIENT_MERGE)
        region, currency = self.shop.region_currency()
        with self.db.uow(write=False) as uow:
            s = uow.session
            people = [
                dup.Person(int(i), n or "", py or "", d or "", e or "", b)
                for i, n, py, d, e, b in s.execute(
                    select(Client.id, Client.name, Client.name_pinyin, Client.phone_digits, Client.email,
                           Client.birthday).where(client_listed())
                )
            ]
            not_same = [(int(a), int(b)) for a, b in s.execute(select(NotDuplicate.low_id, NotDuplicate.high_id))]
            pairs = dup.find_pairs(people, not_same, limit)
            sides = self._sides(s, {i for p in pairs for i in (p.low_id, p.high_id)}, actor, region, currency)
        out = []
        for p in pairs:
            a, b = sides[p.low_id], sides[p.high_id]
            if (b.visits, -b.id) > (a.visits, -a.id):  # keep the one with more history (then the older)
                a, b = b, a
            out.append(DuplicatePair(a, b, p.reasons, p.score))
        return out

    def side(self, actor: Actor, client_id: int) -> ProfileSide:
        require(self.db.uow, actor, Perm.CLIENT_MERGE)
        region, currency = self.shop.region_currency()
        with self.db.uow(write=False) as uow:
            found = self._sides(uow.session, {client_id}, actor, region, currency)
        if client_id not in found:
            raise NotFound(_("That client no longer exists."))
        return found[client_id]

    def _sides(self, s: Session, ids: Iterable[int], actor: Actor, region: str, currency: str) -> dict[int, ProfileSide]:
        ids = list(ids)
        see = can(s, actor, Perm.SEE_PHONE)
        out: dict[int, ProfileSide] = {}
        for i in range(0, len(ids), CHUNK):
            chunk = ids[i:i + CHUNK]
            q = (
                select(Client, PrepaidAccount.balance_minor, PointsAccount.balance)
                .outerjoin(PrepaidAccount, PrepaidAccount.client_id == Client.id)
                .outerjoin(PointsAccount, PointsAccount.client_id == Client.id)
                .where(Client.id.in_(chunk), client_listed())
            )
            for c, prepaid, points in s.execute(q):
                out[c.id] = ProfileSide(
                    id=c.id, version=c.version, client_number=c.client_number, name=c.name,
                    phone=(quick_phone(c.phone, region) if see else mask_phone(c.phone)) if c.phone else "",
                    email=c.email, birthday=c.birthday, created_at=c.created_at, last_visit_at=c.last_visit_at,
                    visits=c.visit_count, spend=Money.from_minor(c.total_spend_minor, currency).amount,
                    prepaid=Money.from_minor(prepaid or 0, currency).amount, points=int(points or 0),
                    allergies=" ".join(x for x in (c.allergies, c.contraindications) if x), currency=currency,
                )  # fmt: skip
        return out

    def merges_of(self, actor: Actor, client_id: int) -> list[MergeRecord]:
        """The merges into this client, and the one that merged it into another, newest first."""
        require(self.db.uow, actor, Perm.CLIENT_VIEW)
        with self.db.uow(write=False) as uow:
            s = uow.session
            recs = s.scalars(
                select(ClientMerge)
                .where((ClientMerge.kept_id == client_id) | (ClientMerge.merged_id == client_id))
                .order_by(ClientMerge.id.desc())
            ).all()
            return [self._record(s, r) for r in recs]

    def _record(self, s: Session, r: ClientMerge) -> MergeRecord:
        kept, merged = s.get(Client, r.kept_id), s.get(Client, r.merged_id)
        assert kept is not None and merged is not None
        names = {int(i): str(n) for i, n in s.execute(select(Staff.id, Staff.name).where(Staff.id.in_(
            [x for x in (r.staff_id, r.undone_by_id) if x is not None])))}
        _region, currency = self.shop.region_currency(s)
        return MergeRecord(
            id=r.id, kept_id=r.kept_id, kept_number=kept.client_number, merged_id=r.merged_id,
            merged_number=merged.client_number, merged_name=merged.name, at=r.at,
            staff_name=names.get(r.staff_id, "") if r.staff_id else "",
            rows_moved=sum(len(v) for v in (r.moved or {}).values()),
            prepaid=Money.from_minor(r.prepaid_minor, currency).amount, points=r.points,
            undone_at=r.undone_at, undone_by=names.get(r.undone_by_id, "") if r.undone_by_id else "",
            fields=tuple(f for f in (r.kept_after or {}) if f not in COUNTS and not f.endswith(("_at", "_md"))
                         and f not in ("first_visit_at", "last_visit_at", "member_since")),
        )  # fmt: skip

    # -- deciding ----------------------------------------------------------------------
    def not_the_same(self, actor: Actor, a_id: int, b_id: int) -> None:
        """The owner says the two are two people: the pair is not offered again."""
        known = require(self.db.uow, actor, Perm.CLIENT_MERGE)
        low, high = min(a_id, b_id), max(a_id, b_id)
        if low == high:
            raise ValidationError({"merge": _("Choose two different clients.")})
        now = self.clock()
        with self.db.uow() as uow:
            s = uow.session
            if s.get(Client, low) is None or s.get(Client, high) is None:
                raise NotFound(_("That client no longer exists."))
            exists = s.scalar(select(NotDuplicate.id).where(NotDuplicate.low_id == low, NotDuplicate.high_id == high))
            if exists is None:
                s.add(NotDuplicate(low_id=low, high_id=high, at=now, staff_id=known.staff_id))
                audit(s, known, "not_duplicate", "client", low, after={"other": high}, at=now)
            uow.commit()

    def merge(
        self, actor: Actor, keep_id: int, keep_version: int, merged_id: int, merged_version: int,
        reasons: Iterable[str] = (),
    ) -> MergeRecord:
        """Merge ``merged_id`` into ``keep_id`` (both as the owner last saw them: a profile changed
        since is refused with ``ConflictError``, nothing written)."""
        known = require(self.db.uow, actor, Perm.CLIENT_MERGE)
        if keep_id == merged_id:
            raise ValidationError({"merge": _("Choose two different clients.")})
        now = self.clock()
        with self.db.uow() as uow:
            s = uow.session
            keep, gone = _locked(s, keep_id, merged_id)
            if keep is None or gone is None or keep.gone or gone.gone:
                raise NotFound(_("One of the two profiles was merged, erased or removed meanwhile. Look again."))
            if keep.version != keep_version or gone.version != merged_version:
                raise ConflictError(_("Someone changed one of the two profiles meanwhile. Nothing was merged; "
                                      "compare them again."))
            g_acct = s.scalars(select(PrepaidAccount).where(PrepaidAccount.client_id == gone.id)).first()
            if g_acct is not None and g_acct.held_minor:
                raise ValidationError({"merge": _(
                    "{name} ({number}) has a deposit held for a booking. Take or release it first (or keep "
                    "that profile and merge the other into it)."
                ).format(name=gone.name, number=gone.client_number)})
            moved = self._move_rows(s, gone.id, keep.id)
            prepaid = self._move_prepaid(s, known, g_acct, keep, gone, now)
            points = self._move_points(s, known, keep, gone, now)
            before, after = self._take_fields(keep, gone, prepaid_expiry=prepaid[1])
            gone.merged_into_id = keep.id
            gone.updated_at = keep.updated_at = now
            rec = ClientMerge(
                kept_id=keep.id, merged_id=gone.id, at=now, staff_id=known.staff_id,
                reasons=[r for r in reasons if r in dup.REASONS], moved=moved, kept_before=before,
                kept_after=after, prepaid_minor=prepaid[0], points=points,
            )  # fmt: skip
            s.add(rec)
            s.flush()
            audit(s, known, "merge", "client", keep.id, before={"merged": gone.client_number},
                  after={"merge_id": rec.id, "kept": keep.client_number, "merged": gone.client_number,
                         "rows": sum(len(v) for v in moved.values()), "prepaid_minor": prepaid[0],
                         "points": points, "fields": sorted(after)}, at=now)  # fmt: skip
            touched(s, "client", keep.id)
            touched(s, "client", gone.id)
            out = self._record(s, rec)
            uow.commit()
        return out

    def _move_rows(self, s: Session, from_id: int, to_id: int) -> dict[str, list[int]]:
        s.flush()  # what the session holds is written before the rows move under it
        conn = connection_of(s)
        moved: dict[str, list[int]] = {}
        for table in moved_tables():
            q = select(table.c.id).where(table.c.client_id == from_id)
            if table.name == OutreachTask.__tablename__:  # the kept profile's own task for the same thing stays alone
                t2 = table.alias()
                q = q.where(~select(t2.c.id).where(
                    t2.c.client_id == to_id, t2.c.kind == table.c.kind, t2.c.due_on == table.c.due_on,
                    (t2.c.ref_id == table.c.ref_id) | (t2.c.ref_id.is_(None) & table.c.ref_id.is_(None)),
                ).exists())  # fmt: skip
            ids = [int(i) for i in conn.execute(q.order_by(table.c.id)).scalars()]
            for i in range(0, len(ids), CHUNK):
                conn.execute(update(table).where(table.c.id.in_(ids[i:i + CHUNK])).values(client_id=to_id))
            if ids:
                moved[table.name] = ids
        s.expire_all()  # the session's copies of moved rows are stale
        return moved

    def _move_prepaid(
        self, s: Session, actor: Actor, g_acct: PrepaidAccount | None, keep: Client, gone: Client, now: datetime
    ) -> tuple[int, dict[str, Any] | None]:
        """The merged profile's prepaid balance, moved; and the kept account's expiry before it changed."""
        if g_acct is None or g_acct.balance_minor <= 0:
            return 0, None
        amount = g_acct.balance_minor
        existed = s.scalar(select(PrepaidAccount.id).where(PrepaidAccount.client_id == keep.id)) is not None
        k_acct = prepaid_account(s, keep.id, now, 0)
        expiry_before = {"prepaid_expires_on": _enc(k_acct.expires_on) if existed else "new"}
        prepaid_move(s, g_acct, "merge", -amount, None, actor.staff_id, now, note=keep.client_number)
        prepaid_move(s, k_acct, "merge", amount, None, actor.staff_id, now, note=gone.client_number)
        # the later expiry of the two (no expiry is the latest)
        if not existed:
            k_acct.expires_on = g_acct.expires_on
        elif k_acct.expires_on is not None and (g_acct.expires_on is None or g_acct.expires_on > k_acct.expires_on):
            k_acct.expires_on = g_acct.expires_on
        return amount, expiry_before

    def _move_points(self, s: Session, actor: Actor, keep: Client, gone: Client, now: datetime) -> int:
        g = s.scalars(select(PointsAccount).where(PointsAccount.client_id == gone.id)).first()
        if g is None or g.balance <= 0:
            return 0
        k = s.scalars(select(PointsAccount).where(PointsAccount.client_id == keep.id)).first()
        if k is None:
            k = PointsAccount(client_id=keep.id, balance=0, last_activity_at=g.last_activity_at, created_at=now)
            s.add(k)
            s.flush()
        elif g.last_activity_at is not None and (k.last_activity_at is None or g.last_activity_at > k.last_activity_at):
            k.last_activity_at = g.last_activity_at
        amount = g.balance
        _points_move(s, g, -amount, actor, now, keep.client_number)
        _points_move(s, k, amount, actor, now, gone.client_number)
        return amount

    @staticmethod
    def _take_fields(keep: Client, gone: Client, prepaid_expiry: dict[str, Any] | None) -> tuple[dict[str, Any], dict[str, Any]]:
        """Give ``keep`` what it lacks of ``gone``; (its values before, its values after) of each field changed."""
        before: dict[str, Any] = dict(prepaid_expiry or {})
        after: dict[str, Any] = {}

        def put(field: str, value: Any) -> None:
            old = getattr(keep, field)
            if value == old:
                return
            before.setdefault(field, _enc(old))
            setattr(keep, field, value)
            after[field] = _enc(value)

        for f in FILLED:
            if not getattr(keep, f) and getattr(gone, f):
                put(f, getattr(gone, f))
        if keep.birthday is None and gone.birthday is not None:
            put("birthday", gone.birthday)
            put("birthday_md", gone.birthday_md)
        elif not keep.birthday_md and gone.birthday_md:
            put("birthday_md", gone.birthday_md)
        for f in JOINED:
            mine, theirs = (getattr(keep, f) or "").strip(), (getattr(gone, f) or "").strip()
            if theirs and theirs not in mine:
                put(f, f"{mine}\n{theirs}" if mine else theirs)
        prefs = list(keep.preferences or [])
        extra = [p for p in (gone.preferences or []) if p not in prefs]
        if extra:
            put("preferences", prefs + extra)
        notes = (gone.notes or "").strip()
        if gone.phone and keep.phone and gone.phone != keep.phone:
            other = _("Other phone: {phone}").format(phone=gone.phone)
            notes = f"{other}\n{notes}" if notes else other
        if notes:
            head = _("From {number} (merged):").format(number=gone.client_number)
            put("notes", f"{keep.notes}\n\n{head}\n{notes}" if keep.notes else f"{head}\n{notes}")
        for c in CONSENTS:  # the later statement stands, whichever profile it was made on
            if _later(getattr(keep, f"{c}_consent_at"), getattr(gone, f"{c}_consent_at")):
                put(f"{c}_consent", getattr(gone, f"{c}_consent"))
                put(f"{c}_consent_at", getattr(gone, f"{c}_consent_at"))
        for f in COUNTS:
            if getattr(gone, f):
                put(f, getattr(keep, f) + getattr(gone, f))
        if gone.first_visit_at is not None and (keep.first_visit_at is None or gone.first_visit_at < keep.first_visit_at):
            put("first_visit_at", gone.first_visit_at)
        if _later(keep.last_visit_at, gone.last_visit_at):
            put("last_visit_at", gone.last_visit_at)
        if gone.membership_tier and not keep.membership_tier:
            put("membership_tier", gone.membership_tier)
        if gone.member_since is not None and (keep.member_since is None or gone.member_since < keep.member_since):
            put("member_since", gone.member_since)
        if "phone" in after:
            keep.name_pinyin, keep.name_initials, keep.phone_digits, keep.search_text = build_search_fields(
                keep.name, keep.phone, keep.client_number
            )
        return before, after

    # -- undoing -----------------------------------------------------------------------
    def undo(self, actor: Actor, merge_id: int) -> MergeRecord:
        """Put the two profiles back as they were before the merge (a new record: the merge stays
        in the records, marked undone). What the kept profile did since stays with it."""
        known = require(self.db.uow, actor, Perm.CLIENT_MERGE)
        now = self.clock()
        with self.db.uow() as uow:
            s = uow.session
            rec = s.get(ClientMerge, merge_id)
            if rec is None:
                raise NotFound(_("That merge is not in the records."))
            keep_lock = _locked(s, rec.kept_id, rec.merged_id)  # before the record is read again
            s.refresh(rec)
            if rec.undone_at is not None:
                raise ServiceError(_("That merge was already undone."))
            keep, gone = keep_lock
            assert keep is not None and gone is not None
            if keep.gone:
                raise ServiceError(_(
                    "{number} was itself merged into another profile or erased since: undo that first."
                ).format(number=keep.client_number))
            if gone.merged_into_id != keep.id or gone.erased_at is not None:
                raise ServiceError(_("That merge cannot be undone: the profiles changed since."))
            self._give_back_balances(s, known, rec, keep, gone, now)
            s.flush()  # the balances' movements are written before the rows move under the session
            conn = connection_of(s)
            tables = {t.name: t for t in moved_tables()}
            back = 0
            for name, ids in (rec.moved or {}).items():
                table = tables.get(name)
                if table is None:
                    continue
                for i in range(0, len(ids), CHUNK):
                    back += conn.execute(
                        update(table).where(table.c.id.in_(ids[i:i + CHUNK]), table.c.client_id == keep.id)
                        .values(client_id=gone.id)
                    ).rowcount  # fmt: skip
            s.expire_all()
            keep, gone = s.get(Client, rec.kept_id), s.get(Client, rec.merged_id)
            assert keep is not None and gone is not None
            kept_fields = self._put_fields_back(s, rec, keep, gone)
            gone.merged_into_id = None
            gone.updated_at = keep.updated_at = now
            rec.undone_at, rec.undone_by_id = now, known.staff_id
            audit(s, known, "unmerge", "client", keep.id, before={"merge_id": rec.id},
                  after={"kept": keep.client_number, "merged": gone.client_number, "rows": back,
                         "fields_kept": kept_fields}, at=now)  # fmt: skip
            touched(s, "client", keep.id)
            touched(s, "client", gone.id)
            s.flush()
            out = self._record(s, rec)
            uow.commit()
        return out

    def _give_back_balances(self, s: Session, actor: Actor, rec: ClientMerge, keep: Client, gone: Client,
                            now: datetime) -> None:
        if rec.prepaid_minor:
            k = s.scalars(select(PrepaidAccount).where(PrepaidAccount.client_id == keep.id)).one()
            g = s.scalars(select(PrepaidAccount).where(PrepaidAccount.client_id == gone.id)).one()
            if k.balance_minor - k.held_minor < rec.prepaid_minor:
                raise ValidationError({"merge": _(
                    "{number} has spent part of the prepaid balance the merge moved to it. Nothing was undone."
                ).format(number=keep.client_number)})
            prepaid_move(s, k, "merge", -rec.prepaid_minor, None, actor.staff_id, now, note=gone.client_number)
            prepaid_move(s, g, "merge", rec.prepaid_minor, None, actor.staff_id, now, note=keep.client_number)
        if rec.points:
            kp = s.scalars(select(PointsAccount).where(PointsAccount.client_id == keep.id)).one()
            gp = s.scalars(select(PointsAccount).where(PointsAccount.client_id == gone.id)).one()
            if kp.balance < rec.points:
                raise ValidationError({"merge": _(
                    "{number} has used part of the points the merge moved to it. Nothing was undone."
                ).format(number=keep.client_number)})
            _points_move(s, kp, -rec.points, actor, now, gone.client_number)
            _points_move(s, gp, rec.points, actor, now, keep.client_number)

    @staticmethod
    def _put_fields_back(s: Session, rec: ClientMerge, keep: Client, gone: Client) -> list[str]:
        """Each field the merge changed goes back, unless it was changed since (those are listed)."""
        kept: list[str] = []
        before, after = rec.kept_before or {}, rec.kept_after or {}
        for field, value in after.items():
            if field in COUNTS:  # what was added is taken off, whatever happened since
                setattr(keep, field, max(0, getattr(keep, field) - getattr(gone, field)))
            elif _enc(getattr(keep, field)) == value:
                setattr(keep, field, _dec(field, before.get(field)))
            else:
                kept.append(field)
        expiry = before.get("prepaid_expires_on")
        if expiry is not None and expiry != "new":
            k = s.scalars(select(PrepaidAccount).where(PrepaidAccount.client_id == keep.id)).first()
            if k is not None:
                k.expires_on = _dec("prepaid_expires_on", expiry)
        if "phone" in after:
            keep.name_pinyin, keep.name_initials, keep.phone_digits, keep.search_text = build_search_fields(
                keep.name, keep.phone, keep.client_number
            )
        return kept


def _locked(s: Session, a: int, b: int) -> tuple[Client | None, Client | None]:
    """The two profiles, locked until the end of the unit of work (in id order, so two desks never
    wait on each other): on a server, the second desk to merge or undo the same pair reads them as
    the first one left them. SQLite has one writer at a time anyway."""
    rows = {c.id: c for c in s.scalars(
        select(Client).where(Client.id.in_([a, b])).order_by(Client.id).with_for_update()
    )}
    return rows.get(a), rows.get(b)


def _points_move(s: Session, acct: PointsAccount, points: int, actor: Actor, now: datetime, note: str) -> None:
    acct.balance += points
    s.add(PointsMovement(account_id=acct.id, kind="merge", points=points, balance_after=acct.balance,
                         staff_id=actor.staff_id, note=note, at=now))
