"""Import clients from other salon software (Fresha, Square, Vagaro) or any CSV/XLSX.

The file is read whole (CSV: in the encoding staff chose, or detected: UTF-8 with or
without BOM, UTF-16 with a BOM, else charset-normalizer among GB18030, Big5, Shift_JIS,
Windows-1252 and Latin-1, see ``detect_encoding``; the delimiter is sniffed. XLSX: the
first sheet, the header being the first row that names a known column). The source is
detected from the header. Each row becomes a ``ParsedRow`` or a ``Rejected`` row that
says what is wrong (a row needs a name with a letter or Chinese character, and a phone,
e-mail or WeChat ID). Pass 1 decides everything without writing (the phone, else the
e-mail, else the WeChat ID says whether a row is a client already held or one of an
earlier row; a phone and an e-mail of two different clients reject the row); pass 2 writes in short
batches, each its own write transaction of at most about half a second, so another
desk saving meanwhile waits no longer than that. Stopped part-way, the batches
already committed stay whole, and importing the same file again merges (or skips)
them: nothing is doubled.

Dates: ISO (``YYYY-MM-DD``) and Chinese (``1990年3月5日``) are unambiguous. For
``01/02/1990`` the day/month order is decided per source: Fresha writes day
first; Square and Vagaro (US software) write month first; a generic file follows
the shop's region (US, CA(en), PH -> month first, everywhere else day first),
unless one of the numbers is above 12. ``MM-DD`` (and years before 1900, as
written by phones for "no year") keep only the month and day.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from time import monotonic, sleep
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from desk_app.clients.phones import normalize_phone
from desk_app.clients.search_text import build_search_fields
from desk_app.core import csvfile
from desk_app.core.service import DatabaseBusy, ServiceError, audit, next_counter, require, shop_row
from desk_app.db.engine import Clock, Database
from desk_app.db.models import Client, Counter, ImportBatch, client_listed
from desk_app.domain.permissions import Actor, Perm
from desk_app.i18n import _
from desk_app.settings import SettingsStore

Progress = Callable[[int, int], None]

SOURCES = ("fresha", "square", "vagaro", "generic")
# what a generic mapping can fill
FIELDS = (
    "name",
    "first_name",
    "last_name",
    "phone",
    "phone2",
    "email",
    "birthday",
    "gender",
    "notes",
    "external_id",
    "wechat_id",
    "first_visit",
    "last_visit",
)
BLANKS = {"", "---", "--", "-", "n/a", "na", "none", "null", "nil", "无"}
MAX_ROWS = 200_000


# Writing: each batch is its own short write transaction, so another desk never waits long to save.
BATCH_SECONDS = 0.4  # a batch stops writing once it has held the write lock this long (then commits)...
BATCH_ROWS = 5000  # ...or has written this many rows, whichever comes first
CHUNK_ROWS = 100  # rows per statement; the time is checked between statements
# the lock is let go this long between batches: a waiting desk's busy handler (SQLite's) retries
# every 100 ms at most, so a pause longer than that always lets it in
BATCH_PAUSE = 0.15

log = logging.getLogger(__name__)


class ImportFileError(ServiceError):
    """The file as a whole cannot be imported (nothing was written)."""


class ImportStopped(ServiceError):
    """The import failed after some batches were saved; ``result`` counts what was saved."""

    def __init__(self, message: str, result: ImportResult) -> None:
        super().__init__(message)
        self.result = result


@dataclass(frozen=True)
class SourceProfile:
    key: str
    label: str
    signature: tuple[str, ...]  # headers that identify it (all must be present)
    mapping: dict[str, tuple[str, ...]]  # field -> candidate columns, first non-blank wins
    day_first: bool | None  # None: from the shop's region


PROFILES: dict[str, SourceProfile] = {
    "fresha": SourceProfile(
        "fresha",
        "Fresha",
        ("Client ID", "First Name", "Mobile Number", "Blocked"),
        {
            "first_name": ("First Name",),
            "last_name": ("Last Name",),
            "email": ("Email",),
            "phone": ("Mobile Number",),
            "phone2": ("Telephone",),
            "gender": ("Gender",),
            "birthday": ("Date of Birth",),
            "notes": ("Note",),
            "external_id": ("Client ID",),
            "city": ("City",),
            "blocked": ("Blocked",),
            "first_visit": ("Added",),
        },
        True,
    ),
    "square": SourceProfile(
        "square",
        "Square",
        ("Square Customer ID", "Reference ID", "First Name"),
        {
            "first_name": ("First Name",),
            "last_name": ("Last Name",),
            "email": ("Email Address",),
            "phone": ("Phone Number",),
            "birthday": ("Birthday",),
            "notes": ("Memo",),
            "nickname": ("Nickname",),
            "company": ("Company Name",),
            "external_id": ("Square Customer ID",),
            "first_visit": ("First Visit",),
            "last_visit": ("Last Visit",),
        },
        False,
    ),
    "vagaro": SourceProfile(
        "vagaro",
        "Vagaro",
        ("First Name", "Last Name", "Mobile", "Day", "Night"),
        {
            "first_name": ("First Name",),
            "last_name": ("Last Name",),
            "email": ("Email",),
            "phone": ("Mobile",),
            "phone2": ("Day", "Night"),
            "birthday": ("Birthdate", "Birthday"),
            "gender": ("Gender",),
            "first_visit": ("Customer Since",),
            "last_visit": ("Last Visited",),
            "notes": ("Notes", "Note"),
        },
        False,
    ),
}

# header words a generic file often uses, for the suggested mapping (lower-case)
SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": (
        "name",
        "full name",
        "client name",
        "customer name",
        "client",
        "customer",
        "姓名",
        "名字",
        "客户姓名",
        "顾客姓名",
        "会员姓名",
        "客户",
    ),
    "first_name": ("first name", "firstname", "given name", "名"),
    "last_name": ("last name", "lastname", "surname", "family name", "姓"),
    "phone": (
        "phone",
        "mobile",
        "cell",
        "mobile number",
        "phone number",
        "mobile phone",
        "tel",
        "telephone",
        "手机",
        "手机号",
        "手机号码",
        "电话",
        "联系电话",
        "电话号码",
    ),
    "email": ("email", "e-mail", "email address", "邮箱", "电子邮箱", "电子邮件"),
    "birthday": ("birthday", "birthdate", "date of birth", "dob", "birth date", "生日", "出生日期"),
    "gender": ("gender", "sex", "性别"),
    "notes": ("notes", "note", "memo", "comments", "remark", "remarks", "备注", "说明"),
    "external_id": (
        "id",
        "client id",
        "customer id",
        "member no",
        "card no",
        "会员号",
        "会员卡号",
        "卡号",
        "编号",
        "客户编号",
    ),
    "wechat_id": ("wechat", "wechat id", "微信", "微信号"),
    "last_visit": ("last visit", "最近到店", "最后到店", "上次到店"),
    "first_visit": ("first visit", "customer since", "首次到店", "注册时间", "开卡日期"),
}

MONTH_FIRST_REGIONS = {"US", "PH", "FM", "MH", "PW", "BZ"}


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[str | Any]]  # cells as read (str from CSV; str/number/datetime from XLSX)
    encoding: str
    delimiter: str
    header_row: int  # 1-based line/row number of the header


@dataclass(frozen=True)
class ParsedRow:
    row_no: int
    name: str
    phone: str  # E.164 or ""
    email: str = ""
    birthday: date | None = None
    birthday_md: str | None = None
    gender: str = ""
    notes: str = ""
    external_id: str = ""
    wechat_id: str = ""
    first_visit_at: datetime | None = None
    last_visit_at: datetime | None = None


# why rows are not imported, in the order the counts are shown
REJECT_KINDS = ("name", "contact", "phone", "email", "birthday", "conflict")


def reject_kind_label(kind: str) -> str:
    """How the counts of rejected rows name a reason ("300 without a usable name")."""
    return {
        "name": _("without a usable name"),
        "contact": _("without a phone, e-mail or WeChat ID"),
        "phone": _("without a valid phone"),
        "email": _("with a wrong e-mail"),
        "birthday": _("with a wrong birthday"),
        "conflict": _("whose phone and e-mail belong to two different clients"),
    }.get(kind, kind)


@dataclass(frozen=True)
class Rejected:
    row_no: int
    reason: str
    values: str  # the row as read, for the report
    kinds: tuple[str, ...] = ()  # what is wrong, from REJECT_KINDS (a row may have several)


@dataclass(frozen=True)
class ImportPreview:
    source: str
    source_label: str
    headers: list[str]
    mapping: dict[str, str]  # field -> column used
    sample: list[list[str]]  # first rows as read
    parsed: list[ParsedRow]  # first rows as they would be imported
    rejected: list[Rejected]
    total_rows: int
    encoding: str
    delimiter: str


@dataclass(frozen=True)
class ImportResult:
    source: str
    total_rows: int
    imported: int
    merged: int
    skipped: int
    rejected: list[Rejected] = field(default_factory=list)
    dry_run: bool = False
    batch_id: int | None = None
    encoding: str = ""  # what the file was read as (one of ENCODINGS, or "xlsx")
    # each row that joins a client already held: (row, its name, the client's number, found by what)
    joined: list[tuple[int, str, str, str]] = field(default_factory=list)

    def joined_lines(self, limit: int = 12) -> list[str]:
        """ "Row 2, Hélène Andréa: into C000302 (same phone)", the first ``limit`` and how many more."""
        out = [_("Row {row}, {name}: into {number} ({how})").format(row=r, name=n, number=c, how=_match_word(h))
               for r, n, c, h in self.joined[:limit]]
        if len(self.joined) > limit:
            out.append(_("…and {n} more").format(n=len(self.joined) - limit))
        return out

    @property
    def rejected_count(self) -> int:
        return len(self.rejected)

    def rejected_by_kind(self) -> dict[str, int]:
        """How many rejected rows have each reason (a row with two reasons counts under both)."""
        return _kind_counts(self.rejected)

    def rejected_summary(self) -> str:
        """``"300 without a usable name, 150 without a valid phone"``: the counts the UI and the CLI show."""
        return _(", ").join(
            _("{n} {why}").format(n=n, why=reject_kind_label(k)) for k, n in self.rejected_by_kind().items()
        )


# what a row of the file turns out to be: an existing client (its id) or a new one (its index in _Plan.new)
_Target = tuple[str, int]


@dataclass
class _Plan:
    """What pass 1 decided, before anything is written."""

    new: list[ParsedRow] = field(default_factory=list)  # new clients (later rows with their phone folded in)
    into_existing: list[tuple[int | None, ParsedRow]] = field(default_factory=list)  # (client id, row)
    rejected: list[Rejected] = field(default_factory=list)
    merged: int = 0  # rows folded into an earlier row of the file
    skipped: int = 0
    joined: list[tuple[int, str, str, str]] = field(default_factory=list)  # ImportResult.joined
    encoding: str = ""  # what the file was read as


@dataclass
class _Done:
    """What the committed batches wrote."""

    imported: int = 0
    merged: int = 0
    skipped: int = 0
    batch_id: int | None = None


def _totals(used: str, path: Path, plan: _Plan, done: _Done) -> dict[str, Any]:
    return {
        "source": used,
        "file": path.name,
        "encoding": plan.encoding,
        "imported": done.imported,
        "merged": done.merged,
        "skipped": done.skipped,
        "rejected": len(plan.rejected),
        "rejected_by_reason": {k: n for k, n in _kind_counts(plan.rejected).items()},
    }


def _kind_counts(rejected: Sequence[Rejected]) -> dict[str, int]:
    out = dict.fromkeys(REJECT_KINDS, 0)
    for r in rejected:
        for k in r.kinds:
            out[k] = out.get(k, 0) + 1
    return {k: n for k, n in out.items() if n}


# --------------------------------------------------------------------------
# reading
# --------------------------------------------------------------------------


# the encodings a CSV can be read in (Python's codec names), in the order staff are offered them;
# "utf-8-sig" is UTF-8 with or without the BOM Excel adds
ENCODINGS = ("utf-8-sig", "utf-16", "gb18030", "big5", "shift_jis", "cp1252", "latin-1")
# what charset-normalizer may choose among once the file is not UTF-8 (its names): only these, so
# that a short Western file is not taken for something exotic
_GUESSED = ("gb18030", "big5", "shift_jis", "cp1252", "latin_1")
_GUESSED_AS = ("gb18030", "big5", "shift_jis", "cp1252", "latin-1")  # the same, as ENCODINGS names them
_READABLE = 0.9  # when charset-normalizer fits none: a reading with this share of readable letters
_AS_READABLE = 0.05  # readings this close in readable names are told apart by charset-normalizer
_READ_SAMPLE = 100_000  # characters of each reading looked at for readable names
_ENCODING_NAMES = {
    "utf-8-sig": "UTF-8",
    "utf-16": "UTF-16",
    "gb18030": "GB18030/GBK",
    "big5": "Big5",
    "shift_jis": "Shift_JIS",
    "cp1252": "Windows-1252",
    "latin-1": "Latin-1 (ISO-8859-1)",
    "xlsx": "Excel",
}


def encoding_name(encoding: str) -> str:
    """The encoding's usual name (``"gb18030"`` -> ``"GB18030/GBK"``)."""
    return _ENCODING_NAMES.get(encoding, encoding)


