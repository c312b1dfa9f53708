"""The Connect AWS wizard (and its reconnect mode): keys → check → missing permissions | done.

Pages only collect input and show results. What is valid and where to go next is decided by
the Qt-free `ConnectFlow` and `sesdesk.aws.credentials`; the check itself is the `connect` /
`reconnect` service, run through the Bridge (never in a slot or in initializePage), its
progress arriving through a queued signal.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from sesdesk.aws.credentials import (
    ROOT_WARNING,
    KeysNotAccepted,
    PermissionsLacking,
    PermissionVerdict,
)
from sesdesk.aws.permissions import (
    checked_permissions,
    least_privilege_policy_json,
    permission,
)
from sesdesk.errors import CredentialsRejected, SesdeskError
from sesdesk.services.connect import ConnectFlow, ConnectResult, WizardStep
from sesdesk.ui.bridge import Bridge
from sesdesk.ui.style import fit_to_screen
from sesdesk.ui.widgets.keys import DiscardGuard
from sesdesk.ui.widgets.labels import error_label, wrapped_label
from sesdesk.ui.wizards.connect_keys import PAGE_IDS, KeysPage
from sesdesk.ui.wizards.page import Wizard

MARKS = {
    PermissionVerdict.ALLOWED: "✓",
    PermissionVerdict.MISSING: "✗",
    PermissionVerdict.UNVERIFIED: "?",
}


def _check_and_save(
    store: Any, team_id: int, region: str | None, key_id: str, secret: str, cb: Any
) -> Any:
    """Connect in `region`, or (region None) reconnect in the mailer's own region."""
    from sesdesk.aws.clients import AwsKeys
    from sesdesk.services.connect import connect, reconnect

    keys = AwsKeys(key_id.strip(), secret.strip())
    if region is None:
        return reconnect(store, team_id, keys, progress=cb)
    return connect(store, team_id, region, keys, progress=cb)


def _write_text(path: str, text: str) -> None:
    Path(path).write_text(text, encoding="utf-8")


