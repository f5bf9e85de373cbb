"""Front-desk application core: domain rules, services, database, printing.

This package never imports PySide6 or ``ui`` (enforced by tests/unit/test_layering.py).
"""

__version__ = "0.1.0"
