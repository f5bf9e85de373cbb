"""Settings > Staff: name, role, PIN reset, the branches they work at (when the shop has more than
one), working hours and breaks per weekday, colour, permissions."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTime
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from desk_app.catalog_defaults import DEFAULT_HOURS
from desk_app.core.service import ValidationError
from desk_app.domain.permissions import ROLE_PERMS, Perm, Role, perm_label, role_label
from desk_app.i18n import _
from desk_app.shop.branches import BranchView
from desk_app.trust.auth import StaffView
from ui.context import UiContext
from ui.settings.editor import Column, EditorSpec, Field, ItemEditor
from ui.shared.widgets import ErrorLabel

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
COLOURS = ["#5B8DEF", "#C2185B", "#14A38B", "#B7791F", "#7E57C2", "#00897B", "#E64A19", "#546E7A"]


def day_label(d: str) -> str:
    return {
        "mon": _("Mon"),
        "tue": _("Tue"),
        "wed": _("Wed"),
        "thu": _("Thu"),
        "fri": _("Fri"),
        "sat": _("Sat"),
        "sun": _("Sun"),
    }[d]


def _time(text: str) -> QTime:
    t = QTime.fromString(text, "HH:mm")
    return t if t.isValid() else QTime(9, 0)


class HoursEditor(QWidget):
    """Working hours and one break per weekday, in the {"mon": [[start, end]], "breaks": {...}} shape."""

    def __init__(self) -> None:
        super().__init__()
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(6)
        for c, h in enumerate(["", _("From"), _("To"), _("Break from"), _("Break to")]):
            lbl = QLabel(h)
            lbl.setObjectName("muted")
            grid.addWidget(lbl, 0, c)
        self.rows: dict[str, tuple[QCheckBox, QTimeEdit, QTimeEdit, QTimeEdit, QTimeEdit]] = {}
        for r, d in enumerate(DAYS, start=1):
            on = QCheckBox(day_label(d))
            edits = []
            for c in range(4):
                te = QTimeEdit()
                te.setDisplayFormat("HH:mm")
                te.setMinimumHeight(36)
                # typed (or Up/Down): the spin arrows made the day's four times wider than the
                # editor beside the side bar at 1366 px, and the form was cut at its right edge
                # (base pay, a right-aligned amount, out of sight). resources/style.qss hides them
                # (NoButtons under a style sheet leaves the text no room at all).
                te.setAlignment(Qt.AlignmentFlag.AlignCenter)
                te.setObjectName("hourEdit")
                grid.addWidget(te, r, c + 1)
                edits.append(te)
            grid.addWidget(on, r, 0)
            self.rows[d] = (on, edits[0], edits[1], edits[2], edits[3])

    def set_hours(self, hours: dict[str, Any]) -> None:
        breaks = hours.get("breaks", {}) or {}
        for d, (on, start, end, b1, b2) in self.rows.items():
            spans = hours.get(d) or []
            on.setChecked(bool(spans))
            start.setTime(_time(spans[0][0]) if spans else QTime(9, 0))
            end.setTime(_time(spans[0][1]) if spans else QTime(18, 0))
            br = breaks.get(d) or []
            b1.setTime(_time(br[0][0]) if br else QTime(0, 0))
            b2.setTime(_time(br[0][1]) if br else QTime(0, 0))

    def state(self) -> object:
        """What the rows show, to tell whether anything changed (unsaved-changes guard)."""
        return tuple(
            (on.isChecked(), *(t.time().toString("HH:mm") for t in times))
            for on, *times in self.rows.values()
        )

    def hours(self) -> dict[str, Any]:
        """The hours, or ValidationError({"working_hours": ...}) when a day does not make sense."""
        out: dict[str, Any] = {}
        breaks: dict[str, Any] = {}
        for d, (on, start, end, b1, b2) in self.rows.items():
            if not on.isChecked():
                out[d] = []
                continue
            s, e = start.time(), end.time()
            if s >= e:
                raise ValidationError(
                    {"working_hours": _("{day}: the day must end after it starts.").format(day=day_label(d))}
                )
            out[d] = [[s.toString("HH:mm"), e.toString("HH:mm")]]
            x, y = b1.time(), b2.time()
            if x == y:
                continue
            if not (s <= x < y <= e):
                raise ValidationError(
                    {
                        "working_hours": _(
                            "{day}: the break must start before it ends and lie within the working hours; "
                            "set both break times to 00:00 for no break."
                        ).format(day=day_label(d))
                    }
                )
            breaks[d] = [[x.toString("HH:mm"), y.toString("HH:mm")]]
        out["breaks"] = breaks
        return out


class PermissionsEditor(QWidget):
    """Per-person exceptions to the role: default / allow / deny for each permission."""

    def __init__(self) -> None:
        super().__init__()
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        self.combos: dict[str, QComboBox] = {}
        for i, p in enumerate(Perm):
            lbl = QLabel(perm_label(p))
            combo = QComboBox()
            combo.addItem(_("As the role"), None)
            combo.addItem("✓ " + _("Allow"), True)
            combo.addItem("✕ " + _("Deny"), False)
            grid.addWidget(lbl, i // 2, (i % 2) * 2)
            grid.addWidget(combo, i // 2, (i % 2) * 2 + 1)
            self.combos[p.value] = combo

    def set_overrides(self, perms: dict[str, Any]) -> None:
        for key, combo in self.combos.items():
            v = perms.get(key)
            combo.setCurrentIndex(0 if v is None else (1 if v else 2))

    def state(self) -> object:
        return tuple(combo.currentIndex() for combo in self.combos.values())

    def overrides(self, role: str) -> dict[str, bool]:
        base = ROLE_PERMS.get(Role(role), frozenset()) if role in {r.value for r in Role} else frozenset()
        out: dict[str, bool] = {}
        for key, combo in self.combos.items():
            v = combo.currentData()
            if v is not None and bool(v) != (Perm(key) in base):
                out[key] = bool(v)
        return out


class BranchesEditor(QWidget):
    """A checkbox per branch: where the person works (shown when the shop has more than one)."""

    def __init__(self) -> None:
        super().__init__()
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.boxes: dict[int, QCheckBox] = {}
        self.branches: list[BranchView] = []

    def set_branches(self, branches: list[BranchView]) -> None:
        if [(b.id, b.name, b.active) for b in branches] == [(b.id, b.name, b.active) for b in self.branches]:
            return
        for box in self.boxes.values():
            self.grid.removeWidget(box)
            box.deleteLater()
        self.boxes = {}
        self.branches = list(branches)
        for i, b in enumerate(branches):
            label = b.name if b.active else _("{name} (closed)").format(name=b.name)
            box = QCheckBox(label)
            box.setAccessibleName(_("Works at {branch}").format(branch=b.name))
            self.grid.addWidget(box, i // 2, i % 2)  # two a row: long names fit the form
            self.boxes[b.id] = box

    def set_ticked(self, ids: tuple[int, ...] | list[int]) -> None:
        for bid, box in self.boxes.items():
            box.setChecked(bid in ids)
            # a closed branch can be untaken, not newly given
            b = next(x for x in self.branches if x.id == bid)
            box.setEnabled(b.active or bid in ids)

    def ticked(self) -> list[int]:
        return [bid for bid, box in self.boxes.items() if box.isChecked()]

    def state(self) -> object:
        return tuple(self.ticked())


BRANCHES_COLUMN = 2  # in the list: name, role, branches, status


class StaffPanel(QWidget):
    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        auth = ctx.services.auth
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.hours = HoursEditor()
        self.perms = PermissionsEditor()
        self.branches = BranchesEditor()
        self.branches_title = QLabel(_("Works at these branches"))
        self.branches_title.setObjectName("cardTitle")
        self.branches_error = ErrorLabel()
        for hidden in (self.branches_title, self.branches):  # shown when the shop has more than one branch
            hidden.setVisible(False)
        self._pays: dict[int, Any] = {}  # base pay a month, read with the list (owner only)
        self._branch_rows: list[BranchView] = []  # every branch, read with the list
        branch_service = ctx.services.branches

        def load() -> list[StaffView]:
            self._pays = auth.base_pays(ctx.require_actor())
            self._branch_rows = branch_service.list()
            return auth.list_staff(active_only=False)

        def to_data(s: StaffView) -> dict[str, Any]:
            self.hours.set_hours(s.working_hours)
            self.perms.set_overrides(s.permissions)
            self._show_branches(s.branch_ids)
            pay = self._pays.get(s.id)
            return {
                "name": s.name,
                "role": s.role,
                "pin": "",
                "active": s.active,
                "color": s.color,
                "base_pay": "" if pay is None else str(pay),
            }

        def prepare(sid: int | None, data: dict[str, Any]) -> dict[str, Any]:
            """On the GUI thread: the hours and exceptions the widgets beside the form hold."""
            return {
                **data,
                "working_hours": self.hours.hours(),
                "permissions": self.perms.overrides(str(data["role"])),
                "branch_ids": self.branches.ticked() if len(self._branch_rows) > 1 else None,
            }

        def save(actor: Any, sid: int | None, data: dict[str, Any]) -> StaffView:
            return auth.save_staff(
                actor,
                staff_id=sid,
                name=data["name"],
                role=data["role"],
                pin=data["pin"] or None,
                active=data["active"],
                color=data["color"],
                working_hours=data["working_hours"],
                permissions=data["permissions"],
                base_pay=data.get("base_pay") or "0",  # emptied: no base pay
                branch_ids=data.get("branch_ids"),
                confirmed=bool(data.get("confirmed")),  # a leaver's bookings and open shift: asked first
            )

        spec = EditorSpec(
            title=_("Staff"),
            columns=[
                Column(_("Name"), lambda s: s.name),
                Column(_("Role"), lambda s: role_label(s.role)),
                Column(_("Branches"), self._branch_codes),
                Column(_("Status"), lambda s: "✓ " + _("Active") if s.active else "✕ " + _("Left")),
            ],
            fields=[
                Field("name", _("Name")),
                Field(
                    "role",
                    _("Role"),
                    "choice",
                    lambda: [(r.value, role_label(r.value)) for r in Role],
                    default="stylist",
                ),
                Field("pin", _("New PIN"), placeholder=_("4 to 8 digits (6 or more is safer); leave empty to keep the PIN")),
                Field(
                    "color",
                    _("Calendar colour"),
                    "choice",
                    lambda: [(c, c) for c in COLOURS],
                    default=COLOURS[0],
                ),
                Field(
                    "base_pay",
                    _("Base pay a month"),
                    "money",
                    placeholder=_("From this month on, on the pay statements; empty: none"),
                ),
                Field("active", _("Works here (can sign in)"), "bool", default=True),
            ],
            load=load,
            save=save,
            to_data=to_data,
            new_label=_("New staff member"),
            prepare=prepare,
        )
        self.editor = ItemEditor(ctx, spec)
        # the form (hours grid of four times a day) needs more room than the short list of people
        split = self.editor.layout()
        assert isinstance(split, QHBoxLayout)
        split.setStretch(0, 4)
        split.setStretch(1, 5)
        self._sync_branch_column()
        self.editor.add_extra_state(self.hours.state)
        self.editor.add_extra_state(self.perms.state)
        self.editor.add_extra_state(self.branches.state)
        pin = self.editor.form.widgets["pin"]
        if isinstance(pin, QLineEdit):
            pin.setEchoMode(QLineEdit.EchoMode.Password)
        body = self.editor.form.layout()
        self.hours_error = ErrorLabel()
        self.editor.form.errors["working_hours"] = self.hours_error
        self.editor.form.widgets["working_hours"] = self.hours
        self.editor.form.errors["branches"] = self.branches_error
        self.editor.form.widgets["branches"] = self.branches
        title = QLabel(_("Working hours and breaks"))
        title.setObjectName("cardTitle")
        ptitle = QLabel(_("Exceptions to the role"))
        ptitle.setObjectName("cardTitle")
        box = QVBoxLayout()
        parts: tuple[QWidget, ...] = (self.branches_title, self.branches, self.branches_error, title, self.hours,
                                      self.hours_error, ptitle, self.perms)
        for w in parts:
            box.addWidget(w)
        if isinstance(body, QFormLayout):
            body.addRow(box)
        colour = self.editor.form.widgets["color"]
        if isinstance(colour, QComboBox):
            for i in range(colour.count()):
                swatch = QPixmap(18, 18)
                swatch.fill(QColor(str(colour.itemData(i))))
                colour.setItemIcon(i, QIcon(swatch))
        self.editor.new_shown.connect(self._new_defaults)
        lay.addWidget(self.editor, 1)

    def _many_branches(self) -> bool:
        return len(self._branch_rows) > 1

    def _sync_branch_column(self) -> None:
        """The list's Branches column, only when the shop has more than one branch (one: nothing to say)."""
        self.editor.table.setColumnHidden(BRANCHES_COLUMN, not self._many_branches())

    def _branch_codes(self, s: StaffView) -> str:
        """Where the person works, by branch code (blank while the shop has one branch)."""
        if not self._many_branches():
            return ""
        return ", ".join(b.code for b in self._branch_rows if b.id in s.branch_ids)

    def _show_branches(self, ticked: tuple[int, ...] | list[int]) -> None:
        """The branch checkboxes, only when the shop has more than one branch."""
        for w in (self.branches_title, self.branches):
            w.setVisible(self._many_branches())
        if hasattr(self, "editor"):  # (the first list is read while the editor is being made)
            self._sync_branch_column()
        self.branches.set_branches(self._branch_rows)
        self.branches.set_ticked(ticked)

    def _new_defaults(self) -> None:
        self.hours.set_hours(DEFAULT_HOURS)
        self.perms.set_overrides({})
        actor = self.ctx.actor
        self._show_branches([actor.branch_id] if actor is not None else [])

    def unsaved_changes(self) -> str | None:
        return self.editor.unsaved_changes()

    def discard_changes(self) -> None:
        self.editor.discard_changes()