def encoding_label(encoding: str) -> str:
    """The name and what it is for, as staff choose it (``"Big5 — Traditional Chinese"``)."""
    what = {
        "utf-8-sig": _("Unicode, most exports"),
        "utf-16": _('Unicode, Excel\'s "Unicode text"'),
        "gb18030": _("Simplified Chinese"),
        "big5": _("Traditional Chinese"),
        "shift_jis": _("Japanese"),
        "cp1252": _("Western European, Windows"),
        "latin-1": _("Western European"),
        "xlsx": _("workbook, no encoding to choose"),
    }.get(encoding)
    name = encoding_name(encoding)
    return _("{name} — {what}").format(name=name, what=what) if what else name


def canonical_encoding(name: str) -> str:
    """``"auto"`` or one of ``ENCODINGS`` for a name staff may type (``gbk``, ``windows-1252``, ``utf8``...).
    Raises ImportFileError for an encoding the import does not read."""
    n = name.strip().lower()
    if n in ("", "auto"):
        return "auto"
    try:
        py = codecs.lookup(n).name
    except LookupError:
        py = n
    py = {"utf-8": "utf-8-sig", "gbk": "gb18030", "gb2312": "gb18030", "iso8859-1": "latin-1"}.get(py, py)
    if py not in ENCODINGS:
        raise ImportFileError(
            _("Unknown encoding {encoding}. Encodings: auto, {encodings}.").format(
                encoding=name, encodings=", ".join(ENCODINGS)
            )
        )
    return py


