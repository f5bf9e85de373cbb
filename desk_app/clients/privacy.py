"""Privacy requests (docs/product.md §7): hand a client everything held about them, or erase them.

Export: one JSON file with every record that names the client, and a readable PDF.
Erasure: the personal fields are anonymised ("Erased client C000123"), consent is
withdrawn (new ConsentRecord rows), free-text notes written about the client are
removed; sales, payments, prepaid and package movements keep their amounts and stay
linked to the anonymised client so the books still balance. Both are owner-only and
recorded in the audit log (the erasure row holds no personal data).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select, text
from sqlalchemy.orm import Session

from desk_app.clients.erasure import erase_rows, scrub_storage
from desk_app.core.service import NotFound, ServiceError, ValidationError, audit, require, shop_row
from desk_app.db import cipher
from desk_app.db.engine import Clock, Database
from desk_app.db.models import (
    Appointment,
    AppointmentService,
    Assessment,
    Base,
    Client,
    ClientHistory,
    ClientMerge,
    ClientPackage,
    Complaint,
    ConsentRecord,
    Contact,
    Erasure,
    Feedback,
    FollowUp,
    Formula,
    Membership,
    OutboxMessage,
    OutreachTask,
    PackageRedemption,
    Payment,
    PlanItem,
    PrepaidAccount,
    PrepaidMovement,
    ProductUsage,
    Sale,
    SaleLine,
    ServiceLog,
    Staff,
    Visit,
    VisitEvent,
    WaitlistEntry,
)
from desk_app.domain.messages import MessageChannel, MessageKind, MessageState
from desk_app.domain.money import Money
from desk_app.domain.permissions import Actor, Perm
from desk_app.i18n import _, format_date, format_datetime, format_money
from desk_app.paths import data_dir
from desk_app.settings import SettingsStore
from desk_app.trust.backup import Reapplied

FORMAT_VERSION = 1
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ErasureResult:
    client_id: int
    client_number: str
    name: str  # the anonymised name
    notes_cleared: int  # free-text fields emptied on related records
    sales_kept: int
    audit_redacted: int = 0  # audit entries whose values were removed
    erasure_id: int = 0
    storage_scrubbed: bool = True  # False: another desk's open read kept the file from being rebuilt


@dataclass
class BackupErasure:
    """What ``erase_in_backups`` did, file by file."""

    cleaned: list[Path] = field(default_factory=list)  # held the client: erased inside
    not_in: list[Path] = field(default_factory=list)  # taken before the client existed, or already erased
    failed: list[tuple[Path, str]] = field(default_factory=list)  # could not be changed (why)
    server: bool = False  # PostgreSQL: the server's dumps are not the app's (docs/privacy.md)


def _value(v: Any) -> Any:
    if isinstance(v, datetime):
        return v.isoformat()
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, (str, int, float, bool, type(None), list, dict)):
        return v
    return str(v)


def row_dict(obj: Base) -> dict[str, Any]:
    return {c.key: _value(getattr(obj, c.key)) for c in obj.__table__.columns}


def _ids(rows: Iterable[Any]) -> list[int]:
    return [int(r.id) for r in rows]


def _rows(s: Session, model: Any, *where: Any) -> list[Any]:
    return list(s.scalars(select(model).where(*where).order_by(model.id)))


class PrivacyService:
    def __init__(self, db: Database, settings: SettingsStore, clock: Clock | None = None) -> None:
        self.db = db if clock is None else db.with_clock(clock)  # rows are stamped by the same clock
        self.settings = settings
        self.clock = self.db.clock

    # -- gathering ---------------------------------------------------------------
    def collect(self, s: Session, client_id: int) -> dict[str, Any]:
        """Every record held about one client, as JSON-ready dicts grouped by kind."""
        c = s.get(Client, client_id)
        if c is None:
            raise NotFound(_("That client no longer exists."))
        visits = _rows(s, Visit, Visit.client_id == client_id)
        vids = _ids(visits)
        appts = _rows(s, Appointment, Appointment.client_id == client_id)
        sales = _rows(s, Sale, Sale.client_id == client_id)
        sids = _ids(sales)
        prepaid = _rows(s, PrepaidAccount, PrepaidAccount.client_id == client_id)
        packages = _rows(s, ClientPackage, ClientPackage.client_id == client_id)
        contacts = _rows(s, Contact, Contact.client_id == client_id)
        shop = shop_row(s)
        staff = {st.id: st.name for st in s.scalars(select(Staff))}
        data: dict[str, Any] = {
            "format": "desk-app client data export",
            "format_version": FORMAT_VERSION,
            "exported_at": self.clock().isoformat(),
            "shop": {
                "name": shop.name,
                "address": shop.address,
                "phone": shop.phone,
                "currency": shop.currency,
            },
            "money_note": "amounts ending in _minor are in the currency's minor unit (fen, cents)",
            "staff_names": {str(k): v for k, v in staff.items()},
            "profile": row_dict(c),
            "consents": [row_dict(r) for r in _rows(s, ConsentRecord, ConsentRecord.client_id == client_id)],
            "appointments": [row_dict(r) for r in appts],
            "appointment_services": [
                row_dict(r)
                for r in _rows(s, AppointmentService, AppointmentService.appointment_id.in_(_ids(appts)))
            ],
            "waitlist": [row_dict(r) for r in _rows(s, WaitlistEntry, WaitlistEntry.client_id == client_id)],
            "visits": [row_dict(r) for r in visits],
            "visit_events": [row_dict(r) for r in _rows(s, VisitEvent, VisitEvent.visit_id.in_(vids))],
            "assessments": [row_dict(r) for r in _rows(s, Assessment, Assessment.visit_id.in_(vids))],
            "plan_items": [row_dict(r) for r in _rows(s, PlanItem, PlanItem.visit_id.in_(vids))],
            "services_done": [row_dict(r) for r in _rows(s, ServiceLog, ServiceLog.visit_id.in_(vids))],
            "products_used": [row_dict(r) for r in _rows(s, ProductUsage, ProductUsage.visit_id.in_(vids))],
            "formulas": [row_dict(r) for r in _rows(s, Formula, Formula.client_id == client_id)],
            "sales": [row_dict(r) for r in sales],
            "sale_lines": [row_dict(r) for r in _rows(s, SaleLine, SaleLine.sale_id.in_(sids))],
            "payments": [row_dict(r) for r in _rows(s, Payment, Payment.sale_id.in_(sids))],
            "prepaid_accounts": [row_dict(r) for r in prepaid],
            "prepaid_movements": [
                row_dict(r) for r in _rows(s, PrepaidMovement, PrepaidMovement.account_id.in_(_ids(prepaid)))
            ],
            "packages": [row_dict(r) for r in packages],
            "history_imported": [row_dict(r) for r in _rows(s, ClientHistory, ClientHistory.client_id == client_id)],
            "package_redemptions": [
                row_dict(r)
                for r in _rows(s, PackageRedemption, PackageRedemption.client_package_id.in_(_ids(packages)))
            ],
            "memberships": [row_dict(r) for r in _rows(s, Membership, Membership.client_id == client_id)],
            "follow_ups": [row_dict(r) for r in _rows(s, FollowUp, FollowUp.client_id == client_id)],
            "contacts": [row_dict(r) for r in contacts],
            "complaints": [
                row_dict(r)
                for r in _rows(
                    s,
                    Complaint,
                    or_(Complaint.client_id == client_id, Complaint.contact_id.in_(_ids(contacts))),
                )
            ],
            "feedback": [row_dict(r) for r in _rows(s, Feedback, Feedback.client_id == client_id)],
            "reminders": [row_dict(r) for r in _rows(s, OutreachTask, OutreachTask.client_id == client_id)],
            # the messages the shop sent (or queued) to them: kind, channel, address, text, state
            "messages": [row_dict(r) for r in _rows(s, OutboxMessage, OutboxMessage.client_id == client_id)],
        }
        # the profiles merged into this one (docs/clients.md): the same person's, each with what it
        # still holds (its history moved here; a balance left behind by an old account's movements)
        merged = [int(i) for i in s.scalars(select(Client.id).where(Client.merged_into_id == client_id))]
        if merged:  # each with the profiles merged into it in turn
            data["merged_profiles"] = [self.collect(s, other) for other in merged]
            data["merges"] = [row_dict(r) for r in _rows(
                s, ClientMerge, or_(ClientMerge.kept_id == client_id, ClientMerge.merged_id == client_id))]
        return data

    # -- export --------------------------------------------------------------------
    def export_client(self, actor: Actor, client_id: int, out_dir: Path) -> list[Path]:
        """Write ``<number>-data.json`` and ``<number>-data.pdf`` into ``out_dir``; return both paths."""
        require(self.db.uow, actor, Perm.EXPORT)
        out_dir = Path(out_dir)
        with self.db.uow(write=False) as uow:
            data = self.collect(uow.session, client_id)
        number = str(data["profile"]["client_number"])
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
            json_path = out_dir / f"{number}-data.json"
            tmp = json_path.with_name(json_path.name + ".part")
            tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
            tmp.replace(json_path)
            pdf_path = out_dir / f"{number}-data.pdf"
            render_pdf(data, pdf_path)
        except OSError as exc:
            raise ServiceError(
                _("Could not write to {folder} ({error}). Choose another folder.").format(
                    folder=str(out_dir), error=exc.strerror or str(exc)
                )
            ) from exc
        with self.db.uow() as uow:
            audit(
                uow.session,
                actor,
                "export",
                "client",
                client_id,
                at=self.clock(),
                after={"kind": "privacy_export", "files": [json_path.name, pdf_path.name]},
            )
            uow.commit()
        return [json_path, pdf_path]

    # -- erasure --------------------------------------------------------------------
    def erase_client(self, actor: Actor, client_id: int, reason: str) -> ErasureResult:
        """Erase the client in the live database (one unit of work), then scrub the storage.

        The retained backups are cleaned by ``erase_in_backups`` (a separate call: it can take a
        while); a restore of any older backup erases the client again (``reapply_erasures``)."""
        known = require(self.db.uow, actor, Perm.ERASE)
        reason = (reason or "").strip()
        if not reason:
            raise ValidationError(
                {"reason": _("Write why the client's data is erased (e.g. the client asked).")}
            )
        now = self.clock()
        with self.db.uow() as uow:
            s = uow.session
            c = s.get(Client, client_id)
            if c is None:
                raise NotFound(_("That client no longer exists."))
            if c.erased_at is not None:
                raise ServiceError(_("This client's data was already erased."))
            erasure, done = erase_rows(s, c, actor=known, reason=reason, now=now)
            erasure_id = erasure.id
            marks = [ErasureMark(
                client_id, done.client_number, _created_at(s, client_id), now.isoformat(), known.staff_id
            )]
            # the profiles merged into this one are the same person (docs/clients.md): erased with it,
            # and what the merge records kept of the profiles' fields goes too
            for other in same_person(s, client_id)[1:]:
                twin = s.get(Client, other)
                if twin is not None and twin.erased_at is None:
                    _e, gone = erase_rows(s, twin, actor=known, reason=reason, now=now)
                    marks.append(ErasureMark(
                        other, gone.client_number, _created_at(s, other), now.isoformat(), known.staff_id))
            for rec in s.scalars(select(ClientMerge).where(
                    or_(ClientMerge.kept_id.in_(same_person(s, client_id)),
                        ClientMerge.merged_id.in_(same_person(s, client_id))))):
                rec.kept_before, rec.kept_after = {}, {}
            uow.commit()
        for mark in marks:
            self._write_ledger(mark)
        scrubbed = scrub_storage(self.db)
        return ErasureResult(
            client_id,
            done.client_number,
            done.name,
            done.notes_cleared,
            done.sales_kept,
            audit_redacted=done.audit_redacted,
            erasure_id=erasure_id,
            storage_scrubbed=scrubbed,
        )

    def erase_in_backups(
        self, actor: Actor, client_id: int, progress: Callable[[int, int], None] | None = None
    ) -> BackupErasure:
        """Erase an erased client inside every backup the app keeps (the backup folder, and the
        databases a restore kept aside). Each file is copied, brought up to date, erased, rebuilt
        (VACUUM), checked and put back under its own name; a file that cannot be changed is left
        as it was and listed in ``failed`` (a restore of it erases the client again)."""
        known = require(self.db.uow, actor, Perm.ERASE)
        with self.db.uow(write=False) as uow:
            records: list[ErasureMark] = []
            for cid in same_person(uow.session, client_id):  # and the profiles merged into it
                erasure = uow.session.scalars(
                    select(Erasure).where(Erasure.client_id == cid).order_by(Erasure.id.desc())
                ).first()
                if erasure is None and cid == client_id:
                    raise ServiceError(_("Erase the client first; then their data is removed from the backups."))
                if erasure is not None:
                    records.append(ErasureMark(
                        erasure.client_id, erasure.client_number, _created_at(uow.session, cid),
                        erasure.at.isoformat(), erasure.staff_id,
                    ))  # fmt: skip
        record = records[0]
        if not self.db.is_sqlite:
            return BackupErasure(server=True)
        from desk_app.trust.backup import BackupService

        backups = BackupService(self.db, self.settings, self.clock)
        files = backups.own_files()
        out = BackupErasure()
        for k, f in enumerate(files):
            if progress:
                progress(k, len(files))
            try:
                found = [erase_in_file(f, r, reason=_("erased in the live database"), now=self.clock()) for r in records]
                if any(found):
                    out.cleaned.append(f)
                else:
                    out.not_in.append(f)
            except Exception as exc:  # noqa: BLE001 - reported per file; the others go on
                log.warning("could not erase client %s in backup %s: %s", record.client_number, f, exc)
                out.failed.append((f, str(exc)))
        if progress:
            progress(len(files), len(files))
        with self.db.uow() as uow:
            audit(
                uow.session,
                known,
                "erase_backups",
                "client",
                client_id,
                at=self.clock(),
                after={
                    "client_number": record.client_number,
                    "cleaned": [p.name for p in out.cleaned],
                    "not_in": len(out.not_in),
                    "failed": [p.name for p, _e in out.failed],
                },
            )
            uow.commit()
        return out

    def reapply_erasures(self, actor: Actor | None, known: KnownErasures) -> Reapplied:
        """After a restore: erase again every client of ``known.confirmed`` (erasures a database
        holds: the one the restore replaced, the shops and backups the erasure ledgers point at,
        the backups near the file: ``after_restore``) whom the restored data still holds. A client
        is the same person only when the id, the number and the moment the profile was created all
        match, so another shop's erasures change nothing. The erasure record keeps the first
        erasure's time and staff member. A ledger line that no database confirms is not applied
        (anyone can append a line to a text file): it is listed in ``unconfirmed`` when the
        restored data holds that client, for the owner to erase by hand if it is genuine."""
        out = Reapplied(searched=known.searched)
        now = self.clock()
        done: set[int] = set()

        def present(s: Session, m: ErasureMark) -> Client | None:
            c = s.get(Client, m.client_id)
            if c is None or c.client_number != m.client_number or c.erased_at is not None:
                return None
            if m.client_created_at is not None and _created_at(s, c.id) != m.client_created_at:
                return None
            return c

        with self.db.uow() as uow:
            s = uow.session
            for m in known.confirmed:
                c = present(s, m) if m.client_id not in done else None
                if c is None:
                    continue
                erase_rows(
                    s, c, actor=actor, reason=_("erased again after a restore"), now=now, first=m.first(now)
                )
                done.add(m.client_id)
                out.again.append(m.client_number)
            for m in known.unconfirmed:
                if m.client_id not in done and present(s, m) is not None:
                    out.unconfirmed.append(m.client_number)
            uow.commit()
        if out.again:
            scrub_storage(self.db)
        return out

    def after_restore(
        self, actor: Actor | None, backup: Path, kept: Path | None, *, kept_db: str | None = None
    ) -> Reapplied:
        """Erase again whoever was erased, after ``backup`` was restored into this database
        (``kept``: where the replaced file went). Read: the replaced file; the erasure ledgers
        and the shop files and backups near the backup, near this file, in the backup folder and
        in this computer's app folder (``desk_app.paths.data_dir``), and the shops and backup
        folders those ledgers name. So a copy of an old backup restored from a USB stick into a
        new file in another folder still does not bring an erased client back."""
        here = Path(backup).expanduser().resolve().parent
        places: list[Path] = [kept] if kept is not None else []
        places += [here, here.parent, *self.ledger_folders()]
        db_file = self.db.sqlite_file
        if db_file is not None:
            places += [db_file.parent, db_file.parent / "backups"]
        places.append(data_dir())
        known = erasures_known(places)
        if kept_db:  # server mode: the replaced database, kept on the server under another name
            have = {m.key for m in known.confirmed}
            known.confirmed += [m for m in erasures_in_server_db(kept_db) if m.key not in have]
            known.unconfirmed = [m for m in known.unconfirmed if m.key not in {k.key for k in known.confirmed}]
        return self.reapply_erasures(actor, known)

    # -- the erasure ledger ---------------------------------------------------------
    def ledger_folders(self) -> list[Path]:
        """Where erasures are written down besides the database: the shop file's folder, the
        backup folder and this computer's app folder (a restore into a new file elsewhere reads
        the last one, and follows its lines to the shop and its backups)."""
        path = self.db.sqlite_file
        if path is None:
            return []
        return list(dict.fromkeys([path.parent, self._backup_folder(), data_dir()]))

    def _backup_folder(self) -> Path:
        from desk_app.trust.backup import BackupService

        return BackupService(self.db, self.settings, self.clock).folder()

    def _write_ledger(self, mark: ErasureMark) -> None:
        path = self.db.sqlite_file
        if path is None:
            return
        line = {
            **mark.as_json(),
            "shop": str(path.resolve()),
            "backups": str(self._backup_folder().resolve()),
        }
        for folder in self.ledger_folders():
            try:
                folder.mkdir(parents=True, exist_ok=True)
                with (folder / LEDGER).open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps(line, ensure_ascii=False) + "\n")
            except OSError as exc:  # the erasure is committed; a restore also reads the backups
                log.warning("could not write the erasure ledger in %s: %s", folder, exc)


LEDGER = "desk-app-erasures.jsonl"  # one JSON line per erasure: numbers, times and paths, never a name
_SHOP_SUFFIXES = (".sqlite3", ".sqlite", ".db")
_MAX_FILES = 200  # per folder, newest first: reading one erasures table takes a few ms


@dataclass(frozen=True)
class ErasureMark:
    """One erasure as a restore needs it: which client (id, number and when the profile was
    created, as stored), and when and by whom it was first erased. Holds no personal data.
    A ledger line also names the shop file and backup folder where the erasure was made."""

    client_id: int
    client_number: str
    client_created_at: str | None
    at: str | None = None
    staff_id: int | None = None
    shop: str | None = None
    backups: str | None = None

    @property
    def key(self) -> tuple[int, str, str | None]:
        return (self.client_id, self.client_number, self.client_created_at)

    def first(self, default: datetime) -> tuple[datetime, int | None]:
        try:
            at = datetime.fromisoformat(self.at) if self.at else default
        except ValueError:
            at = default
        return (at if at.tzinfo else at.replace(tzinfo=UTC)), self.staff_id

    def as_json(self) -> dict[str, Any]:
        return {
            "client_id": self.client_id,
            "client_number": self.client_number,
            "client_created_at": self.client_created_at,
            "erased_at": self.at,
            "staff_id": self.staff_id,
        }


@dataclass
class KnownErasures:
    """What ``erasures_known`` found: erasures a database holds (``confirmed``), ledger lines that
    no database read confirms (``unconfirmed``), and how many ledgers were read (``searched``)."""

    confirmed: list[ErasureMark] = field(default_factory=list)
    unconfirmed: list[ErasureMark] = field(default_factory=list)
    searched: int = 0


def same_person(s: Session, client_id: int) -> list[int]:
    """The client and every profile merged into it, directly or through another (docs/clients.md)."""
    out, todo = [client_id], [client_id]
    while todo:
        found = [int(i) for i in s.scalars(select(Client.id).where(Client.merged_into_id.in_(todo)))]
        todo = [i for i in found if i not in out]
        out += todo
    return out


def _created_at(s: Session, client_id: int) -> str | None:
    """The client's creation time exactly as the database stores it (text on SQLite)."""
    v = s.execute(text("SELECT created_at FROM clients WHERE id = :id"), {"id": client_id}).scalar()
    return None if v is None else str(v)


