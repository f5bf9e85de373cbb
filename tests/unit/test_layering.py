"""desk_app never loads PySide6 or ui (the domain stays testable and headless); no hidden imports.

The layer contracts themselves are import-linter's (pyproject.toml), run by test.sh.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_no_dynamic_imports_outside_the_router_and_the_command_line() -> None:
    """import-linter (run by test.sh) checks the layers on the imports it can see; an
    importlib.import_module would hide an import from it and from mypy."""
    allowed = {"ui/main_window.py", "desk_app/cli/__init__.py"}
    offenders = []
    for base in ("desk_app", "ui"):
        for path in sorted((ROOT / base).rglob("*.py")):
            rel = str(path.relative_to(ROOT))
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Attribute) and node.attr == "import_module" and rel not in allowed:
                    offenders.append(f"{rel}:{node.lineno}")
                if isinstance(node, ast.Name) and node.id == "__import__":
                    offenders.append(f"{rel}:{node.lineno}")
    assert offenders == []


def test_importing_every_desk_app_module_loads_no_qt() -> None:
    code = (
        "import importlib, pkgutil, sys, desk_app\n"
        "for m in pkgutil.walk_packages(desk_app.__path__, 'desk_app.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = [n for n in sys.modules if n.startswith(('PySide6', 'ui.')) or n == 'ui']\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
