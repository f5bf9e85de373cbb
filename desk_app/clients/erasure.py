"""Erasing one client inside one unit of work (docs/privacy.md, "A client asks to be forgotten").

``erase_rows`` is the whole change to the rows: the profile anonymised, consent withdrawn, every
free-text field written about the client emptied, the audit entries that hold the person redacted
(``desk_app.trust.audit.redact``) and an ``erasures`` row written. The privacy service calls it on
the live database, on each retained backup and again after a restore of an older backup; the
money records (sales, payments, prepaid and package movements) keep their amounts.

``scrub_storage`` then removes what the database engine itself still holds after the commit: the
old search-index entries, the write-ahead log and freed pages (SQLite), dead row versions
(PostgreSQL).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import phonenumbers
from sqlalchemy import Text, cast, or_, select
from sqlalchemy.orm import Session

from desk_app.clients.deposits import release_deposit
from desk_app.clients.search_text import build_search_fields
from desk_app.clients.views import CONSENT_KINDS
from desk_app.core.service import audit
from desk_app.db.engine import Database
from desk_app.db.models import (
    Appointment,
    Assessment,
    AuditEntry,
    Client,
    ClientHistory,
    Complaint,
    ConsentRecord,
    Contact,
    Erasure,
    Feedback,
    FollowUp,
    Formula,
    Incident,
    OutboxMessage,
    OutreachTask,
    PatchTest,
    Payment,
    PrepaidAccount,
    PrepaidMovement,
    SafetyOverride,
    Sale,
    SaleLine,
    ServiceLog,
    SpotCheck,
    Staff,
    StockMovement,
    Visit,
    VisitEvent,
    WaitlistEntry,
)
from desk_app.domain.permissions import Actor
from desk_app.i18n import _
from desk_app.messages import outbox
from desk_app.trust.audit import redact

log = logging.getLogger(__name__)

# audit entries about these records describe the person (their profile, visits, calls, complaints):
# redacted whole. Entries about their sales are redacted when they quote the person or a text that
# was erased. Entries about ANOTHER client's records only when they quote the person's phone, e-mail
# or WeChat ID (a name alone is no proof: 冯蓉 the other client, "James Tan Junior"); any other entry
# (a call list, an export note) when it quotes the person, a longer name of another client aside.
PERSONAL_ENTITIES = (
    "client",
    "client_phone",
    "visit",
    "appointment",
    "formula",
    "follow_up",
    "feedback",
    "complaint",
    "contact",
    "waitlist",
)
MONEY_ENTITIES = ("sale",)
# entries about a staff member are theirs: a namesake of the client is not the client
STAFF_ENTITIES = ("staff",)
_MIN_TEXT = 4  # an erased free text shorter than this ("ok") is not searched for in the audit log
_SEP = r"[\s\-().]"  # what may stand between the digits of a phone as typed: 138 1234-5678, (0755)


@dataclass
class Erased:
    client_number: str
    name: str  # the anonymised name
    notes_cleared: int
    sales_kept: int
    audit_redacted: int
    others_cleaned: int = 0  # other clients' texts that quoted the person's phone, e-mail or WeChat


@dataclass
class _Marks:
    """What identifies the person in text: searched for in the audit log."""

    names: set[str] = field(default_factory=set)  # the person's names, now and earlier
    ids: set[str] = field(default_factory=set)  # e-mails and WeChat IDs
    phones: set[tuple[str, str]] = field(default_factory=set)  # (country code, national number)
    texts: set[str] = field(default_factory=set)  # free text that was erased from their records

    @property
    def words(self) -> set[str]:
        return self.names | self.ids

    @property
    def phone_digits(self) -> set[str]:
        return {nat for _cc, nat in self.phones}

    def add_phone(self, value: object) -> None:
        """A phone as stored (E.164) or typed: kept as its country code and national number, so
        that it is found as a whole number (+86 138…, 0086 138…, 138 1234 5678) and never as the
        tail of another number or inside a date."""
        raw = str(value or "").strip()
        digits = re.sub(r"\D", "", raw)
        if len(digits) < 7:
            return
        cc, nat = "", digits
        if raw.startswith(("+", "00")):
            try:
                n = phonenumbers.parse("+" + (digits[2:] if raw.startswith("00") else digits), None)
                cc, nat = str(n.country_code), str(n.national_number)
            except phonenumbers.NumberParseException:
                pass
        self.phones.add((cc, nat))

    @staticmethod
    def _clean(value: object) -> str | None:
        v = " ".join(str(value or "").split())
        return v if len(v) >= 2 and not v.isdigit() else None

    def add_name(self, value: object) -> None:
        if v := self._clean(value):
            self.names.add(v)

    def add_id(self, value: object) -> None:
        if v := self._clean(value):
            self.ids.add(v)


def _ids(rows: Iterable[Any]) -> list[int]:
    return [int(r.id) for r in rows]


def _rows(s: Session, model: Any, *where: Any) -> list[Any]:
    return list(s.scalars(select(model).where(*where).order_by(model.id)))


def _strings(value: Any) -> Iterable[str]:
    """Every string inside a JSON value (keys too: a skipped step's reason is a value, but a
    preference list holds the text itself)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from _strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _strings(v)


