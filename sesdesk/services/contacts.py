"""Contact lists: CSV import and export, add / remove / unsubscribe by hand. (The team's
suppression list is services/feedback/suppression.py.)

Import reads UTF-8 (with or without the BOM Excel writes) with Excel's quoting rules, takes
the email and name from columns the user picks, de-duplicates ignoring case (within the file
and against the list) and reports each refused row with its spreadsheet row number (the
header is row 1). It streams the file and writes in one transaction: all of it or none.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Generator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import func, select

from sesdesk.errors import BadInput, NotAllowed, NotFound
from sesdesk.models import Store, Team, utcnow
from sesdesk.models.sending import (
    SOURCE_LOCAL,
    SOURCE_SES,
    SUBSCRIBED,
    UNSUBSCRIBED,
    Contact,
    ContactList,
)

# The address rule lives in services.addresses; these names stay importable from here.
from sesdesk.services.addresses import UnsendableAddress as UnsendableAddress
from sesdesk.services.addresses import email_problem
from sesdesk.services.addresses import sendable_address as sendable_address
from sesdesk.services.contact_writer import contact_writer, count_contacts

MAX_LIST_NAME = 200
MAX_NAME = 200
_INSERT_CHUNK = 5000

EMAIL_HEADERS = ("email", "e-mail", "email address", "e-mail address", "mail", "emailaddress")
NAME_HEADERS = ("name", "full name", "fullname", "first name", "firstname", "given name")


def clean_email(value: str, *, field_name: str = "email") -> str:
    """The address trimmed, or BadInput naming `field_name` and the problem."""
    cleaned = value.strip()
    problem = email_problem(cleaned)
    if problem:
        raise BadInput(field_name, f"{cleaned!r} is {problem}" if cleaned else problem)
    return cleaned


# --------------------------------------------------------------------------- lists


@dataclass(frozen=True)
class ListInfo:
    """A contact list and how many contacts it holds."""

    id: int
    name: str
    subscribed: int
    unsubscribed: int

    @property
    def total(self) -> int:
        """Every contact in the list."""
        return self.subscribed + self.unsubscribed


@dataclass(frozen=True)
class ContactInfo:
    """One contact as the window and the CLI show it."""

    id: int
    email: str
    name: str | None
    status: str
    created_at: datetime
    unsubscribed_at: datetime | None = None
    source: str | None = None  # who unsubscribed it: "local" or "ses" (its unsubscribe link)

    @classmethod
    def of(cls, row: Contact) -> ContactInfo:
        """The view of a stored contact."""
        created, source = row.created_at, row.unsubscribe_source
        return cls(row.id, row.email, row.name, row.status, created, row.unsubscribed_at, source)


# ContactInfo's fields, in order.
_INFO_COLUMNS = (
    Contact.id,
    Contact.email,
    Contact.name,
    Contact.status,
    Contact.created_at,
    Contact.unsubscribed_at,
    Contact.unsubscribe_source,
)


def _clean_list_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise BadInput("list", "a list needs a name")
    if len(cleaned) > MAX_LIST_NAME:
        raise BadInput("list", f"at most {MAX_LIST_NAME} characters (got {len(cleaned)})")
    return cleaned


def require_team(session: Any, team_id: int) -> None:
    """NotFound (field `team`) unless the team exists."""
    if session.get(Team, team_id) is None:
        raise NotFound("team", f"no team with id {team_id}")


def _list_row(session: Any, team_id: int, name: str) -> ContactList | None:
    return session.scalar(
        select(ContactList).where(
            ContactList.team_id == team_id, func.lower(ContactList.name) == name.lower()
        )
    )


def _require_list(session: Any, team_id: int, name: str) -> ContactList:
    row = _list_row(session, team_id, _clean_list_name(name))
    if row is None:
        raise NotFound("list", f"no contact list called {name!r} in this team")
    return row


def _list_info(session: Any, row: ContactList) -> ListInfo:
    counts = dict(
        session.execute(
            select(Contact.status, func.count())
            .where(Contact.list_id == row.id)
            .group_by(Contact.status)
        ).all()
    )
    return ListInfo(
        row.id, row.name, int(counts.get(SUBSCRIBED, 0)), int(counts.get(UNSUBSCRIBED, 0))
    )


def list_lists(store: Store, team_id: int) -> list[ListInfo]:
    """The team's contact lists, by name, with their counts."""
    with store.session() as session:
        rows = session.scalars(
            select(ContactList)
            .where(ContactList.team_id == team_id)
            .order_by(func.lower(ContactList.name))
        ).all()
        return [_list_info(session, row) for row in rows]