def _iso(v: str | None) -> str:
    return (v or "").replace("T", " ")[:26]


def erasures_in_file(path: Path) -> list[ErasureMark]:
    """Every erasure recorded in a SQLite file (none if the file predates erasure records, is not
    a shop database or cannot be read, e.g. encrypted with a key this computer does not hold).
    A record no real erasure writes is left out: one without its erase entry in the audit log, a
    second record of the same client (the first written counts) and one dated before the profile
    was made (``desk-app check`` lists them all)."""
    try:
        conn = cipher.connect_file(path, read_only=True)
        try:
            rows = conn.execute(
                "SELECT e.client_id, e.client_number, c.created_at, e.at, e.staff_id"
                " FROM erasures e LEFT JOIN clients c ON c.id = e.client_id"
                " WHERE EXISTS (SELECT 1 FROM audit_log a WHERE a.action = 'erase' AND a.entity = 'client'"
                " AND a.entity_id = CAST(e.client_id AS TEXT)) ORDER BY e.id"
            ).fetchall()
        finally:
            conn.close()
    except (OSError, cipher.KeyMissing, *cipher.Error):  # type: ignore[misc]
        return []
    out: dict[int, ErasureMark] = {}
    for cid, number, created, at, staff in rows:
        created_s = None if created is None else str(created)
        if int(cid) in out or (created_s is not None and _iso(str(at)) < _iso(created_s)):
            continue
        out[int(cid)] = ErasureMark(int(cid), str(number), created_s, str(at), staff)
    return list(out.values())


