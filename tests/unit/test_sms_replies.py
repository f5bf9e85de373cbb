"""The reading the SMS providers share (messages/channels/_http.py): a JSON reply, a reply judged
by its HTTP status, and an unexpected failure of a send."""

from __future__ import annotations

import pytest

from desk_app.messages.channels import _http
from desk_app.messages.channels.base import FailCode, SendFailed


def test_json_object_is_the_reply_s_object_or_none() -> None:
    assert _http.json_object(_http.Reply(200, b'{"Code": "OK"}')) == {"Code": "OK"}
    for body in (b"", b"<html>502</html>", b"[1, 2]", b'"text"', b"\xff\xfe"):
        assert _http.json_object(_http.Reply(200, body)) is None, body


@pytest.mark.parametrize(
    ("status", "auth", "code"),
    [
        (401, True, FailCode.AUTH),
        (403, True, FailCode.AUTH),
        (403, False, FailCode.PROVIDER),
        (429, True, FailCode.THROTTLED),
        (503, False, FailCode.THROTTLED),
        (500, True, FailCode.PROVIDER),
        (200, True, FailCode.PROVIDER),
    ],
)
def test_a_reply_without_the_provider_s_verdict_is_judged_by_its_status(status: int, auth: bool, code: FailCode) -> None:
    failed = _http.by_status(status, "gateway page", auth=auth)
    assert failed.code is code and failed.detail == f"HTTP {status}: gateway page"


def test_any_other_failure_of_a_send_is_provider_and_send_failed_goes_through() -> None:
    with pytest.raises(SendFailed) as info, _http.failures_as_send_failed():
        raise KeyError("Response")
    assert info.value.code is FailCode.PROVIDER and info.value.detail == "KeyError: 'Response'"
    with pytest.raises(SendFailed) as info, _http.failures_as_send_failed():
        raise SendFailed(FailCode.REJECTED, "bad number")
    assert info.value.code is FailCode.REJECTED
