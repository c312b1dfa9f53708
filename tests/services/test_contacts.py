"""Contact lists: CSV import (encodings, quoting, columns, per-row errors, de-duplication),
export, and changes by hand; the local suppression list."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from sesdesk.errors import BadInput, NotFound
from sesdesk.services import contacts
from sesdesk.services.feedback import suppression
from sesdesk.services.teams import create_team


@pytest.fixture
def team_id(store) -> int:
    return create_team(store, "acme").id


def write(tmp_path: Path, data: bytes | str, name: str = "list.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def test_import_with_bom_excel_quoting_and_multiline_fields(store, team_id, tmp_path):
    path = write(
        tmp_path,
        b"\xef\xbb\xbfE-mail,Name\r\n"
        b'ana@example.com,"Ana ""the boss"" Silva"\r\n'
        b'bo@example.com,"Bo\r\nBerg"\r\n'
        b"clea@ex\xc3\xa4mple.com,Cl\xc3\xa9a\r\n",  # SES takes an accented domain only
    )
    result = contacts.import_csv(store, team_id, "customers", path)
    assert (result.imported, result.duplicates, result.rejected) == (3, 0, [])
    rows = contacts.list_contacts(store, team_id, "customers")
    assert [(r.email, r.name) for r in rows] == [
        ("ana@example.com", 'Ana "the boss" Silva'),
        ("bo@example.com", "Bo Berg"),
        ("clea@exämple.com", "Cléa"),
    ]


def test_rejected_rows_carry_spreadsheet_row_numbers_and_reasons(store, team_id, tmp_path):
    path = write(
        tmp_path,
        "email,name\n"
        "ok@example.com,Ok\n"  # row 2
        "no-at-sign,Bad\n"  # row 3
        "\n"  # blank lines are skipped, but still counted as rows
        "a@b,NoTld\n"  # row 5
        ",Nameless\n"  # row 6
        "two@@example.com,Two\n",  # row 7
    )
    result = contacts.import_csv(store, team_id, "l", path)
    assert result.imported == 1
    assert [(r.row, r.value) for r in result.rejected] == [
        (3, "no-at-sign"),
        (5, "a@b"),
        (6, ""),
        (7, "two@@example.com"),
    ]
    assert result.rejected[2].reason == "no email address"
    assert all(r.reason for r in result.rejected)


def test_duplicates_are_found_ignoring_case_in_the_file_and_in_the_list(store, team_id, tmp_path):
    contacts.create_list(store, team_id, "l")
    contacts.add_contact(store, team_id, "l", "Old@Example.com")
    path = write(tmp_path, "email\nnew@example.com\nNEW@example.com\nold@example.COM\n")
    result = contacts.import_csv(store, team_id, "L", path)
    assert (result.imported, result.duplicates) == (1, 2)
    assert contacts.get_list(store, team_id, "l").subscribed == 2


def test_columns_are_chosen_by_name_or_number_and_semicolons_are_understood(
    store, team_id, tmp_path
):
    path = write(tmp_path, "id;work address;who\n1;w@example.com;Wendy\n")
    preview = contacts.preview_csv(path)
    assert preview.columns == ["id", "work address", "who"]
    assert preview.delimiter == ";" and preview.email_column is None
    with pytest.raises(BadInput) as missing:
        contacts.import_csv(store, team_id, "l", path)
    assert missing.value.field == "--email-column"
    result = contacts.import_csv(store, team_id, "l", path, email_column="2", name_column="who")
    assert result.imported == 1
    assert contacts.list_contacts(store, team_id, "l")[0].name == "Wendy"
    with pytest.raises(BadInput, match="no column called 'mail'"):
        contacts.import_csv(store, team_id, "l", path, email_column="mail")


def test_a_file_that_is_not_utf8_is_refused_whole(store, team_id, tmp_path):
    path = write(tmp_path, b"email,name\nok@example.com,Ok\nj\xe9@example.com,Latin-1\n")
    with pytest.raises(BadInput, match="not UTF-8") as refused:
        contacts.import_csv(store, team_id, "l", path)
    assert refused.value.field == "file"
    assert contacts.list_lists(store, team_id) == []  # nothing half-imported


def test_an_empty_file_and_a_missing_file_are_refused(store, team_id, tmp_path):
    with pytest.raises(BadInput, match="empty"):
        contacts.import_csv(store, team_id, "l", write(tmp_path, ""))
    with pytest.raises(BadInput, match="cannot read"):
        contacts.import_csv(store, team_id, "l", tmp_path / "nope.csv")


def test_export_round_trips_and_defuses_formulas_for_excel(store, team_id, tmp_path):
    contacts.create_list(store, team_id, "l")
    contacts.add_contact(store, team_id, "l", "x@example.com", "=HYPERLINK(1)")
    contacts.add_contact(store, team_id, "l", "y@example.com")
    contacts.set_subscribed(store, team_id, "l", "Y@example.com", subscribed=False)
    plain = tmp_path / "plain.csv"
    assert contacts.export_csv(store, team_id, "l", plain) == 2
    with plain.open(encoding="utf-8", newline="") as handle:
        assert list(csv.reader(handle)) == [
            ["email", "name", "status"],
            ["x@example.com", "=HYPERLINK(1)", "subscribed"],
            ["y@example.com", "", "unsubscribed"],
        ]
    excel = tmp_path / "excel.csv"
    contacts.export_csv(store, team_id, "l", excel, excel=True)
    raw = excel.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"'=HYPERLINK(1)" in raw
    again = contacts.import_csv(store, team_id, "copy", plain)
    assert again.imported == 2


def test_add_remove_unsubscribe_by_hand(store, team_id):
    contacts.create_list(store, team_id, "l")
    added = contacts.add_contact(store, team_id, "l", " Ann@Example.com ", "  Ann   Lee ")
    assert (added.email, added.name, added.status) == ("Ann@Example.com", "Ann Lee", "subscribed")
    with pytest.raises(BadInput, match="already in the list"):
        contacts.add_contact(store, team_id, "l", "ann@example.com")
    with pytest.raises(BadInput) as bad:
        contacts.add_contact(store, team_id, "l", "not an address")
    assert bad.value.field == "email"
    contacts.set_subscribed(store, team_id, "l", "ANN@example.com", subscribed=False)
    info = contacts.get_list(store, team_id, "l")
    assert (info.subscribed, info.unsubscribed) == (0, 1)
    contacts.remove_contact(store, team_id, "l", "ann@example.com")
    with pytest.raises(NotFound):
        contacts.remove_contact(store, team_id, "l", "ann@example.com")
    with pytest.raises(NotFound):
        contacts.get_list(store, team_id, "nope")
    with pytest.raises(BadInput, match="already exists"):
        contacts.create_list(store, team_id, "L")


def test_suppression_list_is_per_team_and_case_insensitive(store, team_id):
    other = create_team(store, "other").id
    assert suppression.suppress(store, team_id, "Bounce@Example.com", "bounce") is True
    assert suppression.suppress(store, team_id, "bounce@example.com") is False
    assert [s.email for s in suppression.list_suppressions(store, team_id)] == [
        "bounce@example.com"
    ]
    assert suppression.list_suppressions(store, other) == []
    with pytest.raises(BadInput):
        suppression.suppress(store, team_id, "x@example.com", "spite")
    assert suppression.unsuppress(store, team_id, "BOUNCE@example.com") is True
    assert suppression.unsuppress(store, team_id, "bounce@example.com") is False


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("a@example.com", True),
        ("first.last+tag@sub.example.co.uk", True),
        ("user@例子.广告", True),
        ("用户@例子.广告", False),  # SES has no SMTPUTF8
        ("a@b", False),
        ("a@", False),
        ("@example.com", False),
        ("a b@example.com", False),
        ("a@exa_mple.com", False),
        ("x" * 65 + "@example.com", False),
    ],
)
def test_email_problem(value, ok):
    assert (contacts.email_problem(value) is None) is ok


def test_pages_by_last_id_follow_the_order_they_were_added(store, team_id, tmp_path):
    lines = "".join(f"p{i}@example.com,P{i}\n" for i in range(25))
    contacts.import_csv(store, team_id, "l", write(tmp_path, "email,name\n" + lines))
    seen: list[str] = []
    after: int | None = None
    while True:
        page = contacts.list_contacts(store, team_id, "l", after_id=after, limit=10)
        if not page:
            break
        seen += [c.email for c in page]
        after = page[-1].id
    assert seen == [f"p{i}@example.com" for i in range(25)]
    searched = contacts.list_contacts(store, team_id, "l", after_id=None, limit=10, search="p2")
    assert [c.email for c in searched][:2] == ["p2@example.com", "p20@example.com"]


def _import_peak(store, team_id, tmp_path, rows: int) -> int:
    import tracemalloc

    lines = "".join(f"user{i}@example.com,U{i}\n" for i in range(rows))
    path = write(tmp_path, "email,name\n" + lines, name=f"{rows}.csv")
    tracemalloc.start()
    try:
        result = contacts.import_csv(store, team_id, f"list {rows}", path)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        assert result.imported == rows


def test_import_memory_does_not_grow_with_the_file(store, team_id, tmp_path):
    # De-duplication happens in the database: a 5× longer file needs no more memory.
    small = _import_peak(store, team_id, tmp_path, 12_000)
    big = _import_peak(store, team_id, tmp_path, 60_000)
    assert big < small * 1.5, (small, big)


def test_duplicates_within_one_batch_and_across_batches(store, team_id, tmp_path, monkeypatch):
    monkeypatch.setattr(contacts, "_INSERT_CHUNK", 3)
    contacts.create_list(store, team_id, "l")
    contacts.add_contact(store, team_id, "l", "Old@Example.com")
    path = write(
        tmp_path,
        "email\na@example.com\nA@EXAMPLE.COM\nb@example.com\nold@example.com\n"
        "c@example.com\nB@example.com\nnot-an-address\n",
    )
    result = contacts.import_csv(store, team_id, "l", path)
    assert (result.imported, result.duplicates, len(result.rejected)) == (3, 3, 1)
    emails = [c.email for c in contacts.list_contacts(store, team_id, "l")]
    assert emails == ["Old@Example.com", "a@example.com", "b@example.com", "c@example.com"]


def test_a_failed_import_stores_nothing(store, team_id, tmp_path, monkeypatch):
    monkeypatch.setattr(contacts, "_INSERT_CHUNK", 5)  # batches are written before the error
    contacts.create_list(store, team_id, "l")
    good = "".join(f"g{i}@example.com\n" for i in range(20))
    path = write(tmp_path, b"email\n" + good.encode() + b"bad\xff@example.com\n")
    with pytest.raises(BadInput, match="not UTF-8"):
        contacts.import_csv(store, team_id, "l", path)
    assert contacts.get_list(store, team_id, "l").total == 0
