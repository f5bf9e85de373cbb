"""The consultation form, generated from the owner's questions for the service kind."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.visit import priority_label
from desk_app.i18n import N_, _
from desk_app.visits.views import PRIORITIES, WANTS_KEYS, AssessmentView, Question
from ui.context import UiContext
from ui.shared.widgets import ErrorLabel, mark_invalid, show_error
from ui.visits.common import compact, select_data

# the owner's questions answered by the fixed field of the same name (``_label_fixed``)
_ASKED_BELOW = ("allergies", "contraindications")

KINDS = {"hair": N_("Hair"), "skin": N_("Skin"), "nails": N_("Nails"), "generic": N_("General")}


class ConsultationForm(QWidget):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        root = QVBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        # one form: the kind, then the owner's questions for it, then the fixed fields
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        root.addLayout(self.form)
        self.kind = compact(QComboBox(), 10)
        for k, label in KINDS.items():
            self.kind.addItem(_(label), k)
        self.kind.currentIndexChanged.connect(lambda _i: self._build_questions())
        self.form.addRow(_("Consultation for"), self.kind)
        self.n_questions = 0

        self.goals = QPlainTextEdit()
        self.goals.setPlaceholderText(_("What the client wants, in their own words"))
        self.goals.setFixedHeight(64)
        self.expectations = QLineEdit()
        self.expectations.setPlaceholderText(_("e.g. natural look, done by 3 pm"))
        self.priority = QComboBox()
        for p in PRIORITIES:
            self.priority.addItem(priority_label(p), p)
        select_data(self.priority, "normal")
        self.allergies = QLineEdit()
        self.allergies.setPlaceholderText(_("Ask every time; leave empty if none"))
        self.contra = QLineEdit()
        self.contra.setPlaceholderText(_("Pregnancy, medication, recent treatments…"))
        self.errors: dict[str, ErrorLabel] = {}
        self.fields: dict[str, QWidget] = {
            "goals": self.goals,
            "expectations": self.expectations,
            "priority": self.priority,
            "allergies": self.allergies,
            "contraindications": self.contra,
        }
        # "goals" is needed only when no question above is answered, and says so (``_label_fixed``)
        self.labels = {
            "goals": _("What the client wants") + " *",
            "expectations": _("Expectations"),
            "priority": _("Priority"),
            "allergies": _("Allergies"),
            "contraindications": _("Contraindications"),
        }
        self.label_widgets: dict[str, QLabel] = {}
        for key, w in self.fields.items():
            heading = QLabel(self.labels[key])
            heading.setWordWrap(True)
            self.label_widgets[key] = heading
            self.form.addRow(heading, self._with_error(key, w))
        self.questions: list[Question] = []
        self.inputs: dict[str, Any] = {}
        self.dirty = False
        for w in (self.expectations, self.allergies, self.contra):
            w.textEdited.connect(self._touch)
        self.goals.textChanged.connect(self._touch)
        # the owner's questions for every kind, read once off the GUI thread (again when edited)
        self._by_kind: dict[str, list[Question]] | None = None
        self._pending_load: tuple[str, AssessmentView | None, str, str] | None = None
        self._load_questions()
        ctx.signals.data_changed.connect(self._data_changed)

    def _touch(self, *_a: object) -> None:
        self.dirty = True

    def _with_error(self, key: str, w: QWidget) -> QWidget:
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(w)
        err = ErrorLabel()
        lay.addWidget(err)
        self.errors[key] = err

        def fixed(*_a: object) -> None:  # the message goes as soon as the field is changed
            err.show_error(None)
            mark_invalid(w, False)

        if isinstance(w, QLineEdit):
            w.textEdited.connect(fixed)
        elif isinstance(w, QPlainTextEdit):
            w.textChanged.connect(fixed)
        elif isinstance(w, QComboBox):
            w.currentIndexChanged.connect(fixed)
        for box_ in w.findChildren(QCheckBox):
            box_.toggled.connect(fixed)
        return box

    def _load_questions(self) -> None:
        consultation = self.ctx.services.consultation
        self.ctx.runner.run(
            self,
            lambda: {k: consultation.questions(k) for k in KINDS},
            on_done=self._questions_loaded,
            on_error=lambda exc: show_error(self, exc),
        )

    def _questions_loaded(self, by_kind: dict[str, list[Question]]) -> None:
        first = self._by_kind is None
        self._by_kind = by_kind
        if self._pending_load is not None:
            args, self._pending_load = self._pending_load, None
            self.load(*args)
        elif first:
            self._build_questions()

    def _data_changed(self, kind: str, _ident: int) -> None:
        if kind == "consultation_question":
            self._load_questions()

    def questions_ready(self) -> bool:
        return self._by_kind is not None and self._pending_load is None

    def _build_questions(self) -> None:
        for _n in range(self.n_questions):
            self.form.removeRow(1)
        self.n_questions = 0
        for key in [k for k in self.errors if k not in self.fields]:
            del self.errors[key]
        self.inputs = {}
        self.questions = (self._by_kind or {}).get(str(self.kind.currentData()), [])
        self._label_fixed()
        for q in self.questions:
            if q.key in _ASKED_BELOW or q.key in WANTS_KEYS:  # one answer with a fixed field below
                continue
            w: QWidget
            if q.answer_type == "choice":
                combo = compact(QComboBox(), 10)
                combo.addItem(_("— choose —"), "")
                for c in q.choices:
                    combo.addItem(c.label, c.key)
                combo.currentIndexChanged.connect(self._touch)
                w = combo
            elif q.answer_type == "multi":
                w = QWidget()
                grid = QGridLayout(w)
                grid.setContentsMargins(0, 0, 0, 0)
                boxes = []
                for i, c in enumerate(q.choices):
                    cb = QCheckBox(c.label)
                    cb.setProperty("key", c.key)
                    cb.toggled.connect(self._touch)
                    grid.addWidget(cb, i // 2, i % 2)
                    boxes.append(cb)
                self.inputs[q.key] = boxes
            elif q.answer_type == "yesno":
                combo = QComboBox()
                combo.addItem(_("— choose —"), "")
                combo.addItem(_("Yes"), "yes")
                combo.addItem(_("No"), "no")
                w = combo
            else:
                edit = QLineEdit()
                edit.textEdited.connect(self._touch)
                w = edit
            if q.answer_type != "multi":
                self.inputs[q.key] = w
            label = QLabel(q.label + (" *" if q.required else ""))
            label.setWordWrap(True)
            self.n_questions += 1
            self.form.insertRow(self.n_questions, label, self._with_error(q.key, w))

    def _label_fixed(self) -> None:
        """The fixed fields' labels for the kind's questions. The seeded questions of what the client
        wants ("What the client wants", "Desired result") are the "goals" field, and one of the name
        of a fixed field (Skin's "Allergies", "Contraindications") is that field: the service keeps
        each pair as one answer, so the form asks once. "Goals" is marked needed when its question
        is, or when no other question is (then it is what the consultation needs)."""
        wants = [q for q in self.questions if q.key in WANTS_KEYS]
        others = [q for q in self.questions if q.key not in WANTS_KEYS and q.key not in _ASKED_BELOW]
        needed = any(q.required for q in wants) or not any(q.required for q in others)
        self.label_widgets["goals"].setText(_("What the client wants") + (" *" if needed else ""))
        for key in _ASKED_BELOW:
            q = next((q for q in self.questions if q.key == key), None)
            self.label_widgets[key].setText(self.labels[key] + (" *" if q is not None and q.required else ""))

    def load(self, kind: str, a: AssessmentView | None, allergies: str, contra: str) -> None:
        if self._by_kind is None:  # the questions are still being read: fill the form when they are
            self._pending_load = (kind, a, allergies, contra)
            return
        select_data(self.kind, a.kind if a else kind)
        self._build_questions()
        answers = a.answers if a else {}
        for key, w in self.inputs.items():
            val = answers.get(key)
            if isinstance(w, list):
                keys = set(val or [])
                for cb in w:
                    cb.setChecked(cb.property("key") in keys)
            elif isinstance(w, QComboBox):
                select_data(w, val or "")
            elif isinstance(w, QLineEdit):
                w.setText(str(val or ""))
        self.goals.setPlainText(a.goals if a else "")
        self.expectations.setText(a.expectations if a else "")
        select_data(self.priority, a.priority if a else "normal")
        self.allergies.setText(a.allergies if a and a.allergies else allergies)
        self.contra.setText(a.contraindications if a and a.contraindications else contra)
        self.show_errors({})
        self.dirty = False

    def answers(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, w in self.inputs.items():
            if isinstance(w, list):
                picked = [cb.property("key") for cb in w if cb.isChecked()]
                if picked:
                    out[key] = picked
            elif isinstance(w, QComboBox):
                if w.currentData():
                    out[key] = w.currentData()
            elif isinstance(w, QLineEdit) and w.text().strip():
                out[key] = w.text().strip()
        return out

    def values(self) -> dict[str, Any]:
        answers = self.answers()
        return {
            "kind": str(self.kind.currentData()),
            "answers": answers,
            "goals": self.goals.toPlainText(),
            "expectations": self.expectations.text(),
            "priority": str(self.priority.currentData()),
            # the profile keeps the words a person reads ("Fine" / "细软"), not the choice's code ("fine")
            "skin_type": self._choice_words("skin_type", answers.get("skin_type", "")),
            "hair_type": self._choice_words("hair_type", answers.get("hair_type", "")),
            "allergies": self.allergies.text(),
            "contraindications": self.contra.text(),
        }

    def _choice_words(self, key: str, value: object) -> str:
        q = next((q for q in self.questions if q.key == key), None)
        if q is None or not value:
            return str(value or "")
        labels = {c.key: c.label for c in q.choices}
        if isinstance(value, list):
            return ", ".join(labels.get(str(v), str(v)) for v in value)
        return labels.get(str(value), str(value))

    def show_errors(self, errors: dict[str, str]) -> None:
        for key, err in self.errors.items():
            err.show_error(errors.get(key))
        for key, w in list(self.fields.items()) + [
            (k, v) for k, v in self.inputs.items() if isinstance(v, QWidget)
        ]:
            mark_invalid(w, key in errors)