_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"


def _word_re(word: str) -> re.Pattern[str]:
    """The word standing alone: "Ann" is not found in "Annual", nor 张伟 in 张伟明 (someone else)."""
    w = re.escape(word)
    return re.compile(rf"(?<![A-Za-z0-9{_HAN}]){w}(?![A-Za-z0-9{_HAN}])", re.IGNORECASE)


def _id_re(value: str) -> re.Pattern[str]:
    """An e-mail address or WeChat ID standing alone: ann@example.org is not found inside
    jo.ann@example.org, nor wx_ann inside wx_anna."""
    return re.compile(rf"(?<![\w.%+\-]){re.escape(value)}(?![\w\-]|\.\w)", re.IGNORECASE)


def _phone_re(cc: str, nat: str) -> re.Pattern[str]:
    """The whole number, as stored or typed: with or without its country code (+86, 0086, 86) or
    trunk 0, digits grouped by spaces, dashes or brackets; not preceded or followed by another
    digit (139 1234 5678 is not 138 1234 5678, nor +852 9123 4567 the end of 136 9123 4567)."""
    body = f"{_SEP}{{0,2}}".join(nat)
    prefix = rf"(?:(?:\+|00)?{cc}{_SEP}*|0)?" if cc else "0?"
    return re.compile(rf"(?<!\d)(?<!\d{_SEP}){prefix}{body}(?!{_SEP}?\d)")


def _without(text: str, protected: Sequence[re.Pattern[str]]) -> str:
    """The text with other clients' longer names taken out ("James Tan Junior" is not James Tan)."""
    for p in protected:
        text = p.sub("\x00", text)
    return text


class _Matcher:
    def __init__(
        self,
        names: Iterable[str],
        ids: Iterable[str],
        phones: Iterable[tuple[str, str]],
        protected: Sequence[re.Pattern[str]] = (),
    ) -> None:
        self.names = [_word_re(w) for w in names]
        self.ids = [_id_re(w) for w in ids]
        self.phones = [_phone_re(cc, nat) for cc, nat in phones]
        self.protected = protected

    def __bool__(self) -> bool:
        return bool(self.names or self.ids or self.phones)

    def contact_patterns(self) -> list[re.Pattern[str]]:
        return [*self.ids, *self.phones]

    def hits(self, texts: Iterable[str]) -> bool:
        for t in texts:
            if self.names and any(p.search(_without(t, self.protected)) for p in self.names):
                return True
            if any(p.search(t) for p in self.ids) or any(p.search(t) for p in self.phones):
                return True
        return False


def _forms(value: str) -> set[str]:
    """How a text may be stored: as typed, and JSON-escaped (the JSON columns keep \\uXXXX)."""
    return {value, json.dumps(value).strip('"')}


