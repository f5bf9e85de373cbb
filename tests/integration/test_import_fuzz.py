"""Hypothesis fuzzing: the importer and the client form never crash, and every rejection says what is wrong."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desk_app.clients.importer import FIELDS, PROFILES, BadValue, ImportFileError, parse_date, parse_phone
from desk_app.container import Services
from desk_app.core.service import ValidationError
from desk_app.domain.permissions import Actor

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
FIELD_WORDS = ("name", "phone", "email", "birthday")

KNOWN_HEADERS = sorted(
    {c for p in PROFILES.values() for cols in p.mapping.values() for c in cols}
    | {"姓名", "手机号", "生日", "备注", "Full Name", "Cell"}
)
cell = st.one_of(
    st.text(max_size=25),
    st.sampled_from(
        [
            "---",
            "",
            "'13812345678",
            "+44 7911 123456",
            "13812345678",
            "1990-03-05",
            "05/03/1990",
            "Mar 5, 1990",
            "03-05",
            "0000-02-29",
            "32937",
            "王芳",
            "Yes",
            "abc@example.com",
            "\ufeff",
            "1990年3月5日",
            "31/02/1985",
            "=cmd|' /C calc'!A0",
        ]
    ),
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
)


def _csv_bytes(headers: list[str], rows: list[list[str]], delimiter: str, encoding: str) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter)
    w.writerow(headers)
    w.writerows(rows)
    return buf.getvalue().encode(encoding, errors="replace")


def _check_result_or_error(fn: Any) -> Any:
    try:
        return fn()
    except ImportFileError as exc:
        assert exc.message.strip(), "a refused file must say why"
        return None


@FUZZ
@given(data=st.binary(max_size=600))
def test_random_bytes_never_crash(services: Services, owner: Actor, tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "random.csv"
    path.write_bytes(data)
    res = _check_result_or_error(lambda: services.importer.run(owner, path, dry_run=True))
    if res is not None:
        for r in res.rejected:
            assert r.reason.strip() and r.row_no >= 1


@FUZZ
@given(
    headers=st.lists(st.one_of(st.sampled_from(KNOWN_HEADERS), st.text(max_size=12)), min_size=1, max_size=8),
    rows=st.lists(st.lists(cell, min_size=0, max_size=9), max_size=8),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "gbk"]),
    duplicates=st.sampled_from(["merge", "skip"]),
)
def test_random_csv_files_import_or_say_why(
    services: Services,
    owner: Actor,
    tmp_path: Path,
    headers: list[str],
    rows: list[list[str]],
    delimiter: str,
    encoding: str,
    duplicates: str,
) -> None:
    path = tmp_path / "fuzz.csv"
    path.write_bytes(_csv_bytes(headers, rows, delimiter, encoding))
    res = _check_result_or_error(
        lambda: services.importer.run(owner, path, duplicates=duplicates, dry_run=True)
    )
    if res is None:
        return
    assert res.imported + res.merged + res.skipped + res.rejected_count <= max(res.total_rows, 0)
    for r in res.rejected:
        assert any(w in r.reason for w in FIELD_WORDS), r.reason  # names the field that is wrong


@FUZZ
@given(
    mapping=st.dictionaries(
        st.sampled_from(FIELDS), st.sampled_from(["A", "B", "C", "Nope", ""]), max_size=5
    ),
    rows=st.lists(st.lists(cell, min_size=3, max_size=3), min_size=1, max_size=5),
)
def test_random_mappings_import_or_say_why(
    services: Services, owner: Actor, tmp_path: Path, mapping: dict[str, str], rows: list[list[str]]
) -> None:
    path = tmp_path / "mapped.csv"
    path.write_bytes(_csv_bytes(["A", "B", "C"], rows, ",", "utf-8"))
    res = _check_result_or_error(lambda: services.importer.preview(path, mapping=mapping))
    if res is not None:
        assert res.source == "generic" and all(r.reason for r in res.rejected)


@settings(max_examples=300, deadline=None)
@given(
    value=st.one_of(st.text(max_size=30), st.integers(), st.floats(allow_nan=True)), day_first=st.booleans()
)
def test_date_parser_returns_or_refuses(value: Any, day_first: bool) -> None:
    try:
        full, md = parse_date(value, day_first)
    except BadValue:
        return
    assert md is None or (len(md) == 5 and md[2] == "-")
    assert full is None or full.year >= 1900


@settings(max_examples=300, deadline=None)
@given(
    value=st.one_of(st.text(max_size=30), st.integers(), st.floats(allow_nan=False, allow_infinity=False)),
    region=st.sampled_from(["CN", "GB", "US", "HK"]),
)
def test_phone_parser_returns_e164_or_refuses(value: Any, region: str) -> None:
    try:
        out = parse_phone(value, region)
    except BadValue:
        return
    assert out == "" or (out.startswith("+") and out[1:].isdigit())


# -- the client form (ClientService.create / update) ---------------------------------------

# what a form can hand over for each field: text (or nothing) for the text boxes, a list or lines for
# preferences, ticks for consents, a picked id for the favourite stylist
text_value = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.sampled_from(
        [
            "13812345678",
            "+86 139 0000 1111",
            "138 1234",
            "female",
            "dry",
            "wechat",
            "zh_CN",
            "1990-03-05",
            "a@b.co",
            "",
            " ",
            "2999-01-01",
            "not-a-date",
            "张三",
            "x" * 300,
        ]
    ),
)
FORM_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    k: text_value
    for k in (
        "name",
        "phone",
        "email",
        "preferred_channel",
        "wechat_id",
        "birthday",
        "gender",
        "skin_type",
        "hair_type",
        "allergies",
        "contraindications",
        "language",
        "notes",
    )
}
FORM_FIELDS["preferences"] = st.one_of(
    st.none(), st.text(max_size=30), st.lists(st.text(max_size=8), max_size=3)
)
FORM_FIELDS["marketing_consent"] = st.booleans()
FORM_FIELDS["privacy_consent"] = st.booleans()
FORM_FIELDS["favourite_staff_id"] = st.one_of(
    st.none(), st.integers(min_value=-3, max_value=50), st.sampled_from(["1", "abc", ""])
)
client_form = st.fixed_dictionaries({}, optional=FORM_FIELDS)


@FUZZ
@given(data=client_form)
def test_client_form_accepts_or_says_what_is_wrong_per_field(
    services: Services, owner: Actor, data: dict[str, Any]
) -> None:
    try:
        profile = services.clients.create(owner, data)
    except ValidationError as exc:
        assert exc.errors and all(isinstance(m, str) and m.strip() for m in exc.errors.values())
        assert set(exc.errors) <= set(data) | {"name", "phone"}
        return
    assert profile.name.strip() and profile.client_number.startswith("C")


@FUZZ
@given(changes=client_form)
def test_client_update_accepts_or_says_what_is_wrong_per_field(
    services: Services, owner: Actor, changes: dict[str, Any]
) -> None:
    from desk_app.core.service import ConflictError

    hits = services.client_search.search(owner, "Fuzz Base")
    if hits:
        cid = hits[0].id
    else:
        cid = services.clients.create(owner, {"name": "Fuzz Base", "phone": "13700001111"}).id
    version = services.clients.get(owner, cid).version
    try:
        services.clients.update(owner, cid, version, changes)
    except ValidationError as exc:
        assert exc.errors and all(isinstance(m, str) and m.strip() for m in exc.errors.values())
        assert set(exc.errors) <= set(changes)
    except ConflictError:  # pragma: no cover - one writer here, so never
        pytest.fail("no other writer exists")
