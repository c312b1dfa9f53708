"""Contact lists: the lists, their contacts, CSV import (choosing the columns, with per-row
errors), export, and add / remove / unsubscribe by hand. Every store access runs through
the Bridge."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from sesdesk.errors import SesdeskError
from sesdesk.models import Store
from sesdesk.services import contacts
from sesdesk.ui.bridge import Bridge
from sesdesk.ui.sending.contacts_model import PAGE_SIZE, ContactTableModel
from sesdesk.ui.style import fit_to_screen
from sesdesk.ui.widgets.banner import Banner
from sesdesk.ui.widgets.keys import DiscardGuard, close_on_ctrl_w
from sesdesk.ui.widgets.labels import error_label
from sesdesk.ui.widgets.table_model import row_table
from sesdesk.ui.widgets.words import window_words

#: Typing in the search box waits this long for the next key before it searches.
SEARCH_DELAY_MS = 150
NO_NAME_COLUMN = "(no name column)"


def _table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    return table


class ImportDialog(QDialog):
    """Import a CSV file into a list: shows the first rows, lets the user pick the email and
    name columns, then the outcome with every refused row and its row number."""

    imported = Signal(object)  # contacts.ImportResult

    def __init__(
        self,
        bridge: Bridge,
        store: Store,
        team_id: int,
        path: Path,
        list_name: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.bridge, self.store, self.team_id, self.path = bridge, store, team_id, Path(path)
        self.setWindowTitle(f"Import {self.path.name}")
        fit_to_screen(self, 720, 560)
        layout = QVBoxLayout(self)
        self.banner = Banner(tone="error")
        self.banner.hide()
        layout.addWidget(self.banner)
        form = QFormLayout()
        self.list_edit = QLineEdit(list_name)
        self.list_edit.setPlaceholderText("e.g. Customers")
        form.addRow("Into list", self.list_edit)
        self.email_combo = QComboBox()
        self.name_combo = QComboBox()
        form.addRow("Email column", self.email_combo)
        form.addRow("Name column", self.name_combo)
        layout.addLayout(form)
        self.preview_label = QLabel("First rows of the file:")
        self.preview_label.setObjectName("muted")
        layout.addWidget(self.preview_label)
        self.preview = _table([])
        layout.addWidget(self.preview, 1)
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        self.result_label.hide()
        layout.addWidget(self.result_label)
        self.rejected_table = _table(["Row", "Value", "Why it was refused"])
        header = self.rejected_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        self.rejected_table.setColumnWidth(1, 200)
        self.rejected_table.setWordWrap(True)
        self.rejected_table.hide()
        layout.addWidget(self.rejected_table, 1)
        self.buttons = QDialogButtonBox()
        self.import_button = self.buttons.addButton(
            "Import", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.import_button.setEnabled(False)
        self.import_button.clicked.connect(self.start_import)
        self.close_button.clicked.connect(self.reject)
        layout.addWidget(self.buttons)
        bridge.run(
            contacts.preview_csv,
            self.path,
            label="Reading the file",
            on_success=self._show_preview,
            on_failure=self._show_error,
        )

    def _show_preview(self, preview: contacts.CsvPreview) -> None:
        self.email_combo.clear()
        self.name_combo.clear()
        self.name_combo.addItem(NO_NAME_COLUMN, None)
        for index, header in enumerate(preview.columns):
            label = header or f"Column {index + 1}"
            self.email_combo.addItem(label, index + 1)
            self.name_combo.addItem(label, index + 1)
        if preview.email_column is not None:
            self.email_combo.setCurrentIndex(preview.email_column)
        if preview.name_column is not None:
            self.name_combo.setCurrentIndex(preview.name_column + 1)
        self.preview.setColumnCount(len(preview.columns))
        self.preview.setHorizontalHeaderLabels(preview.columns)
        self.preview.setRowCount(len(preview.sample))
        for row, cells in enumerate(preview.sample):
            for column, value in enumerate(cells[: len(preview.columns)]):
                self.preview.setItem(row, column, QTableWidgetItem(value))
        self.import_button.setEnabled(bool(preview.columns))

    def _show_error(self, error: SesdeskError) -> None:
        self.banner.set_message(error.message, error.hint)
        self.banner.show()

    def start_import(self) -> None:
        """Import with the chosen columns (off the GUI thread)."""
        self.banner.hide()
        self.import_button.setEnabled(False)
        self.bridge.run(
            lambda: contacts.import_csv(
                self.store,
                self.team_id,
                self.list_edit.text(),
                self.path,
                email_column=self.email_combo.currentData(),
                name_column=self.name_combo.currentData(),
            ),
            label="Importing contacts",
            changes=self.team_id,
            on_success=self._show_result,
            on_failure=self._import_failed,
        )

    def _import_failed(self, error: SesdeskError) -> None:
        self.import_button.setEnabled(True)
        self._show_error(error)

    def _show_result(self, result: contacts.ImportResult) -> None:
        self.result_label.setText(
            f"Imported {result.imported} contact(s) into “{result.list_name}”. "
            f"{result.duplicates} duplicate(s) skipped, {len(result.rejected)} row(s) refused."
        )
        self.result_label.show()
        self.preview.hide()
        self.preview_label.hide()
        self.rejected_table.setVisible(bool(result.rejected))
        self.rejected_table.setRowCount(len(result.rejected))
        for row, item in enumerate(result.rejected):
            for column, value in enumerate((str(item.row), item.value, item.reason)):
                cell = QTableWidgetItem(value)
                cell.setToolTip(value)
                self.rejected_table.setItem(row, column, cell)
        self.rejected_table.resizeRowsToContents()
        self.imported.emit(result)


class ContactsWindow(QDialog):
    """The team's contact lists and their contacts."""

    def __init__(
        self, bridge: Bridge, store: Store, team_id: int, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.bridge, self.store, self.team_id = bridge, store, team_id
        self.setWindowTitle("Contacts")
        fit_to_screen(self, 900, 560)
        outer = QVBoxLayout(self)
        self.banner = Banner(tone="error", closable=True)
        self.banner.hide()
        outer.addWidget(self.banner)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        outer.addWidget(splitter, 1)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        lists_title = QLabel("Lists")
        lists_title.setObjectName("sectionTitle")
        left_layout.addWidget(lists_title)
        self.lists = QListWidget()
        left_layout.addWidget(self.lists, 1)
        row = QHBoxLayout()
        self.new_list_button = QPushButton("New list…")
        self.import_button = QPushButton("Import CSV…")
        row.addWidget(self.new_list_button)
        row.addWidget(self.import_button)
        left_layout.addLayout(row)
        splitter.addWidget(left)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        self.list_title = QLabel("No list selected")
        self.list_title.setObjectName("sectionTitle")
        right_layout.addWidget(self.list_title)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search by address or name")
        right_layout.addWidget(self.search)
        self.model = ContactTableModel(self, runner=self._read_page)
        self.table = row_table(self.model, single=True)
        # Fixed row heights and column widths: the view never measures a million rows.
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setAccessibleName("Contacts of the selected list")
        right_layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.add_button = QPushButton("Add…")
        self.remove_button = QPushButton("Remove")
        self.unsubscribe_button = QPushButton("Unsubscribe")
        self.export_button = QPushButton("Export CSV…")
        for button in (
            self.add_button,
            self.remove_button,
            self.unsubscribe_button,
            self.export_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)
        right_layout.addLayout(buttons)
        splitter.addWidget(right)
        splitter.setSizes([260, 640])

        self.lists.currentItemChanged.connect(lambda *_: self.load_contacts())
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.load_contacts)
        self.search.textChanged.connect(lambda *_: self._search_timer.start())
        self._reads = 0  # bumped by each load_contacts: older answers are dropped
        self._counts: dict[str, contacts.ListInfo] = {}
        self.new_list_button.clicked.connect(self._new_list)
        self.import_button.clicked.connect(self._choose_import)
        self.add_button.clicked.connect(self._add)
        self.remove_button.clicked.connect(self._remove)
        self.unsubscribe_button.clicked.connect(self._unsubscribe)
        self.export_button.clicked.connect(self._export)
        selection = self.table.selectionModel()
        selection.selectionChanged.connect(lambda *_: self._update_buttons())
        self.model.modelReset.connect(self._update_buttons)
        close_on_ctrl_w(self)
        self._update_buttons()
        self.load_lists()

    def hideEvent(self, event: QHideEvent) -> None:
        """Closing: a search still waiting for the typing to stop is dropped."""
        self._search_timer.stop()
        super().hideEvent(event)

    # --- reading ----------------------------------------------------------------------

    @property
    def current_list(self) -> str | None:
        """The selected list's name."""
        item = self.lists.currentItem()
        return None if item is None else str(item.data(Qt.ItemDataRole.UserRole))

    def load_lists(self, select: str | None = None) -> None:
        """Re-read the lists (off the GUI thread): names first, then their counts."""
        wanted = select or self.current_list
        # Counting a list of a million contacts takes a moment: the names and the first page
        # show without waiting for it.
        self._run(
            contacts.list_names,
            label="Reading contact lists",
            on_success=lambda names: self._show_lists(names, wanted),
        )
        self._run(contacts.list_lists, label="Counting contacts", on_success=self._show_counts)

    def _show_lists(self, names: list[str], wanted: str | None) -> None:
        self.lists.blockSignals(True)
        self.lists.clear()
        chosen = 0
        for index, name in enumerate(names):
            item = QListWidgetItem(name)
            item.setData(Qt.ItemDataRole.UserRole, name)
            self.lists.addItem(item)
            if wanted and name.lower() == wanted.lower():
                chosen = index
        self.lists.blockSignals(False)
        if names:
            self.lists.setCurrentRow(chosen)
        self._counted()
        self.load_contacts()

    def _show_counts(self, lists: list[contacts.ListInfo]) -> None:
        self._counts = {info.name.lower(): info for info in lists}
        self._counted()

    def _counted(self) -> None:
        """Put the counts on the list items and in the title, once both have arrived."""
        for row in range(self.lists.count()):
            item = self.lists.item(row)
            info = self._counts.get(str(item.data(Qt.ItemDataRole.UserRole)).lower())
            if info is not None:
                item.setText(f"{info.name}\n{info.subscribed} subscribed")
        self._show_title()

    def _show_title(self) -> None:
        name = self.current_list
        if name is None:
            self.list_title.setText("No list yet: create one or import a CSV file")
            return
        info = self._counts.get(name.lower())
        self.list_title.setText(
            name
            if info is None
            else f"{info.name}: {info.subscribed} subscribed, {info.unsubscribed} unsubscribed"
        )

    def load_contacts(self) -> None:
        """Re-read the selected list's first page (more as the view scrolls)."""
        self._search_timer.stop()
        self._reads += 1
        name = self.current_list
        self._update_buttons()
        self._show_title()
        if name is None:
            self.model.load(None)
            return
        store, team_id, search = self.store, self.team_id, self.search.text()

        def page(after_id: int | None, limit: int) -> list[contacts.ContactInfo]:
            return contacts.list_contacts(
                store, team_id, name, after_id=after_id, limit=limit, search=search
            )

        read = self._reads
        self.bridge.run(
            page,
            None,
            PAGE_SIZE,
            label="Reading contacts",
            on_success=lambda rows: self._show_contacts(read, page, rows),
            on_failure=self._show_error,
        )

    def _read_page(self, read: Any, done: Any) -> None:
        self.bridge.run(
            read, label="Reading contacts", on_success=done, on_failure=self._show_error
        )

    def _show_contacts(self, read: int, page: Any, rows: list[contacts.ContactInfo]) -> None:
        if read != self._reads:
            return  # another list or search was asked for since
        self.model.load(page, rows)
        self._update_buttons()

    def _selected_email(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        contact = self.model.contact(rows[0].row()) if rows else None
        return None if contact is None else contact.email

    def _update_buttons(self) -> None:
        has_list = self.current_list is not None
        for button in (self.add_button, self.export_button):
            button.setEnabled(has_list)
        # They act on the selected contact: without one they would do nothing.
        chosen = has_list and self._selected_email() is not None
        for button in (self.remove_button, self.unsubscribe_button):
            button.setEnabled(chosen)

    def _show_error(self, error: SesdeskError) -> None:
        self.banner.set_message(error.message, error.hint)
        self.banner.show()

    def _changed(self, _: object = None) -> None:
        self.banner.hide()
        self.load_lists()

    def _run(self, fn: Callable[..., Any], *args: Any, label: str, on_success: Any) -> None:
        """`fn(store, team_id, *args)` off the GUI thread; a failure shows in the banner."""
        self.bridge.run(
            fn,
            self.store,
            self.team_id,
            *args,
            label=label,
            on_success=on_success,
            on_failure=self._show_error,
        )

    def _change(self, fn: Callable[..., Any], *args: Any, label: str) -> None:
        """`fn(store, team_id, *args)` changes a contact: then the lists are read again."""
        self.bridge.run(
            fn,
            self.store,
            self.team_id,
            *args,
            label=label,
            changes=self.team_id,
            on_success=self._changed,
            on_failure=self._show_error,
        )

    # --- actions ----------------------------------------------------------------------

    def _new_list(self) -> None:
        name, ok = QInputDialog.getText(self, "New list", "Name of the new list:")
        if ok and name.strip():
            self._run(
                contacts.create_list,
                name,
                label="Creating the list",
                on_success=lambda info: self.load_lists(select=info.name),
            )

    def _choose_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import contacts", "", "CSV files (*.csv *.txt);;All files (*)"
        )
        if path:
            self.open_import(Path(path))

    def open_import(self, path: Path) -> ImportDialog:
        """Open the import dialog for `path` (into the selected list by default)."""
        dialog = ImportDialog(
            self.bridge, self.store, self.team_id, path, self.current_list or "", parent=self
        )
        dialog.imported.connect(lambda result: self.load_lists(select=result.list_name))
        dialog.show()
        return dialog

    def _add(self) -> None:
        name = self.current_list
        if name is None:
            return
        dialog = AddContactDialog(self)
        self.add_dialog = dialog

        def submit() -> None:
            # The dialog stays open until the contact is stored: a refused address is
            # explained under the field, with what was typed still there.
            self.bridge.run(
                contacts.add_contact,
                self.store,
                self.team_id,
                name,
                dialog.email_edit.text(),
                dialog.name_edit.text() or None,
                label="Adding a contact",
                changes=self.team_id,
                on_success=lambda _added: self._added(dialog),
                on_failure=dialog.refused,
            )

        dialog.submit = submit
        dialog.open()

    def _added(self, dialog: AddContactDialog) -> None:
        dialog.added()
        self._changed()

    def _remove(self) -> None:
        name, email = self.current_list, self._selected_email()
        if name is None or email is None:
            return
        answer = QMessageBox.question(self, "Remove contact", f"Remove {email} from {name}?")
        if answer == QMessageBox.StandardButton.Yes:
            self._change(contacts.remove_contact, name, email, label="Removing a contact")

    def _unsubscribe(self) -> None:
        name, email = self.current_list, self._selected_email()
        if name is None or email is None:
            return
        self._change(contacts.set_subscribed, name, email, False, label="Unsubscribing a contact")

    def _export(self) -> None:
        name = self.current_list
        if name is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export contacts", f"{name}.csv", "CSV (*.csv)")
        if path:
            self.bridge.run(
                lambda: contacts.export_csv(self.store, self.team_id, name, Path(path), excel=True),
                label="Exporting contacts",
                on_failure=self._show_error,
            )


