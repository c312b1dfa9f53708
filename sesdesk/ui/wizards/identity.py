"""The add-identity wizard: an email address or a domain → added in SES → records or inbox hint.

Pages only draw: kind detection, validation, which error shows and what Add may do are
`services.flows.identity.IdentityFlow` (no Qt, tested on its own); the add itself runs through
the Bridge when Add is pressed. With `replacing=OLD` the same wizard replaces OLD with the new
identity: the new one is added first, then OLD is deleted in SES and kept in the history.

Open it with ``AddIdentityWizard(bridge, store, team_id, parent).open()``.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
    QWizard,
)

from sesdesk.errors import SesdeskError
from sesdesk.models.states import IdentityStatus
from sesdesk.services.flows.identity import IdentityFlow, add
from sesdesk.services.identities import DOMAIN, EMAIL, IdentityChange, IdentityInput
from sesdesk.ui.bridge import Bridge
from sesdesk.ui.dialogs.records import RecordsView
from sesdesk.ui.style import fit_to_screen
from sesdesk.ui.widgets.labels import wrapped_label
from sesdesk.ui.widgets.pill import StatusPill
from sesdesk.ui.widgets.words import window_words
from sesdesk.ui.wizards.page import Wizard, WizardPage

PAGE_INPUT, PAGE_RESULT = range(2)


def _label(text: str = "", name: str = "") -> QLabel:
    return wrapped_label(text, name, selectable=True)


class InputPage(WizardPage):
    """Email or domain (auto-detected as you type), inline validation, the punycode preview."""

    _wizard: AddIdentityWizard

    def __init__(self, wizard: AddIdentityWizard) -> None:
        super().__init__(wizard, wizard.flow.title, wizard.flow.subtitle)
        self.flow = flow = wizard.flow
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
        self.kind_help = _label(flow.kind_help, "muted")
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

        self.edit.textChanged.connect(self._typed)
        self.email_radio.clicked.connect(lambda: self._kind_clicked(EMAIL))
        self.domain_radio.clicked.connect(lambda: self._kind_clicked(DOMAIN))
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, flow.commit_text)

    @property
    def kind(self) -> str:
        """EMAIL or DOMAIN, as the flow (and so the radio buttons) say."""
        return self.flow.kind

    @property
    def checked(self) -> IdentityInput | None:
        """The validated input, or None while it is invalid."""
        return self.flow.checked

    def _kind_clicked(self, kind: str) -> None:
        self.flow.choose_kind(kind)
        self._draw()

    def _typed(self, text: str) -> None:
        self.flow.type(text)
        self._draw()

    def _draw(self) -> None:
        flow = self.flow
        (self.email_radio if flow.kind == EMAIL else self.domain_radio).setChecked(True)
        self.kind_help.setText(flow.kind_help)
        message = flow.message(window_words)
        self.error_label.setText(message)
        self.error_label.setVisible(bool(message))
        self.preview.setText(flow.preview)
        self.preview.setVisible(bool(flow.preview))
        self.completeChanged.emit()

    def show_server_error(self, message: str) -> None:
        """Show an error from the add (AWS or the store) under the field."""
        self.flow.failed(message)
        self._draw()
        self.edit.setFocus()

    def isComplete(self) -> bool:
        """Add is enabled only for valid input, and not while adding."""
        return self.flow.can_add

    def validatePage(self) -> bool:
        """Start the add in the background; move on when it succeeded."""
        if self.flow.done:
            return True
        checked = self.flow.checked
        started = self.flow.start()
        if started is None or checked is None:
            return False
        name, replacing = started
        self.edit.setEnabled(False)
        self.busy_label.setText(f"Adding {checked.describe()} to SES…")
        self.completeChanged.emit()
        self._wizard.bridge.run(
            add,
            self._wizard.store,
            self._wizard.team_id,
            name,
            replacing,
            label="Adding sender identity",
            changes=self._wizard.team_id,
            on_success=self._added,
            on_failure=self._failed,
        )
        return False

    def _added(self, change: IdentityChange) -> None:
        self.flow.added(change)
        self.busy_label.setText("")
        self._wizard.added.emit(change)
        self._wizard.next()

    def _failed(self, exc: SesdeskError) -> None:
        self.edit.setEnabled(True)
        self.busy_label.setText("")
        self.show_server_error(window_words(exc))

    def nextId(self) -> int:
        """Always the result."""
        return PAGE_RESULT


class ResultPage(WizardPage):
    """What happened and what to do now: the DNS records for a domain, the inbox for an email."""

    _wizard: AddIdentityWizard

    def __init__(self, wizard: AddIdentityWizard) -> None:
        super().__init__(wizard, "Now verify it")
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
        change = self._wizard.flow.change
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


class AddIdentityWizard(Wizard):
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
        self.flow = IdentityFlow(replacing=replacing)
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

    @property
    def change(self) -> IdentityChange | None:
        """What the add did, once it succeeded."""
        return self.flow.change
