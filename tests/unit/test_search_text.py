"""build_search_fields: the tokens every writer of clients puts in the search index."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from desk_app.clients.search_text import build_search_fields, normalize_query


def _prefix_of_a_word(text: str, query: str) -> bool:
    words = text.split()
    return all(any(w.startswith(t) for w in words) for t in normalize_query(query))


def test_chinese_name_pinyin_full_syllables_initials() -> None:
    py, ini, digits, text = build_search_fields("张三", "+8613812345678", "C000123")
    assert (py, ini, digits) == ("zhangsan", "zs", "8613812345678")
    for q in ("zs", "zhangs", "zhangsan", "zhang", "san", "张", "张三", "三", "c000123", "123", "000123"):
        assert _prefix_of_a_word(text, q), q
    assert text == text.lower()


def test_every_part_of_the_phone_is_a_word_prefix() -> None:
    _py, _ini, digits, text = build_search_fields("Amy", "+8613812345678", "C1")
    for i in range(len(digits) - 2):
        for j in range(i + 3, len(digits) + 1):
            assert _prefix_of_a_word(text, digits[i:j]), digits[i:j]
    assert _prefix_of_a_word(text, "5678")  # the last four


def test_mixed_names_and_query_normalisation() -> None:
    _py, _ini, _d, text = build_search_fields("Tom张", "", "C2")
    assert {"tom", "张", "zhang"} <= set(text.split())
    assert normalize_query("Tom张") == ["tom", "张"]
    assert normalize_query("+86 138-1234 5678") == ["8613812345678"]
    assert normalize_query("ＺＳ") == ["zs"]  # full-width letters from a Chinese keyboard
    assert normalize_query('a"b') == ["a", "b"]
    assert normalize_query("   ") == []


def test_stable_and_pure() -> None:
    a = build_search_fields("欧阳娜娜 Nana", "+85291234567", "C000002")
    assert a == build_search_fields("欧阳娜娜 Nana", "+85291234567", "C000002")
    assert a[1] == "oynn" and "yangnana" in a[3].split()


@given(st.text(max_size=12), st.text(alphabet="0123456789", max_size=13))
def test_never_fails_and_tokens_are_clean(name: str, phone: str) -> None:
    _py, _ini, digits, text = build_search_fields(name, phone, "C000001")
    assert digits == phone
    assert all(tok and " " not in tok and tok == tok.lower() for tok in text.split(" ")) or text == ""


# surnames read otherwise as a name (desk_app/clients/surnames.py): the cases, by initials
SURNAME_CASES = [
    ("曾小明", "zxm", "zeng", "cxm"),
    ("单田芳", "stf", "shan", "dtf"),
    ("解晓东", "xxd", "xie", "jxd"),
    ("区美玲", "oml", "ou", "qml"),
    ("仇英", "qy", "qiu", "cy"),
    ("查良镛", "zly", "zha", "cly"),
    ("覃小红", "qxh", "qin", "txh"),
    ("尉迟恭", "ycg", "yuchi", "wcg"),
    ("万俟雪", "mqx", "moqi", "wqx"),
]


def test_a_surname_is_found_by_its_reading_as_a_name_and_by_the_everyday_one() -> None:
    for name, initials, surname, everyday in SURNAME_CASES:
        py, ini, _d, text = build_search_fields(name, "", "C1")
        assert ini == initials, name  # the column holds the surname's reading first
        assert py.startswith(surname), name
        for q in (initials, surname, py, everyday, name):
            assert _prefix_of_a_word(text, q), (name, q)


def test_only_a_name_that_starts_with_the_surname_gets_its_readings() -> None:
    # 曾 inside a given name or after a Latin name is read as usual (céng): no "zeng" token
    _py, _ini, _d, text = build_search_fields("王曾", "", "C1")
    assert "zeng" not in text.split() and "wc" in text.split()
    _py, _ini, _d, text = build_search_fields("Tom曾", "", "C1")
    assert "zeng" not in text.split() and "ceng" in text.split()
    # a surname read as usual adds nothing: the text is what it always was
    assert build_search_fields("张三", "", "C1")[3].split().count("zs") == 1


def test_accented_latin_names_are_found_typed_without_accents() -> None:
    _py, _ini, _d, text = build_search_fields("Hélène Andréa-Müller", "", "C1")
    for q in ("helene", "Hélène", "andrea", "muller", "MÜLLER", "hel and"):
        assert _prefix_of_a_word(text, q), q
    assert normalize_query("Søren Æsir") == ["soren", "aesir"]
    assert normalize_query("张三") == ["张三"]  # Chinese untouched
