"""The production-access wizard: before, what you send, details and checks, submit.

Pages only draw. The request lives in `services.access.RequestEditor` and the navigation (what
blocks Next, what Submit may do) in `services.flows.access.AccessFlow`, both Qt-free and
tested on their own; loading, submitting and exporting run through the bridge, off the GUI
thread.

Open it with ``AccessWizard(bridge, store, team_id, parent).open()``; it reopens with the
previous request's answers when AWS denied it.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
    QWizard,
)

from sesdesk.errors import SesdeskError
from sesdesk.services import access
from sesdesk.services.access_templates import TEMPLATES, ComposerAnswers
from sesdesk.services.flows.access import AccessFlow, AccessStep, load
from sesdesk.ui.style import fit_to_screen
from sesdesk.ui.widgets.browser import open_in_browser
from sesdesk.ui.widgets.labels import wrapped_label as _label
from sesdesk.ui.widgets.pill import StatusPill
from sesdesk.ui.wizards.page import Wizard, WizardPage

_TONE = {
    access.FieldVerdict.OK: "ok",
    access.FieldVerdict.WARN: "warn",
    access.FieldVerdict.BLOCK: "bad",
}
_WORD = {
    access.FieldVerdict.OK: "ok",
    access.FieldVerdict.WARN: "weak",
    access.FieldVerdict.BLOCK: "invalid",
}

PAGE_INTRO, PAGE_COMPOSE, PAGE_DETAILS, PAGE_SUBMIT = range(4)


def _error_label() -> QLabel:
    label = _label(selectable=True)
    label.setStyleSheet("color: #9b1c1c; font-weight: 600;")
    label.hide()
    return label


class IntroPage(WizardPage):
    """Before: a verified identity, the region ("sandbox is per region"), the review so far."""

    _wizard: AccessWizard

    def __init__(self, wizard: AccessWizard) -> None:
        super().__init__(
            wizard,
            "Apply for production access",
            "New SES accounts start in the sandbox: only verified recipients, 200 emails a "
            "day. With production access you can send to any address.",
        )
        layout = self.column = QVBoxLayout(self)
        self.status = _label("Reading the team's state…", selectable=True)
        self.region = _label(selectable=True)
        self.identities = _label(selectable=True)
        self.review_title = _label(name="sectionTitle")
        self.review_text = _label(selectable=True)
        for widget in (
            self.status,
            self.region,
            self.identities,
            self.review_title,
            self.review_text,
        ):
            layout.addWidget(widget)
        layout.addStretch(1)

    def show_draft(self, prepared: access.Draft, review: access.ReviewState | None) -> None:
        """Fill the page from the loaded draft."""
        ready = prepared.readiness
        if ready.ready:
            self.status.setText(
                "You can apply now. The next pages help you describe your use case; "
                "AWS reviews it, typically within 24–48 hours."
            )
        else:
            self.status.setText(f"<b>Not yet:</b> {ready.reason}")
        if ready.region:
            self.region.setText(f"<b>Region: {ready.region}.</b> {ready.region_note}")
        names = ", ".join(ready.verified_identities) or "none yet"
        self.identities.setText(f"Verified sender identities: {names}")
        if review is not None and review.status is not None:
            self.review_title.setText(review.guidance.title)
            self.review_text.setText(review.guidance.text)
        else:
            self.review_title.clear()
            self.review_text.clear()
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        """Next only once loaded and when the team can apply."""
        return self._wizard.flow.may_leave(AccessStep.INTRO)


class ComposePage(WizardPage):
    """Mail type, a template, and the guided composer's answers."""

    _wizard: AccessWizard

    def __init__(self, wizard: AccessWizard) -> None:
        super().__init__(
            wizard,
            "What you send",
            "Be detailed: say what you send, to whom, how they sign up, how many a day, and "
            "how you handle bounces and complaints. Start from a template and edit it.",
        )
        outer = QVBoxLayout(self)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        form = QFormLayout(body)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)

        self.template = QComboBox()
        self.template.setAccessibleName("Template")
        for template in TEMPLATES.values():
            self.template.addItem(template.title, template.key)
        self.template.insertItem(0, "Keep the current answers", "")
        self.template.setCurrentIndex(0)
        self.template.activated.connect(self._template_chosen)
        form.addRow("Template", self.template)

        self.mail_types = QButtonGroup(self)
        types = QVBoxLayout()
        self.type_buttons: dict[str, QRadioButton] = {}
        for code in access.MAIL_TYPES:
            button = QRadioButton(code.title())
            self.type_buttons[code] = button
            self.mail_types.addButton(button)
            types.addWidget(button)
            help_label = _label(access.MAIL_TYPE_HELP[code], "muted")
            help_label.setContentsMargins(22, 0, 0, 4)
            types.addWidget(help_label)
            button.toggled.connect(self._type_toggled)
        form.addRow("Mail type", types)

        self.fields: dict[str, QLineEdit | QPlainTextEdit] = {}
        for name, label in access.COMPOSER_LABELS.items():
            editor: QLineEdit | QPlainTextEdit
            if name == "daily_volume":
                editor = QLineEdit()
                editor.setPlaceholderText("e.g. 100-500 emails per day")
                editor.textChanged.connect(self._changed)
            else:
                editor = QPlainTextEdit()
                editor.setTabChangesFocus(True)
                editor.setFixedHeight(150 if name == "bounce_handling" else 64)
                editor.textChanged.connect(self._changed)
            editor.setAccessibleName(label)
            self.fields[name] = editor
            form.addRow(label, editor)
        scroll.setWidget(body)
        outer.addWidget(scroll)

    def fill(self, editor: access.RequestEditor) -> None:
        """Show the editor's mail type and answers."""
        with self.filling():
            button = self.type_buttons.get(editor.form.mail_type)
            if button is not None:
                button.setChecked(True)
            for name, value in editor.answers.to_dict().items():
                widget = self.fields[name]
                if isinstance(widget, QLineEdit):
                    widget.setText(value)
                else:
                    widget.setPlainText(value)

    def answers(self) -> ComposerAnswers:
        """The answers as typed."""
        values = {
            name: (w.text() if isinstance(w, QLineEdit) else w.toPlainText())
            for name, w in self.fields.items()
        }
        return ComposerAnswers(**values)

    def mail_type(self) -> str:
        """The chosen mail type."""
        for code, button in self.type_buttons.items():
            if button.isChecked():
                return code
        return ""

    def _template_chosen(self, index: int) -> None:
        key = self.template.itemData(index)
        if key and self._wizard.editor is not None:
            self._wizard.flow.use_template(key)
            self.fill(self._wizard.editor)

    def _changed(self, *_args: Any) -> None:
        if not self._filling:
            self.completeChanged.emit()

    def _type_toggled(self, checked: bool) -> None:
        editor = self._wizard.editor
        # A still-untouched template follows the mail type; typed answers are never replaced.
        if (
            checked
            and not self._filling
            and editor is not None
            and editor.follow_mail_type(self.answers(), self.mail_type())
        ):
            self.fill(editor)
        self._changed()

    def isComplete(self) -> bool:
        """A mail type must be chosen."""
        return self._wizard.flow.may_leave(AccessStep.COMPOSE, mail_type=self.mail_type())

    def validatePage(self) -> bool:
        """Hand the answers to the editor (which recomposes the description if they changed)."""
        self._wizard.flow.leave_compose(self.answers(), self.mail_type())
        return True


