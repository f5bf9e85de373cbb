"""The one helper that finds bundled resources (icons, QSS, fonts, locale, templates)."""

from __future__ import annotations

from pathlib import Path

RESOURCES = Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    return RESOURCES.joinpath(*parts)


def read_text(*parts: str) -> str:
    return resource_path(*parts).read_text(encoding="utf-8")


def icon_path(name: str) -> Path:
    return resource_path("icons", f"{name}.svg")
