"""Keyboard rules every dialog and wizard follows: Enter advances (never closes a wizard on a
page that cannot go on), Escape, Cancel or the close button ask before throwing away
something the user typed, and the platform's Close key (Ctrl+W) closes a window as Escape does."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QMessageBox,
    QPlainTextEdit,
    QTextEdit,
    QWizard,
)

from sesdesk.ui.widgets.ask import ask

_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


def close_on_ctrl_w(dialog: QDialog) -> QShortcut:
    """Make the Close key close `dialog` as Escape does (its reject, so any question first)."""
    shortcut = QShortcut(dialog)
    # Every binding of the platform's Close (Ctrl+F4 comes first on some, Ctrl+W after it).
    shortcut.setKeys(QKeySequence.StandardKey.Close)
    shortcut.activated.connect(dialog.reject)
    return shortcut


def wizard_enter(wizard: QWizard, event: QKeyEvent) -> bool:
    """Enter in a wizard: Next when it is enabled, else Finish when it is; otherwise nothing
    (a wizard whose Next is still disabled must not close on Enter). True when handled."""
    if event.key() not in _ENTER or event.modifiers() not in (
        Qt.KeyboardModifier.NoModifier,
        Qt.KeyboardModifier.KeypadModifier,
    ):
        return False
    focus = QApplication.focusWidget()
    if isinstance(focus, QPlainTextEdit | QTextEdit) and not focus.isReadOnly():
        return False  # a new line in a text area (a read-only one follows the wizard's rules)
    for which in (QWizard.WizardButton.NextButton, QWizard.WizardButton.CommitButton):
        button = wizard.button(which)
        if button.isVisible() and button.isEnabled():
            button.click()
            return True
    finish = wizard.button(QWizard.WizardButton.FinishButton)
    if finish.isVisible() and finish.isEnabled():
        finish.click()
    event.accept()
    return True


class DiscardGuard:
    """Makes a dialog's reject() (Escape, Cancel, the close button) ask first while
    `unsaved()` says there is typed input to lose. The question box is non-blocking."""

    def __init__(self, dialog: QDialog, what: str, unsaved: Callable[[], bool]) -> None:
        self.dialog, self.what, self.unsaved = dialog, what, unsaved
        self.box: QMessageBox | None = None
        self._confirmed = False
        self._then: Callable[[], None] | None = None

    def allow_reject(self, then: Callable[[], None] | None = None) -> bool:
        """True when the dialog may close now; else the question is shown and False. `then`
        runs once "Discard" closed the dialog (what asked for the close goes on with it)."""
        if self._confirmed or not self.unsaved():
            return True
        if then is not None:
            self._then = then
        if self.box is not None:
            return False

        def answered(discard: bool) -> None:
            self.box = None
            then, self._then = self._then, None
            if discard:
                self._confirmed = True
                self.dialog.reject()
                if then is not None:
                    then()

        self.box = ask(
            self.dialog,
            title="Discard?",
            text=f"Discard {self.what}?",
            details="What you typed is not kept.",
            yes="Discard",
            no="Keep editing",
            yes_role=QMessageBox.ButtonRole.DestructiveRole,
            on_answer=answered,
        )
        return False

    def reset(self) -> None:
        """The input was used (sent, saved): closing loses nothing now."""
        self._confirmed = True