class CheckRow(QWidget):
    """One check: a verdict pill, its title and what to do."""

    def __init__(self, title: str) -> None:
        super().__init__()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.pill = StatusPill("…")
        self.pill.setFixedWidth(64)
        self.pill.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text = _label(selectable=True)
        self.title = title
        layout.addWidget(self.pill, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.text, 1)

    def show_result(self, result: access.CheckResult) -> None:
        """Show `result`."""
        self.pill.set_status(_WORD[result.verdict], _TONE[result.verdict])
        self.text.setText(f"<b>{result.title}</b> — {result.message}")


class DetailsPage(WizardPage):
    """Website, language, contacts, the description, and the live checks."""

    _wizard: AccessWizard

    def __init__(self, wizard: AccessWizard) -> None:
        super().__init__(
            wizard,
            "Request details",
            "These are the fields of the SES request. Each check says ok, weak (AWS may ask "
            "for more) or invalid (must be fixed).",
        )
        outer = QHBoxLayout(self)
        left = QFormLayout()
        left.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.website = QLineEdit()
        self.website.setPlaceholderText("https://yourdomain.com")
        self.website.setAccessibleName("Website URL")
        left.addRow("Website URL", self.website)
        self.language = QComboBox()
        self.language.setAccessibleName("Contact language")
        for code in access.LANGUAGES:
            self.language.addItem(f"{access.LANGUAGE_NAMES[code]} ({code})", code)
        left.addRow("Contact language", self.language)
        self.contacts = QLineEdit()
        self.contacts.setPlaceholderText("optional: up to 4 addresses, comma-separated")
        self.contacts.setAccessibleName("Additional contacts")
        left.addRow("Additional contacts", self.contacts)
        self.description = QPlainTextEdit()
        self.description.setAccessibleName("Use case description")
        self.description.setTabChangesFocus(True)
        left.addRow("Use case description", self.description)
        self.counter = _label(name="muted")
        left.addRow("", self.counter)
        outer.addLayout(left, 3)

        right = QVBoxLayout()
        right.addWidget(_label("Checks", "sectionTitle"))
        self.rows: dict[str, CheckRow] = {}
        for spec in access.CHECKS:
            row = CheckRow(spec.title)
            self.rows[spec.key] = row
            right.addWidget(row)
        right.addStretch(1)
        outer.addLayout(right, 2)

        self.website.textChanged.connect(self._changed)
        self.contacts.textChanged.connect(self._changed)
        self.description.textChanged.connect(self._changed)
        self.language.currentIndexChanged.connect(self._changed)

    def initializePage(self) -> None:
        """Show the editor's form (recomposed when the answers changed)."""
        editor = self._wizard.editor
        if editor is None:
            return
        with self.filling():
            self.website.setText(editor.form.website_url)
            index = self.language.findData(editor.form.contact_language)
            self.language.setCurrentIndex(max(0, index))
            self.contacts.setText(", ".join(editor.form.additional_contacts))
            self.description.setPlainText(editor.form.use_case_description)
        self._changed()

    def _changed(self, *_args: Any) -> None:
        if self._filling or self._wizard.editor is None:
            return
        editor = self._wizard.editor
        results = self._wizard.flow.update_details(
            website_url=self.website.text(),
            contact_language=str(self.language.currentData()),
            contacts=self.contacts.text(),
            description=self.description.toPlainText(),
        )
        for result in results:
            self.rows[result.key].show_result(result)
        length = len(editor.form.use_case_description.strip())
        self.counter.setText(f"{length} / {access.MAX_DESCRIPTION} characters")
        self.completeChanged.emit()

    def results(self) -> list[access.CheckResult]:
        """The current checks."""
        return self._wizard.flow.checks()

    def isComplete(self) -> bool:
        """Invalid answers block; weak ones only warn."""
        return self._wizard.flow.may_leave(AccessStep.DETAILS)