def _prefilter(needles: Iterable[str], phones: Iterable[str]) -> re.Pattern[str] | None:
    """One pattern that finds every entry that may quote a needle (checked precisely after)."""
    parts = [re.escape(form) for n in needles for form in _forms(n)]
    parts += [f"{_SEP}{{0,2}}".join(p) for p in phones]  # 138 1234 5678, 138-1234-5678
    if not parts:
        return None
    return re.compile("|".join(sorted(set(parts), key=len, reverse=True)), re.IGNORECASE)


def _candidates(s: Session, needles: set[str], phones: set[str], exclude_ids: set[int]) -> list[AuditEntry]:
    """Entries whose text may hold one of the needles: one pass over the log's text in Python
    (a few hundred thousand entries in about a second), then the hits are loaded."""
    rx = _prefilter(needles, phones)
    if rx is None:
        return []
    q = select(
        AuditEntry.id, AuditEntry.detail, cast(AuditEntry.before, Text), cast(AuditEntry.after, Text)
    ).where(AuditEntry.redacted_by.is_(None))
    ids = [
        int(i)
        for i, detail, before, after in s.execute(q.execution_options(yield_per=5000))
        if i not in exclude_ids and any(v and rx.search(v) for v in (detail, before, after))
    ]
    found: list[AuditEntry] = []
    for k in range(0, len(ids), 500):
        found.extend(s.scalars(select(AuditEntry).where(AuditEntry.id.in_(ids[k : k + 500]))))
    return found


def _entry_texts(e: AuditEntry) -> list[str]:
    return [e.detail or "", *_strings(e.before), *_strings(e.after)]


def _longer_names(s: Session, c: Client, names: Iterable[str]) -> list[re.Pattern[str]]:
    """Other clients' names that hold one of the person's names (王芳芳, "James Tan Junior"):
    an occurrence of those is about someone else and is never taken for the person."""
    found: set[str] = set()
    own = {n.casefold() for n in names}
    for n in names:
        like = "%" + n.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        for other in s.scalars(
            select(Client.name)
            .where(Client.id != c.id, Client.erased_at.is_(None), Client.name.ilike(like, escape="\\"))
            .limit(500)
        ):
            o = " ".join(str(other).split())
            if o.casefold() not in own and (not n.isascii() or _word_re(n).search(o)):
                found.add(o)
    return [re.compile(re.escape(o), re.IGNORECASE) for o in sorted(found, key=len, reverse=True)]


def _names_out(text: str, names: Iterable[str], protected: Sequence[re.Pattern[str]]) -> str:
    """``text`` with the person's names replaced by "…" (another client's longer name stays)."""
    kept: list[str] = []

    def hide(m: re.Match[str]) -> str:
        kept.append(m.group(0))
        return f"\x00{len(kept) - 1}\x00"

    out = text
    for p in protected:
        out = p.sub(hide, out)
    for w in sorted(names, key=len, reverse=True):
        # a name inside a Chinese sentence has no word boundary: it goes too
        out = (_word_re(w) if w.isascii() else re.compile(re.escape(w), re.IGNORECASE)).sub("…", out)
    return re.sub("\x00(\\d+)\x00", lambda m: kept[int(m.group(1))], out)


def _scrub_reason(reason: str, marks: _Marks, protected: Sequence[re.Pattern[str]] = ()) -> str:
    """The reason for the erasure is kept in the log: without the person's name or phone in it."""
    out = _names_out(reason, marks.words, protected)
    for p in _Matcher((), (), marks.phones).phones:
        out = p.sub("…", out)
    return out


