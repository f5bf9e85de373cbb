"""The mark a bill or refund line carries when something other than money paid for it."""

from __future__ import annotations

from desk_app.i18n import _

REWARD = "reward"  # made free for the client's loyalty points (docs/loyalty.md)
PACKAGE = "package"  # a session of a package the client holds


def free_mark(reason: str) -> str:
    """"★ reward", "✓ package", or "" for a line paid with money."""
    if reason == REWARD:
        return "★ " + _("reward")
    if reason == PACKAGE:
        return "✓ " + _("package")
    return ""
