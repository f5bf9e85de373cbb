"""The owner's note about their own PIN, shown above the screens after they sign in: wrong PINs
typed for them since their previous sign-in (on any path: sign-in, refund, void, discount,
complaint) and pauses, and a nudge towards a PIN of 6 to 8 digits when theirs is shorter."""

from __future__ import annotations

from desk_app.i18n import _, ngettext
from desk_app.trust.auth import PinAlert
from desk_app.trust.pins import PinPath


def path_label(path: str) -> str:
    labels = {
        PinPath.SIGN_IN.value: _("sign-in"),
        PinPath.REFUND.value: _("refund"),
        PinPath.VOID.value: _("void"),
        PinPath.DISCOUNT.value: _("discount"),
        PinPath.COMPLAINT.value: _("complaint refund"),
    }
    return labels.get(path, path)


def pin_notice_text(alert: PinAlert | None, short_pin: bool) -> str:
    parts: list[str] = []
    if alert is not None and (alert.wrong or alert.pauses):
        text = ngettext(
            "{n} wrong PIN was typed for you since you last signed in",
            "{n} wrong PINs were typed for you since you last signed in",
            alert.wrong,
        ).format(n=alert.wrong)
        where = _(", ").join(path_label(p) for p in alert.paths)
        if alert.tried_by:
            where = _("{where}; at the desk of {names}").format(where=where, names=_(", ").join(alert.tried_by))
        if where:
            text = _("{text} ({where})").format(text=text, where=where)
        if alert.pauses:
            paused = ngettext("your PIN was paused {n} time", "your PIN was paused {n} times", alert.pauses)
            text = _("{text}; {paused}").format(text=text, paused=paused.format(n=alert.pauses))
        parts.append(_("{text}. Settings › Audit log has each one.").format(text=text))
    if short_pin:
        parts.append(_("Your PIN has fewer than 6 digits: a PIN of 6 to 8 digits is much harder to guess."))
    return "\n".join(parts)