# other clients' free text, searched for the person's phone, e-mail or WeChat ID ("referred by Ann
# Lee, call her on 138…"): the detail is replaced by "…", and so is the person's name in that text
_OTHERS_TEXT: tuple[tuple[Any, tuple[str, ...]], ...] = (
    (Client, ("notes", "allergies", "contraindications")),
    (Visit, ("notes", "problem", "rebook_declined_reason")),
    (ServiceLog, ("notes", "problem")),
    (Formula, ("notes",)),
    (Appointment, ("notes", "cancel_reason")),
    (WaitlistEntry, ("notes",)),
    (Contact, ("caller_name", "caller_phone", "summary", "reply")),
    (Complaint, ("description", "first_response", "resolution", "callback_note")),
    (FollowUp, ("comments",)),
    (Feedback, ("content", "improvement_action")),
    (OutreachTask, ("note",)),
    (PatchTest, ("notes",)),
    (ClientHistory, ("description",)),
    (Incident, ("description", "action", "recheck_note")),
    (Sale, ("reason", "over_estimate_note")),
    (Payment, ("reference",)),
    (PrepaidMovement, ("note",)),
)


def _clean_others(s: Session, marks: _Marks, protected: Sequence[re.Pattern[str]]) -> int:
    """Replace the person's contact details (and then their name) in other records' free text;
    returns how many records changed. One pass over those columns, filtered in Python."""
    rx = _prefilter(marks.ids, marks.phone_digits)
    if rx is None:
        return 0
    contact = _Matcher((), marks.ids, marks.phones).contact_patterns()
    changed = 0
    for model, cols in _OTHERS_TEXT:
        q = select(model.id, *(getattr(model, c) for c in cols)).execution_options(yield_per=5000)
        hits = [int(r[0]) for r in s.execute(q) if any(v and rx.search(str(v)) for v in r[1:])]
        for rid in hits:
            obj = s.get(model, rid)
            touched = False
            for col in cols:
                value = getattr(obj, col)
                if not isinstance(value, str) or not value:
                    continue
                out = value
                for pat in contact:
                    out = pat.sub("…", out)
                if out != value:
                    setattr(obj, col, _names_out(out, marks.names, protected))
                    touched = True
            changed += touched
    return changed