class CheckPage(QWizardPage):
    """The check, step by step: who the keys belong to, then ✓ / ✗ / ? per action."""

    progressed = Signal(object)  # CheckProgress, emitted from the worker thread (queued)

    def __init__(
        self,
        flow: ConnectFlow,
        bridge: Bridge,
        store: Any,
        keys_page: KeysPage,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.flow = flow
        self.bridge = bridge
        self.store = store
        self.keys_page = keys_page
        self._run = 0
        self._running = False
        self.setTitle("Checking the keys with AWS")
        self.setSubTitle("Nothing is stored unless every check passes.")
        layout = QVBoxLayout(self)
        self.bar = QProgressBar()
        self.rows = checked_permissions()
        self.bar.setRange(0, len(self.rows) + 4)
        self.bar.setAccessibleName("Check progress")
        layout.addWidget(self.bar)
        self.identity_label = QLabel("Who the keys belong to: …")
        self.identity_label.setWordWrap(True)
        self.identity_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.identity_label)
        self.root_label = error_label()
        layout.addWidget(self.root_label)
        self.permissions_label = QLabel("Permissions:")
        layout.addWidget(self.permissions_label)
        self.actions_list = QListWidget()
        self.actions_list.setAccessibleName("Permissions checked")
        layout.addWidget(self.actions_list, 1)
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        layout.addWidget(self.status_label)
        self.error_label = error_label()
        layout.addWidget(self.error_label)
        retry_row = QHBoxLayout()
        self.retry_button = QPushButton("&Try again")
        self.retry_button.hide()
        self.retry_button.clicked.connect(self.start_check)
        retry_row.addWidget(self.retry_button)
        retry_row.addStretch(1)
        layout.addLayout(retry_row)
        self.progressed.connect(self._on_progress)
        self._items: dict[str, QListWidgetItem] = {}

    def initializePage(self) -> None:
        """Start the check in the background (the Bridge runs it off the GUI thread)."""
        self.start_check()

    def cleanupPage(self) -> None:
        """Going back: forget the running check's answer when it arrives."""
        self._run += 1
        self._running = False

    def start_check(self) -> None:
        """(Re)run the check and, if it passes, the save."""
        self._run += 1
        run = self._run
        self._running = True
        self.flow.finished(None, None)
        self.bar.setValue(0)
        self.actions_list.clear()
        self._items = {}
        for row in self.rows:
            item = QListWidgetItem(f"…  {row.action} — {row.why}")
            self.actions_list.addItem(item)
            self._items[row.action] = item
        self.identity_label.setText("Who the keys belong to: asking AWS…")
        self.root_label.hide()
        self.error_label.hide()
        self.retry_button.hide()
        self.status_label.setText("Checking…")
        self.completeChanged.emit()

        def progress(event: Any) -> None:
            self.progressed.emit((run, event))

        page = self.keys_page
        self.bridge.run(
            _check_and_save,
            self.store,
            self.flow.team_id,
            None if self.flow.reconnect else page.region,
            page.key_id,
            page.secret,
            progress,
            label="Checking AWS keys",
            changes=self.flow.team_id,
            on_success=lambda result: self._succeeded(run, result),
            on_failure=lambda exc: self._failed(run, exc),
        )

    def _on_progress(self, payload: Any) -> None:
        run, event = payload
        if run != self._run:
            return
        self.bar.setValue(min(self.bar.maximum(), self.bar.value() + 1))
        if event.step == "identity" and event.state == "done":
            self.identity_label.setText(f"Who the keys belong to: {event.message}")
        elif event.step == "identity" and event.state == "failed":
            self.identity_label.setText(f"Who the keys belong to: ✗ {event.message}")
        elif event.action is not None and event.verdict is not None:
            item = self._items.get(event.action)
            if item is not None:
                row = permission(event.action)
                suffix = (
                    "  (not checked: it would change the account)"
                    if (event.verdict is PermissionVerdict.UNVERIFIED)
                    else ""
                )
                item.setText(f"{MARKS[event.verdict]}  {row.action} — {row.why}{suffix}")
        else:
            self.status_label.setText(event.message)

    def _ended(self, run: int, result: ConnectResult | None, exc: SesdeskError | None) -> bool:
        """Record the end of check `run` in the flow; False when a newer check replaced it."""
        if run != self._run:
            return False
        self._running = False
        self.flow.finished(result, exc)
        self.bar.setValue(self.bar.maximum())
        return True

    def _succeeded(self, run: int, result: ConnectResult) -> None:
        if not self._ended(run, result, None):
            return
        if result.report.caller.is_root:
            self.root_label.setText(ROOT_WARNING)
            self.root_label.show()
        self.status_label.setText("All checks passed; the mailer is saved. Press Next.")
        self.completeChanged.emit()

    def _failed(self, run: int, exc: SesdeskError) -> None:
        if not self._ended(run, None, exc):
            return
        if isinstance(exc, PermissionsLacking):
            count = len(exc.missing_actions)
            self.status_label.setText(
                f"The keys lack {count} permission{'s' if count != 1 else ''}. Press Next to "
                "see the policy that grants them."
            )
        else:
            self.status_label.setText("")
            self.error_label.setText(exc.message + (f"\n{exc.hint}" if exc.hint else ""))
            self.error_label.show()
            if isinstance(exc, KeysNotAccepted):
                # The message belongs next to the field: take the user there.
                self.keys_page.show_server_error(exc.field, exc.message)
                wizard = self.wizard()
                if wizard is not None and wizard.currentPage() is self:
                    wizard.back()
                    self.keys_page.show_server_error(exc.field, exc.message)
            elif not isinstance(exc, CredentialsRejected):
                # Network trouble and the like may pass; refused keys need Back and new keys.
                self.retry_button.show()
        self.completeChanged.emit()

    @property
    def running(self) -> bool:
        """True while the check is under way."""
        return self._running

    def isComplete(self) -> bool:
        """Next once the check passed, or failed for missing permissions."""
        return self.flow.result is not None or bool(self.flow.missing_actions)

    def nextId(self) -> int:
        """Done, or the missing-permission page."""
        return PAGE_IDS[self.flow.next_step(WizardStep.CHECK)]