def _ledger(folder: Path) -> list[ErasureMark]:
    out: list[ErasureMark] = []
    try:
        lines = (folder / LEDGER).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return out
    for line in lines:
        try:
            d = json.loads(line)
            created = d.get("client_created_at")
            staff = d.get("staff_id")
            out.append(
                ErasureMark(
                    int(d["client_id"]),
                    str(d["client_number"]),
                    None if created is None else str(created),
                    None if d.get("erased_at") is None else str(d["erased_at"]),
                    staff if isinstance(staff, int) else None,
                    d.get("shop") if isinstance(d.get("shop"), str) else None,
                    d.get("backups") if isinstance(d.get("backups"), str) else None,
                )
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            continue  # a damaged line: the others still count
    return out


def _shop_files(folder: Path) -> list[Path]:
    try:
        files = [
            f
            for f in folder.iterdir()
            if f.is_file() and (f.suffix in _SHOP_SUFFIXES or ".replaced-" in f.name)
        ]
        files.sort(key=lambda f: f.stat().st_mtime, reverse=True)
    except OSError:
        return []
    return files[:_MAX_FILES]


def erasures_known(places: Iterable[Path]) -> KnownErasures:
    """Every erasure recorded in ``places``: a database file's erasures table, or a folder's
    erasure ledger and the erasures tables of the shop databases and backups in it; a ledger
    line also leads to the shop file and the backup folder it names. Only a database's record
    confirms an erasure; of several, the first erasure's time and staff member count. Used after
    a restore, so an erased client does not come back even in a new file (docs/privacy.md)."""
    out = KnownErasures()
    confirmed: dict[tuple[int, str, str | None], ErasureMark] = {}
    hints: dict[tuple[int, str, str | None], ErasureMark] = {}
    read: set[Path] = set()
    todo = list(dict.fromkeys(Path(p) for p in places))

    def files_of(place: Path) -> list[Path]:
        if place.is_file():
            return [place]
        if not place.is_dir():
            return []
        lines = _ledger(place)
        if (place / LEDGER).is_file():
            out.searched += 1
        for m in lines:
            hints.setdefault(m.key, m)
            for named in (m.shop, m.backups):
                if named and Path(named) not in todo:
                    todo.append(Path(named))
        return _shop_files(place)

    k = 0
    while k < len(todo):
        for f in files_of(todo[k]):
            real = f.resolve()
            if real in read:
                continue
            read.add(real)
            for m in erasures_in_file(f):
                old = confirmed.get(m.key)
                if old is None or _iso(m.at) < _iso(old.at):
                    confirmed[m.key] = m
        k += 1
    out.confirmed = list(confirmed.values())
    out.unconfirmed = [m for key, m in hints.items() if key not in confirmed]
    return out


def erasures_in_server_db(url: str) -> list[ErasureMark]:
    """Every erasure recorded in a server database (the one a restore replaced), as
    ``erasures_in_file`` reads a SQLite file; none when it cannot be read."""
    from sqlalchemy import create_engine
    from sqlalchemy.exc import SQLAlchemyError

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT e.client_id, e.client_number, c.created_at, e.at, e.staff_id"
                " FROM erasures e LEFT JOIN clients c ON c.id = e.client_id"
                " WHERE EXISTS (SELECT 1 FROM audit_log a WHERE a.action = 'erase' AND a.entity = 'client'"
                " AND a.entity_id = CAST(e.client_id AS TEXT)) ORDER BY e.id"
            )).fetchall()
    except SQLAlchemyError:
        return []
    finally:
        engine.dispose()
    out: dict[int, ErasureMark] = {}
    for cid, number, created, at, staff in rows:
        if int(cid) in out:
            continue
        out[int(cid)] = ErasureMark(int(cid), str(number), None if created is None else str(created), str(at), staff)
    return list(out.values())