# a word: letters, and the Latin-1 signs Chinese read as Windows-1252 is full of (¦§©³¯¬...), not « ° · »
_WORD = re.compile(r"(?:[^\W\d_]|[\u00a1-\u00aa\u00ac-\u00af\u00b1-\u00b6\u00b8-\u00ba\u00bc-\u00bf])+")
_ASIAN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7a3\uff66-\uff9f]")


# where each encoding keeps what everyday text uses (first bytes): GB2312's symbols, kana and
# hanzi; Big5's symbols and frequent characters; Shift_JIS's kana and level-1 kanji
_EVERYDAY = {
    "gb18030": ("gb2312", 0xA1, 0xF7),
    "big5": ("big5", 0xA1, 0xC6),
    "shift_jis": ("shift_jis", 0x81, 0x98),
}


def _everyday_cjk(ch: str, encoding: str) -> bool:
    """A Chinese or Japanese character everyday text in ``encoding`` uses: text read in the wrong
    encoding gives mostly rare ones."""
    codec, lo, hi = _EVERYDAY.get(encoding, ("", 0, 0))
    try:
        b = ch.encode(codec) if codec else b""
    except UnicodeEncodeError:
        return False
    return len(b) == 2 and lo <= b[0] <= hi


def readability(text: str, encoding: str) -> float:
    """How much of the non-ASCII letters of ``text``, read in ``encoding``, look like names people
    write, 0..1 (1: all of them, or there are none).

    Mojibake shows in words: Latin letters glued to Chinese characters (``H閘鑞e``: cp1252 read as
    GBK), accented letters and signs in runs (``ÕÅÈý``, ``§õ©É``: GBK, Big5 read as cp1252), rare
    or half-width characters."""
    good = bad = 0
    for m in _WORD.finditer(text[:_READ_SAMPLE]):
        w = m.group()
        if w.isascii():
            continue
        # ASCII, Chinese/Japanese, other Latin (accented), other letters (Greek, Cyrillic...)
        kinds = [
            "a" if c.isascii() else "c" if _ASIAN.match(c) else "l" if ord(c) < 0x250 else "o" for c in w
        ]
        if "c" in kinds and any(k != "c" for k in kinds):  # scripts mixed inside one word
            bad += sum(1 for k in kinds if k != "a")
            continue
        for i, k in enumerate(kinds):
            if k == "c":
                ok = _everyday_cjk(w[i], encoding)
            elif k == "l":  # an accented letter among plain ones (Hélène), not a run of them
                ok = (i == 0 or kinds[i - 1] != "l") and (i + 1 == len(kinds) or kinds[i + 1] != "l")
            elif k == "o":
                ok = False  # Greek or Cyrillic letters come from UTF-8 files, not these encodings
            else:
                continue
            good, bad = (good + 1, bad) if ok else (good, bad + 1)
    return good / (good + bad) if good + bad else 1.0


