"""Look and feel: the one stylesheet, icons, fonts and status colours."""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QByteArray, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontDatabase, QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

from desk_app.resources import icon_path, read_text, resource_path

# Calm, modern palette. Status colours always come with a word or a symbol.
COLORS = {
    "bg": "#F6F7FB",
    "surface": "#FFFFFF",
    "text": "#1F2633",
    "muted": "#6B7385",
    "border": "#E3E6EE",
    "primary": "#2F6FDE",
    "primary_dark": "#1F56B8",
    "accent": "#14A38B",
    "ok": "#1E8E5A",
    "warn": "#B7791F",
    "bad": "#C53030",
    "info": "#2F6FDE",
    "neutral": "#6B7385",
}

TONE_BG = {
    "ok": "#E3F5EC",
    "warn": "#FDF2DC",
    "bad": "#FDE5E5",
    "info": "#E4EDFC",
    "neutral": "#EEF0F4",
}

TONE_SYMBOL = {"ok": "✓", "warn": "!", "bad": "✕", "info": "•", "neutral": "•"}

# appointment / visit statuses -> tone
STATUS_TONE = {
    "booked": "info",
    "confirmed": "info",
    "arrived": "warn",
    "waiting": "warn",
    "in_service": "ok",
    "done": "neutral",
    "delayed": "bad",
    "cancelled": "neutral",
    "no_show": "bad",
    "open": "bad",
    "responded": "warn",
    "resolved": "ok",
    "closed": "neutral",
    "pending": "warn",
    "overdue": "bad",
}

UI_FONT_FAMILIES = ["Noto Sans CJK SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Microsoft YaHei",
                    "PingFang SC", "Source Han Sans SC", "Desk CJK Sans", "Noto Sans", "DejaVu Sans"]
BUNDLED_CJK_FAMILY = "Desk CJK Sans"


def load_bundled_fonts() -> str | None:
    """The app's own CJK font (resources/fonts/cjk.ttf), added only when the computer has no font
    that writes Simplified Chinese (a bare Linux, a trimmed Windows image): the system's own font
    looks better and hints at small sizes. Returns the family added, if any."""
    if QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese):
        return None
    if BUNDLED_CJK_FAMILY in QFontDatabase.families():
        return BUNDLED_CJK_FAMILY
    font_id = QFontDatabase.addApplicationFont(str(resource_path("fonts", "cjk.ttf")))
    return BUNDLED_CJK_FAMILY if font_id >= 0 else None


def ui_font(point_size: int = 11) -> QFont:
    families = set(QFontDatabase.families())
    font = QFont()
    chosen = [f for f in UI_FONT_FAMILIES if f in families]
    if chosen:
        font.setFamilies(chosen)
    font.setPointSize(point_size)
    return font


def apply_theme(app: QApplication) -> None:
    """The app's font and its one stylesheet. Setting either re-polishes every live widget, so
    it is done only when it changes (tests call this once per test; a re-polish of widgets a
    previous test left behind once crashed Qt in QApplication.setStyleSheet)."""
    load_bundled_fonts()
    font = ui_font()
    if app.font() != font:
        app.setFont(font)
    qss = read_text("style.qss").replace("@icons", resource_path("icons").as_posix())
    for key in sorted(COLORS, key=len, reverse=True):  # @primary_dark before @primary
        qss = qss.replace("@" + key, COLORS[key])
    if app.styleSheet() != qss:
        app.setStyleSheet(qss)


@lru_cache(maxsize=256)
def _svg_bytes(name: str, color: str) -> bytes:
    path = icon_path(name)
    if not path.exists():
        path = icon_path("dot")
    data = path.read_text(encoding="utf-8").replace("currentColor", color)
    return data.encode("utf-8")


def icon(name: str, color: str | None = None, size: int = 24) -> QIcon:
    """A bundled SVG icon, tinted (stroke icons use currentColor). Rendered once per name, colour
    and size: building a screen draws dozens of them."""
    return QIcon(_rendered_icon(name, color or COLORS["text"], size))


@lru_cache(maxsize=512)
def _rendered_icon(name: str, color: str, size: int) -> QIcon:
    renderer = QSvgRenderer(QByteArray(_svg_bytes(name, color)))
    ic = QIcon()
    for scale in (1, 2):
        pm = QPixmap(QSize(size * scale, size * scale))
        pm.fill(Qt.GlobalColor.transparent)
        p = QPainter(pm)
        renderer.render(p)
        p.end()
        pm.setDevicePixelRatio(scale)
        ic.addPixmap(pm)
    return ic


def tone_color(tone: str) -> QColor:
    return QColor(COLORS.get(tone, COLORS["neutral"]))
