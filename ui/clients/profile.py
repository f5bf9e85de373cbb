"""One client's profile (docs/product.md §3): every field editable, allergies on top, history beside.

``open(client_id=...)`` loads the profile (an audited view). Saving sends only the
changed fields with the version that was loaded; when another desk saved first,
the save is refused, the latest values are loaded and what was not saved is listed.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, cast

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desk_app.clients.views import ClientProfile, allergy_banner_text
from desk_app.core.service import ConflictError, ValidationError
from desk_app.domain.permissions import Perm
from desk_app.i18n import _
from ui.clients.form import ClientForm, field_label
from ui.clients.history import ClientHistoryTabs, ClientSummary
from ui.context import UiContext
from ui.shared.widgets import (
    AllergyBanner,
    Button,
    Card,
    EmptyState,
    ErrorLabel,
    PageHeader,
    ask_reason,
    confirm,
    error_text,
    show_error,
    show_info,
)


def _short(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        value = ", ".join(str(v) for v in value)
    text = str(value if value not in (None, "") else "—")
    return text if len(text) <= 60 else text[:57] + "..."


class ClientProfileScreen(QWidget):
    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.setObjectName("screenPage")
        self.ctx = ctx
        self.profile: ClientProfile | None = None
        root = QVBoxLayout(self)
        root.setContentsMargins(24, 20, 24, 20)
        root.setSpacing(12)

        self.header = PageHeader(_("Client"))
        self.back_button = Button(_("All clients"), "arrow-left", "ghost")
        self.back_button.clicked.connect(lambda: ctx.navigate("clients"))
        self.book_button = Button(_("Book"), "calendar", "secondary")
        self.book_button.clicked.connect(self._book)
        self.visit_button = Button(_("Start visit"), "walk-in", "primary")
        self.visit_button.clicked.connect(self._start_visit)
        self.export_button = Button(_("Export data"), "download", "secondary")
        self.export_button.clicked.connect(self._export)
        self.erase_button = Button(_("Erase"), "trash", "danger")
        self.erase_button.clicked.connect(self._erase)
        for b in (
            self.back_button,
            self.book_button,
            self.visit_button,
            self.export_button,
            self.erase_button,
        ):
            cast(QHBoxLayout, self.header.actions).addWidget(b)
        root.addWidget(self.header)

        self.banner = AllergyBanner("")
        root.addWidget(self.banner)
        self.conflict = QFrame()
        self.conflict.setObjectName("warnBanner")
        cl = QVBoxLayout(self.conflict)
        cl.setContentsMargins(14, 10, 14, 10)
        self.conflict_text = QLabel()
        self.conflict_text.setObjectName("warningText")
        self.conflict_text.setWordWrap(True)
        cl.addWidget(self.conflict_text)
        self.conflict.hide()
        root.addWidget(self.conflict)

        body = QHBoxLayout()
        body.setSpacing(16)
        root.addLayout(body, 1)
        left = Card(_("Details"))
        staff = ctx.services.clients.staff_choices()
        self.form = ClientForm(staff)
        self.form.edited.connect(self._edited)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.form)
        left.body.addWidget(scroll, 1)
        self.save_error = ErrorLabel()
        left.body.addWidget(self.save_error)
        row = QHBoxLayout()
        self.status = QLabel()
        self.status.setObjectName("muted")
        row.addWidget(self.status, 1)
        self.revert_button = Button(_("Undo changes"), kind="ghost")
        self.revert_button.clicked.connect(self.reload)
        row.addWidget(self.revert_button)
        self.save_button = Button(_("Save") + "  (Ctrl+S)", "check", "primary")
        self.save_button.clicked.connect(self.save)
        row.addWidget(self.save_button)
        left.body.addLayout(row)
        body.addWidget(left, 5)

        right = QVBoxLayout()
        right.setSpacing(12)
        self.summary = ClientSummary()
        right.addWidget(self.summary)
        self.history = ClientHistoryTabs()
        right.addWidget(self.history, 1)
        holder = QWidget()
        holder.setLayout(right)
        body.addWidget(holder, 6)

        self.empty = EmptyState(
            "user", _("No client open"), _("Find a client on the Clients screen."), _("Go to clients")
        )
        self.empty.action.connect(lambda: ctx.navigate("clients"))
        root.addWidget(self.empty)
        self._content = [left, holder, self.banner]
        QShortcut(QKeySequence("Ctrl+S"), self).activated.connect(self.save)
        self._show_content(False)

    # -- loading ------------------------------------------------------------------------
    def _show_content(self, on: bool) -> None:
        for w in self._content[:2]:
            w.setVisible(on)
        for b in (self.book_button, self.visit_button, self.export_button, self.erase_button):
            b.setVisible(on)
        self.empty.setVisible(not on)
        if not on:
            self.banner.set_text("")
            self.conflict.hide()

    def open(self, client_id: int | None = None, **_kw: Any) -> None:
        if client_id is None:
            self._show_content(self.profile is not None)
            return
        actor = self.ctx.require_actor()
        try:
            p = self.ctx.services.clients.get(actor, int(client_id))
        except Exception as exc:  # not found / not allowed: say so, keep the screen usable
            self.profile = None
            self._show_content(False)
            show_error(self, exc)
            return
        self.conflict.hide()
        self.set_profile(p)

    def refresh(self) -> None:
        if self.profile is not None and not self.form.changes():
            self.reload()

    def reload(self) -> None:
        if self.profile is not None:
            self.open(client_id=self.profile.id)

    def set_profile(self, p: ClientProfile) -> None:
        self.profile = p
        self._show_content(True)
        title = p.name + ("  ★ " + _("VIP") if p.is_vip else "")
        self.header.title.setText(title)
        self.header.set_subtitle(f"{p.client_number}  ·  {p.phone_display}")
        self.banner.set_text(allergy_banner_text(p.allergies, p.contraindications))
        self.form.load(p)
        self.summary.set_profile(p)
        self.history.set_profile(p)
        can_edit = self.ctx.can(Perm.CLIENT_EDIT) and not p.erased
        self.form.setEnabled(can_edit)
        self.save_button.setEnabled(False)
        self.revert_button.setEnabled(False)
        self.save_button.setVisible(can_edit)
        self.revert_button.setVisible(can_edit)
        self.export_button.setVisible(self.ctx.can(Perm.EXPORT))
        self.erase_button.setVisible(self.ctx.can(Perm.ERASE) and not p.erased)
        self.book_button.setVisible(self.ctx.can(Perm.BOOK) and not p.erased)
        self.visit_button.setVisible(self.ctx.can(Perm.VISIT_RUN) and not p.erased)
        self.status.setText(_("Erased: only the money records remain.") if p.erased else "")
        self.save_error.show_error(None)

    def unsaved_changes(self) -> str | None:
        """The guard's question (ui/shared/unsaved.py): typed but unsaved profile fields."""
        if self.profile is None or not self.save_button.isEnabled():
            return None
        return _("{name}'s details").format(name=self.profile.name)

    def _edited(self) -> None:
        dirty = bool(self.form.changes())
        self.save_button.setEnabled(dirty)
        self.revert_button.setEnabled(dirty)
        self.status.setText(_("Unsaved changes") if dirty else "")

    # -- saving -------------------------------------------------------------------------
    def save(self) -> None:
        if self.profile is None:
            return
        changes = self.form.changes()
        if not changes:
            return
        actor = self.ctx.require_actor()
        try:
            p = self.ctx.services.clients.update(actor, self.profile.id, self.profile.version, changes)
        except ValidationError as exc:
            self.form.show_errors(exc.errors)
            self.save_error.show_error(_("Please correct the fields marked in red."))
            return
        except ConflictError as exc:
            self._conflict(exc, changes)
            return
        except Exception as exc:  # shown where the person is looking
            self.save_error.show_error(error_text(exc))
            return
        self.conflict.hide()
        self.set_profile(p)
        self.status.setText(_("Saved."))

    def _conflict(self, exc: ConflictError, mine: dict[str, Any]) -> None:
        latest: ClientProfile | None = getattr(exc, "latest", None)
        lines = [exc.message, "", _("Not saved (yours → now):")]
        now = latest.field_values() if latest else {}
        for key, value in mine.items():
            lines.append(f"• {field_label(key)}: {_short(value)} → {_short(now.get(key))}")
        self.conflict_text.setText("\n".join(lines))
        self.conflict.show()
        if latest is not None:
            self.set_profile(latest)

    # -- actions ------------------------------------------------------------------------
    def _book(self) -> None:
        if self.profile is not None:
            self.ctx.navigate("calendar", client_id=self.profile.id)

    def _start_visit(self) -> None:
        if self.profile is not None:
            self.ctx.navigate("visit", client_id=self.profile.id)

    def _export(self) -> None:
        if self.profile is None:
            return
        folder = QFileDialog.getExistingDirectory(
            self, _("Export the client's data to"), tempfile.gettempdir()
        )
        if folder:
            self.export_to(Path(folder))

    def export_to(self, folder: Path) -> list[Path]:
        assert self.profile is not None
        try:
            paths = list(
                self.ctx.services.privacy.export_client(self.ctx.require_actor(), self.profile.id, folder)
            )
        except Exception as exc:  # shown to the owner
            show_error(self, exc)
            return []
        show_info(self, _("The client's data was saved as:") + "\n" + "\n".join(str(p) for p in paths))
        return paths

    def _erase(self) -> None:
        if self.profile is None:
            return
        if not confirm(
            self,
            _("Erase this client?"),
            _(
                "The name, phone and every personal detail of {name} are removed for good. Sales and payments stay, "
                "anonymised. This cannot be undone."
            ).format(name=self.profile.name),
        ):
            return
        reason = ask_reason(
            self, _("Erase this client"), _("Why is the data erased? (e.g. the client asked)")
        )
        if reason:
            self.erase(reason)

    def erase(self, reason: str) -> bool:
        assert self.profile is not None
        try:
            self.ctx.services.privacy.erase_client(self.ctx.require_actor(), self.profile.id, reason)
        except Exception as exc:  # shown to the owner
            show_error(self, exc)
            return False
        cid = self.profile.id
        self.open(client_id=cid)
        return True