def list_names(store: Store, team_id: int) -> list[str]:
    """The team's contact list names, by name (no counting: instant for any list size)."""
    with store.session() as session:
        return list(
            session.scalars(
                select(ContactList.name)
                .where(ContactList.team_id == team_id)
                .order_by(func.lower(ContactList.name))
            )
        )


def get_list(store: Store, team_id: int, name: str) -> ListInfo:
    """One list by name (case-insensitive), or NotFound."""
    with store.session() as session:
        return _list_info(session, _require_list(session, team_id, name))


def create_list(store: Store, team_id: int, name: str) -> ListInfo:
    """A new empty list; BadInput when the name is taken."""
    cleaned = _clean_list_name(name)
    with store.session() as session:
        require_team(session, team_id)
        if _list_row(session, team_id, cleaned) is not None:
            raise BadInput("list", f"a list called {cleaned!r} already exists")
        row = ContactList(team_id=team_id, name=cleaned)
        session.add(row)
        session.flush()
        return ListInfo(row.id, row.name, 0, 0)


# --------------------------------------------------------------------------- contacts


def add_contact(
    store: Store, team_id: int, list_name: str, email: str, name: str | None = None
) -> ContactInfo:
    """Add one address by hand; BadInput when invalid or already in the list."""
    address = clean_email(email)
    display = _clean_name(name)
    with store.session() as session:
        lst = _require_list(session, team_id, list_name)
        existing = session.scalar(
            select(Contact).where(Contact.list_id == lst.id, Contact.email_lower == address.lower())
        )
        if existing is not None:
            raise BadInput("email", f"{address} is already in the list {lst.name!r}")
        row = Contact(list_id=lst.id, email=address, email_lower=address.lower(), name=display)
        session.add(row)
        session.flush()
        return ContactInfo.of(row)


def _clean_name(name: str | None) -> str | None:
    if name is None:
        return None
    cleaned = " ".join(name.split())
    if len(cleaned) > MAX_NAME:
        raise BadInput("name", f"at most {MAX_NAME} characters (got {len(cleaned)})")
    return cleaned or None


def _require_contact(session: Any, team_id: int, list_name: str, email: str) -> Contact:
    lst = _require_list(session, team_id, list_name)
    row = session.scalar(
        select(Contact).where(
            Contact.list_id == lst.id, Contact.email_lower == email.strip().lower()
        )
    )
    if row is None:
        raise NotFound("email", f"{email.strip()} is not in the list {lst.name!r}")
    return row


def remove_contact(store: Store, team_id: int, list_name: str, email: str) -> None:
    """Remove an address from a list."""
    with store.session() as session:
        session.delete(_require_contact(session, team_id, list_name, email))


def set_subscribed(
    store: Store, team_id: int, list_name: str, email: str, subscribed: bool
) -> ContactInfo:
    """Unsubscribe (or re-subscribe) an address: unsubscribed contacts get no broadcasts.

    SES hears of it at the next sync or poll. Someone who unsubscribed through SES's link is
    not subscribed again by hand: only they can (NotAllowed).
    """
    with store.session() as session:
        row = _require_contact(session, team_id, list_name, email)
        if subscribed and row.status == UNSUBSCRIBED and row.unsubscribe_source == SOURCE_SES:
            raise NotAllowed(
                f"{row.email} unsubscribed through the unsubscribe link; only they can "
                "subscribe again (by signing up anew).",
            )
        if subscribed and row.status == UNSUBSCRIBED:
            row.status, row.unsubscribed_at, row.unsubscribe_source = SUBSCRIBED, None, None
        elif not subscribed and row.status == SUBSCRIBED:
            row.status, row.unsubscribed_at, row.unsubscribe_source = (
                UNSUBSCRIBED,
                utcnow(),
                SOURCE_LOCAL,
            )
        return ContactInfo.of(row)


def list_contacts(
    store: Store,
    team_id: int,
    list_name: str,
    *,
    offset: int = 0,
    limit: int | None = None,
    search: str = "",
    after_id: int | None = None,
) -> list[ContactInfo]:
    """Contacts of a list in the order they were added; a page of them when `limit` is set.

    `after_id` starts the page after that contact: a range of the (list_id, id) index, as
    fast at the millionth contact as at the first (an offset is counted row by row).
    """
    with store.session() as session:
        lst = _require_list(session, team_id, list_name)
        # Plain columns, not entities: a page of 500 is read off the GUI thread, and every
        # object made there holds the GIL the window needs to paint.
        query = select(*_INFO_COLUMNS).where(Contact.list_id == lst.id).order_by(Contact.id)
        if after_id is not None:
            query = query.where(Contact.id > after_id)
        if search:
            pattern = f"%{search.strip().lower()}%"
            query = query.where(
                Contact.email_lower.like(pattern) | func.lower(Contact.name).like(pattern)
            )
        query = query.offset(offset)
        if limit is not None:
            query = query.limit(limit)
        return [ContactInfo(*r) for r in session.execute(query)]


