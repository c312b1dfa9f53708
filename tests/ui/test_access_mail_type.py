"""Choosing the mail type in the access wizard offers the matching template while the answers
are still the untouched template, and never replaces what the user typed; the checks page
shows no "ok" on the user's own parts while placeholders are left."""

from __future__ import annotations

from sesdesk.services.access import FieldVerdict
from tests.ui.test_access_wizard import (
    PAGE_COMPOSE,
    PAGE_DETAILS,
    _smartcart,
    next_page,
    open_wizard,
)


def test_marketing_replaces_the_untouched_otp_template(qtbot, bridge, store, sim):
    wizard = open_wizard(qtbot, bridge, store, _smartcart(store, sim))
    next_page(qtbot, wizard, PAGE_COMPOSE)
    compose = wizard.compose
    assert compose.mail_type() == "TRANSACTIONAL"
    assert compose.fields["what_you_send"].toPlainText().startswith("One-time passcodes")
    compose.type_buttons["MARKETING"].click()
    assert compose.mail_type() == "MARKETING"
    assert compose.fields["what_you_send"].toPlainText().startswith("A newsletter")
    compose.type_buttons["TRANSACTIONAL"].click()
    assert compose.fields["what_you_send"].toPlainText().startswith("One-time passcodes")

    # Typed answers stay as typed, whatever type is chosen.
    compose.fields["signup"].setPlainText("People register in our app with their own address.")
    compose.type_buttons["MARKETING"].click()
    assert compose.mail_type() == "MARKETING"
    assert compose.fields["what_you_send"].toPlainText().startswith("One-time passcodes")
    assert compose.fields["signup"].toPlainText().startswith("People register in our app")


def test_the_checks_page_shows_no_ok_on_placeholders(qtbot, bridge, store, sim):
    wizard = open_wizard(qtbot, bridge, store, _smartcart(store, sim))
    next_page(qtbot, wizard, PAGE_COMPOSE)
    next_page(qtbot, wizard, PAGE_DETAILS)
    results = {r.key: r for r in wizard.details.results()}
    assert results["placeholders"].verdict is FieldVerdict.BLOCK
    rows = wizard.details.rows
    for key in ("detail", "volume", "volume_number", "own_words"):
        assert rows[key].pill.text() == "weak", key
