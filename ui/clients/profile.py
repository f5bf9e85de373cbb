"""One client's profile (docs/product.md §3): every field editable, allergies on top, history beside.

``open(client_id=...)`` loads the profile (an audited view). Saving sends only the
changed fields with the version that was loaded; when another desk saved first,
the save is refused, the latest values are loaded and what was not saved is listed.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

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
from desk_app.i18n import _, format_date
from desk_app.transfer.merge import MergeRecord
from ui.clients.form import ClientForm, field_label
from ui.clients.history import ClientHistoryTabs, ClientSummary
from ui.context import UiContext
from ui.runner import Latest
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

if TYPE_CHECKING:
    from desk_app.clients.privacy import BackupErasure, ErasureResult


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
        self._loading = Latest()
        self._staff_read = False
        self._saving = False
        self._focus_after_save: QWidget | None = None
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
        # the profiles merged into this one (docs/clients.md, "Duplicates"), and the owner's undo
        self.merged = QFrame()
        self.merged.setObjectName("infoBanner")
        ml = QHBoxLayout(self.merged)
        ml.setContentsMargins(14, 8, 14, 8)
        self.merged_text = QLabel()
        self.merged_text.setWordWrap(True)
        ml.addWidget(self.merged_text, 1)
        self.unmerge_button = Button(_("Undo merge"), "arrow-left", "secondary")
        self.unmerge_button.clicked.connect(self._unmerge)
        ml.addWidget(self.unmerge_button)
        self.merged.hide()
        root.addWidget(self.merged)
        self._merges: list[MergeRecord] = []
        self._redirect_note = ""

        body = QHBoxLayout()
        body.setSpacing(16)
        root.addLayout(body, 1)
        left = Card(_("Details"))
        self.form = ClientForm([])  # the stylists are read with the first profile
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
            self.merged.hide()

    def open(self, client_id: int | None = None, **_kw: Any) -> None:
        if client_id is None:
            self._show_content(self.profile is not None)
            return
        actor = self.ctx.require_actor()
        clients, merges = self.ctx.services.clients, self.ctx.services.merges
        cid, with_staff = int(client_id), not self._staff_read

        def work() -> tuple[ClientProfile, list[tuple[int, str]] | None, list[MergeRecord]]:
            p = clients.get(actor, cid)
            return p, clients.staff_choices() if with_staff else None, merges.merges_of(actor, cid)

        seq = self._loading.next()
        self.ctx.runner.run(
            self,
            work,
            on_done=self._loading.guard(seq, self._loaded),
            on_error=self._loading.guard(seq, self._not_loaded),
        )

    def _loaded(self, loaded: tuple[ClientProfile, list[tuple[int, str]] | None, list[MergeRecord]]) -> None:
        p, staff, merges = loaded
        if staff is not None:
            self._staff_read = True
            self.form.set_staff(staff)
        if p.merged_into_id is not None:  # an old link to a profile merged into another: open that one
            self._redirect_note = _("{number} was merged into {kept}: this is the client's profile now.").format(
                number=p.client_number, kept=p.merged_into_number)
            self.open(client_id=p.merged_into_id)
            return
        self.conflict.hide()
        self._merges = [m for m in merges if m.kept_id == p.id and m.undone_at is None]
        self.set_profile(p)
        self._show_merges()

    def _show_merges(self) -> None:
        lines = [self._redirect_note] if self._redirect_note else []
        if self._redirect_note:  # said at the top of the page, where the person looks (the walk: off-screen)
            holder = self.parentWidget()
            while holder is not None and not isinstance(holder, QScrollArea):
                holder = holder.parentWidget()
            if holder is not None:
                holder.verticalScrollBar().setValue(0)
        self._redirect_note = ""
        for m in self._merges:
            lines.append(_("Merged with {number} ({name}) on {day} by {who}: its visits, sales, bookings and "
                           "balances are here.").format(number=m.merged_number, name=m.merged_name,
                                                        day=format_date(m.at), who=m.staff_name or "?"))
            taken = [field_label(f) for f in m.fields if field_label(f) != f]
            if taken:  # what this profile took from it (an allergy, a consent: the walk missed saying so)
                lines.append("    " + _("Taken from it: {fields}.").format(fields=_(", ").join(taken)))
        self.merged_text.setText("\n".join(lines))
        self.unmerge_button.setEnabled(bool(self._merges))
        self.merged.setVisible(bool(lines))
        self.unmerge_button.setVisible(bool(self._merges) and self.ctx.can(Perm.CLIENT_MERGE))
        if self._merges:
            self.unmerge_button.setToolTip(_("Separate {number} from this profile again").format(
                number=self._merges[0].merged_number))

    def _unmerge(self) -> None:
        if not self._merges:
            return
        m = self._merges[0]  # the newest
        if not confirm(self, _("Undo the merge with {number}?").format(number=m.merged_number),
                       _("{number} becomes a profile of its own again, with the visits, sales, bookings and "
                         "balances it brought. What was done on this profile since stays here.")
                       .format(number=m.merged_number),
                       yes=_("Undo merge"), no=_("Keep merged"), default_yes=False):
            return
        actor = self.ctx.require_actor()
        merges = self.ctx.services.merges
        self.unmerge_button.setEnabled(False)

        def done(rec: MergeRecord) -> None:
            self.unmerge_button.setEnabled(True)
            self._redirect_note = _("The merge with {number} was undone: it is a profile of its own again.").format(
                number=rec.merged_number)
            self.reload()

        def failed(exc: Exception) -> None:
            self.unmerge_button.setEnabled(True)
            show_error(self, exc)

        self.ctx.runner.run(self, lambda: merges.undo(actor, m.id), on_done=done, on_error=failed)

    def _not_loaded(self, exc: Exception) -> None:
        """Not found / not allowed: say so, keep the screen usable."""
        self.profile = None
        self._show_content(False)
        show_error(self, exc)

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
    def saving(self) -> bool:
        """True while the changes are being written (the form and its buttons wait)."""
        return self._saving

    def _set_saving(self, on: bool) -> None:
        if on:
            focused = self.focusWidget()
            self._focus_after_save = (
                focused if focused is not None and self.form.isAncestorOf(focused) else None
            )
        self._saving = on
        for w in (self.form, self.save_button, self.revert_button):
            w.setEnabled(not on)
        if not on and self._focus_after_save is not None:
            self._focus_after_save.setFocus()  # the cursor stays where the person was typing
            self._focus_after_save = None

    def save(self) -> None:
        """Write the changed fields on the runner, in order; the form waits meanwhile so what is
        typed is not lost when the saved profile is shown."""
        if self.profile is None or self._saving:
            return
        changes = self.form.changes()
        if not changes:
            return
        actor = self.ctx.require_actor()
        clients, cid, version = self.ctx.services.clients, self.profile.id, self.profile.version
        self._set_saving(True)
        self.ctx.runner.run(
            self,
            lambda: clients.update(actor, cid, version, changes),
            on_done=lambda p: self._saved(cid, p),
            on_error=lambda exc: self._not_saved(cid, changes, exc),
            in_order=True,
        )

    def _saved(self, client_id: int, p: ClientProfile) -> None:
        if self.profile is None or self.profile.id != client_id:  # another client was opened meanwhile
            self._saving = False
            return
        self._set_saving(False)
        self.conflict.hide()
        self.set_profile(p)
        self.status.setText(_("Saved."))

    def _not_saved(self, client_id: int, changes: dict[str, Any], exc: Exception) -> None:
        if self.profile is None or self.profile.id != client_id:  # another client was opened meanwhile
            self._saving = False
            show_error(self, exc)
            return
        self._set_saving(False)
        self._edited()
        if isinstance(exc, ValidationError):
            self.form.show_errors(exc.errors)
            self.save_error.show_error(_("Please correct the fields marked in red."))
        elif isinstance(exc, ConflictError):
            self._conflict(exc, changes)
        else:  # shown where the person is looking
            self.save_error.show_error(error_text(exc))

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

    def export_to(self, folder: Path) -> None:
        """Write the client's data into ``folder`` on the runner, then say where it went."""
        assert self.profile is not None
        actor, privacy, cid = self.ctx.require_actor(), self.ctx.services.privacy, self.profile.id
        self.export_button.setEnabled(False)

        def done(paths: list[Path]) -> None:
            self.export_button.setEnabled(True)
            show_info(self, _("The client's data was saved as:") + "\n" + "\n".join(str(p) for p in paths))

        def failed(exc: Exception) -> None:  # shown to the owner
            self.export_button.setEnabled(True)
            show_error(self, exc)

        self.ctx.runner.run(
            self, lambda: list(privacy.export_client(actor, cid, folder)), on_done=done, on_error=failed
        )

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

    def erase(self, reason: str) -> None:
        """Erase on the runner, in order (the button waits), then show what is left."""
        assert self.profile is not None
        actor, privacy, cid = self.ctx.require_actor(), self.ctx.services.privacy, self.profile.id
        self.erase_button.setEnabled(False)

        def work() -> tuple[ErasureResult, BackupErasure]:
            res = privacy.erase_client(actor, cid, reason)
            return res, privacy.erase_in_backups(actor, cid)  # the kept backups, one by one

        def done(result: tuple[ErasureResult, BackupErasure]) -> None:
            self.erase_button.setEnabled(True)
            self.open(client_id=cid)
            show_info(self, erasure_summary(*result), _("Client erased"))

        def failed(exc: Exception) -> None:  # shown to the owner
            self.erase_button.setEnabled(True)
            show_error(self, exc)

        self.ctx.runner.run(self, work, on_done=done, on_error=failed, in_order=True)


def erasure_summary(res: ErasureResult, backups: BackupErasure) -> str:
    """What an erasure did, in words for the owner."""
    lines = [
        _("{number} is erased: {notes} notes cleared, {audit} audit entries redacted, {sales} sales kept without the name.").format(
            number=res.client_number, notes=res.notes_cleared, audit=res.audit_redacted, sales=res.sales_kept
        )
    ]
    if backups.server:
        lines.append(
            _("The server's own backups are not changed; a restore through the app erases the client again.")
        )
    else:
        lines.append(
            _("Backups: erased inside {cleaned}; {not_in} did not hold the client.").format(
                cleaned=len(backups.cleaned), not_in=len(backups.not_in)
            )
        )
        if backups.failed:
            lines.append(
                _("{n} backups could not be changed ({names}); restoring one erases the client again.").format(
                    n=len(backups.failed), names=", ".join(p.name for p, _why in backups.failed)
                )
            )
    if not res.storage_scrubbed:
        lines.append(_("Another desk was reading: the database file is tidied at the next erasure."))
    return "\n".join(lines)