# --------------------------------------------------------------------------- CSV


@dataclass(frozen=True)
class RejectedRow:
    """A CSV row that was not imported: its row number (header = 1), the value, why."""

    row: int
    value: str
    reason: str


@dataclass
class ImportResult:
    """What an import did, in the shape `contacts import --json` prints."""

    list_id: int
    list_name: str
    imported: int = 0
    duplicates: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The `--json` document."""
        return {
            "imported": self.imported,
            "duplicates": self.duplicates,
            "rejected": [
                {"row": r.row, "value": r.value, "reason": r.reason} for r in self.rejected
            ],
            "list": self.list_name,
        }


@dataclass(frozen=True)
class CsvPreview:
    """The header, a few rows and the guessed columns, for the import dialog."""

    columns: list[str]
    email_column: int | None
    name_column: int | None
    sample: list[list[str]]
    delimiter: str


def _open_text(path: Path) -> IO[str]:
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise BadInput("file", f"cannot read {path}: {exc.strerror}") from None
    # utf-8-sig: Excel's "CSV UTF-8" starts with a BOM; plain UTF-8 files do not.
    return io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")


def _sniff_delimiter(header_line: str) -> str:
    # Excel writes ';' where the decimal separator is a comma; tabs come from "Text" exports.
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _rows(path: Path) -> Generator[tuple[int, list[str], str], None, None]:
    """(row number, cells, delimiter) for every record, header first; BadInput on bad bytes."""
    handle = _open_text(path)
    row_number = 0
    try:
        with handle:
            try:
                first = handle.readline()
            except UnicodeDecodeError:
                raise _not_utf8(path, 1) from None
            delimiter = _sniff_delimiter(first)
            # seek(0) resets the decoder, which skips the BOM again.
            handle.seek(0)
            reader = csv.reader(handle, dialect="excel", delimiter=delimiter)
            while True:
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except UnicodeDecodeError:
                    raise _not_utf8(path, row_number + 1) from None
                except csv.Error as exc:
                    raise BadInput(
                        "file", f"{path.name} row {row_number + 1} cannot be read as CSV: {exc}"
                    ) from None
                row_number += 1
                yield row_number, cells, delimiter
    except OSError as exc:
        raise BadInput("file", f"cannot read {path}: {exc.strerror}") from None


def _not_utf8(path: Path, row: int) -> BadInput:
    return BadInput(
        "file",
        f"{path.name} is not UTF-8 text (first bad byte near row {row})",
        hint="Save it from your spreadsheet as 'CSV UTF-8 (comma delimited)'.",
    )


def _guess(columns: list[str], wanted: tuple[str, ...], contains: str | None) -> int | None:
    lowered = [c.strip().lower() for c in columns]
    for name in wanted:
        if name in lowered:
            return lowered.index(name)
    if contains:
        for index, value in enumerate(lowered):
            if contains in value:
                return index
    return None


def _resolve_column(columns: list[str], choice: str | int | None, what: str) -> int | None:
    if choice is None:
        return None
    if isinstance(choice, int) or (isinstance(choice, str) and choice.strip().isdigit()):
        index = int(choice) - 1  # people count columns from 1
        if not 0 <= index < len(columns):
            raise BadInput(f"--{what}-column", f"column {index + 1} does not exist")
        return index
    lowered = [c.strip().lower() for c in columns]
    if choice.strip().lower() not in lowered:
        raise BadInput(
            f"--{what}-column",
            f"no column called {choice!r} (the columns are: {', '.join(columns)})",
        )
    return lowered.index(choice.strip().lower())


def preview_csv(path: Path, *, sample: int = 5) -> CsvPreview:
    """The header and the first rows of a CSV file, with the email and name columns guessed."""
    rows = _rows(Path(path))
    try:
        first = next(rows, None)
        if first is None:
            raise BadInput("file", f"{Path(path).name} is empty")
        _, columns, delimiter = first
        data: list[list[str]] = []
        for _, cells, _ in rows:
            if any(c.strip() for c in cells):
                data.append(cells)
            if len(data) >= sample:
                break
    finally:
        rows.close()
    return CsvPreview(
        columns=columns,
        email_column=_guess(columns, EMAIL_HEADERS, "mail"),
        name_column=_guess(columns, NAME_HEADERS, None),
        sample=data,
        delimiter=delimiter,
    )


def import_csv(
    store: Store,
    team_id: int,
    list_name: str,
    path: Path,
    *,
    email_column: str | int | None = None,
    name_column: str | int | None = None,
    create: bool = True,
) -> ImportResult:
    """Import a CSV file into a list (created when missing and `create` is true).

    Columns are header names or 1-based numbers; without a choice the email column is the
    one headed "email" (or containing "mail") and the name column the one headed "name".
    """
    path = Path(path)
    rows = _rows(path)
    try:
        first = next(rows, None)
        if first is None:
            raise BadInput("file", f"{path.name} is empty: it needs a header row")
        _, columns, _ = first
        email_index = _resolve_column(columns, email_column, "email")
        if email_index is None:
            email_index = _guess(columns, EMAIL_HEADERS, "mail")
        if email_index is None:
            raise BadInput(
                "--email-column",
                f"no column looks like email addresses (the columns are: {', '.join(columns)})",
                hint="Choose the column with --email-column NAME.",
            )
        name_index = _resolve_column(columns, name_column, "name")
        if name_index is None and name_column is None:
            name_index = _guess(columns, NAME_HEADERS, None)

        with store.session() as session:
            require_team(session, team_id)
            cleaned_list = _clean_list_name(list_name)
            lst = _list_row(session, team_id, cleaned_list)
            if lst is None:
                if not create:
                    raise NotFound("list", f"no contact list called {cleaned_list!r}")
                lst = ContactList(team_id=team_id, name=cleaned_list)
                session.add(lst)
                session.flush()
            result = ImportResult(list_id=lst.id, list_name=lst.name)
            before = count_contacts(session, lst.id)
            # The list's unique (list_id, email_lower) index de-duplicates, against the list
            # and within the file, so memory stays flat however long the file is.
            writer = contact_writer(session, lst.id, utcnow())
            batch: list[tuple[str, str, str | None]] = []
            valid = 0
            for row_number, cells, _ in rows:
                if not any(c.strip() for c in cells):
                    continue  # blank lines are not rows anyone meant
                raw = cells[email_index] if email_index < len(cells) else ""
                address = raw.strip()
                problem = email_problem(address)
                if problem:
                    result.rejected.append(RejectedRow(row_number, raw[:200], problem))
                    continue
                name: str | None = None
                if name_index is not None and name_index < len(cells):
                    name = " ".join(cells[name_index].split()) or None
                    if name is not None and len(name) > MAX_NAME:
                        result.rejected.append(
                            RejectedRow(
                                row_number, raw[:200], f"name longer than {MAX_NAME} characters"
                            )
                        )
                        continue
                valid += 1
                batch.append((address, address.lower(), name))
                if len(batch) >= _INSERT_CHUNK:
                    writer.write(batch)
                    batch = []
            if batch:
                writer.write(batch)
            result.imported = count_contacts(session, lst.id) - before
            result.duplicates = valid - result.imported
            return result
    finally:
        rows.close()


def _excel_safe(value: str) -> str:
    # A cell starting with = + - @ is a formula to a spreadsheet: defuse it for Excel users.
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def export_csv(
    store: Store, team_id: int, list_name: str, path: Path, *, excel: bool = False
) -> int:
    """Write the list as CSV (email, name, status); returns the number of contacts written.

    `excel` adds the BOM Excel needs to read UTF-8 and defuses formula-like cells.
    """
    written = 0
    with store.session() as session:
        lst = _require_list(session, team_id, list_name)
        query = (
            select(Contact.email, Contact.name, Contact.status)
            .where(Contact.list_id == lst.id)
            .order_by(Contact.id)
            .execution_options(yield_per=5000)
        )
        try:
            handle = Path(path).open(  # noqa: SIM115 - closed by the with below
                "w", encoding="utf-8-sig" if excel else "utf-8", newline=""
            )
        except OSError as exc:
            raise BadInput("file", f"cannot write {path}: {exc.strerror}") from None
        with handle:
            writer = csv.writer(handle, dialect="excel")
            writer.writerow(["email", "name", "status"])
            for email, name, status in session.execute(query):
                cells = [email, name or "", status]
                writer.writerow([_excel_safe(c) for c in cells] if excel else cells)
                written += 1
    return written
