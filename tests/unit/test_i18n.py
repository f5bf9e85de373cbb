"""Chinese is first-class: every string in the code is in the zh_CN catalog, placeholders intact."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from desk_app import i18n

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "resources" / "locale" / "zh_CN" / "LC_MESSAGES" / "desk_app.po"
BRACES = re.compile(r"\{[a-z_0-9]*\}")


def _source_msgids() -> set[str]:
    ids: set[str] = set()
    for folder in ("desk_app", "ui"):
        for _f, _l, msg, _c, _ctx in extract_from_dir(
            str(ROOT / folder),
            method_map=[("**.py", "python")],
            keywords={"_": None, "N_": None, "ngettext": (1, 2)},
        ):
            ids.add(msg[0] if isinstance(msg, tuple) else msg)
    return ids


def _catalog() -> dict[str, str]:
    with PO.open("rb") as f:
        cat = read_po(f, locale="zh_CN")
    out = {}
    for m in cat:
        if not m.id:
            continue
        mid = m.id[0] if isinstance(m.id, tuple) else m.id
        out[mid] = m.string[0] if isinstance(m.string, tuple) else m.string
    return out


def test_every_source_string_is_translated_to_chinese() -> None:
    cat = _catalog()
    missing = sorted(s for s in _source_msgids() if not cat.get(s))
    assert missing == [], (
        f"{len(missing)} strings lack a zh_CN translation: run `python -m desk_app.i18n_tools update`, "
        f"translate them in {PO.relative_to(ROOT)}; first ones: {missing[:10]}"
    )


def test_translations_keep_their_placeholders() -> None:
    bad = [(k, v) for k, v in _catalog().items() if v and sorted(BRACES.findall(k)) != sorted(BRACES.findall(v))]
    assert bad == []


def test_chinese_is_loaded_and_english_is_the_fallback() -> None:
    i18n.set_language("zh_CN")
    assert i18n._("Today") == "今天"
    assert i18n._("Switch user") != "Switch user"
    i18n.set_language("en")
    assert i18n._("Switch user") == "Switch user"


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("zh_CN", "¥1,234.50"), ("en", "CN¥1,234.50")],
)
def test_money_is_formatted_by_locale(lang: str, expected: str) -> None:
    i18n.set_language(lang)
    assert i18n.format_money(Decimal("1234.5"), "CNY") == expected


def test_dates_are_shown_in_the_shop_time_zone() -> None:
    i18n.set_language("zh_CN")
    i18n.set_timezone("Asia/Shanghai")
    late = datetime(2026, 11, 18, 17, 30, tzinfo=UTC)  # 01:30 next day in Shanghai
    assert "11月19日" in i18n.format_date(late, "long")
    with pytest.raises(TypeError):
        i18n.format_money(1.5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("lang", "when", "day"),
    [("en", "Nov 19, 2026 01:30", "Nov 19"), ("zh_CN", "2026年11月19日 01:30", "11月19日")],
)
def test_a_moment_on_screen_has_one_form(lang: str, when: str, day: str) -> None:
    """The newcomer's walk: "12/5/26, 12:14 PM" (read as May outside the US) and "12-06 20:29"
    stood beside "Dec 4, 2026". A moment is the app's day in words and a 24-hour time; a day of
    this year in a list is its month and day in words."""
    i18n.set_language(lang)
    i18n.set_timezone("Asia/Shanghai")
    late = datetime(2026, 11, 18, 17, 30, tzinfo=UTC)  # 01:30 next day in Shanghai
    assert i18n.format_when(late) == when
    assert i18n.format_when(late).startswith(i18n.format_date(late))
    assert i18n.format_month_day(late) == day
    i18n.set_language("en")


def test_sentences_are_spaced_in_english_and_not_after_a_chinese_full_stop() -> None:
    i18n.set_language("zh_CN")
    assert i18n.sentences("两种产品需要订货。", "", "订单由店主生成。") == "两种产品需要订货。订单由店主生成。"
    i18n.set_language("en")
    assert i18n.sentences("2 products to order.", "", "The owner drafts them.") == (
        "2 products to order. The owner drafts them.")