def erase_in_file(path: Path, record: ErasureMark, *, reason: str, now: datetime) -> bool:
    """Erase client ``record`` (id, number, created_at as stored) inside the SQLite database file
    ``path`` (a backup), replacing it atomically. False when the file does not hold that client
    un-erased (then it is left untouched): the three must match, so a backup of another shop
    whose client has the same number is never touched."""
    from desk_app.bootstrap import open_database

    client_id, number, created = record.client_id, record.client_number, record.client_created_at
    key = cipher.key_for_file(path)  # an encrypted backup stays encrypted with its own key
    conn = cipher.connect(path, key=key, read_only=True)
    try:
        row = conn.execute(
            "SELECT client_number, erased_at, created_at FROM clients WHERE id = ?", (client_id,)
        ).fetchone()
    finally:
        conn.close()
    if row is None or row[0] != number or row[1] is not None or str(row[2]) != created:
        return False
    part = path.with_name(path.name + ".part")
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(part) + suffix).unlink(missing_ok=True)
    try:
        src = cipher.connect(path, key=key, read_only=True)  # with anything still in its WAL
        try:
            dst = cipher.connect(part, key=key)
            try:
                src.backup(dst)
            finally:
                dst.close()
        finally:
            src.close()
        db = open_database(str(part), clock=lambda: now, key=key)
        try:
            with db.uow() as uow:
                c = uow.session.get(Client, client_id)
                assert c is not None
                erase_rows(uow.session, c, actor=None, reason=reason, now=now, first=record.first(now))
                uow.commit()
            with db.engine.connect() as conn2:
                conn2.exec_driver_sql("INSERT INTO client_fts(client_fts) VALUES ('optimize')")
                conn2.commit()
        finally:
            db.dispose()
        conn = cipher.connect(part, key=key, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=DELETE")  # folds the WAL in: one self-contained file
            conn.execute("VACUUM")
            res = conn.execute("PRAGMA integrity_check").fetchone()
        finally:
            conn.close()
        if not res or res[0] != "ok":
            raise ServiceError(_("The cleaned backup failed its check ({detail}).").format(detail=str(res)))
        part.replace(path)
        for suffix in ("-wal", "-shm"):  # the replaced file's, now stale: the new one is whole
            Path(str(path) + suffix).unlink(missing_ok=True)
    finally:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(part) + suffix).unlink(missing_ok=True)
    return True