class MissingPage(QWizardPage):
    """The missing actions and the least-privilege policy, with Copy and Save…."""

    def __init__(self, flow: ConnectFlow, bridge: Bridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.flow = flow
        self.bridge = bridge
        self.setTitle("These keys lack permissions sesdesk needs")
        self.setSubTitle(
            "Nothing was stored. Attach this policy to the IAM user, then check again."
        )
        layout = QVBoxLayout(self)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.missing_list = QListWidget()
        self.missing_list.setAccessibleName("Missing permissions")
        self.missing_list.setMaximumHeight(110)
        layout.addWidget(self.missing_list)
        self.unverified_label = wrapped_label(name="muted")
        layout.addWidget(self.unverified_label)
        policy_label = QLabel("Least-privilege IAM &policy (JSON):")
        layout.addWidget(policy_label)
        self.policy_text = QPlainTextEdit()
        self.policy_text.setReadOnly(True)
        self.policy_text.setAccessibleName("IAM policy JSON")
        self.policy_text.setPlainText(least_privilege_policy_json())
        self.policy_text.setTabChangesFocus(True)
        policy_label.setBuddy(self.policy_text)
        layout.addWidget(self.policy_text, 1)
        buttons = QHBoxLayout()
        self.copy_button = QPushButton("&Copy policy")
        self.copy_button.clicked.connect(self.copy_policy)
        self.save_button = QPushButton("&Save policy…")
        self.save_button.clicked.connect(self.save_policy)
        self.again_button = QPushButton("Check &again")
        self.again_button.setToolTip("After attaching the policy: run the check again")
        self.again_button.clicked.connect(self.check_again)
        self.saved_label = wrapped_label(name="muted")
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.saved_label, 1)
        buttons.addWidget(self.again_button)
        layout.addLayout(buttons)
        self.setFinalPage(True)
        self.setButtonText(QWizard.WizardButton.FinishButton, "Close")

    def initializePage(self) -> None:
        """Fill in what the check found (no AWS call)."""
        failure = self.flow.failure
        missing = self.flow.missing_actions
        lacking = failure if isinstance(failure, PermissionsLacking) else None
        account = lacking.report.caller.account_id if lacking else ""
        self.summary.setText(
            f"The keys work (AWS account {account}) but AWS refuses {len(missing)} "
            f"action{'s' if len(missing) != 1 else ''} sesdesk relies on:"
        )
        self.missing_list.clear()
        for action in missing:
            self.missing_list.addItem(f"✗  {action} — {permission(action).why}")
        unverified = lacking.report.unverified if lacking else ()
        self.unverified_label.setText(
            "Not checked (testing them would change your account): " + ", ".join(unverified)
            if unverified
            else ""
        )
        self.unverified_label.setVisible(bool(unverified))
        self.saved_label.clear()

    def copy_policy(self) -> None:
        """Put the policy JSON on the clipboard."""
        QGuiApplication.clipboard().setText(self.policy_text.toPlainText())
        self.saved_label.setText("Copied.")

    def save_policy(self, path: str | None = None) -> None:
        """Ask where to save the policy and write it there (off the GUI thread)."""
        if not path:
            path, _ = QFileDialog.getSaveFileName(
                self, "Save IAM policy", "sesdesk-policy.json", "JSON (*.json)"
            )
        if not path:
            return
        self.bridge.run(
            _write_text,
            path,
            self.policy_text.toPlainText(),
            label="Saving the policy",
            on_success=lambda _: self.saved_label.setText(f"Saved to {path}"),
        )

    def check_again(self) -> None:
        """Back to the check page, running the check anew."""
        wizard = self.wizard()
        if wizard is None:
            return
        check = wizard.page(PAGE_IDS[WizardStep.CHECK])
        wizard.back()
        if isinstance(check, CheckPage) and wizard.currentPage() is check:
            check.start_check()

    def nextId(self) -> int:
        """The end: nothing follows."""
        return -1


