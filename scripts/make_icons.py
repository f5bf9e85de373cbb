"""Make the program icons of the desktop bundle from packaging/linux/desk-app.svg:
packaging/icons/desk-app.ico (Windows: 16-256 px) and desk-app.icns (macOS), with Qt's SVG
renderer and Pillow (both app dependencies). The results are committed.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/make_icons.py
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ROOT = Path(__file__).resolve().parent.parent
SVG = ROOT / "packaging" / "linux" / "desk-app.svg"
OUT = ROOT / "packaging" / "icons"


def render(size: int) -> Image.Image:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    QSvgRenderer(str(SVG)).render(painter)
    painter.end()
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "PNG")
    return Image.open(io.BytesIO(bytes(data.data()))).convert("RGBA")


def main() -> None:
    _app = QGuiApplication([])
    OUT.mkdir(parents=True, exist_ok=True)
    big = render(1024)
    render(256).save(OUT / "desk-app.ico", sizes=[(s, s) for s in (16, 24, 32, 48, 64, 128, 256)])
    big.save(OUT / "desk-app.icns")
    for f in sorted(OUT.iterdir()):
        print(f"{f.relative_to(ROOT)} {f.stat().st_size} bytes")


if __name__ == "__main__":
    main()