# --------------------------------------------------------------------------
# the readable PDF
# --------------------------------------------------------------------------


def _money(minor: Any, currency: str) -> str:
    try:
        return format_money(Money.from_minor(int(minor), currency).amount, currency)
    except (TypeError, ValueError):
        return ""


def _label(enum: Any, value: Any) -> str:
    """The words for a stored enum value; the value itself when a newer version wrote another."""
    try:
        return str(enum(value).label)
    except ValueError:
        return str(value)


def _when(v: Any) -> str:
    if not v:
        return ""
    try:
        if isinstance(v, str) and "T" in v:
            return format_datetime(datetime.fromisoformat(v), "short")
        if isinstance(v, str):
            return format_date(date.fromisoformat(v))
    except ValueError:
        return str(v)
    return str(v)


def render_pdf(data: dict[str, Any], out: Path) -> Path:
    """A readable A4 summary of the export (the JSON holds every field)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from desk_app.fonts import PDF_LOCK, register_cjk_font

    font = register_cjk_font()
    cur = str(data["shop"].get("currency") or "CNY")
    p = data["profile"]
    staff = data.get("staff_names", {})
    h1 = ParagraphStyle("h1", fontName=font, fontSize=16, leading=20, spaceAfter=4)
    h2 = ParagraphStyle("h2", fontName=font, fontSize=12, leading=16, spaceBefore=10, spaceAfter=4)
    body = ParagraphStyle("b", fontName=font, fontSize=9, leading=12, wordWrap="CJK")
    small = ParagraphStyle("s", fontName=font, fontSize=8, leading=10, wordWrap="CJK", textColor=colors.grey)

    def para(t: Any, st: ParagraphStyle = body) -> Paragraph:
        from xml.sax.saxutils import escape

        return Paragraph(escape(str(t if t is not None else "")).replace("\n", "<br/>"), st)

    def table(header: list[str], rows: list[list[Any]], widths: list[float]) -> Table:
        t = Table(
            [[para(h, small) for h in header]] + [[para(c) for c in r] for r in rows],
            colWidths=widths,
            repeatRows=1,
        )
        t.setStyle(
            TableStyle(
                [
                    ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black),
                    ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.lightgrey),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        return t

    story: list[Any] = [
        para(_("What {shop} holds about you").format(shop=data["shop"]["name"]), h1),
        para(
            _("Exported {when}. The attached JSON file holds every field.").format(
                when=_when(data["exported_at"])
            ),
            small,
        ),
        Spacer(1, 4 * mm),
        para(_("Profile"), h2),
    ]
    profile_rows = [
        [_("Client no."), p.get("client_number")],
        [_("Name"), p.get("name")],
        [_("Phone"), p.get("phone")],
        [_("Email"), p.get("email")],
        [_("WeChat"), p.get("wechat_id")],
        [_("Birthday"), p.get("birthday") or p.get("birthday_md") or ""],
        [_("Gender"), p.get("gender")],
        [_("Skin type"), p.get("skin_type")],
        [_("Hair type"), p.get("hair_type")],
        [_("Allergies"), p.get("allergies")],
        [_("Contraindications"), p.get("contraindications")],
        [_("Preferences"), ", ".join(str(x) for x in (p.get("preferences") or []))],
        [_("Notes"), p.get("notes")],
        [_("Membership"), p.get("membership_tier") or "-"],
        [_("First visit"), _when(p.get("first_visit_at"))],
        [_("Last visit"), _when(p.get("last_visit_at"))],
        [_("Visits"), p.get("visit_count")],
        [_("Total spend"), _money(p.get("total_spend_minor", 0), cur)],
        [_("Marketing consent"), _("yes") if p.get("marketing_consent") else _("no")],
        [_("May receive text messages"), _("yes") if p.get("sms_consent") else _("no")],
        [_("May receive email"), _("yes") if p.get("email_consent") else _("no")],
    ]
    story.append(
        table(
            [_("Field"), _("Value")], [r for r in profile_rows if r[1] not in (None, "")], [45 * mm, 125 * mm]
        )
    )

    def section(title: str, header: list[str], rows: list[list[Any]], widths: list[float]) -> None:
        story.append(para(title, h2))
        if rows:
            story.append(table(header, rows, widths))
        else:
            story.append(para(_("None."), small))

    section(
        _("Consents"),
        [_("When"), _("Kind"), _("Given"), _("Note")],
        [
            [_when(r["at"]), r["kind"], _("yes") if r["granted"] else _("withdrawn"), r["note"]]
            for r in data["consents"]
        ],
        [35 * mm, 30 * mm, 25 * mm, 80 * mm],
    )
    section(
        _("Appointments"),
        [_("When"), _("Status"), _("With"), _("Notes")],
        [
            [_when(r["start_at"]), r["status"], staff.get(str(r["staff_id"]), ""), r["notes"]]
            for r in data["appointments"]
        ],
        [35 * mm, 30 * mm, 35 * mm, 70 * mm],
    )
    section(
        _("Visits"),
        [_("Arrived"), _("Status"), _("With"), _("Notes")],
        [
            [_when(r["arrived_at"]), r["status"], staff.get(str(r["staff_id"]), ""), r["notes"]]
            for r in data["visits"]
        ],
        [35 * mm, 30 * mm, 35 * mm, 70 * mm],
    )
    section(
        _("Needs assessments"),
        [_("When"), _("Goals"), _("Allergies")],
        [[_when(r["created_at"]), r["goals"], r["allergies"]] for r in data["assessments"]],
        [35 * mm, 85 * mm, 50 * mm],
    )
    section(
        _("Formulas"),
        [_("When"), _("Version"), _("Components"), _("Notes")],
        [
            [
                _when(r["created_at"]),
                r["version_no"],
                "; ".join(
                    " ".join(str(v) for k, v in c.items() if k != "notes" and v)
                    for c in r["components"]
                    if isinstance(c, dict)
                ),
                r["notes"],
            ]
            for r in data["formulas"]
        ],
        [35 * mm, 15 * mm, 80 * mm, 40 * mm],
    )
    lines_by_sale: dict[Any, list[str]] = {}
    for ln in data["sale_lines"]:
        lines_by_sale.setdefault(ln["sale_id"], []).append(f"{ln['description']} x{ln['quantity']}")
    section(
        _("Purchases"),
        [_("When"), _("Receipt"), _("Items"), _("Total")],
        [
            [
                _when(r["sold_at"]),
                f"{r['receipt_no']} ({r['kind']})",
                ", ".join(lines_by_sale.get(r["id"], [])),
                _money(r["total_minor"], cur),
            ]
            for r in data["sales"]
        ],
        [35 * mm, 35 * mm, 70 * mm, 30 * mm],
    )
    section(
        _("Payments"),
        [_("When"), _("Method"), _("Amount")],
        [[_when(r["paid_at"]), r["method"], _money(r["amount_minor"], cur)] for r in data["payments"]],
        [50 * mm, 60 * mm, 60 * mm],
    )
    section(
        _("Prepaid balance"),
        [_("Balance"), _("Expires")],
        [[_money(r["balance_minor"], cur), _when(r["expires_on"])] for r in data["prepaid_accounts"]],
        [85 * mm, 85 * mm],
    )
    section(
        _("Packages"),
        [_("Bought"), _("Sessions used"), _("Expires")],
        [
            [
                _when(r["purchased_at"]),
                f"{r['sessions_used']} / {r['sessions_total']}",
                _when(r["expires_on"]),
            ]
            for r in data["packages"]
        ],
        [60 * mm, 55 * mm, 55 * mm],
    )
    section(
        _("Follow-up calls"),
        [_("Due"), _("Status"), _("Comments")],
        [[_when(r["due_from"]), r["status"], r["comments"]] for r in data["follow_ups"]],
        [35 * mm, 35 * mm, 100 * mm],
    )
    section(
        _("Complaints"),
        [_("Opened"), _("Status"), _("Description")],
        [[_when(r["opened_at"]), r["status"], r["description"]] for r in data["complaints"]],
        [35 * mm, 35 * mm, 100 * mm],
    )
    section(
        _("Feedback"),
        [_("When"), _("Score"), _("Comments")],
        [
            [_when(r["at"]), r["score"] if r["score"] is not None else "", r["content"]]
            for r in data["feedback"]
        ],
        [35 * mm, 20 * mm, 115 * mm],
    )
    section(
        _("Messages sent"),
        [_("When"), _("Message"), _("To"), _("State"), _("Text")],
        [
            [
                _when(r["sent_at"] or r["planned_at"]),
                _label(MessageKind, r["kind"]),
                r["to_address"] or _label(MessageChannel, r["channel"]),
                _label(MessageState, r["state"]),
                r["body"],
            ]
            for r in sorted(data.get("messages", []), key=lambda r: str(r["sent_at"] or r["planned_at"]))
        ],
        [28 * mm, 32 * mm, 32 * mm, 22 * mm, 56 * mm],
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    doc = SimpleDocTemplate(
        str(tmp),
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=str(p.get("client_number")),
        author=str(data["shop"]["name"]),
    )
    with PDF_LOCK:
        doc.build(story)
    tmp.replace(out)
    return out