class DonePage(QWizardPage):
    """Connected: the account, the key's last four, and any warning."""

    def __init__(self, flow: ConnectFlow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.flow = flow
        self.setTitle("Reconnected" if flow.reconnect else "Connected")
        self.setSubTitle(
            "The keys passed every check; the secret is in the system keyring."
            if not flow.reconnect
            else "The new keys passed every check; every record of the mailer is kept."
        )
        layout = QVBoxLayout(self)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.summary)
        self.warning_label = error_label()
        layout.addWidget(self.warning_label)
        self.notes = wrapped_label(name="muted")
        layout.addWidget(self.notes)
        layout.addStretch(1)
        self.setFinalPage(True)

    def initializePage(self) -> None:
        """Show the result of the check (already in the flow)."""
        result = self.flow.result
        if result is None:
            return
        caller = result.report.caller
        self.summary.setText(
            f"sesdesk now sends through AWS account {caller.account_id} in {result.region} "
            f"with key …{result.key_last4}.\n\nUser: {caller.arn}\n\n"
            "Next: add a sender identity (an email address or a domain) on the dashboard."
        )
        self.warning_label.setText("\n".join(result.report.warnings))
        self.warning_label.setVisible(bool(result.report.warnings))
        notes = []
        if result.report.unverified:
            notes.append(
                "Not checked, because testing them would change your account: "
                + ", ".join(result.report.unverified)
                + ". sesdesk will tell you if AWS refuses one of them."
            )
        if result.refresh_error:
            notes.append(f"Reading the account status failed for now: {result.refresh_error}")
        self.notes.setText("\n\n".join(notes))
        self.notes.setVisible(bool(notes))

    def nextId(self) -> int:
        """The end."""
        return -1


class ConnectWizard(Wizard):
    """Connect a team's mailer to SES, or (reconnect mode) give it new keys.

    Open it with ``ConnectWizard(bridge, store, team_id, parent).open()``; for reconnect use
    ``ConnectWizard.for_reconnect(bridge, store, team_id, account_id, region, parent)``.
    `connected(team_id)` is emitted once the mailer is saved.
    """

    connected = Signal(int)

    def __init__(
        self,
        bridge: Bridge,
        store: Any,
        team_id: int,
        parent: QWidget | None = None,
        *,
        reconnect_account: str | None = None,
        reconnect_region: str | None = None,
        demo_keys: Callable[[], Any] | None = None,
    ) -> None:
        super().__init__(parent)
        reconnecting = reconnect_account is not None
        self.flow = ConnectFlow(
            team_id=team_id,
            reconnect=reconnecting,
            region=reconnect_region,
            expected_account=reconnect_account,
        )
        self.bridge = bridge
        self.setWindowTitle("Reconnect AWS" if reconnecting else "Connect AWS")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.keys_page = KeysPage(self.flow)
        if demo_keys is not None:
            self.keys_page.offer_demo_keys(demo_keys, bridge)
        self.check_page = CheckPage(self.flow, bridge, store, self.keys_page)
        self.missing_page = MissingPage(self.flow, bridge)
        self.done_page = DonePage(self.flow)
        self.setPage(PAGE_IDS[WizardStep.KEYS], self.keys_page)
        self.setPage(PAGE_IDS[WizardStep.CHECK], self.check_page)
        self.setPage(PAGE_IDS[WizardStep.MISSING], self.missing_page)
        self.setPage(PAGE_IDS[WizardStep.DONE], self.done_page)
        self.setStartId(PAGE_IDS[WizardStep.KEYS])
        self.check_page.completeChanged.connect(self._maybe_connected)
        self.discard_guard = DiscardGuard(self, "the keys you typed", self._typed_keys_unused)
        fit_to_screen(self, 720, 600)

    @classmethod
    def for_reconnect(
        cls,
        bridge: Bridge,
        store: Any,
        team_id: int,
        account_id: str,
        region: str,
        parent: QWidget | None = None,
        *,
        demo_keys: Callable[[], Any] | None = None,
    ) -> ConnectWizard:
        """The wizard in reconnect mode for a mailer of `account_id` in `region`."""
        return cls(
            bridge,
            store,
            team_id,
            parent,
            reconnect_account=account_id,
            reconnect_region=region,
            demo_keys=demo_keys,
        )

    def _maybe_connected(self) -> None:
        if self.flow.result is not None:
            self.connected.emit(self.flow.team_id)

    def reject(self) -> None:
        """Escape, Cancel or closing: ask first when typed keys would be lost."""
        if self.discard_guard.allow_reject():
            super().reject()

    def _typed_keys_unused(self) -> bool:
        page = self.keys_page
        return self.flow.result is None and bool(
            page.key_id_edit.text().strip() or page.secret_edit.text().strip()
        )

    def done(self, result: int) -> None:
        # Forget the secret typed into the dialog as soon as it closes.
        self.keys_page.secret_edit.clear()
        super().done(result)
