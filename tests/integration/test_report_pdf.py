"""The monthly PDF reads back: pages, page numbers, Chinese text, the figures."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from desk_app import i18n
from desk_app.container import Services
from desk_app.demo.sample import generate
from desk_app.domain.permissions import Actor
from desk_app.i18n import Fmt
from desk_app.reports.monthly import build_monthly
from desk_app.reports.pdf import render_pdf, render_pdf_bytes


@pytest.fixture
def data(services: Services, owner: Actor) -> dict[str, object]:
    generate(services.db, start_month="2026-09", months=2, clients=30, stylists=3, visits_per_day=4, seed=2)
    return build_monthly(services.db, "2026-10", settings=services.settings, now=services.clock())


def _text(pdf: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), "\n".join(p.extract_text() for p in reader.pages)


def test_english_pdf_has_cover_figures_and_page_numbers(data: dict[str, object], tmp_path: Path) -> None:
    out = tmp_path / "r.pdf"
    render_pdf(data, out, Fmt.for_shop("en", "Asia/Shanghai", "CNY"))
    pages, text = _text(out.read_bytes())
    assert pages >= 4
    assert "Lotus Hair & Spa" in text and "October 2026" in text and "All branches" in text
    assert f"Page {pages} of {pages}" in text
    revenue = data["revenue"]
    assert isinstance(revenue, dict)
    assert i18n.format_money(Decimal(revenue["total"]), "CNY") in text
    assert "Staff performance" in text and "Stylist 01" in text
    assert i18n.language() == "en"


def test_chinese_pdf_embeds_a_cjk_font(data: dict[str, object]) -> None:
    pdf = render_pdf_bytes(data, Fmt.for_shop("zh_CN", "Asia/Shanghai", "CNY"))
    pages, text = _text(pdf)
    assert pages >= 4
    assert "2026年10月" in text  # the month, in Chinese
    assert "美发" in text  # a service category in Chinese
    assert i18n.language() == "en"  # the report's language did not leak into the app