class CopyField(QWidget):
    """A console answer with a Copy button."""

    def __init__(self, item: access.ConsoleField) -> None:
        super().__init__()
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 2, 0, 2)
        title = _label(f"<b>{item.label}</b>" + (f" — {item.note}" if item.note else ""))
        layout.addWidget(title, 0, 0)
        self.copy = QPushButton("Copy")
        self.copy.setToolTip(f"Copy “{item.label}” to the clipboard")
        self.value = item.value
        self.copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.value))
        layout.addWidget(self.copy, 0, 1, Qt.AlignmentFlag.AlignRight)
        if "\n" in item.value or len(item.value) > 90:
            shown: QWidget = QPlainTextEdit(item.value)
            shown.setReadOnly(True)  # type: ignore[attr-defined]
            shown.setFixedHeight(110)
        else:
            shown = _label(item.value or "(empty)", "fieldValue", selectable=True)
        layout.addWidget(shown, 1, 0, 1, 2)


class SubmitPage(WizardPage):
    """Preview, then Submit through the API or Prepare for the console."""

    _wizard: AccessWizard

    def __init__(self, wizard: AccessWizard) -> None:
        super().__init__(
            wizard,
            "Review and submit",
            "Submit sends the request to AWS now (PutAccountDetails). Prefer to do it by hand? "
            "Prepare it for the SES console.",
        )
        outer = QVBoxLayout(self)
        self.summary = _label(selectable=True)
        outer.addWidget(self.summary)
        self.preview = QPlainTextEdit()
        self.preview.setReadOnly(True)
        self.preview.setAccessibleName("Preview")
        outer.addWidget(self.preview, 1)
        buttons = QHBoxLayout()
        self.submit_button = QPushButton("Submit to AWS")
        self.submit_button.setDefault(True)
        self.console_button = QPushButton("Prepare for the console")
        buttons.addWidget(self.submit_button)
        buttons.addWidget(self.console_button)
        buttons.addStretch(1)
        outer.addLayout(buttons)
        self.error = _error_label()
        outer.addWidget(self.error)
        self.result_title = _label(name="sectionTitle")
        self.result_text = _label(selectable=True)
        outer.addWidget(self.result_title)
        outer.addWidget(self.result_text)
        self.console_area = QScrollArea()
        self.console_area.setWidgetResizable(True)
        self.console_area.hide()
        outer.addWidget(self.console_area, 2)
        # The console link opens through open_in_browser: without a browser it shows the address.
        self.result_text.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.LinksAccessibleByMouse
            | Qt.TextInteractionFlag.LinksAccessibleByKeyboard
        )
        self.result_text.linkActivated.connect(lambda url: open_in_browser(self, url))
        self.submit_button.clicked.connect(self._submit)
        self.console_button.clicked.connect(self._prepare_console)

    def initializePage(self) -> None:
        """Show the request as it will be sent."""
        editor = self._wizard.editor
        if editor is None:
            return
        form = editor.form.normalized()
        warnings = self._wizard.flow.weak()
        if warnings:
            titles = ", ".join(w.title.lower() for w in warnings)
            self.summary.setText(
                f"<b>{len(warnings)} weak answer(s)</b> ({titles}): you can submit, but "
                "AWS may ask for more. Go Back to improve them."
            )
        else:
            self.summary.setText("<b>Every check is ok.</b>")
        contacts = ", ".join(form.additional_contacts) or "none"
        self.preview.setPlainText(
            f"Mail type: {form.mail_type}\n"
            f"Website URL: {form.website_url}\n"
            f"Contact language: {form.contact_language}\n"
            f"Additional contacts: {contacts}\n"
            f"Region: {self._wizard.region or 'unknown'}\n\n"
            f"Use case description:\n{form.use_case_description}"
        )

    def _buttons(self) -> None:
        self.submit_button.setEnabled(self._wizard.flow.may_submit)
        self.console_button.setEnabled(self._wizard.flow.may_export)

    def _submit(self) -> None:
        started = self._wizard.flow.start_submit()
        self._run(
            started, access.submit, "Submitting the production-access request", self._submitted
        )

    def _run(self, started: Any, fn: Any, label: str, on_success: Any) -> None:
        """Run `fn(store, team, form, answers=…)` if the flow let it start (`started`)."""
        if started is None:
            return
        form, answers = started
        self.error.hide()
        self._buttons()
        self._wizard.bridge.run(
            fn,
            self._wizard.store,
            self._wizard.team_id,
            form,
            answers=answers,
            label=label,
            changes=self._wizard.team_id,
            on_success=on_success,
            on_failure=self._failed,
        )

    def _submitted(self, result: access.SubmitResult) -> None:
        self._wizard.flow.submitted(result)
        self._buttons()
        guidance = access.review_guidance(
            result.review_status or "PENDING", result.submitted_at, case_id=result.case_id
        )
        self.result_title.setText(f"Submitted — {guidance.title}")
        text = guidance.text
        if result.refresh_problem:
            text += f" (The status will show after the next check: {result.refresh_problem})"
        self.result_text.setText(text)
        self._wizard.submitted.emit(self._wizard.team_id)
        self.completeChanged.emit()

    def _failed(self, error: SesdeskError) -> None:
        self._wizard.flow.failed(error)
        self._buttons()
        self.error.setText(error.message + (f"\n{error.hint}" if error.hint else ""))
        self.error.show()

    def _prepare_console(self) -> None:
        started = self._wizard.flow.start_export()
        label = "Preparing the request for the console"
        self._run(started, access.export_for_console, label, self._exported)

    def _exported(self, export: access.ConsoleExport) -> None:
        self._wizard.flow.exported(export)
        self._buttons()
        self.result_title.setText("Ready for the SES console")
        self.result_text.setText(
            f'Open <a href="{export.url}">{export.url}</a>, click "Request production access" '
            "and copy each answer below. Typical wait after submitting: 24–48 hours."
        )
        body = QWidget()
        column = QVBoxLayout(body)
        url_item = access.ConsoleField("Console address", export.url, "for your region")
        self.copy_fields = [CopyField(url_item), *(CopyField(f) for f in export.fields)]
        for widget in self.copy_fields:
            column.addWidget(widget)
        steps = "\n".join(f"{n}. {step}" for n, step in enumerate(export.steps, 1))
        column.addWidget(_label(steps, "muted", selectable=True))
        self.console_area.setWidget(body)
        self.console_area.show()
        self.preview.hide()
        self.export = export
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        """Finish once the request was submitted or prepared for the console."""
        return self._wizard.flow.may_leave(AccessStep.SUBMIT)


