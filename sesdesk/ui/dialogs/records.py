"""The DNS records of a domain identity: copy each value, export them, check DNS now, retry.

`RecordsView` is the table with its buttons (the add-identity wizard shows it too);
`RecordsDialog(bridge, store, team_id, domain, parent)` wraps it for the dashboard. Reading
the store, the live DNS check and the retry run through the Bridge, never in a slot.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from sesdesk.errors import SesdeskError
from sesdesk.models.states import IdentityStatus
from sesdesk.services.dns_check import (
    ERROR,
    MISSING,
    PUBLISHED,
    VERDICT_TEXT,
    WRONG_TARGET,
    WRONG_TYPE,
    RecordCheck,
    ResolverConfig,
    check_records,
)
from sesdesk.services.dns_records import DnsRecord, to_csv, zone_snippet
from sesdesk.services.identities import Explanation
from sesdesk.ui.bridge import Bridge
from sesdesk.ui.style import fit_to_screen
from sesdesk.ui.widgets.close_box import close_box
from sesdesk.ui.widgets.pill import StatusPill

COLUMNS = ("Type", "Name", "", "Value", "", "For", "AWS", "DNS now")
COL_TYPE, COL_NAME, COL_COPY_NAME, COL_VALUE, COL_COPY_VALUE, COL_PURPOSE, COL_AWS, COL_DNS = range(
    len(COLUMNS)
)
PURPOSE_WORDS = {
    "dkim": "DKIM",
    "mail_from_mx": "MAIL FROM",
    "mail_from_spf": "SPF",
    "dmarc": "DMARC",
}
VERDICT_COLOURS = {
    PUBLISHED: "#03543f",
    MISSING: "#9b1c1c",
    WRONG_TARGET: "#9b1c1c",
    WRONG_TYPE: "#9b1c1c",
    ERROR: "#723b13",
}


def _label(text: str = "", name: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if name:
        label.setObjectName(name)
    return label


def _shown_value(record: DnsRecord) -> str:
    return record.value if record.priority is None else f"{record.priority} {record.value}"


def _load(store: Any, team_id: int, domain: str) -> tuple[Any, list[DnsRecord]]:
    from sesdesk.services.identities import find_identity, identity_records

    records = identity_records(store, team_id, domain)
    return find_identity(store, team_id, domain, field="domain"), records


def _write_text(path: str, text: str) -> None:
    Path(path).write_text(text, encoding="utf-8")


def run_retry(
    bridge: Bridge,
    store: Any,
    team_id: int,
    name: str,
    *,
    on_success: Any = None,
    on_failure: Any = None,
) -> None:
    """Delete and recreate identity `name` in SES in the background; tell the dashboard."""
    from sesdesk.services.identities import retry_identity

    bridge.run(
        retry_identity,
        store,
        team_id,
        name,
        label=f"Retrying {name}",
        changes=team_id,
        on_success=on_success,
        on_failure=on_failure,
    )


class RecordsView(QWidget):
    """The records table with a copy button per name and value, exports and the DNS check."""

    checked = Signal(object)  # list[RecordCheck], after "Check DNS now"
    #: (run, records done, total) from the checking thread; delivered queued.
    _progress_relay = Signal(int, int, int)

    def __init__(self, bridge: Bridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.records: list[DnsRecord] = []
        self.checks: list[RecordCheck] = []
        self.domain = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setAccessibleName("DNS records to publish")
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        header = self.table.horizontalHeader()
        for column in (COL_TYPE, COL_COPY_NAME, COL_COPY_VALUE, COL_PURPOSE, COL_AWS, COL_DNS):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        # Names and values (DKIM ones are 50–60 characters) share what the short columns leave,
        # elided in the middle: a value shown whole squeezed its name to a few letters. Each is
        # whole in its tooltip and copied whole by the Copy button beside it.
        for column in (COL_NAME, COL_VALUE):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)

        self.summary = _label("", "muted")
        layout.addWidget(self.summary)
        self.problems = _label()
        self.problems.setStyleSheet("color: #9b1c1c;")
        self.problems.hide()
        layout.addWidget(self.problems)

        check_row = QHBoxLayout()
        self.check_button = QPushButton("&Check DNS now")
        self.check_button.setToolTip("Look every record up in DNS now, before AWS does")
        self.check_button.clicked.connect(self.start_check)
        check_row.addWidget(self.check_button)
        check_row.addWidget(QLabel("DNS server:"))
        self.nameserver_edit = QLineEdit()
        self.nameserver_edit.setPlaceholderText("this computer's")
        self.nameserver_edit.setAccessibleName("DNS server IP address (optional)")
        self.nameserver_edit.setMaximumWidth(150)
        check_row.addWidget(self.nameserver_edit)
        check_row.addWidget(QLabel("port"))
        self.port_spin = QSpinBox()
        self.port_spin.setRange(1, 65535)
        self.port_spin.setValue(53)
        self.port_spin.setAccessibleName("DNS server port")
        check_row.addWidget(self.port_spin)
        check_row.addStretch(1)
        self.copy_zone_button = QPushButton("Copy as zone file")
        self.copy_zone_button.clicked.connect(self.copy_zone)
        check_row.addWidget(self.copy_zone_button)
        self.export_zone_button = QPushButton("Export &zone…")
        self.export_zone_button.clicked.connect(self._ask_export_zone)
        check_row.addWidget(self.export_zone_button)
        self.export_csv_button = QPushButton("Export CS&V…")
        self.export_csv_button.clicked.connect(self._ask_export_csv)
        check_row.addWidget(self.export_csv_button)
        layout.addLayout(check_row)
        self._run = 0
        self._progress_relay.connect(self._show_progress)

    # --- showing ---------------------------------------------------------------------------

    def show_records(self, domain: str, records: list[DnsRecord]) -> None:
        """Fill the table with `records` of `domain` (ASCII form)."""
        self.domain = domain
        self.records = list(records)
        self.checks = []
        self._run += 1
        self.table.setRowCount(len(self.records))
        for row, record in enumerate(self.records):
            self._set(row, COL_TYPE, record.type)
            self._set(row, COL_NAME, record.name, tooltip=record.name)
            self._set(row, COL_VALUE, _shown_value(record), tooltip=_shown_value(record))
            words = PURPOSE_WORDS.get(record.purpose, record.purpose)
            self._set(
                row,
                COL_PURPOSE,
                words if record.required else f"{words} (for inbox delivery)",
                tooltip=record.description,
            )
            self._set(row, COL_AWS, record.status.title() if record.status != "unknown" else "—")
            self._set(row, COL_DNS, "not checked")
            self.table.setCellWidget(row, COL_COPY_NAME, self._copy_button(record.name, "name"))
            self.table.setCellWidget(row, COL_COPY_VALUE, self._copy_button(record.value, "value"))
        required = sum(1 for r in self.records if r.required)
        self.summary.setText(
            f"Publish the {required} records AWS needs to verify the domain at your DNS host, "
            "and the others for Gmail, Yahoo and Outlook to take bulk mail into the inbox. "
            "AWS checks for up to 72 hours. Some DNS hosts add the domain to the name by "
            "themselves: then enter only the part before the domain."
            if self.records
            else "No DKIM tokens known yet: refresh, then open this again."
        )
        self.problems.hide()
        has_records = bool(self.records)
        for button in (
            self.check_button,
            self.copy_zone_button,
            self.export_zone_button,
            self.export_csv_button,
        ):
            button.setEnabled(has_records)

    def _set(self, row: int, column: int, text: str, *, tooltip: str = "") -> None:
        item = QTableWidgetItem(text)
        if tooltip:
            item.setToolTip(tooltip)
        self.table.setItem(row, column, item)

    def _copy_button(self, text: str, what: str) -> QPushButton:
        button = QPushButton("Copy")
        button.setMaximumWidth(64)
        button.setToolTip(f"Copy the {what}: {text}")
        button.setAccessibleName(f"Copy {what} {text}")
        button.clicked.connect(lambda: self.copy(text))
        return button

    # --- copy and export -------------------------------------------------------------------

    def copy(self, text: str) -> None:
        """Put `text` on the clipboard."""
        QGuiApplication.clipboard().setText(text)
        self.summary.setText(f"Copied: {text}")

    def copy_zone(self) -> None:
        """Put the zone-file snippet on the clipboard."""
        QGuiApplication.clipboard().setText(zone_snippet(self.records))
        self.summary.setText("Copied the records as a zone-file snippet.")

    def export_zone(self, path: str, *, on_done: Any = None) -> None:
        """Write the zone-file snippet to `path` (in the background)."""
        self._export(path, zone_snippet(self.records), on_done)

    def export_csv(self, path: str, *, on_done: Any = None) -> None:
        """Write the records as CSV to `path` (in the background)."""
        self._export(path, to_csv(self.records), on_done)

    def _export(self, path: str, text: str, on_done: Any) -> None:
        def done(_: Any) -> None:
            self.summary.setText(f"Saved to {path}")
            if on_done is not None:
                on_done(path)

        self.bridge.run(
            _write_text,
            path,
            text,
            label="Saving DNS records",
            on_success=done,
            on_failure=self._show_failure,
        )

    def _ask_export_zone(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export zone file", f"{self.domain}.zone", "Zone files (*.zone *.txt)"
        )
        if path:
            self.export_zone(path)

    def _ask_export_csv(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export CSV", f"{self.domain}-dns.csv", "CSV files (*.csv)"
        )
        if path:
            self.export_csv(path)

    # --- live DNS check --------------------------------------------------------------------

    def resolver_config(self) -> ResolverConfig:
        """The DNS server typed (or the system's); BadInput when it is not an IP address."""
        nameserver = self.nameserver_edit.text().strip() or None
        return ResolverConfig(nameserver=nameserver, port=self.port_spin.value())

    def start_check(self) -> None:
        """Look every record up in DNS now (in the background) and show a verdict per row."""
        try:
            config = self.resolver_config()
        except SesdeskError as exc:
            self._show_failure(exc)
            return
        self._run += 1
        run = self._run
        self.check_button.setEnabled(False)
        for row in range(self.table.rowCount()):
            self._set(row, COL_DNS, "checking…")
        total = len(self.records)
        self.summary.setText(f"Checking {total} records in DNS…")
        relay = self._progress_relay

        def check() -> list[RecordCheck]:
            return check_records(
                list(self.records), config, on_progress=lambda d, t: relay.emit(run, d, t)
            )

        self.bridge.run(
            check,
            label="Checking DNS",
            on_success=lambda checks: self._show_checks(run, checks),
            on_failure=self._check_failed,
        )

    def _show_progress(self, run: int, done: int, total: int) -> None:
        if run == self._run and done < total:
            self.summary.setText(f"Checking DNS: {done} of {total} records…")

    def _check_failed(self, exc: SesdeskError) -> None:
        self.check_button.setEnabled(True)
        self._show_failure(exc)

    def _show_checks(self, run: int, checks: list[RecordCheck]) -> None:
        self.check_button.setEnabled(True)
        if run != self._run:
            return  # the records changed (retry) while the check ran
        self.checks = list(checks)
        for row, check in enumerate(self.checks):
            item = QTableWidgetItem(VERDICT_TEXT.get(check.verdict, check.verdict))
            item.setToolTip(check.message)
            item.setForeground(QColor(VERDICT_COLOURS.get(check.verdict, "#323f4b")))
            self.table.setItem(row, COL_DNS, item)
        published = sum(1 for c in self.checks if c.ok)
        unknown = [c for c in self.checks if c.verdict == ERROR]
        if unknown:
            # Not reaching the DNS server says nothing about the records: never "missing".
            self.summary.setText(
                f"Could not check {len(unknown)} of {len(self.checks)} records: "
                f"{unknown[0].message.split(': ', 1)[-1]} Check the DNS server, or leave it "
                "empty to use this computer's."
            )
        else:
            self.summary.setText(f"DNS now: {published} of {len(self.checks)} records published.")
        wrong = [c for c in self.checks if not c.ok and c.record.required and c.verdict != ERROR]
        optional = [
            c for c in self.checks if not c.ok and not c.record.required and c.verdict != ERROR
        ]
        lines = [f"• {c.message}" for c in wrong]
        if optional:
            lines.append(
                f"• {len(optional)} record(s) for inbox delivery not published (see DNS column)."
            )
        self.problems.setText("\n".join(lines))
        self.problems.setVisible(bool(wrong))
        self.checked.emit(self.checks)

    def _show_failure(self, exc: SesdeskError) -> None:
        self.problems.setText(exc.message + (f"\n{exc.hint}" if exc.hint else ""))
        self.problems.show()


class RecordsDialog(QDialog):
    """A domain identity's status and DNS records; Retry when verification failed."""

    loaded = Signal()
    retried = Signal(object)  # IdentityChange

    def __init__(
        self,
        bridge: Bridge,
        store: Any,
        team_id: int,
        domain: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.bridge, self.store, self.team_id, self.domain = bridge, store, team_id, domain
        self.identity: Any = None
        self.setWindowTitle(f"DNS records — {domain}")
        # Deleted on close, on the GUI thread: never later by Python's garbage collector,
        # which may run on a worker thread (a crash for a QWidget).
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        top = QHBoxLayout()
        self.title = _label(domain, "pageTitle")
        self.title.setWordWrap(False)
        top.addWidget(self.title, 1)
        self.pill = StatusPill("…")
        top.addWidget(self.pill, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(top)
        self.punycode = _label("", "muted")
        self.punycode.hide()
        layout.addWidget(self.punycode)
        self.explanation = _label("Reading the records…")
        layout.addWidget(self.explanation)
        self.changed_note = _label()
        self.changed_note.setStyleSheet("color: #723b13; font-weight: 600;")
        self.changed_note.hide()
        layout.addWidget(self.changed_note)
        self.view = RecordsView(bridge)
        layout.addWidget(self.view, 1)
        self.error = _label()
        self.error.setStyleSheet("color: #9b1c1c; font-weight: 600;")
        self.error.hide()
        layout.addWidget(self.error)
        buttons, self.retry_button = close_box(
            self,
            "&Retry verification…",
            "Delete the identity in SES and create it again: new DKIM records to publish",
            self._ask_retry,
        )
        layout.addWidget(buttons)
        fit_to_screen(self, 980, 520)
        self.reload()

    def reload(self) -> None:
        """Read the identity and its records from the store (in the background)."""
        self.bridge.run(
            _load,
            self.store,
            self.team_id,
            self.domain,
            label="Reading DNS records",
            on_success=self._loaded,
            on_failure=self._failed,
        )

    def _loaded(self, result: tuple[Any, list[DnsRecord]]) -> None:
        identity, records = result
        self.show_identity(identity, records)
        self.loaded.emit()

    def show_identity(self, identity: Any, records: list[DnsRecord]) -> None:
        """Show `identity`'s state and `records`."""
        self.identity = identity
        explanation: Explanation = identity.explanation
        self.title.setText(identity.display)
        self.punycode.setText(f"Registered with AWS as {identity.name}")
        self.punycode.setVisible(identity.display != identity.name)
        self.pill.set_status(explanation.label, explanation.tone)
        self.explanation.setText(explanation.text)
        self.retry_button.setVisible(identity.status == IdentityStatus.FAILED)
        self.view.show_records(identity.name, records)

    def _failed(self, exc: SesdeskError) -> None:
        self.error.setText(exc.message + (f"\n{exc.hint}" if exc.hint else ""))
        self.error.show()
        self.retry_button.setEnabled(True)

    def _ask_retry(self) -> None:
        answer = QMessageBox.question(
            self,
            "Retry verification",
            f"Delete {self.domain} in SES and create it again?\n\nAWS will issue new DKIM "
            "tokens: the records in your DNS must then be replaced with the new ones.",
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.start_retry()

    def start_retry(self) -> None:
        """Delete and recreate the identity in SES (background); show the new records."""
        self.retry_button.setEnabled(False)
        self.error.hide()
        run_retry(
            self.bridge,
            self.store,
            self.team_id,
            self.identity.name if self.identity is not None else self.domain,
            on_success=self._retried,
            on_failure=self._failed,
        )

    def _retried(self, change: Any) -> None:
        self.retry_button.setEnabled(True)
        self.show_identity(change.identity, change.records)
        if change.records_changed:
            self.changed_note.setText(
                "AWS issued new DKIM tokens: the DNS records changed. Replace the old "
                "_domainkey CNAME records at your DNS host with the ones below."
            )
            self.changed_note.show()
        self.retried.emit(change)
