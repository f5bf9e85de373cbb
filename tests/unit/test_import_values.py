"""The importer's value parsers: dates in the common formats, phones, names, headers."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from desk_app.clients.importer import (
    BadValue,
    ImportFileError,
    decode_bytes,
    detect_source,
    join_name,
    parse_date,
    parse_gender,
    parse_map_args,
    parse_phone,
    suggest_mapping,
)


@pytest.mark.parametrize(
    ("raw", "day_first", "full", "md"),
    [
        ("1990-03-05", True, date(1990, 3, 5), "03-05"),
        ("1990/3/5", False, date(1990, 3, 5), "03-05"),
        ("1990-03-05 00:00:00", False, date(1990, 3, 5), "03-05"),
        ("1990年3月5日", True, date(1990, 3, 5), "03-05"),
        ("05/03/1990", True, date(1990, 3, 5), "03-05"),  # day first (Fresha, most regions)
        ("05/03/1990", False, date(1990, 5, 3), "05-03"),  # month first (Square, Vagaro, US)
        ("25/12/1990", False, date(1990, 12, 25), "12-25"),  # 25 cannot be a month
        ("12/25/1990", True, date(1990, 12, 25), "12-25"),
        ("5.3.90", True, date(1990, 3, 5), "03-05"),
        ("Mar 5, 1990", True, date(1990, 3, 5), "03-05"),
        ("5 March 1990", False, date(1990, 3, 5), "03-05"),
        ("05-Mar-1990", False, date(1990, 3, 5), "03-05"),
        ("03-05", True, None, "03-05"),  # MM-DD: a birthday without a year
        ("--03-05", True, None, "03-05"),
        ("3月5日", True, None, "03-05"),
        ("0000-02-29", True, None, "02-29"),
        ("1604-07-21", True, None, "07-21"),
        ("Dec 25", True, None, "12-25"),
        (32937, True, date(1990, 3, 5), "03-05"),  # Excel serial
        ("32937", True, date(1990, 3, 5), "03-05"),
        (datetime(1990, 3, 5, 0, 0), True, date(1990, 3, 5), "03-05"),
        ("", True, None, None),
    ],
)
def test_dates_in_common_formats(raw: object, day_first: bool, full: date | None, md: str | None) -> None:
    assert parse_date(raw, day_first) == (full, md)


@pytest.mark.parametrize("raw", ["1990-13-40", "31/02/1985", "yesterday", "13-45", "Foo 5, 1990", "1.5e300"])
def test_bad_dates_are_refused(raw: str) -> None:
    with pytest.raises(BadValue):
        parse_date(raw, True)


def test_phones_normalised_to_e164_for_the_shop_region() -> None:
    assert parse_phone("13812345678", "CN") == "+8613812345678"
    assert parse_phone("'13812345678", "CN") == "+8613812345678"
    assert parse_phone("+86 138-1234-5678", "CN") == "+8613812345678"
    assert parse_phone("0086 13812345678", "GB") == "+8613812345678"
    assert parse_phone("'07823 456789", "GB") == "+447823456789"
    assert parse_phone("(415) 867-5309", "US") == "+14158675309"
    assert parse_phone(4158675309.0, "US") == "+14158675309"
    assert parse_phone("---", "US") == ""
    # issue 15: a US number in a Chinese shop was turned into a Chinese landline (+864155550134)
    with pytest.raises(BadValue):
        parse_phone("(415) 555-0134", "CN")
    assert parse_phone("+1 (415) 555-0134", "CN") == "+14155550134"
    assert parse_phone("0415 555 0134", "CN") == "+864155550134"  # a Dandong landline, with its 0
    assert parse_phone("8613812345678", "CN") == "+8613812345678"  # the country code without its +
    with pytest.raises(BadValue):
        parse_phone("20 7946 0958", "GB")  # a London number without its 0
    for bad in ("12", "abc", "+999 1", "1381234567890123"):
        with pytest.raises(BadValue):
            parse_phone(bad, "CN")
    with pytest.raises(BadValue):  # a Chinese mobile without +86 is not a UK number
        parse_phone("13900001111", "GB")


def test_names_western_and_chinese() -> None:
    assert join_name("Olivia", "Bennett") == "Olivia Bennett"
    assert join_name("芳", "王") == "王芳"  # surname first, no space
    assert join_name("王芳", "") == "王芳"  # whole Chinese name in First Name kept as is
    assert join_name("王芳", "王") == "王芳"
    assert join_name("", "Lee") == "Lee"
    assert parse_gender("F") == "female" and parse_gender("男") == "male" and parse_gender("") == ""


def test_source_detected_by_header() -> None:
    fresha = "Client ID,First Name,Last Name,Email,Mobile Number,Telephone,Gender,Date of Birth,City,Note,Blocked,Added"
    assert detect_source(fresha.split(",")) == "fresha"
    square = "Reference ID,First Name,Last Name,Email Address,Phone Number,Square Customer ID,First Visit"
    assert detect_source(square.split(",")) == "square"
    vagaro = "First Name,Last Name,Email,Mobile,Day,Night,Address,Birthdate,Gender,Customer Since"
    assert detect_source(vagaro.split(",")) == "vagaro"
    assert detect_source(["姓名", "手机号"]) == "generic"
    assert suggest_mapping(["姓名", "手机号", "生日", "备注"]) == {
        "name": "姓名",
        "phone": "手机号",
        "birthday": "生日",
        "notes": "备注",
    }


def test_encodings_and_map_arguments() -> None:
    assert decode_bytes("\ufeff姓名".encode()) == ("姓名", "utf-8-sig")
    assert decode_bytes("姓名".encode("gbk")) == ("姓名", "gb18030")
    assert parse_map_args(["name=Full Name", "phone = Cell"]) == {"name": "Full Name", "phone": "Cell"}
    with pytest.raises(ImportFileError, match="Unknown field"):
        parse_map_args(["shoe=Size"])
    with pytest.raises(ImportFileError, match="FIELD=Column"):
        parse_map_args(["name"])