class AccessWizard(Wizard):
    """The production-access wizard for one team."""

    #: The request went to AWS (argument: team id).
    submitted = Signal(int)
    #: The draft is loaded and the pages are filled.
    loaded = Signal()

    def __init__(self, bridge: Any, store: Any, team_id: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.bridge = bridge
        self.store = store
        self.team_id = team_id
        self.flow = AccessFlow(team_id)
        self.setWindowTitle("Apply for production access")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, False)
        fit_to_screen(self, 920, 660)
        self.intro = IntroPage(self)
        self.compose = ComposePage(self)
        self.details = DetailsPage(self)
        self.submit_page = SubmitPage(self)
        self.setPage(PAGE_INTRO, self.intro)
        self.setPage(PAGE_COMPOSE, self.compose)
        self.setPage(PAGE_DETAILS, self.details)
        self.setPage(PAGE_SUBMIT, self.submit_page)
        self.load_error = _error_label()
        self.intro.column.addWidget(self.load_error)
        bridge.run(
            load,
            store,
            team_id,
            label="Preparing the production-access request",
            on_success=self._loaded,
            on_failure=self._load_failed,
        )

    @property
    def region(self) -> str | None:
        """The mailer's region."""
        return self.flow.region

    @property
    def prepared(self) -> access.Draft | None:
        """The loaded draft."""
        return self.flow.draft

    @property
    def editor(self) -> access.RequestEditor | None:
        """The request being edited (None until loaded)."""
        return self.flow.editor

    @property
    def review(self) -> access.ReviewState | None:
        """The review so far."""
        return self.flow.review

    def _loaded(self, value: tuple[access.Draft, access.ReviewState]) -> None:
        draft, review = value
        self.flow.loaded(draft, review)
        if self.flow.editor is not None:
            self.compose.fill(self.flow.editor)
        self.intro.show_draft(draft, review)
        self.loaded.emit()

    def _load_failed(self, error: SesdeskError) -> None:
        self.flow.load_failed(error)
        self.intro.status.setText("The request could not be prepared.")
        self.load_error.setText(error.message + (f"\n{error.hint}" if error.hint else ""))
        self.load_error.show()