def erase_rows(
    s: Session,
    c: Client,
    *,
    actor: Actor | None,
    reason: str,
    now: datetime,
    first: tuple[datetime, int | None] | None = None,
) -> tuple[Erasure, Erased]:
    """Erase client ``c`` in session ``s`` (not committed). ``actor`` None: the system (a backup).

    ``first``: when and by whom the client was first erased, for an erasure applied again (inside
    a backup, after a restore of an older one): the erasure record keeps that, the audit entry says
    who applied it again and when."""
    erased_at, erased_by = first if first is not None else (now, actor.staff_id if actor else None)
    if erased_by is not None and s.get(Staff, erased_by) is None:
        erased_by = None
    marks = _Marks()
    marks.add_name(c.name)
    for w in (c.email, c.wechat_id):
        marks.add_id(w)
    marks.add_phone(c.phone)
    # earlier names, phones and e-mails of the person, as the log recorded them
    own = _rows(s, AuditEntry, AuditEntry.entity == "client", AuditEntry.entity_id == str(c.id))
    for e in own:
        for d in (e.before or {}, e.after or {}):
            if isinstance(d, dict):
                for key in ("name", "caller_name"):
                    marks.add_name(d.get(key))
                for key in ("email", "wechat_id"):
                    marks.add_id(d.get(key))
                for key in ("phone", "caller_phone"):
                    marks.add_phone(d.get(key))
    contacts = _rows(s, Contact, Contact.client_id == c.id)
    for ct in contacts:
        marks.add_name(ct.caller_name)
        marks.add_phone(ct.caller_phone)

    number = c.client_number

    new_name = _("Erased client {number}").format(number=number)
    c.name = new_name
    c.phone = ""
    c.email = ""
    c.wechat_id = ""
    c.birthday = None
    c.birthday_md = None
    c.gender = ""
    c.skin_type = ""
    c.hair_type = ""
    c.allergies = ""
    c.contraindications = ""
    c.preferences = []
    c.notes = ""
    c.language = ""
    c.external_id = ""
    c.favourite_staff_id = None
    c.preferred_channel = "phone"
    c.name_pinyin, c.name_initials, c.phone_digits, c.search_text = build_search_fields(new_name, "", number)
    for old in _rows(s, ConsentRecord, ConsentRecord.client_id == c.id):
        if old.note:
            marks.texts.add(old.note)
            old.note = ""
    for kind in CONSENT_KINDS:
        s.add(
            ConsentRecord(
                client_id=c.id,
                kind=kind,
                granted=False,
                at=now,
                staff_id=actor.staff_id if actor else None,
                note=_("Withdrawn: client data erased"),
            )
        )
    c.marketing_consent = False
    c.marketing_consent_at = now
    c.privacy_consent = False
    c.privacy_consent_at = now
    c.sms_consent = False
    c.sms_consent_at = now
    c.email_consent = False
    c.email_consent_at = now
    c.erased_at = erased_at
    c.updated_at = now
    records, cleared = _clear_free_text(s, c.id, contacts, marks)
    protected = _longer_names(s, c, marks.names)
    others = _clean_others(s, marks, protected)
    _close_open_work(s, c.id, actor, now)
    sales_kept = len(records["sale"])

    # the audit log: entries about the person's records, and any entry that quotes them
    redact_ids: set[int] = set()
    for entity in PERSONAL_ENTITIES:
        ids = [str(i) for i in records.get(entity, [])]
        for k in range(0, len(ids), 500):
            redact_ids.update(
                s.scalars(
                    select(AuditEntry.id).where(
                        AuditEntry.entity == entity,
                        AuditEntry.entity_id.in_(ids[k : k + 500]),
                        AuditEntry.redacted_by.is_(None),
                    )
                )
            )
    person = _Matcher(marks.names, marks.ids, marks.phones, protected)
    contact_only = _Matcher((), marks.ids, marks.phones)
    texts = {t for t in marks.texts if len(t.strip()) >= _MIN_TEXT}
    with_texts = _Matcher([*marks.names, *texts], marks.ids, marks.phones, protected)
    money = {(entity, str(i)) for entity in MONEY_ENTITIES for i in records.get(entity, [])}
    others_only = {*PERSONAL_ENTITIES, *MONEY_ENTITIES, *STAFF_ENTITIES}
    for e in _candidates(s, marks.words | texts, marks.phone_digits, redact_ids):
        if (e.entity, e.entity_id) in money:
            matcher = with_texts
        elif e.entity in others_only:  # another client's record, or a staff member's
            matcher = contact_only
        else:
            matcher = person
        if matcher and matcher.hits(_entry_texts(e)):
            redact_ids.add(e.id)
    # the erasure record is written once, whole (the database refuses changes to it: migration 0007)
    erasure = Erasure(
        client_id=c.id,
        client_number=number,
        at=erased_at,
        staff_id=erased_by,
        audit_redacted=len(redact_ids),
    )
    s.add(erasure)
    s.flush()
    redacted = redact(s, sorted(redact_ids), erasure.id)
    audit(
        s,
        actor,
        "erase",
        "client",
        c.id,
        at=now,
        after={
            "client_number": number,
            "notes_cleared": cleared,
            "sales_kept": sales_kept,
            "audit_redacted": redacted,
            "others_cleaned": others,
            "erasure": erasure.id,
            **({"first_erased_at": erased_at.isoformat()} if first is not None else {}),
        },
        detail=_scrub_reason(reason, marks, protected),
    )
    s.flush()
    return erasure, Erased(number, new_name, cleared, sales_kept, redacted, others)


_OPEN_APPOINTMENTS = ("booked", "confirmed")
_OPEN_FOLLOW_UPS = ("pending", "no_answer", "call_back")


