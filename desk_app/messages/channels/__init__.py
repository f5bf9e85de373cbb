"""The channels the sender hands a message to: email over SMTP, and text messages through Aliyun,
Tencent Cloud or Twilio (docs/messages.md, "Channels").

``build_channels`` makes the ones the owner has set up; ``channel_ready`` says, for each, whether it
is ready and if not why, in words for the settings screen.
"""

from __future__ import annotations

from desk_app.i18n import _
from desk_app.messages.channels import _http
from desk_app.messages.channels.aliyun import AliyunSms
from desk_app.messages.channels.base import Channel, FailCode, Outgoing, SendFailed, Sent
from desk_app.messages.channels.secrets import SMS, SMTP, Secrets
from desk_app.messages.channels.smtp import SECURITY, SmtpChannel, plain_login_problem
from desk_app.messages.channels.tencent import TencentSms
from desk_app.messages.channels.twilio import TwilioSms
from desk_app.settings import S, SettingsStore

__all__ = [
    "AliyunSms", "Channel", "FailCode", "Outgoing", "Secrets", "SendFailed", "Sent", "SmtpChannel",
    "TencentSms", "TwilioSms", "build_channels", "channel_ready",
]

PROVIDERS = {"aliyun": "Aliyun", "tencent": "Tencent Cloud", "twilio": "Twilio"}


def _templates(settings: SettingsStore) -> dict[str, str]:
    raw = settings.get(S.MESSAGES_SMS_TEMPLATES) or {}
    return {str(k): str(v).strip() for k, v in dict(raw).items() if str(v).strip()}


def _email_problem(settings: SettingsStore, secrets: Secrets) -> str | None:
    host = settings.get(S.MESSAGES_EMAIL_HOST).strip()
    if not host:
        return _("Email is not set up: enter the shop's mail server (SMTP host).")
    if not settings.get(S.MESSAGES_EMAIL_FROM_ADDRESS).strip():
        return _("Email is not set up: enter the shop's email address clients see.")
    if settings.get(S.MESSAGES_EMAIL_SECURITY) not in SECURITY:
        return _("Email is not set up: choose the connection security (starttls, ssl or none).")
    user = settings.get(S.MESSAGES_EMAIL_USER).strip()
    problem = plain_login_problem(host, settings.get(S.MESSAGES_EMAIL_SECURITY), user)
    if problem:
        return problem
    if user:
        return secrets.missing_reason(SMTP)
    return None


def _sms_problem(settings: SettingsStore, secrets: Secrets) -> str | None:
    provider = settings.get(S.MESSAGES_SMS_PROVIDER)
    if provider not in PROVIDERS:
        return _("Text messages are not set up: choose a provider (Aliyun, Tencent Cloud or Twilio).")
    name = PROVIDERS[provider]
    if not settings.get(S.MESSAGES_SMS_ACCOUNT).strip():
        return _("Text messages are not set up: enter the {provider} account.").format(provider=name)
    if not settings.get(S.MESSAGES_SMS_SENDER).strip():
        return _("Text messages are not set up: enter the {provider} sender.").format(provider=name)
    endpoint = settings.get(S.MESSAGES_SMS_ENDPOINT).strip()
    if endpoint:
        problem = _http.endpoint_problem(endpoint)
        if problem:
            return problem
    if provider in ("aliyun", "tencent") and not _templates(settings):
        return _(
            "Text messages are not set up: {provider} sends only its approved templates; enter the "
            "template for each kind of message."
        ).format(provider=name)
    return secrets.missing_reason(SMS)


def channel_ready(settings: SettingsStore, secrets: Secrets | None = None) -> dict[str, str | None]:
    """"email" and "sms": None when the channel is ready, else the reason in words."""
    secrets = secrets or Secrets()
    return {"email": _email_problem(settings, secrets), "sms": _sms_problem(settings, secrets)}


def build_channels(settings: SettingsStore, secrets: Secrets | None = None) -> dict[str, Channel]:
    """The channels the owner has set up, by name ("email", "sms"); one not ready is left out
    (``channel_ready`` says why). Secrets are read now: build again after the owner changes them."""
    secrets = secrets or Secrets()
    ready = channel_ready(settings, secrets)
    channels: dict[str, Channel] = {}
    if ready["email"] is None:
        channels["email"] = SmtpChannel(
            host=settings.get(S.MESSAGES_EMAIL_HOST).strip(),
            port=settings.get(S.MESSAGES_EMAIL_PORT),
            security=settings.get(S.MESSAGES_EMAIL_SECURITY),
            from_address=settings.get(S.MESSAGES_EMAIL_FROM_ADDRESS).strip(),
            from_name=settings.get(S.MESSAGES_EMAIL_FROM_NAME).strip(),
            user=settings.get(S.MESSAGES_EMAIL_USER).strip(),
            password=secrets.get(SMTP),
        )
    if ready["sms"] is None:
        provider = settings.get(S.MESSAGES_SMS_PROVIDER)
        account = settings.get(S.MESSAGES_SMS_ACCOUNT).strip()
        sender = settings.get(S.MESSAGES_SMS_SENDER).strip()
        endpoint = settings.get(S.MESSAGES_SMS_ENDPOINT).strip()
        secret = secrets.get(SMS) or ""
        if provider == "aliyun":
            channels["sms"] = AliyunSms(account, secret, sender, _templates(settings), endpoint)
        elif provider == "tencent":
            channels["sms"] = TencentSms(
                account, secret, sender, settings.get(S.MESSAGES_SMS_SIGN_NAME).strip(), _templates(settings),
                settings.get(S.MESSAGES_SMS_REGION).strip(), endpoint,
            )
        else:
            channels["sms"] = TwilioSms(account, secret, sender, endpoint)
    return channels