def _decoded(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def detect_encoding(data: bytes) -> str:
    """The encoding of a CSV's bytes, one of ``ENCODINGS``.

    A BOM says it (UTF-8, UTF-16); text that is valid UTF-8 is UTF-8, without guessing. Else
    charset-normalizer guesses among GB18030, Big5, Shift_JIS, Windows-1252 and Latin-1 only; of its
    guesses (a short file often fits several) the reading with the most readable names wins
    (``readability``), then the one it finds least messy. Every guess must read the whole file. Raises ImportFileError when
    none fits: nothing is read as mojibake without a word."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if _decoded(data, "utf-8") is not None:
        return "utf-8-sig"
    from charset_normalizer import from_bytes

    fits: list[tuple[str, float, float, float]] = []  # (encoding, chaos, readability, coherence)
    for m in from_bytes(data, cp_isolation=list(_GUESSED), preemptive_behaviour=False):
        try:
            enc = canonical_encoding(m.encoding)
        except ImportFileError:  # a fallback guess outside the list
            continue
        text = _decoded(data, enc)
        if enc != "auto" and text is not None and enc not in (f[0] for f in fits):
            fits.append((enc, m.chaos, readability(text, enc), m.coherence))
    if not fits:  # charset-normalizer finds names' rare characters messy (a file of 欧阳娜娜 is "20 % chaos")
        readable = [
            (e, r)
            for e in _GUESSED_AS
            if (t := _decoded(data, e)) is not None and (r := readability(t, e)) >= _READABLE
        ]
        if readable:
            return max(readable, key=lambda f: f[1])[0]  # the first of equals, in the order of ENCODINGS
        raise ImportFileError(
            _(
                "The file's encoding was not recognised: it is not UTF-8, UTF-16, GB18030/GBK, Big5, "
                'Shift_JIS or Windows-1252 text. Choose its encoding, or save it again as "CSV UTF-8" and '
                "import that file."
            )
        )
    # every guess here is within charset-normalizer's threshold: the most readable names win (Big5's
    # 陳美麗 is also "clean" Windows-1252, ³¯¬üÄR); among about as readable ones the least chaos, the
    # language charset-normalizer recognised, the order of ENCODINGS (GB2312's common hanzi are also
    # valid Big5: a few Chinese characters alone are read as GBK)
    most = max(f[2] for f in fits)
    close = [f for f in fits if f[2] >= most - _AS_READABLE]
    return min(close, key=lambda f: (round(f[1], 2), -f[3], ENCODINGS.index(f[0])))[0]


def decode_bytes(data: bytes, encoding: str = "auto") -> tuple[str, str]:
    """The text of a CSV's bytes and the encoding read (one of ``ENCODINGS``): ``encoding`` as
    staff chose it, or ``"auto"`` (``detect_encoding``). Raises ImportFileError, saying where,
    when the file is not text in that encoding."""
    enc = canonical_encoding(encoding)
    if enc == "auto":
        enc = detect_encoding(data)
    try:
        return data.decode(enc), enc
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            _(
                "The file cannot be read as {encoding}: line {line} holds bytes that are not {encoding} "
                "text. Choose another encoding (or automatic); nothing was imported."
            ).format(encoding=encoding_name(enc), line=data[: exc.start].count(b"\n") + 1)
        ) from exc


def _sniff_delimiter(text: str) -> str:
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def _clean(cell: Any) -> Any:
    if cell is None:
        return ""
    if isinstance(cell, str):
        v = csvfile.csv_unescape(cell.replace("\x00", "").strip())  # '=x in an export is the text =x
        return "" if v.lower() in BLANKS else v
    return cell


def _header_index(rows: Sequence[Sequence[Any]]) -> int:
    """The first row that looks like a header (names a known column), else the first non-empty one."""
    known = {c.lower() for p in PROFILES.values() for cols in p.mapping.values() for c in cols}
    known |= {s for syn in SYNONYMS.values() for s in syn}
    first_nonempty = -1
    for i, r in enumerate(rows[:30]):
        cells = [str(c).strip().lower() for c in r if c not in (None, "")]
        if not cells:
            continue
        if first_nonempty < 0:
            first_nonempty = i
        if any(c in known for c in cells):
            return i
    return max(first_nonempty, 0)


def _table_from_rows(raw: list[list[Any]], encoding: str, delimiter: str) -> Table:
    if not raw or not any(any(_clean(c) != "" for c in r) for r in raw):
        raise ImportFileError(_("The file is empty. Export your clients again and pick that file."))
    hi = _header_index(raw)
    headers = [str(h or "").strip().lstrip("\ufeff") for h in raw[hi]]
    seen: dict[str, int] = {}
    for i, h in enumerate(headers):  # make duplicate/empty headers unique
        base = h or _("Column {n}").format(n=i + 1)
        n = seen.get(base, 0)
        seen[base] = n + 1
        headers[i] = base if n == 0 else f"{base} ({n + 1})"
    rows = raw[hi + 1 :]
    if len(rows) > MAX_ROWS:
        raise ImportFileError(
            _("The file has more than {n} rows. Split it into smaller files.").format(n=MAX_ROWS)
        )
    return Table(headers, rows, encoding, delimiter, hi + 1)


def read_table(path: Path, encoding: str = "auto") -> Table:
    """Read a CSV or XLSX file into a header and rows; a CSV in ``encoding`` (``"auto"``: detected,
    see ``detect_encoding``). A workbook has no encoding to choose: ``encoding`` is not used."""
    path = Path(path)
    canonical_encoding(encoding)  # an unknown name is refused whatever the file
    if not path.exists():
        raise ImportFileError(_("The file {name} was not found.").format(name=str(path)))
    data = path.read_bytes()
    if data[:2] == b"PK" or path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    text, enc = decode_bytes(data, encoding)
    delim = _sniff_delimiter(text)
    try:
        raw = [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delim)]
    except csv.Error as exc:
        raise ImportFileError(
            _("The file could not be read as CSV ({error}). Export it again as CSV.").format(error=str(exc))
        ) from exc
    return _table_from_rows(raw, enc, delim)


def _read_xlsx(path: Path) -> Table:
    from openpyxl import load_workbook

    try:
        with path.open("rb") as fh:  # a file object: openpyxl would refuse a .csv name holding a workbook
            wb = load_workbook(io.BytesIO(fh.read()), read_only=True, data_only=True)
            try:
                ws = wb.worksheets[0]
                raw = [list(r) for r in ws.iter_rows(values_only=True)]
            finally:
                wb.close()
    except Exception as exc:  # noqa: BLE001 - zip, XML and openpyxl errors all mean "not a readable workbook"
        raise ImportFileError(
            _("The spreadsheet could not be opened ({error}). Save it again as .xlsx or CSV.").format(
                error=str(exc)[:200] or type(exc).__name__
            )
        ) from exc
    return _table_from_rows(raw, "xlsx", "")


def detect_source(headers: Iterable[str]) -> str:
    hs = {h.strip().lower() for h in headers}
    for key, prof in PROFILES.items():
        if all(s.lower() in hs for s in prof.signature):
            return key
    return "generic"


def suggest_mapping(headers: Sequence[str]) -> dict[str, str]:
    """A best guess of field -> column for a generic file, from common header words."""
    out: dict[str, str] = {}
    lower = {h.strip().lower(): h for h in headers}
    for fld, words in SYNONYMS.items():
        for w in words:
            if w in lower and lower[w] not in out.values():
                out[fld] = lower[w]
                break
    if "name" in out and ("first_name" in out or "last_name" in out):
        out.pop("first_name", None)
        out.pop("last_name", None)
    return out


def parse_map_args(items: Sequence[str]) -> dict[str, str]:
    """``["name=Full Name", "phone=Cell"]`` -> ``{"name": "Full Name", "phone": "Cell"}``."""
    out: dict[str, str] = {}
    for item in items:
        if "=" not in item:
            raise ImportFileError(
                _('A mapping is FIELD=Column, e.g. name="Full Name"; got {item}.').format(item=item)
            )
        k, v = item.split("=", 1)
        k = k.strip().lower()
        if k not in FIELDS:
            raise ImportFileError(
                _("Unknown field {field}. Fields: {fields}.").format(field=k, fields=", ".join(FIELDS))
            )
        out[k] = v.strip()
    return out


# --------------------------------------------------------------------------
# values
# --------------------------------------------------------------------------

_MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1
    )
}
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T].*)?$")
_CN = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?")
_CN_MD = re.compile(r"^(\d{1,2})\s*月\s*(\d{1,2})\s*日?$")
_NUM3 = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})(?:[ T].*)?$")
_MD = re.compile(r"^-{0,2}(\d{1,2})[-/.](\d{1,2})$")
_WORD1 = re.compile(r"^([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$")  # Mar 5, 1990
_WORD2 = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[\s-]+([A-Za-z]{3,9})\.?,?[\s-]+(\d{4})$")  # 5 Mar 1990
_WORD_MD = re.compile(r"^([A-Za-z]{3,9})\.?\s+(\d{1,2})$|^(\d{1,2})\s+([A-Za-z]{3,9})\.?$")


class BadValue(ValueError):
    pass


def _month(word: str) -> int:
    m = _MONTHS.get(word[:3].lower())
    if m is None:
        raise BadValue(word)
    return m


def _md(month: int, day: int) -> str:
    date(2000, month, day)  # validates (2000 is a leap year: 02-29 allowed)
    return f"{month:02d}-{day:02d}"


def parse_date(value: Any, day_first: bool) -> tuple[date | None, str | None]:
    """Return (full date or None, "MM-DD" or None). Raises BadValue when it is not a date."""
    if value is None or value == "":
        return None, None
    if isinstance(value, datetime):
        d = value.date()
    elif isinstance(value, date):
        d = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if not 1 <= float(value) < 2_958_466:
            raise BadValue(str(value))
        d = date(1899, 12, 30) + timedelta(days=int(value))  # Excel serial (1900 system)
    else:
        s = str(value).strip()
        try:
            d_or_md = _parse_text_date(s, day_first)
        except (ValueError, OverflowError) as exc:
            raise BadValue(s) from exc
        if isinstance(d_or_md, str):
            return None, d_or_md
        d = d_or_md
    if d.year < 1900:  # phones write "no year" as 1604 or 0000-like years
        return None, _md(d.month, d.day)
    return d, _md(d.month, d.day)


def _parse_text_date(s: str, day_first: bool) -> date | str:
    if m := _ISO.match(s):
        y, mo, d = (int(x) for x in m.groups())
        if y < 1900:
            return _md(mo, d)
        return date(y, mo, d)
    if m := _CN.match(s):
        y, mo, d = (int(x) for x in m.groups())
        return date(y, mo, d)
    if m := _CN_MD.match(s):
        return _md(int(m.group(1)), int(m.group(2)))
    if re.fullmatch(r"\d{5}(\.\d+)?", s):  # an Excel serial that arrived as text
        return date(1899, 12, 30) + timedelta(days=int(float(s)))
    if m := _NUM3.match(s):
        a, b, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if y < 100:
            y += 1900 if y > 30 else 2000
        if a > 12 and b <= 12:
            return date(y, b, a)
        if b > 12 and a <= 12:
            return date(y, a, b)
        return date(y, b, a) if day_first else date(y, a, b)
    if m := _MD.match(s):
        a, b = int(m.group(1)), int(m.group(2))
        if "-" in s or s.startswith("--"):
            return _md(a, b)  # MM-DD
        if a > 12:
            return _md(b, a)
        if b > 12:
            return _md(a, b)
        return _md(b, a) if day_first else _md(a, b)
    if m := _WORD1.match(s):
        return date(int(m.group(3)), _month(m.group(1)), int(m.group(2)))
    if m := _WORD2.match(s):
        return date(int(m.group(3)), _month(m.group(2)), int(m.group(1)))
    if m := _WORD_MD.match(s):
        if m.group(1):
            return _md(_month(m.group(1)), int(m.group(2)))
        return _md(_month(m.group(4)), int(m.group(3)))
    raise BadValue(s)


def parse_phone(value: Any, region: str) -> str:
    """Normalise to E.164 for the shop's region; '' when blank. Raises BadValue when it is not a phone."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    s = str(value).strip().lstrip("'").strip()
    if s.lower() in BLANKS:
        return ""
    if s.startswith("00"):
        s = "+" + s[2:]
    digits = re.sub(r"[^\d+]", "", s)
    if not re.search(r"\d", digits):
        raise BadValue(s)
    try:
        return normalize_phone(s, region)  # the same rule as a phone typed at the desk
    except ValueError as exc:
        raise BadValue(s) from exc


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def join_name(first: str, last: str) -> str:
    """Western names "First Last"; Chinese names surname first with no space (张 + 三 -> 张三).

    A Chinese name written whole in First Name is kept as it is.
    """
    first, last = first.strip(), last.strip()
    if not last:
        return first
    if not first:
        return last
    if _CJK.search(first) or _CJK.search(last):
        if first.startswith(last):
            return first
        return last + first
    return f"{first} {last}"


def parse_gender(value: str) -> str:
    v = value.strip().lower()
    if v in ("f", "female", "woman", "女", "女性", "w"):
        return "female"
    if v in ("m", "male", "man", "男", "男性"):
        return "male"
    if v in ("", "unknown", "not specified", "未知", "prefer not to say"):
        return ""
    return "other"


def _truthy(value: str) -> bool:
    return value.strip().lower() in ("yes", "true", "1", "y", "是", "blocked")


def _as_utc(d: date | None, tz_name: str) -> datetime | None:
    if d is None:
        return None
    from zoneinfo import ZoneInfo

    return datetime.combine(d, time(12, 0), ZoneInfo(tz_name)).astimezone(UTC)


# --------------------------------------------------------------------------
# the service
# --------------------------------------------------------------------------


class ImportService:
    def __init__(self, db: Database, settings: SettingsStore, clock: Clock | None = None) -> None:
        self.db = db if clock is None else db.with_clock(clock)  # rows are stamped by the same clock
        self.settings = settings
        self.clock = self.db.clock

    # -- reading and preview -------------------------------------------------
    def _shop_region_tz(self) -> tuple[str, str]:
        with self.db.uow(write=False) as uow:
            s = shop_row(uow.session)
            return s.region or "CN", s.timezone or "Asia/Shanghai"

    def resolve(
        self, table: Table, source: str, mapping: dict[str, str] | None
    ) -> tuple[str, dict[str, tuple[str, ...]]]:
        """The source actually used and field -> candidate columns."""
        if source not in ("auto", *SOURCES):
            raise ImportFileError(_("Unknown source {source}.").format(source=source))
        if source == "auto":
            source = "generic" if mapping else detect_source(table.headers)
        if source == "generic":
            used = dict(suggest_mapping(table.headers) if mapping is None else mapping)
            cols: dict[str, tuple[str, ...]] = {k: (v,) for k, v in used.items() if v}
        else:
            cols = dict(PROFILES[source].mapping)
            for k, v in (mapping or {}).items():
                cols[k] = (v,)
        missing = [c for cs in cols.values() for c in cs if c not in table.headers]
        if source == "generic":
            if missing:
                raise ImportFileError(
                    _("The file has no column named {column}. Columns: {columns}.").format(
                        column=missing[0], columns=", ".join(table.headers)
                    )
                )
            if not ({"name", "first_name", "last_name"} & cols.keys()):
                raise ImportFileError(
                    _('Choose which column holds the client\'s name (e.g. --map name="Full Name").')
                )
        return source, cols

    def preview(
        self,
        path: Path,
        source: str = "auto",
        mapping: dict[str, str] | None = None,
        limit: int = 20,
        encoding: str = "auto",
    ) -> ImportPreview:
        """The first rows as they would be imported; ``encoding``: as staff chose it, or ``"auto"``
        (the preview's ``encoding`` says what was detected)."""
        table = read_table(path, encoding)
        used, cols = self.resolve(table, source, mapping)
        region, tz = self._shop_region_tz()
        day_first = self._day_first(used, region)
        parsed: list[ParsedRow] = []
        rejected: list[Rejected] = []
        idx = {h: i for i, h in enumerate(table.headers)}
        for n, row in enumerate(table.rows[: max(limit, 0)]):
            row_no = table.header_row + 1 + n
            if not any(_clean(c) != "" for c in row):
                continue
            res = self._parse_row(row_no, row, idx, cols, region, tz, day_first)
            (parsed if isinstance(res, ParsedRow) else rejected).append(res)  # type: ignore[arg-type]
        label = PROFILES[used].label if used in PROFILES else _("Other CSV (column mapping)")
        return ImportPreview(
            source=used,
            source_label=label,
            headers=list(table.headers),
            mapping={k: v[0] for k, v in cols.items() if v},
            sample=[[_cell_text(c) for c in r] for r in table.rows[:limit]],
            parsed=parsed,
            rejected=rejected,
            total_rows=len(table.rows),
            encoding=table.encoding,
            delimiter=table.delimiter,
        )

    @staticmethod
    def _day_first(source: str, region: str) -> bool:
        prof = PROFILES.get(source)
        if prof is not None and prof.day_first is not None:
            return prof.day_first
        return region.upper() not in MONTH_FIRST_REGIONS

    def _parse_row(
        self,
        row_no: int,
        row: Sequence[Any],
        idx: dict[str, int],
        cols: dict[str, tuple[str, ...]],
        region: str,
        tz: str,
        day_first: bool,
    ) -> ParsedRow | Rejected:
        def get(fld: str) -> Any:
            for col in cols.get(fld, ()):
                i = idx.get(col)
                if i is not None and i < len(row):
                    v = _clean(row[i])
                    if v != "":
                        return v
            return ""

        def text(fld: str) -> str:
            return _cell_text(get(fld)).strip()

        values = _row_text(row)
        problems: list[tuple[str, str]] = []  # (kind, what is wrong)
        name = text("name") or join_name(text("first_name"), text("last_name"))
        if not name:
            name = text("nickname") or text("company")
        if not name:
            problems.append(("name", _("no name (the name columns are empty)")))
        elif not any(ch.isalpha() for ch in name):
            problems.append(
                ("name", _('"{value}" is not a name (no letter or Chinese character)').format(value=name[:40]))
            )
        elif len(name) > 120:
            problems.append(("name", _("the name is longer than 120 characters")))
        phone = ""
        raw_phones = [get("phone"), get("phone2")]
        for k, raw in enumerate(raw_phones):
            if raw == "" or raw is None:
                continue
            try:
                phone = parse_phone(raw, region)
                break
            except BadValue:
                if k == 0 and raw_phones[1] not in ("", None):
                    continue
                problems.append(
                    (
                        "phone",
                        _(
                            'phone "{value}" is not a valid phone number for region {region} '
                            "(write numbers from other countries with + and the country code)"
                        ).format(value=_cell_text(raw), region=region),
                    )
                )
        email = text("email")
        if email and not _EMAIL.match(email):
            problems.append(("email", _('email "{value}" is not an email address').format(value=email)))
        if len(email) > 200:
            problems.append(("email", _("the email is longer than 200 characters")))
        if not phone and not email and not text("wechat_id") and not any(
            raw not in ("", None) for raw in raw_phones
        ):
            # the desk needs a way to reach the client (a phone at the counter); an e-mail or a
            # WeChat ID from the old system is kept as that contact
            problems.append(("contact", _("no phone, e-mail or WeChat ID to reach the client")))
        bday: date | None = None
        bday_md: str | None = None
        raw_bday = get("birthday")
        if raw_bday != "":
            try:
                bday, bday_md = parse_date(raw_bday, day_first)
            except (BadValue, ValueError):
                problems.append(
                    (
                        "birthday",
                        _('birthday "{value}" is not a date (use YYYY-MM-DD, or MM-DD without a year)').format(
                            value=_cell_text(raw_bday)
                        ),
                    )
                )
            else:
                today = self.clock().date()
                if bday is not None and bday > today:
                    problems.append(
                        ("birthday", _("birthday {value} is in the future").format(value=bday.isoformat()))
                    )
        visits: list[datetime | None] = []
        for fld in ("first_visit", "last_visit"):
            raw = get(fld)
            try:
                d, _md_ = parse_date(raw, day_first) if raw != "" else (None, None)
            except (BadValue, ValueError):
                d = None  # a visit date we cannot read is dropped, not a reason to lose the client
            visits.append(_as_utc(d, tz))
        if problems:
            kinds = tuple(dict.fromkeys(k for k, _w in problems))
            return Rejected(row_no, "; ".join(w for _k, w in problems), values, kinds)
        notes_parts = [text("notes")]
        if text("city"):
            notes_parts.append(_("City: {city}").format(city=text("city")))
        if text("blocked") and _truthy(text("blocked")):
            notes_parts.append(_("Blocked in the previous system."))
        return ParsedRow(
            row_no=row_no,
            name=name,
            phone=phone,
            email=email.lower(),
            birthday=bday,
            birthday_md=bday_md,
            gender=parse_gender(text("gender")),
            notes="\n".join(p for p in notes_parts if p),
            external_id=text("external_id")[:100],
            wechat_id=text("wechat_id")[:100],
            first_visit_at=visits[0],
            last_visit_at=visits[1],
        )

    # -- the import ------------------------------------------------------------
    def run(
        self,
        actor: Actor,
        path: Path,
        *,
        source: str = "auto",
        mapping: dict[str, str] | None = None,
        duplicates: str = "merge",
        dry_run: bool = False,
        progress: Progress | None = None,
        encoding: str = "auto",
    ) -> ImportResult:
        """Import every good row, in short write transactions (see ``BATCH_SECONDS``); rejected rows
        are reported, not fatal. A dry run decides everything and writes nothing. A CSV is read in
        ``encoding`` (``"auto"``: detected); the result says which.

        Raises ``ImportStopped`` when a failure comes after some batches were saved (a re-run
        finishes the import), and the failure itself when nothing was saved yet."""
        require(self.db.uow, actor, Perm.IMPORT)
        if duplicates not in ("merge", "skip"):
            raise ImportFileError(_("Duplicates are either merged or skipped."))
        path = Path(path)
        table = read_table(path, encoding)
        used, cols = self.resolve(table, source, mapping)
        plan = self._plan(table, used, cols, duplicates, progress)
        total = len(table.rows)
        if dry_run:
            if progress:
                progress(total, total)
            merged = plan.merged + len(plan.into_existing)
            return ImportResult(
                used, total, len(plan.new), merged, plan.skipped, plan.rejected, True, None, table.encoding,
                plan.joined,
            )
        done = self._write(actor, path, used, plan, duplicates, progress, total)
        return ImportResult(
            used, total, done.imported, done.merged, done.skipped, plan.rejected, False, done.batch_id, table.encoding,
            plan.joined,
        )

    def _plan(
        self,
        table: Table,
        used: str,
        cols: dict[str, tuple[str, ...]],
        duplicates: str,
        progress: Progress | None,
    ) -> _Plan:
        """Pass 1, without writing: read every row and decide what it becomes."""
        region, tz = self._shop_region_tz()
        day_first = self._day_first(used, region)
        idx = {h: i for i, h in enumerate(table.headers)}
        total = len(table.rows)
        plan = _Plan(encoding=table.encoding)
        # every phone (e-mail, WeChat ID) already held -> the client, read once; then each row's as it is
        # decided -> the client it merges into, or the new client it is (an index in plan.new)
        whose: dict[str, _Target] = {}
        numbers: dict[int, str] = {}  # client id -> client number, for a row that matches two clients
        shared: dict[str, list[int]] = {}  # an e-mail or WeChat ID two clients have: no guess which
        with self.db.uow(write=False) as uow:
            for cid, number, ph, digits, email, wechat in uow.session.execute(
                select(
                    Client.id, Client.client_number, Client.phone, Client.phone_digits, Client.email, Client.wechat_id
                )
                .where(client_listed())
                .order_by(Client.id)  # two clients with one e-mail: the older one is found
            ):
                numbers[cid] = number
                for key in _held_keys(ph, digits, email, wechat):
                    if key in whose and whose[key] != ("client", cid) and not key.startswith("+"):
                        shared.setdefault(key, [int(whose[key][1])]).append(cid)
                    whose.setdefault(key, ("client", cid))
        for n, row in enumerate(table.rows):
            row_no = table.header_row + 1 + n
            if progress and (n % 200 == 0):
                progress(n // 2, total)
            if not any(_clean(c) != "" for c in row):
                continue
            res = self._parse_row(row_no, row, idx, cols, region, tz, day_first)
            if isinstance(res, Rejected):
                plan.rejected.append(res)
                continue
            by_phone, by_email, by_wechat = (whose.get(k) if k else None for k in _match_keys(res))
            if by_phone is not None and by_email is not None and by_phone != by_email:
                # the phone is one client's and the e-mail another's: no guess, the row is left out
                plan.rejected.append(_conflict(res, row, by_phone, by_email, numbers, plan.new))
                continue
            target = by_phone or by_email or by_wechat
            key = _match_keys(res)[1 if by_email else 2] if by_phone is None and target is not None else ""
            if key in shared:  # found only by an e-mail (WeChat ID) two clients have: said, not guessed
                plan.rejected.append(_shared(res, row, key, [numbers[c] for c in shared[key]]))
                continue
            if target is None:
                target = ("new", len(plan.new))
                plan.new.append(res)
            elif duplicates == "skip":
                plan.skipped += 1
            elif target[0] == "new":  # an earlier row of the file: folded into it before writing
                plan.new[target[1]] = _merge_rows(plan.new[target[1]], res)
                plan.merged += 1
            else:  # a client already held (a desk's, or one a first run saved)
                plan.into_existing.append((target[1], res))
                how = "phone" if by_phone is not None else "email" if by_email is not None else "wechat"
                plan.joined.append((res.row_no, res.name, numbers.get(target[1], ""), how))
            for key in _held_keys(res.phone, "", res.email, res.wechat_id):
                whose.setdefault(key, target)  # a later row with this e-mail is this client too
        return plan

    def _write(
        self,
        actor: Actor,
        path: Path,
        used: str,
        plan: _Plan,
        duplicates: str,
        progress: Progress | None,
        total: int,
    ) -> _Done:
        """Pass 2: the plan written in batches, each its own short write transaction.

        A batch takes the write lock (BEGIN IMMEDIATE), writes ``CHUNK_ROWS`` rows at a time and
        commits once it has held the lock ``BATCH_SECONDS`` or written ``BATCH_ROWS`` rows, then
        lets go for ``BATCH_PAUSE`` so that a desk waiting to save gets its turn. The import's row
        (ImportBatch) is written with the first batch and its counts kept up to date, and the audit
        entry goes with the last batch, once, with the totals. Stopped part-way, what was committed
        stays whole; a second run of the same file merges (or skips) the clients already written."""
        ops: list[tuple[int | None, ParsedRow]] = [(None, r) for r in plan.new] + list(plan.into_existing)
        now = self.clock()
        done = _Done(merged=plan.merged, skipped=plan.skipped)
        pos = 0
        first = True
        try:
            while first or pos < len(ops):
                first = False
                step = _Done(done.imported, done.merged, done.skipped, done.batch_id)
                with self.db.uow() as uow:
                    s = uow.session
                    s.connection()  # BEGIN IMMEDIATE: the write lock is held from here to the commit
                    started = monotonic()
                    end = pos
                    while (
                        end < len(ops)
                        and end - pos < BATCH_ROWS
                        and monotonic() - started < BATCH_SECONDS
                    ):
                        chunk = ops[end : end + CHUNK_ROWS]
                        self._write_chunk(s, actor, chunk, used, now, duplicates, step)
                        end += len(chunk)
                    self._record(s, actor, path, used, plan, step, now, last=end >= len(ops))
                    uow.commit()
                pos, done = end, step
                if progress:
                    progress(min(total, (total + total * pos // max(len(ops), 1)) // 2), total)
                if pos < len(ops):
                    sleep(BATCH_PAUSE)  # a desk whose busy handler polls every 100 ms gets in
        except Exception as exc:
            if done.batch_id is None:  # nothing was saved: the error as it is
                raise
            raise self._stopped(actor, path, used, plan, done, now, (pos, len(ops), total), exc) from exc
        if progress:
            progress(total, total)
        return done

    def _write_chunk(
        self,
        s: Session,
        actor: Actor,
        chunk: Sequence[tuple[int | None, ParsedRow]],
        used: str,
        now: datetime,
        duplicates: str,
        step: _Done,
    ) -> None:
        """Write a few rows: new clients (one INSERT, numbers taken in one go) and merges."""
        new = [r for cid, r in chunk if cid is None]
        into = [(cid, r) for cid, r in chunk if cid is not None]
        phones = [r.phone for r in new if r.phone]
        if phones:  # a desk (or another import) may have added one of these phones since pass 1
            taken: dict[str, int] = {
                ph: cid
                for ph, cid in s.execute(
                    select(Client.phone, Client.id).where(Client.phone.in_(phones), client_listed())
                )
            }
            if taken:
                if duplicates == "skip":
                    step.skipped += sum(1 for r in new if r.phone in taken)
                else:
                    into += [(taken[r.phone], r) for r in new if r.phone in taken]
                new = [r for r in new if r.phone not in taken]
        if new:
            first = self._reserve_numbers(s, len(new))
            s.execute(
                insert(Client),
                [self._client_values(actor, r, used, now, f"C{first + k:06d}") for k, r in enumerate(new)],
            )
            step.imported += len(new)
        if into:
            loaded = {c.id: c for c in s.scalars(select(Client).where(Client.id.in_({cid for cid, _r in into})))}
            for cid, r in into:
                if cid in loaded:
                    _merge(loaded[cid], r, now)
            step.merged += len(into)
            s.flush()

    @staticmethod
    def _record(
        s: Session, actor: Actor, path: Path, used: str, plan: _Plan, step: _Done, now: datetime, last: bool
    ) -> None:
        """The import's row, created with the first batch and kept up to date; the audit with the last."""
        if step.batch_id is None:
            batch = ImportBatch(at=now, source=used, filename=path.name, staff_id=actor.staff_id)
            s.add(batch)
        else:
            found = s.get(ImportBatch, step.batch_id)
            assert found is not None
            batch = found
        batch.imported, batch.merged, batch.skipped = step.imported, step.merged, step.skipped
        batch.rejected = len(plan.rejected)
        s.flush()
        step.batch_id = batch.id
        if last:
            audit(s, actor, "import", "clients", batch.id, at=now, after=_totals(used, path, plan, step))

    def _stopped(
        self,
        actor: Actor,
        path: Path,
        used: str,
        plan: _Plan,
        done: _Done,
        now: datetime,
        where: tuple[int, int, int],
        exc: Exception,
    ) -> ImportStopped:
        """A failure after some batches were saved: audit what was saved (unless the database is busy,
        where that would only wait again) and say how to finish. ``where``: rows written, rows to
        write, rows in the file."""
        pos, todo, total = where
        if isinstance(exc, ServiceError):
            why = exc.message
        else:
            log.error("the import of %s stopped after %d of %d rows", path.name, pos, todo, exc_info=exc)
            why = _("an unexpected error, details are in the log")
        if not isinstance(exc, DatabaseBusy):
            try:
                with self.db.uow() as uow:
                    after = {**_totals(used, path, plan, done), "stopped": str(exc)[:300]}
                    audit(uow.session, actor, "import", "clients", done.batch_id, at=now, after=after)
                    uow.commit()
            except Exception:  # the batches saved stay saved; the import's row holds their counts
                log.exception("could not audit the stopped import of %s", path.name)
        return ImportStopped(
            _(
                "The import stopped part-way: {done} of {todo} clients were saved ({why}). Import the same "
                "file again to finish; the clients already saved are merged, not added twice."
            ).format(done=pos, todo=todo, why=why),
            ImportResult(
                used, total, done.imported, done.merged, done.skipped, plan.rejected, False, done.batch_id, plan.encoding
            ),
        )

    @staticmethod
    def _reserve_numbers(s: Any, n: int) -> int:
        """Take ``n`` consecutive client numbers; returns the first (one counter update, not one per row)."""
        if n <= 0:
            return 0
        first = next_counter(s, "client_number")
        if n > 1:
            s.execute(
                update(Counter)
                .where(Counter.name == "client_number")
                .values(value=Counter.value + (n - 1))
                .execution_options(synchronize_session=False)
            )
        return first

    def _client_values(
        self, actor: Actor, r: ParsedRow, source: str, now: datetime, number: str
    ) -> dict[str, Any]:
        pinyin, initials, digits, search = build_search_fields(r.name, r.phone, number)
        return {
            "client_number": number,
            "branch_id": actor.branch_id,
            "name": r.name,
            "name_pinyin": pinyin[:400],
            "name_initials": initials[:60],
            "search_text": search,
            "phone": r.phone,
            "phone_digits": digits,
            "email": r.email,
            "birthday": r.birthday,
            "birthday_md": r.birthday_md,
            "gender": r.gender,
            "notes": r.notes,
            "wechat_id": r.wechat_id,
            "source": f"import:{source}",
            "external_id": r.external_id,
            "first_visit_at": r.first_visit_at,
            "last_visit_at": r.last_visit_at,
            "registered_by_id": actor.staff_id,
            "created_at": now,
            "updated_at": now,
            "version": 1,
        }


def _held_keys(phone: str | None, digits: str | None, email: str | None, wechat: str | None) -> list[str]:
    """What a client is recognised by: the phone, the e-mail (any case) and the WeChat ID."""
    keys = [k for k in (phone, "+" + digits if digits else "") if k]
    if email and email.strip():
        keys.append("email:" + email.strip().lower())
    if wechat and wechat.strip():
        keys.append("wechat:" + wechat.strip())
    return keys


def _match_keys(r: ParsedRow) -> tuple[str, str, str]:
    """What a row is matched by, in this order: its phone, its e-mail, its WeChat ID ("" when it has none).

    So a second import of the same file finds every row it saved the first time."""
    email, wechat = r.email.strip().lower(), r.wechat_id.strip()
    return r.phone, "email:" + email if email else "", "wechat:" + wechat if wechat else ""


def _conflict(
    r: ParsedRow,
    row: Sequence[Any],
    by_phone: _Target,
    by_email: _Target,
    numbers: dict[int, str],
    new: Sequence[ParsedRow],
) -> Rejected:
    """A row whose phone is one client's and whose e-mail another's, rejected with both named."""

    def who(t: _Target) -> str:
        if t[0] == "client":
            return _("client {number}").format(number=numbers.get(t[1], str(t[1])))
        return _("the client of row {row}").format(row=new[t[1]].row_no)

    reason = _(
        "the phone {phone} is {first}'s and the e-mail {email} is {second}'s: two different clients, "
        "so the row was not imported (correct the row, or merge the two clients first)"
    ).format(phone=r.phone, first=who(by_phone), email=r.email, second=who(by_email))
    return Rejected(r.row_no, reason, _row_text(row), ("conflict",))


def _match_word(how: str) -> str:
    return {"phone": _("same phone"), "email": _("same e-mail"), "wechat": _("same WeChat ID")}.get(how, how)


def _shared(r: ParsedRow, row: Sequence[Any], key: str, numbers: Sequence[str]) -> Rejected:
    """A row found only by an e-mail or WeChat ID that several clients have: which one is not guessed."""
    reason = _(
        "{what} is on {numbers}: the row was not imported, since it cannot say which of them it is "
        "(add the client's phone to the row, or merge those clients first)"
    ).format(what=key.split(":", 1)[1], numbers=_(", ").join(numbers))
    return Rejected(r.row_no, reason, _row_text(row), ("conflict",))


def _row_text(row: Sequence[Any]) -> str:
    """The row as read, for the report."""
    return " | ".join(_cell_text(c) for c in row)


def _merge_rows(a: ParsedRow, b: ParsedRow) -> ParsedRow:
    """A later row of the file for the same client (same phone, e-mail or WeChat ID): fill what the first
    one lacks (same rule as ``_merge``)."""
    notes = a.notes
    if b.notes and b.notes not in notes:
        notes = (notes + "\n" + b.notes).strip() if notes else b.notes
    firsts = [d for d in (a.first_visit_at, b.first_visit_at) if d is not None]
    lasts = [d for d in (a.last_visit_at, b.last_visit_at) if d is not None]
    return replace(
        a,
        phone=a.phone or b.phone,
        email=a.email or b.email,
        birthday=a.birthday or b.birthday,
        birthday_md=a.birthday_md or b.birthday_md,
        gender=a.gender or b.gender,
        wechat_id=a.wechat_id or b.wechat_id,
        external_id=a.external_id or b.external_id,
        notes=notes,
        first_visit_at=min(firsts) if firsts else None,
        last_visit_at=max(lasts) if lasts else None,
    )


def _merge(c: Client, r: ParsedRow, now: datetime) -> None:
    """Fill what the existing client lacks; never overwrite what the shop already holds."""
    changes: dict[str, Any] = {}
    for attr in ("email", "birthday", "birthday_md", "gender", "wechat_id", "external_id"):
        new = getattr(r, attr)
        if new and not getattr(c, attr):
            changes[attr] = new
    if r.notes and r.notes not in (c.notes or ""):
        changes["notes"] = (c.notes + "\n" + r.notes).strip() if c.notes else r.notes
    if r.first_visit_at and (c.first_visit_at is None or r.first_visit_at < c.first_visit_at):
        changes["first_visit_at"] = r.first_visit_at
    if r.last_visit_at and (c.last_visit_at is None or r.last_visit_at > c.last_visit_at):
        changes["last_visit_at"] = r.last_visit_at
    if r.phone and not c.phone:  # found by e-mail or WeChat ID: the phone it lacked, searchable too
        _p, _i, digits, search = build_search_fields(c.name, r.phone, c.client_number)
        changes.update(phone=r.phone, phone_digits=digits, search_text=search)
    elif r.phone and r.phone != c.phone:  # another phone of theirs: kept in the notes, never dropped
        other = _("Other phone: {phone}").format(phone=r.phone)
        notes = changes.get("notes", c.notes or "")
        if other not in notes:
            changes["notes"] = f"{notes}\n{other}".strip() if notes else other
    if changes:  # an identical row changes nothing (and writes nothing)
        for k, v in changes.items():
            setattr(c, k, v)
        c.updated_at = now


def _cell_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, datetime):
        return v.date().isoformat() if v.time() == time(0) else v.isoformat(sep=" ")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def write_report(result: ImportResult, out: Path) -> Path:
    """CSV (UTF-8 with BOM so Excel opens it): row number, reason, the row as read."""
    return write_rejected(result.rejected, out)


def write_rejected(rejected: Sequence[Rejected], out: Path) -> Path:
    """The rows not imported as CSV (any import: clients, balances, bookings, history)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8-sig", newline="") as f:
        w = csvfile.writer(f)
        w.writerow([_("Row"), _("Why it was not imported"), _("Row as read")])
        for r in rejected:
            w.writerow([r.row_no, r.reason, r.values])
    return out