def _close_open_work(s: Session, client_id: int, actor: Actor | None, now: datetime) -> None:
    """Nobody can be called, reminded or served under an erased name: future bookings are
    cancelled (a deposit held against one is released), the waiting list entry removed, open
    calls given up."""
    appts = _rows(
        s,
        Appointment,
        Appointment.client_id == client_id,
        Appointment.status.in_(_OPEN_APPOINTMENTS),
        Appointment.start_at >= now,
    )
    for a in appts:
        a.status = "cancelled"
        a.cancelled_at = now
        a.cancel_reason = ""
        release_deposit(s, a, actor, now)
    for w in _rows(s, WaitlistEntry, WaitlistEntry.client_id == client_id, WaitlistEntry.status != "removed"):
        w.status = "removed"
    for f in _rows(s, FollowUp, FollowUp.client_id == client_id, FollowUp.status.in_(_OPEN_FOLLOW_UPS)):
        f.status = "gave_up"
    for t in _rows(s, OutreachTask, OutreachTask.client_id == client_id, OutreachTask.status == "open"):
        t.status = "done"
    # messages not yet sent are not sent (a sender mid-send finishes that one; its text is blanked
    # with the rest by _clear_free_text)
    for m in _rows(s, OutboxMessage, OutboxMessage.client_id == client_id, OutboxMessage.state == "queued"):
        m.state = "cancelled"
        m.last_error = outbox.WHY_ERASED  # the reason the Messages screen shows (words, nothing about the person)


def _clear_free_text(
    s: Session, client_id: int, contacts: Sequence[Contact], marks: _Marks
) -> tuple[dict[str, list[int]], int]:
    """Empty every free-text field written about the client. Returns the client's records by audit
    entity name and how many non-empty fields were emptied; the emptied texts go into ``marks``."""
    n = 0

    def gone(v: Any) -> None:
        for t in _strings(v):
            if t.strip():
                marks.texts.add(t.strip())

    def clear(objs: Sequence[Any], fields: Sequence[str]) -> None:
        nonlocal n
        for o in objs:
            for f in fields:
                v = getattr(o, f)
                if v:
                    n += 1
                    gone(v)
                    setattr(o, f, {} if isinstance(v, dict) else [] if isinstance(v, list) else "")

    visits = _rows(s, Visit, Visit.client_id == client_id)
    vids = _ids(visits)
    clear(visits, ("notes", "problem", "rebook_declined_reason"))
    for v in visits:  # which steps were skipped stays (the standards report counts them); why goes
        steps = dict(v.skipped_steps or {})
        if any(steps.values()):
            n += 1
            gone(list(steps.values()))
            v.skipped_steps = dict.fromkeys(steps, "")
    clear(_rows(s, VisitEvent, VisitEvent.visit_id.in_(vids)), ("reason",))
    clear(
        _rows(s, Assessment, Assessment.visit_id.in_(vids)),
        ("answers", "goals", "expectations", "allergies", "contraindications", "skin_type", "hair_type"),
    )
    clear(_rows(s, ServiceLog, ServiceLog.visit_id.in_(vids)), ("notes", "problem"))
    clear(_rows(s, StockMovement, StockMovement.visit_id.in_(vids)), ("note",))
    formulas = _rows(s, Formula, Formula.client_id == client_id)
    clear(formulas, ("notes",))
    for fo in formulas:
        comps = list(fo.components or [])
        if any(isinstance(x, dict) and x.get("notes") for x in comps):
            n += 1
            gone([x.get("notes") for x in comps if isinstance(x, dict)])
            fo.components = [{**x, "notes": ""} if isinstance(x, dict) else x for x in comps]
    clear(contacts, ("caller_name", "caller_phone", "summary", "reply"))
    for ct in contacts:
        if ct.checklist:
            gone(ct.checklist)
            ct.checklist = {}
    appts = _rows(s, Appointment, Appointment.client_id == client_id)
    clear(appts, ("notes", "cancel_reason"))
    waitlist = _rows(s, WaitlistEntry, WaitlistEntry.client_id == client_id)
    clear(waitlist, ("notes",))
    follow_ups = _rows(s, FollowUp, FollowUp.client_id == client_id)
    clear(follow_ups, ("comments",))
    complaints = _rows(
        s,
        Complaint,
        or_(Complaint.client_id == client_id, Complaint.contact_id.in_(_ids(contacts))),
    )
    clear(complaints, ("description", "first_response", "resolution", "callback_note"))
    feedback = _rows(s, Feedback, Feedback.client_id == client_id)
    clear(feedback, ("content", "improvement_action"))
    clear(_rows(s, OutreachTask, OutreachTask.client_id == client_id), ("note",))
    # the messages sent to them: where they went and what they said (kind, channel, state and times stay)
    clear(_rows(s, OutboxMessage, OutboxMessage.client_id == client_id), ("to_address", "subject", "body", "last_error"))
    clear(_rows(s, PatchTest, PatchTest.client_id == client_id), ("notes",))
    clear(_rows(s, ClientHistory, ClientHistory.client_id == client_id), ("description", "staff_name"))
    clear(_rows(s, Incident, Incident.client_id == client_id), ("description", "action", "recheck_note", "place"))
    clear(_rows(s, SafetyOverride, SafetyOverride.client_id == client_id), ("reason",))
    sales = _rows(s, Sale, Sale.client_id == client_id)
    sids = _ids(sales)
    clear(sales, ("over_estimate_note", "reason"))
    clear(_rows(s, SaleLine, SaleLine.sale_id.in_(sids)), ("discount_reason",))
    clear(_rows(s, Payment, Payment.sale_id.in_(sids)), ("reference",))
    accounts = _rows(s, PrepaidAccount, PrepaidAccount.client_id == client_id)
    clear(_rows(s, PrepaidMovement, PrepaidMovement.account_id.in_(_ids(accounts))), ("note",))
    spot = [("visit", vids), ("follow_up", _ids(follow_ups)), ("complaint", _ids(complaints))]
    for kind, ids in spot:
        if ids:
            clear(_rows(s, SpotCheck, SpotCheck.kind == kind, SpotCheck.record_id.in_(ids)), ("note",))
    records = {
        "client": [client_id],
        "client_phone": [client_id],
        "visit": vids,
        "appointment": _ids(appts),
        "formula": _ids(formulas),
        "follow_up": _ids(follow_ups),
        "feedback": _ids(feedback),
        "complaint": _ids(complaints),
        "contact": _ids(contacts),
        "waitlist": _ids(waitlist),
        "sale": sids,
    }
    return records, n


