"""The Connect AWS wizard's page order and its first page: the region and the keys, checked
for form as they are typed (by the Qt-free `ConnectFlow`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
    QWizard,
    QWizardPage,
)

from sesdesk.aws.credentials import SES_REGIONS, default_region
from sesdesk.services.connect import ConnectFlow, WizardStep
from sesdesk.ui.bridge import Bridge
from sesdesk.ui.widgets.labels import error_label, wrapped_label

PAGE_IDS = {
    WizardStep.KEYS: 0,
    WizardStep.CHECK: 1,
    WizardStep.MISSING: 2,
    WizardStep.DONE: 3,
}


class KeysPage(QWizardPage):
    """Region, access key id and secret; inline format errors; Next only when all are valid."""

    FIELDS = ("region", "access_key_id", "secret_access_key")

    def __init__(self, flow: ConnectFlow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.flow = flow
        reconnecting = flow.reconnect
        self.setTitle("Reconnect AWS" if reconnecting else "Connect AWS")
        self.setSubTitle(
            f"Give new keys of AWS account {flow.expected_account}. The mailer, its identities "
            "and its history stay as they are."
            if reconnecting
            else "sesdesk sends through your own Amazon SES account. Use the keys of an IAM "
            "user (not the root account); the secret is kept in the system keyring only."
        )
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)

        self.region_combo = QComboBox()
        self.region_combo.setAccessibleName("AWS region")
        for code, name in SES_REGIONS:
            self.region_combo.addItem(f"{code} — {name}", code)
        wanted = flow.region or default_region()
        self.region_combo.setCurrentIndex(max(0, self.region_combo.findData(wanted)))
        self.region_combo.setEnabled(not reconnecting)
        region_label = QLabel("&Region:")
        region_label.setBuddy(self.region_combo)
        form.addRow(region_label, self.region_combo)
        self.region_hint = wrapped_label(
            "The mailer's region cannot change on reconnect."
            if reconnecting
            else "Sandbox and production access are per region: pick the one you use in SES.",
            "muted",
        )
        form.addRow("", self.region_hint)

        self.key_id_edit = QLineEdit()
        self.key_id_edit.setPlaceholderText("AKIA…")
        self.key_id_edit.setAccessibleName("Access key id")
        self.key_id_edit.setMaxLength(128)
        key_label = QLabel("Access &key id:")
        key_label.setBuddy(self.key_id_edit)
        form.addRow(key_label, self.key_id_edit)
        self.key_id_error = error_label()
        form.addRow("", self.key_id_error)

        self.secret_edit = QLineEdit()
        self.secret_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret_edit.setAccessibleName("Secret access key")
        self.secret_edit.setMaxLength(256)
        secret_label = QLabel("&Secret access key:")
        secret_label.setBuddy(self.secret_edit)
        form.addRow(secret_label, self.secret_edit)
        self.show_secret = QCheckBox("S&how the secret")
        self.show_secret.toggled.connect(self._toggle_secret)
        form.addRow("", self.show_secret)
        self.secret_error = error_label()
        form.addRow("", self.secret_error)

        self.errors = {"access_key_id": self.key_id_error, "secret_access_key": self.secret_error}
        self._server_errors: dict[str, str] = {}
        self.key_id_edit.textChanged.connect(self._edited)
        self.secret_edit.textChanged.connect(self._edited)
        self.region_combo.currentIndexChanged.connect(self._edited)
        self.setTabOrder(self.region_combo, self.key_id_edit)
        self.setTabOrder(self.key_id_edit, self.secret_edit)
        self.setTabOrder(self.secret_edit, self.show_secret)

    @property
    def region(self) -> str:
        """The chosen region code."""
        return str(self.region_combo.currentData())

    @property
    def key_id(self) -> str:
        """The typed key id, trimmed."""
        return self.key_id_edit.text().strip()

    @property
    def secret(self) -> str:
        """The typed secret, trimmed (it never leaves this page except to the service)."""
        return self.secret_edit.text().strip()

    def offer_demo_keys(self, provider: Callable[[], Any], bridge: Bridge) -> QPushButton:
        """Demo mode: a button that fills in working keys of the simulated account."""
        button = QPushButton("Use &demo keys")
        button.setToolTip("Fill in keys of a simulated IAM user (demo mode only)")
        layout = self.layout()
        assert isinstance(layout, QFormLayout)
        layout.insertRow(0, "", button)
        self.demo_keys_button = button

        def fill(keys: Any) -> None:
            self.key_id_edit.setText(keys.access_key_id)
            self.secret_edit.setText(keys.secret_access_key)
            wizard = self.wizard()
            if wizard is not None:
                next_button = wizard.button(QWizard.WizardButton.NextButton)
                next_button.setFocus()

        button.clicked.connect(
            lambda: bridge.run(provider, label="Issuing demo keys", on_success=fill)
        )
        return button

    def _toggle_secret(self, shown: bool) -> None:
        self.secret_edit.setEchoMode(
            QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        )

    def _edited(self, *_: Any) -> None:
        self._server_errors.clear()
        self._show_problems()
        self.completeChanged.emit()

    def show_server_error(self, field: str, message: str) -> None:
        """Show AWS's verdict on the keys under the field concerned."""
        self._server_errors = {field: message}
        self._show_problems()
        (self.secret_edit if field == "secret_access_key" else self.key_id_edit).setFocus()

    def _show_problems(self) -> None:
        problems = self.flow.set_input(self.region, self.key_id, self.secret)
        texts = {"access_key_id": self.key_id_edit.text(), "secret_access_key": self.secret}
        for field, label in self.errors.items():
            # Say nothing about an empty field: the disabled Next says enough.
            message = self._server_errors.get(field) or (
                problems.get(field) if texts[field] else None
            )
            label.setText(message or "")
            label.setVisible(bool(message))

    def initializePage(self) -> None:
        """Focus the first field that needs typing."""
        self.key_id_edit.setFocus()

    def isComplete(self) -> bool:
        """Next is enabled only for well-formed input."""
        return not self.flow.set_input(self.region, self.key_id, self.secret)

    def nextId(self) -> int:
        """Always the check."""
        return PAGE_IDS[self.flow.next_step(WizardStep.KEYS)]
