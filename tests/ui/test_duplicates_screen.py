"""Possible duplicates on screen (real widgets, real database; docs/clients.md "Duplicates"): the
owner sees the pair side by side, keeps the other one, merges, says another pair are two people,
opens the merged profile's old link and lands on the kept one, and undoes the merge there."""

from __future__ import annotations

from typing import Any

import pytest

from desk_app.container import Services
from desk_app.domain.permissions import Actor
from tests.integration.test_client_merge import _client, _row
from ui.context import UiContext


def test_merge_on_screen_then_undo_from_the_profile(
    qtbot: Any, ctx: UiContext, services: Services, owner: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.clients import duplicates as dup_screen
    from ui.clients import profile as profile_screen
    from ui.clients.duplicates import DuplicatesScreen
    from ui.clients.profile import ClientProfileScreen

    asked: list[str] = []
    monkeypatch.setattr(dup_screen, "confirm", lambda _p, title, *_a, **_k: asked.append(title) or True)
    monkeypatch.setattr(profile_screen, "confirm", lambda _p, title, *_a, **_k: asked.append(title) or True)
    sv = services
    old = _client(sv, owner, name="Ann Lee", phone="13800000001", allergies="latex")
    new = _client(sv, owner, name="Ann Lee", phone="13800000001", email="ann@example.com")
    a = _client(sv, owner, name="Wang Fang", phone="13800000021", birthday="1988-01-02")
    b = _client(sv, owner, name="Wang Fang", phone="13800000022", birthday="1988-01-02")
    screen = DuplicatesScreen(ctx)
    qtbot.addWidget(screen)
    screen.resize(1366, 728)
    screen.show()
    screen.open()
    assert screen.stack.currentWidget() is screen.body
    assert [{p.a.id, p.b.id} for p in screen.pairs] == [{old, new}, {a, b}]  # the same phone first
    assert screen.table.model_.rows[0][2] == "same phone"
    texts = [c.text() for c, _d in screen.cells] + [d.text() for _c, d in screen.cells]
    assert "ann@example.com" in texts and "C000001" in texts
    # keep the newer one this time: the older profile goes into it
    screen.keep_b.setChecked(True)
    assert "C000001 goes into C000002" in screen.explain.text()
    screen.merge_button.click()
    assert asked[-1] == "Merge C000001 into C000002?"
    assert _row(sv, old).merged_into_id == new
    assert screen.done_text.text() == "C000001 was merged into C000002. Undo it from C000002's profile."
    opened: list[tuple[str, dict[str, Any]]] = []
    ctx.navigate = lambda name, **kw: opened.append((name, kw))  # type: ignore[method-assign]
    screen.open_kept_button.click()
    assert opened == [("client", {"client_id": new})]
    assert [{p.a.id, p.b.id} for p in screen.pairs] == [{a, b}]
    screen.not_same_button.click()
    assert asked[-1] == "Are C000003 and C000004 two different people?"
    assert screen.pairs == [] and screen.stack.currentWidget() is screen.empty
    assert any("No possible duplicates" in w.text() for w in screen.empty.findChildren(type(screen.count)))

    # the old profile's link opens the kept one, which says what was merged into it, and the owner undoes it
    navigated: list[tuple[str, dict[str, Any]]] = []
    ctx.navigate = lambda name, **kw: navigated.append((name, kw))  # type: ignore[method-assign]
    profile = ClientProfileScreen(ctx)
    qtbot.addWidget(profile)
    profile.resize(1366, 728)
    profile.show()
    profile.open(client_id=old)
    assert profile.profile is not None and profile.profile.id == new
    assert "C000001 was merged into C000002" in profile.merged_text.text()
    assert "Merged with C000001 (Ann Lee)" in profile.merged_text.text()
    assert "Taken from it: Allergies." in profile.merged_text.text()  # the kept one had its own e-mail
    assert profile.merged.isVisible() and profile.unmerge_button.isVisible()
    profile.unmerge_button.click()
    assert asked[-1] == "Undo the merge with C000001?"
    assert _row(sv, old).merged_into_id is None
    # said where the person looks; nothing left to undo
    assert profile.merged_text.text() == "The merge with C000001 was undone: it is a profile of its own again."
    assert not profile.unmerge_button.isVisible()


def test_a_refused_merge_is_said_and_the_list_read_again(
    qtbot: Any, ctx: UiContext, services: Services, owner: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.clients import duplicates as dup_screen
    from ui.clients.duplicates import DuplicatesScreen

    monkeypatch.setattr(dup_screen, "confirm", lambda *_a, **_k: True)
    sv = services
    one = _client(sv, owner, name="Lin Yu", phone="13800000031")
    two = _client(sv, owner, name="Lin Yu", phone="13800000031")
    screen = DuplicatesScreen(ctx)
    qtbot.addWidget(screen)
    screen.show()
    screen.open()
    # meanwhile a receptionist saves one of the two profiles
    sv.clients.update(owner, two, _row(sv, two).version, {"notes": "asked for Amy"})
    screen.merge_button.click()
    assert "changed one of the two profiles" in screen.error.text()
    assert _row(sv, one).merged_into_id is None and _row(sv, two).merged_into_id is None
    fresh = {p.id: p.version for p in (screen.pairs[0].a, screen.pairs[0].b)}
    assert fresh[two] == _row(sv, two).version  # compared again as they are now
    screen.merge_button.click()  # and now it goes
    assert _row(sv, two).merged_into_id == one or _row(sv, one).merged_into_id == two