def scrub_storage(db: Database) -> bool:
    """After an erasure's commit: drop what the database engine still keeps of the old values.

    SQLite: the search index is merged (``optimize``: its deleted entries leave the file), the
    write-ahead log is copied into the file and cut to nothing, and the file is rebuilt (VACUUM), so
    no freed page holds an old value. PostgreSQL: VACUUM the tables erasure changed (dead row
    versions). Returns False when another desk's open read kept some of it from finishing (the
    next erasure finishes it); the erasure itself is already saved.
    """
    try:
        if db.is_sqlite:
            with db.engine.connect() as conn:
                conn.exec_driver_sql("INSERT INTO client_fts(client_fts) VALUES ('optimize')")
                conn.commit()
            raw = db.engine.raw_connection()
            try:
                cur = raw.cursor()
                busy, _log, _done = cur.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                if busy:
                    return False
                cur.execute("VACUUM")
                busy, _log, _done = cur.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                return not busy
            finally:
                raw.close()
        with db.engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            for table in _VACUUMED:
                conn.exec_driver_sql(f"VACUUM {table}")
        return True
    except Exception as exc:  # noqa: BLE001 - the erasure is committed; this only tidies storage
        log.warning("storage not scrubbed after an erasure: %s", exc)
        return False


_VACUUMED = (
    "clients",
    "client_history",
    "audit_log",
    "consent_records",
    "contacts",
    "complaints",
    "visits",
    "visit_events",
    "assessments",
    "service_logs",
    "formulas",
    "appointments",
    "waitlist_entries",
    "follow_ups",
    "feedback",
    "outreach_tasks",
    "outbox",
    "patch_tests",
    "safety_overrides",
    "sales",
    "sale_lines",
    "payments",
    "prepaid_movements",
    "stock_movements",
    "incidents",
    "spot_checks",
)
