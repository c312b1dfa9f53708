"""The add-identity wizard: an email address or a domain → added in SES → records or inbox hint.

Pages only collect input and show results: validation is `services.identities` (pure, so it
runs as the user types), the add itself runs through the Bridge when Add is pressed. With
`replacing=OLD` the same wizard replaces OLD with the new identity (seed 004).

Open it with ``AddIdentityWizard(bridge, store, team_id, parent).open()``.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from sesdesk.errors import BadInput, SesdeskError
from sesdesk.models.states import IdentityStatus
from sesdesk.services.identities import (
    DOMAIN,
    EMAIL,
    IdentityChange,
    IdentityInput,
    guess_kind,
    validate_domain,
    validate_email_address,
)
from sesdesk.ui.bridge import Bridge
from sesdesk.ui.dialogs.records import RecordsView
from sesdesk.ui.style import fit_to_screen
from sesdesk.ui.widgets.keys import wizard_enter
from sesdesk.ui.widgets.pill import StatusPill
from sesdesk.ui.widgets.words import window_words

PAGE_INPUT, PAGE_RESULT = range(2)

KIND_HELP = {
    EMAIL: "AWS emails a link to this address; open it within 24 hours. You can then send "
    "from this one address.",
    DOMAIN: "You publish three DNS records (DKIM) at your DNS host; then you can send from any "
    "address at the domain. Verification usually takes minutes, at most 72 hours.",
}


def _label(text: str = "", name: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if name:
        label.setObjectName(name)
    return label


def _add(store: Any, team_id: int, text: str, replacing: str | None) -> IdentityChange:
    from sesdesk.services.identities import add_identity, replace_identity

    if replacing:
        return replace_identity(store, team_id, replacing, text)
    return add_identity(store, team_id, text)


class InputPage(QWizardPage):
    """Email or domain (auto-detected as you type), inline validation, the punycode preview."""

    def __init__(self, wizard: AddIdentityWizard) -> None:
        super().__init__()
        self._wizard = wizard
        replacing = wizard.replacing
        self.setTitle(f"Replace {replacing}" if replacing else "Add a sender identity")
        self.setSubTitle(
            f"The new identity is added in SES first; then {replacing} is deleted there and "
            "kept in this team's history."
            if replacing
            else "The address or domain your emails come from. AWS must verify it before "
            "anything is sent."
        )
        layout = QVBoxLayout(self)
        layout.setSpacing(8)
        kinds = QHBoxLayout()
        self.email_radio = QRadioButton("An &email address")
        self.domain_radio = QRadioButton("A &domain")
        self.kind_group = QButtonGroup(self)
        self.kind_group.addButton(self.email_radio)
        self.kind_group.addButton(self.domain_radio)
        self.domain_radio.setChecked(True)
        kinds.addWidget(self.email_radio)
        kinds.addWidget(self.domain_radio)
        kinds.addStretch(1)
        layout.addLayout(kinds)
        self.kind_help = _label(KIND_HELP[DOMAIN], "muted")
        layout.addWidget(self.kind_help)

        self.edit = QLineEdit()
        self.edit.setPlaceholderText("example.com  or  you@example.com")
        self.edit.setAccessibleName("Email address or domain")
        self.edit.setMaxLength(320)
        layout.addWidget(self.edit)
        self.error_label = _label()
        self.error_label.setObjectName("statusError")
        self.error_label.setStyleSheet("color: #9b1c1c; font-weight: 600;")
        self.error_label.hide()
        layout.addWidget(self.error_label)
        self.preview = _label("", "muted")
        self.preview.hide()
        layout.addWidget(self.preview)
        self.busy_label = _label("", "muted")
        layout.addWidget(self.busy_label)
        layout.addStretch(1)

        self._chosen_by_hand = False
        self._checked: IdentityInput | None = None
        self._busy = False
        self._server_error = ""
        self.edit.textChanged.connect(self._typed)
        self.email_radio.clicked.connect(self._kind_clicked)
        self.domain_radio.clicked.connect(self._kind_clicked)
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, "Replace" if replacing else "&Add")

    @property
    def kind(self) -> str:
        """EMAIL or DOMAIN, as the radio buttons say."""
        return EMAIL if self.email_radio.isChecked() else DOMAIN

    @property
    def checked(self) -> IdentityInput | None:
        """The validated input, or None while it is invalid."""
        return self._checked

    def _kind_clicked(self) -> None:
        self._chosen_by_hand = True
        self._typed(self.edit.text())

    def _typed(self, text: str) -> None:
        if not self._chosen_by_hand and text.strip():
            detected = guess_kind(text)
            (self.email_radio if detected == EMAIL else self.domain_radio).setChecked(True)
        self.kind_help.setText(KIND_HELP[self.kind])
        self._server_error = ""
        self._validate()
        self.completeChanged.emit()

    def _validate(self) -> None:
        text = self.edit.text()
        self._checked = None
        message = ""
        if text.strip():
            try:
                if self.kind == EMAIL:
                    self._checked = validate_email_address(text, field="email")
                else:
                    self._checked = validate_domain(text, field="domain")
            except BadInput as exc:
                message = window_words(exc)
                if self.kind == DOMAIN and text.count("@") == 1:
                    message += " — choose “An email address” above"
        message = self._server_error or message
        self.error_label.setText(message)
        self.error_label.setVisible(bool(message))
        checked = self._checked
        if checked is not None and checked.is_international:
            self.preview.setText(
                f"Shown as {checked.display}; registered with AWS as {checked.name} (punycode)."
            )
            self.preview.show()
        else:
            self.preview.hide()

    def show_server_error(self, message: str) -> None:
        """Show an error from the add (AWS or the store) under the field."""
        self._server_error = message
        self._validate()
        self.edit.setFocus()

    def isComplete(self) -> bool:
        """Add is enabled only for valid input, and not while adding."""
        return self._checked is not None and not self._busy and not self._server_error

    def validatePage(self) -> bool:
        """Start the add in the background; move on when it succeeded."""
        if self._wizard.change is not None:
            return True
        if self._checked is None or self._busy:
            return False
        self._busy = True
        self.edit.setEnabled(False)
        self.busy_label.setText(f"Adding {self._checked.describe()} to SES…")
        self.completeChanged.emit()
        self._wizard.bridge.run(
            _add,
            self._wizard.store,
            self._wizard.team_id,
            self._checked.name,
            self._wizard.replacing,
            label="Adding sender identity",
            on_success=self._added,
            on_failure=self._failed,
        )
        return False

    def _added(self, change: IdentityChange) -> None:
        self._busy = False
        self.busy_label.setText("")
        self._wizard.change = change
        self._wizard.bridge.store_changed.emit(self._wizard.team_id)
        self._wizard.added.emit(change)
        self._wizard.next()

    def _failed(self, exc: SesdeskError) -> None:
        self._busy = False
        self.edit.setEnabled(True)
        self.busy_label.setText("")
        self.show_server_error(window_words(exc))
        self.completeChanged.emit()

    def nextId(self) -> int:
        """Always the result."""
        return PAGE_RESULT


class ResultPage(QWizardPage):
    """What happened and what to do now: the DNS records for a domain, the inbox for an email."""

    def __init__(self, wizard: AddIdentityWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.setTitle("Now verify it")
        layout = QVBoxLayout(self)
        layout.setSpacing(8)
        top = QHBoxLayout()
        self.name_label = _label("", "sectionTitle")
        top.addWidget(self.name_label, 1)
        self.pill = StatusPill("Pending", "warn")
        top.addWidget(self.pill, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(top)
        self.next_step = _label()
        layout.addWidget(self.next_step)
        self.explanation = _label("", "muted")
        layout.addWidget(self.explanation)
        self.records_view = RecordsView(wizard.bridge)
        self.records_view.hide()
        layout.addWidget(self.records_view, 1)
        self.note = _label("", "muted")
        layout.addWidget(self.note)
        self.stretch = QWidget()
        layout.addWidget(self.stretch, 1)

    def initializePage(self) -> None:
        """Show the result of the add (already done: nothing blocking here)."""
        change = self._wizard.change
        if change is None:
            return
        identity = change.identity
        explanation = identity.explanation
        self.name_label.setText(change.checked.describe())
        self.pill.set_status(explanation.label, explanation.tone)
        self.next_step.setText(change.next_step)
        self.explanation.setText(explanation.text)
        # While pending the next step already says it all; otherwise say what AWS reported.
        self.explanation.setVisible(identity.status != IdentityStatus.PENDING)
        is_domain = identity.kind == DOMAIN
        self.records_view.setVisible(is_domain)
        self.stretch.setVisible(not is_domain)
        if is_domain:
            self.records_view.show_records(identity.name, change.records)
        notes = [
            "sesdesk keeps checking with AWS in the background; the dashboard shows the "
            "status as it changes."
        ]
        if change.previous is not None and change.previous.name != identity.name:
            notes.insert(0, f"{change.previous.display} was deleted in SES; it stays in history.")
        if change.refresh_problem:
            notes.append(f"The first status check did not work ({change.refresh_problem}).")
        self.note.setText(" ".join(notes))


class AddIdentityWizard(QWizard):
    """Add (or, with `replacing`, replace) a sender identity of one team."""

    added = Signal(object)  # IdentityChange

    def __init__(
        self,
        bridge: Bridge,
        store: Any,
        team_id: int,
        parent: QWidget | None = None,
        *,
        replacing: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.bridge, self.store, self.team_id = bridge, store, team_id
        self.replacing = replacing
        self.change: IdentityChange | None = None
        self.setWindowTitle("Replace sender identity" if replacing else "Add sender identity")
        # Deleted on close, on the GUI thread (see RecordsDialog).
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.input_page = InputPage(self)
        self.result_page = ResultPage(self)
        self.setPage(PAGE_INPUT, self.input_page)
        self.setPage(PAGE_RESULT, self.result_page)
        self.setStartId(PAGE_INPUT)
        fit_to_screen(self, 900, 620)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter advances (Next, else Finish); it never closes a page that cannot go on."""
        if not wizard_enter(self, event):
            super().keyPressEvent(event)
