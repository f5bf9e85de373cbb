"""A client's preferred channel, and the one word shown for each (the profile's choice, the
calendar's reminder list, the keeping-in-touch lists). The values are what the database stores."""

from __future__ import annotations

from enum import StrEnum

from desk_app.i18n import N_, _


class Channel(StrEnum):
    PHONE = "phone"
    SMS = "sms"
    WECHAT = "wechat"
    EMAIL = "email"

    @property
    def label(self) -> str:
        return _(CHANNEL_LABELS[self])


CHANNEL_LABELS: dict[Channel, str] = {  # N_() marked, translated where shown
    Channel.PHONE: N_("Phone call"),
    Channel.SMS: N_("Text message"),
    Channel.WECHAT: N_("WeChat"),
    Channel.EMAIL: N_("Email"),
}


def channel_label(channel: str) -> str:
    """The word for a stored channel; an unknown value (an old import) is shown as it is."""
    return Channel(channel).label if channel in Channel._value2member_map_ else channel
