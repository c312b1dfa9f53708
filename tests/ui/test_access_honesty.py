"""The production-access form starts from the user's own business with marked placeholders,
never a sample business's text, never adds claims the user did not write, and refuses a bought
list or a volume of "lots"."""

from __future__ import annotations

from PySide6.QtWidgets import QWizard

from sesdesk.services import access
from sesdesk.ui.wizards.access import PAGE_COMPOSE, PAGE_DETAILS, AccessWizard
from tests.conftest import connected_team


def test_the_form_is_about_the_bakery_and_refuses_a_bought_list(qtbot, bridge, store, sim):
    team = connected_team(
        store, sim, "Crumb Bakery", user="bakery", identity="crumb.example", verify=True
    )

    wizard = AccessWizard(bridge, store, team.team_id)
    qtbot.addWidget(wizard)
    with qtbot.waitSignal(wizard.loaded, timeout=10_000):
        wizard.show()
    wizard.next()
    assert wizard.currentId() == PAGE_COMPOSE
    compose = wizard.compose
    compose.template.setCurrentIndex(compose.template.findData("newsletter"))
    compose.template.activated.emit(compose.template.currentIndex())
    texts = {
        name: (w.toPlainText() if hasattr(w, "toPlainText") else w.text())
        for name, w in compose.fields.items()
    }
    everything = " ".join(texts.values())
    assert "SmartCart" not in everything and "grocery" not in everything
    assert texts["business"].startswith("Crumb Bakery (https://crumb.example): [replace:")
    assert "crumb.example" in texts["what_you_send"]
    next_button = wizard.button(QWizard.WizardButton.NextButton)
    wizard.next()
    rows = wizard.details.rows
    assert rows["placeholders"].pill.text() == "invalid"
    assert not next_button.isEnabled()  # placeholders left: the request would be denied
    wizard.back()

    compose.fields["business"].setPlainText("Crumb Bakery bakes bread in Ghent.")
    compose.fields["what_you_send"].setPlainText(
        "A weekly newsletter with our bread of the week. Every message has an unsubscribe link."
    )
    compose.fields["recipients"].setPlainText("Customers of the shop.")
    compose.fields["signup"].setPlainText("We bought a list of 5,000 addresses.")
    compose.fields["daily_volume"].setText("lots")
    wizard.next()
    description = wizard.details.description.toPlainText()
    assert "We bought a list of 5,000 addresses." in description
    assert "opted in" not in description  # no claim the user did not write
    assert "never buy" not in description
    checks = {r.key: r for r in access.check_form(wizard.editor.form)}
    assert "acceptable-use policy" in checks["list_source"].message
    assert rows["list_source"].pill.text() == "invalid"
    assert rows["volume_number"].pill.text() == "invalid"
    assert not next_button.isEnabled()
    wizard.back()

    compose.fields["signup"].setPlainText(
        "Customers tick a box at checkout and confirm by email; we never buy lists."
    )
    compose.fields["daily_volume"].setText("200 emails per day")
    wizard.next()
    assert wizard.currentId() == PAGE_DETAILS
    for key in ("list_source", "volume_number", "placeholders"):
        assert rows[key].pill.text() == "ok", key

    # Typed into the description itself, a bought list shows as invalid, not "weak".
    details = wizard.details
    details.description.setPlainText(
        details.description.toPlainText() + "\nWe also rented an email database."
    )
    assert rows["list_source"].pill.text() == "invalid"
    assert not next_button.isEnabled()
