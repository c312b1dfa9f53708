"""A lazy table model for one contact list: it holds only the rows the view has scrolled to
and asks for the next page (by the last id it has, so every page is an index range) when
the view needs more. A list of a million contacts opens as fast as a list of ten.

The loaded rows are kept as plain tuples of strings, numbers and times, which the garbage
collector stops tracking after its first look: a full collection walks every tracked object
while holding the GIL, so rows kept as objects would make each one longer (a full pass over
~100,000 objects took 50-130 ms on a 2-core machine, a visible stall while scrolling) the
further the user scrolls.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import Any, TypeAlias

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from sesdesk.services.contacts import ContactInfo

PAGE_SIZE = 500
COLUMNS = ("Email", "Name", "Status")

Index: TypeAlias = QModelIndex | QPersistentModelIndex
#: (after_id, limit) -> the next contacts with an id above `after_id`, in id order.
PageLoader: TypeAlias = Callable[[int | None, int], list[ContactInfo]]
#: Runs the page read and hands its rows to the callback (the window: off the GUI thread).
Runner: TypeAlias = Callable[
    [Callable[[], list[ContactInfo]], Callable[[list[ContactInfo]], None]], None
]


#: ContactInfo's fields in order, as a tuple the garbage collector need not walk.
Row: TypeAlias = tuple[Any, ...]
_FIELDS = tuple(f.name for f in fields(ContactInfo))
_ID = _FIELDS.index("id")


def as_row(contact: ContactInfo) -> Row:
    """`contact` as the model keeps it."""
    return tuple(getattr(contact, name) for name in _FIELDS)


def run_now(
    read: Callable[[], list[ContactInfo]], done: Callable[[list[ContactInfo]], None]
) -> None:
    """The simplest runner: read the page here and now."""
    done(read())


def status_text(contact: ContactInfo) -> str:
    """The status cell: who unsubscribed someone, and when, is part of it."""
    if contact.status != "unsubscribed" or contact.unsubscribed_at is None:
        return contact.status
    when = contact.unsubscribed_at.astimezone().strftime("%Y-%m-%d %H:%M")
    via = "via SES unsubscribe link, " if contact.source == "ses" else ""
    return f"unsubscribed ({via}{when})"


class ContactTableModel(QAbstractTableModel):
    """Contacts as rows, fetched a page at a time through `canFetchMore` / `fetchMore`."""

    #: A page arrived (also the first one after `load`).
    page_loaded = Signal()

    def __init__(
        self, parent: Any = None, *, runner: Runner = run_now, page_size: int = PAGE_SIZE
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.page_size = page_size
        self._rows: list[Row] = []
        self._loader: PageLoader | None = None
        self._exhausted = True
        self._fetching = False
        # Bumped by every load: a page read for an older list or search is dropped.
        self._generation = 0

    def load(self, loader: PageLoader | None, first_page: list[ContactInfo] | None = None) -> None:
        """Show another list or search: `first_page` when already read, else read it now."""
        self.beginResetModel()
        self._generation += 1
        self._loader = loader
        self._rows = []
        self._exhausted = loader is None
        self._fetching = False
        self.endResetModel()
        if first_page is not None:
            self._arrived(self._generation, first_page)
        elif loader is not None:
            self._fetch()

    def contact(self, row: int) -> ContactInfo | None:
        """The contact shown in `row`, if that row is loaded."""
        return ContactInfo(*self._rows[row]) if 0 <= row < len(self._rows) else None

    @property
    def complete(self) -> bool:
        """Every row of the list (or search) is loaded."""
        return self._exhausted

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        """The rows loaded so far."""
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        """Email, name, status."""
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Column titles."""
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section] if 0 <= section < len(COLUMNS) else None
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell text."""
        if not index.isValid() or role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
        ):
            return None
        contact = self.contact(index.row())
        if contact is None:
            return None
        return (contact.email, contact.name or "", status_text(contact))[index.column()]

    def canFetchMore(self, parent: Index) -> bool:
        """More rows exist and none are being read."""
        return not parent.isValid() and not self._exhausted and not self._fetching

    def fetchMore(self, parent: Index) -> None:
        """Read the next page."""
        if self.canFetchMore(parent):
            self._fetch()

    def _fetch(self) -> None:
        loader = self._loader
        if loader is None:
            return
        self._fetching = True
        generation = self._generation
        after = self._rows[-1][_ID] if self._rows else None
        size = self.page_size
        self.runner(lambda: loader(after, size), lambda page: self._arrived(generation, page))

    def _arrived(self, generation: int, page: list[ContactInfo]) -> None:
        if generation != self._generation:
            return
        self._fetching = False
        if len(page) < self.page_size:
            self._exhausted = True
        if page:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
            self._rows.extend(as_row(contact) for contact in page)
            self.endInsertRows()
        self.page_loaded.emit()