class AddContactDialog(QDialog):
    """One new contact: address and name; Escape asks before dropping a typed address."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add a contact")
        self.setMinimumWidth(420)  # room for an address and the reason it was refused
        form = QFormLayout(self)
        self.email_edit = QLineEdit()
        self.email_edit.setPlaceholderText("name@example.com")
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("optional")
        self.problem_label = error_label()
        form.addRow("Email address:", self.email_edit)
        form.addRow("", self.problem_label)
        form.addRow("Name:", self.name_edit)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Add")
        self.ok_button.setEnabled(False)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.email_edit.textChanged.connect(self._email_edited)
        #: Stores the contact (the Contacts window sets it); None: Add just closes.
        self.submit: Callable[[], None] | None = None
        self.discard_guard = DiscardGuard(
            self,
            "this contact",
            lambda: bool(self.email_edit.text().strip() or self.name_edit.text().strip()),
        )

    def reject(self) -> None:
        """Escape, Cancel or closing: ask first when something was typed."""
        if self.discard_guard.allow_reject():
            super().reject()

    def _email_edited(self, text: str) -> None:
        self.ok_button.setEnabled(bool(text.strip()))
        self.problem_label.hide()

    def accept(self) -> None:
        """Add: store the contact first; the dialog closes once it is stored."""
        if self.submit is None:
            super().accept()
            return
        self.ok_button.setEnabled(False)
        self.submit()

    def added(self) -> None:
        """The contact is stored: close."""
        self.discard_guard.reset()
        super().accept()

    def refused(self, error: SesdeskError) -> None:
        """Say why under the address, keep what was typed, and let it be corrected."""
        self.problem_label.setText(window_words(error))
        self.problem_label.show()
        self.adjustSize()  # the reason is read whole, not cut at the dialog's first height
        self.ok_button.setEnabled(bool(self.email_edit.text().strip()))
        self.email_edit.setFocus()
        self.email_edit.selectAll()
