"""Compose a test email, a test campaign or a broadcast: from a verified identity, reply-to,
subject, text and/or HTML, List-Unsubscribe, a personalised preview — and what gating says.

The window only collects input and shows results: the checks and the sending are the
services' (`services.sending`), run through the Bridge.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from sesdesk.errors import SesdeskError
from sesdesk.models import Store
from sesdesk.models.states import IdentityStatus
from sesdesk.services import broadcast_list, contacts, sending
from sesdesk.services.gating import Gate, decide
from sesdesk.services.state import load_snapshot
from sesdesk.ui.bridge import Bridge
from sesdesk.ui.sending.desk import SendingDesk
from sesdesk.ui.style import fit_to_screen
from sesdesk.ui.widgets.ask import ask
from sesdesk.ui.widgets.banner import Banner
from sesdesk.ui.widgets.keys import DiscardGuard, close_on_ctrl_w

KINDS = (
    ("test_email", "Test email (one address)"),
    ("test_campaign", "Test campaign (a list of verified addresses)"),
    ("broadcast", "Broadcast (a contact list)"),
)
SAMPLE = ("ada@example.com", "Ada Lovelace")
WORKING = "Working…"
#: {{name}} without a fallback: empty for a recipient who has no name.
_BARE_NAME = re.compile(r"\{\{\s*name\s*\}\}")


@dataclass(frozen=True)
class ComposeData:
    """What the window needs from the store."""

    senders: list[str]
    domains: list[str]
    lists: list[contacts.ListInfo]
    gate: Gate
    quota_left: int | None = None
    team_name: str = ""


def load_compose_data(store: Store, team_id: int) -> ComposeData:
    """Verified identities, lists and the gating answer (blocking: call through the Bridge)."""
    snapshot = load_snapshot(store, team_id)
    verified = [i for i in snapshot.identities if i.status == IdentityStatus.SUCCESS]
    return ComposeData(
        senders=[i.name for i in verified if i.kind == "email"],
        domains=[i.name for i in verified if i.kind == "domain"],
        lists=contacts.list_lists(store, team_id),
        gate=decide(snapshot),
        quota_left=None if snapshot.account is None else max(0, int(snapshot.account.left_24h)),
        team_name=snapshot.team_name,
    )


def first_contact(store: Store, team_id: int, list_name: str) -> tuple[str, str | None] | None:
    """The first subscribed contact of a list, for the preview."""
    for contact in contacts.list_contacts(store, team_id, list_name, limit=20):
        if contact.status == "subscribed":
            return contact.email, contact.name
    return None


class ComposeWindow(QDialog):
    """Write and send a test email, a test campaign or a broadcast.

    Not modal: the dashboard and the demo's Simulator controls stay usable while writing, so
    the window re-reads senders, lists and gating whenever its team's records change."""

    sent = Signal(object)  # RunResult of a test email, or the BroadcastStatus of a new draft

    def __init__(
        self,
        bridge: Bridge,
        store: Store,
        team_id: int,
        parent: QWidget | None = None,
        *,
        desk: SendingDesk | None = None,
        kind: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.bridge, self.store, self.team_id = bridge, store, team_id
        # The main window's desk keeps a broadcast sending after this window closes.
        self.desk = desk if desk is not None else SendingDesk(bridge, store, self)
        self.duplicate_box: QMessageBox | None = None
        self.setWindowTitle("Compose")
        fit_to_screen(self, 860, 640)
        self._data: ComposeData | None = None
        self._sample: tuple[str, str | None] = SAMPLE

        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 14)
        self.gate_banner = Banner(tone="info")
        layout.addWidget(self.gate_banner)

        form = QFormLayout()
        self.kind_combo = QComboBox()
        for key, label in KINDS:
            self.kind_combo.addItem(label, key)
        if kind is not None:  # e.g. "New broadcast…" opens on a broadcast
            self.kind_combo.setCurrentIndex(max(0, self.kind_combo.findData(kind)))
        form.addRow("Send", self.kind_combo)
        self.from_combo = QComboBox()
        self.from_combo.setEditable(True)
        self.from_combo.setToolTip("A verified email identity, or any address at a verified domain")
        form.addRow("From", self.from_combo)
        self.to_edit = QLineEdit()
        self.to_edit.setPlaceholderText("success@simulator.amazonses.com")
        self.to_label = QLabel("To")
        form.addRow(self.to_label, self.to_edit)
        self.list_combo = QComboBox()
        self.list_label = QLabel("List")
        form.addRow(self.list_label, self.list_combo)
        self.reply_to_edit = QLineEdit()
        self.reply_to_edit.setPlaceholderText("optional")
        form.addRow("Reply-to", self.reply_to_edit)
        self.unsubscribe_edit = QLineEdit()
        self.unsubscribe_edit.setPlaceholderText("unsubscribe address (default: the sender)")
        form.addRow("Unsubscribe", self.unsubscribe_edit)
        self.subject_edit = QLineEdit()
        self.subject_edit.setPlaceholderText("Hello {{name|there}}")
        form.addRow("Subject", self.subject_edit)
        layout.addLayout(form)

        self.tabs = QTabWidget()
        self.text_edit = QPlainTextEdit()
        self.text_edit.setPlaceholderText(
            "Hi {{name|there}},\n\n… ({{email}} is the recipient's address)"
        )
        self.html_edit = QPlainTextEdit()
        self.html_edit.setPlaceholderText("<p>Hi {{name|there}},</p>")
        self.preview = QTextBrowser()
        self.preview.setOpenLinks(False)
        for body in (self.text_edit, self.html_edit):
            body.setTabChangesFocus(True)  # Tab leaves the body: the keyboard reaches Send
        self.tabs.addTab(self.text_edit, "Text")
        self.tabs.addTab(self.html_edit, "HTML")
        self.tabs.addTab(self.preview, "Preview")
        layout.addWidget(self.tabs, 1)

        self.quota_label = QLabel()
        self.quota_label.setObjectName("quotaWarning")
        self.quota_label.setWordWrap(True)
        self.quota_label.setStyleSheet("color: #8a4b00;")
        self.quota_label.hide()
        layout.addWidget(self.quota_label)

        bottom = QHBoxLayout()
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        bottom.addWidget(self.status_label, 1)
        self.send_button = QPushButton()
        # Never the dialog's default (an auto-default button becomes it when the dialog
        # shows): Enter in a one-line field must not send, a broadcast would go to a whole
        # list. Enter on the focused button still presses it (keyPressEvent).
        self.send_button.setAutoDefault(False)
        bottom.addWidget(self.send_button)
        layout.addLayout(bottom)

        self.kind_combo.currentIndexChanged.connect(self._kind_changed)
        self.list_combo.currentIndexChanged.connect(self._list_changed)
        for edit in (self.subject_edit, self.to_edit, self.unsubscribe_edit):
            edit.textChanged.connect(self.update_preview)
        for text in (self.text_edit, self.html_edit):
            text.textChanged.connect(self.update_preview)
        self.from_combo.currentTextChanged.connect(self.update_preview)
        self.send_button.clicked.connect(self.send)
        self._used_draft: tuple[str, str, str] | None = None
        self.discard_guard = DiscardGuard(self, "this message", self._draft_unused)
        # Ctrl+W closes like Escape does (through the discard question).
        close_on_ctrl_w(self)
        self._kind_changed()
        bridge.store_changed.connect(self._store_changed)
        self.reload()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter presses the send button only when it has the focus."""
        if (
            event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and self.send_button.hasFocus()
            and self.send_button.isEnabled()
        ):
            self.send_button.click()
            return
        super().keyPressEvent(event)

    # --- closing ----------------------------------------------------------------------

    def _typed(self) -> tuple[str, str, str]:
        return (
            self.subject_edit.text(),
            self.text_edit.toPlainText(),
            self.html_edit.toPlainText(),
        )

    def _draft_unused(self) -> bool:
        typed = self._typed()
        return any(part.strip() for part in typed) and typed != self._used_draft

    def reject(self) -> None:
        """Escape, Cancel or closing: ask first when a typed message was not sent."""
        self.close_then(None)

    def close_then(self, then: Callable[[], None] | None) -> None:
        """Close, asking first when a typed message was not sent; `then` runs once it closed
        after that question (the main window quitting goes on)."""
        if self.discard_guard.allow_reject(then):
            super().reject()

    # --- data -------------------------------------------------------------------------

    @property
    def kind(self) -> str:
        """'test_email', 'test_campaign' or 'broadcast'."""
        return str(self.kind_combo.currentData())

    def reload(self) -> None:
        """Re-read identities, lists and gating (off the GUI thread)."""
        self.bridge.run(
            load_compose_data,
            self.store,
            self.team_id,
            label="Reading senders and lists",
            on_success=self._show_data,
            on_failure=self._show_error,
        )

    def _store_changed(self, team_id: int) -> None:
        # Not while a send is on its way: the re-read would enable Send again under it.
        if (
            team_id in (0, self.team_id)
            and self.isVisible()
            and self.status_label.text() != WORKING
        ):
            self.reload()

    def _show_data(self, data: ComposeData) -> None:
        self._data = data
        # Another team may be chosen in the main window meanwhile: say whose message this is.
        self.setWindowTitle(f"Compose — {data.team_name}" if data.team_name else "Compose")
        current = self.from_combo.currentText()
        self.from_combo.clear()
        for sender in data.senders:
            self.from_combo.addItem(sender)
        for domain in data.domains:
            self.from_combo.addItem(f"news@{domain}")
        if current:
            self.from_combo.setEditText(current)
        if not self.to_edit.text() and data.senders:
            # A first test goes to the sender's own verified address: allowed in the sandbox.
            self.to_edit.setText(data.senders[0])
        chosen = self.list_combo.currentData()
        self.list_combo.blockSignals(True)
        self.list_combo.clear()
        for info in data.lists:
            self.list_combo.addItem(f"{info.name} ({info.subscribed})", info.name)
        self.list_combo.blockSignals(False)
        if chosen is not None:
            index = self.list_combo.findData(chosen)
            if index >= 0:
                self.list_combo.setCurrentIndex(index)
        self._list_changed()
        self._show_gate()

    def _show_gate(self) -> None:
        if self._data is None:
            return
        decision = self._data.gate.for_kind(self.kind)
        self.gate_banner.set_message(decision.reason, bold=not decision.allowed)
        self.gate_banner.setProperty("tone", "info" if decision.allowed else "error")
        from sesdesk.ui.style import set_tone

        set_tone(self.gate_banner, "info" if decision.allowed else "error")
        self.send_button.setEnabled(decision.allowed)

    def _kind_changed(self) -> None:
        single = self.kind == "test_email"
        for single_widget in (self.to_label, self.to_edit):
            single_widget.setVisible(single)
        for list_widget in (self.list_label, self.list_combo):
            list_widget.setVisible(not single)
        self.send_button.setText("Send test email" if single else "Create and send…")
        if self.status_label.text() != WORKING:
            self.status_label.clear()  # "Sent the test email…" is not about this kind
        self._show_gate()
        self._list_changed()

    def _warn_about_quota(self) -> None:
        """Say so when the chosen list is bigger than today's quota left."""
        name = self.list_combo.currentData()
        data = self._data
        info = None
        if data is not None and name is not None and self.kind != "test_email":
            info = next((i for i in data.lists if i.name == name), None)
        if info is None or data is None or data.quota_left is None:
            self.quota_label.hide()
            return
        if info.subscribed > data.quota_left:
            self.quota_label.setText(
                f"{info.name} has {info.subscribed} subscribed contacts but only "
                f"{data.quota_left} more messages may go out today. The rest waits for quota "
                "and is sent by itself when AWS frees it, while sesdesk is open."
            )
            self.quota_label.show()
        else:
            self.quota_label.hide()

    def _list_changed(self) -> None:
        self._warn_about_quota()
        name = self.list_combo.currentData()
        if self.kind == "test_email" or name is None:
            self._sample = SAMPLE
            self.update_preview()
            return
        self.bridge.run(
            first_contact,
            self.store,
            self.team_id,
            name,
            label="Reading a contact for the preview",
            on_success=self._set_sample,
        )

    def _set_sample(self, sample: tuple[str, str | None] | None) -> None:
        self._sample = sample or SAMPLE
        self.update_preview()

    # --- preview and sending ----------------------------------------------------------

    def composition(self) -> sending.Composition:
        """What the form says."""
        return sending.Composition(
            from_address=self.from_combo.currentText().strip(),
            subject=self.subject_edit.text(),
            text_body=self.text_edit.toPlainText() or None,
            html_body=self.html_edit.toPlainText() or None,
            reply_to=self.reply_to_edit.text() or None,
            unsubscribe_mailto=self.unsubscribe_edit.text() or None,
        )

    def update_preview(self) -> None:
        """Render the message as the sample recipient will get it (pure, no I/O)."""
        email, name = self._sample
        if self.kind == "test_email" and self.to_edit.text().strip():
            email, name = self.to_edit.text().strip(), None
        try:
            composition = sending.validate_composition(self.composition())
            message = sending.build_email(composition, email, name)
        except SesdeskError as problem:
            self.preview.setHtml(
                f"<p style='color:#9b1c1c'>{html.escape(problem.message)}</p>"
                "<p>The preview appears once the message is complete.</p>"
            )
            return
        headers = (
            f"<b>From:</b> {html.escape(message.from_address)}<br>"
            f"<b>To:</b> {html.escape(message.to_address)}<br>"
            f"<b>Subject:</b> {html.escape(message.subject)}<br>"
            + "".join(f"<b>{html.escape(n)}:</b> {html.escape(v)}<br>" for n, v in message.headers)
        )
        if message.html_body:
            body = message.html_body
        else:
            body = f"<pre style='white-space:pre-wrap'>{html.escape(message.text_body or '')}</pre>"
        self.preview.setHtml(
            f"<div style='color:#52606d'>{headers}</div>{self._empty_name_note(name)}<hr>{body}"
        )

    def _empty_name_note(self, name: str | None) -> str:
        """Say so when {{name}} comes out empty for this recipient (the rule stays as it is)."""
        if name and name.strip():
            return ""
        if not any(_BARE_NAME.search(part) for part in self._typed()):
            return ""
        return (
            "<p id='emptyName' style='color:#8a4b00'>This recipient has no name, so "
            "{{name}} is left empty here. Write {{name|there}} to put a word in its "
            "place for people without a name.</p>"
        )

    def _show_error(self, error: SesdeskError) -> None:
        self.status_label.setObjectName("statusError")
        self.status_label.setStyleSheet("color: #9b1c1c;")
        self.status_label.setText(error.message + (f"\n{error.hint}" if error.hint else ""))
        self.send_button.setEnabled(True)

    def _say(self, text: str) -> None:
        self.status_label.setStyleSheet("color: #03543f;")
        self.status_label.setText(text)

    def send(self) -> None:
        """Send the test email, or create the draft and open its progress window."""
        self.send_button.setEnabled(False)
        self.status_label.setText(WORKING)
        self.status_label.setStyleSheet("")
        composition = self.composition()
        if self.kind == "test_email":
            to = self.to_edit.text()
            self.bridge.run(
                lambda: sending.send_test_email(
                    self.store, self.team_id, to=to, composition=composition
                ),
                label="Sending a test email",
                changes=self.team_id,
                on_success=self._test_sent,
                on_failure=self._show_error,
            )
            return
        list_name = self.list_combo.currentData()
        if list_name is None:
            self._show_error(SesdeskError("Choose a contact list first (or import one)."))
            return
        self.bridge.run(
            lambda: broadcast_list.recent_same_subject(
                self.store, self.team_id, list_name=list_name, subject=composition.subject
            ),
            label="Looking for an earlier broadcast like this one",
            on_success=lambda earlier: self._checked_earlier(list_name, composition, earlier),
            on_failure=self._show_error,
        )

    def _checked_earlier(
        self,
        list_name: str,
        composition: sending.Composition,
        earlier: sending.BroadcastStatus | None,
    ) -> None:
        if earlier is None:
            self._create(list_name, composition)
            return
        when = (
            earlier.created_at.astimezone().strftime("%a %d %b %H:%M") if earlier.created_at else ""
        )

        def answered(again: bool) -> None:
            self.duplicate_box = None
            if again:
                self._create(list_name, composition)
            else:
                self.send_button.setEnabled(True)
                self.status_label.setText("Not created.")

        self.duplicate_box = ask(
            self,
            title="Already sent to this list?",
            text=f"{list_name} already received “{earlier.subject}” on {when} "
            f"(broadcast {earlier.id}: {earlier.sent} sent).",
            details="Sending it again mails those people twice. To finish an interrupted "
            "broadcast, resume it from Broadcasts instead.",
            yes="Create it anyway",
            no="Go back",
            icon=QMessageBox.Icon.Warning,
            on_answer=answered,
        )

    def _create(self, list_name: str, composition: sending.Composition) -> None:
        kind = self.kind
        self.bridge.run(
            lambda: sending.create_broadcast(
                self.store, self.team_id, list_name=list_name, composition=composition, kind=kind
            ),
            label="Creating the broadcast",
            changes=self.team_id,
            on_success=self._draft_created,
            on_failure=self._show_error,
        )

    def _test_sent(self, result: sending.RunResult) -> None:
        self.send_button.setEnabled(True)
        self._used_draft = self._typed()
        status = result.status
        if status.sent:
            self._say(f"Sent the test email (message id {result.message_ids[0]}).")
        elif result.stop_error is not None:
            self._show_error(result.stop_error)
        else:
            (row,) = sending.recipients(self.store, self.team_id, status.id, limit=1)
            self._show_error(SesdeskError(f"The test email was not sent: {row.error or row.state}"))
        self.sent.emit(result)

    def _draft_created(self, status: sending.BroadcastStatus) -> None:
        self.send_button.setEnabled(True)
        self._used_draft = self._typed()  # kept as a broadcast: closing loses nothing
        self._say(
            f"Created broadcast {status.id} to {status.total} recipient(s); "
            "it is listed under Broadcasts."
        )
        self.sent.emit(status)
        if self.desk.window is not self:
            # Kept under Broadcasts: this window would only stand in front of the
            # question and the progress window, which belong to the main window.
            self.accept()
        self.desk.open_progress(self.team_id, status.id, start=True)
