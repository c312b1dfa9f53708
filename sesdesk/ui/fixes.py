"""Opens the window that fixes a "no": the one place that maps a fix to a wizard or dialog.

The dashboard's buttons, the warning banners and the menus all end here, so "Reconnect" or
"Apply for production access" opens the same wizard wherever it was pressed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QMessageBox, QWidget

from sesdesk.models.states import IdentityStatus
from sesdesk.services.gating import Fix
from sesdesk.ui.bridge import Bridge

if TYPE_CHECKING:
    from sesdesk.services.state import TeamSnapshot
    from sesdesk.ui.sending.compose import ComposeWindow

Handler = Callable[[str, int, "TeamSnapshot | None"], None]


class FixRouter:
    """Opens wizards and dialogs for one window; keeps them parented to it."""

    def __init__(
        self,
        parent: QWidget,
        bridge: Bridge,
        store: Any,
        *,
        teams_changed: Callable[[int | None], None] | None = None,
    ) -> None:
        self.parent = parent
        self.bridge = bridge
        self.store = store
        #: Called after a team is renamed (its id) or deleted (None): the switcher reloads.
        self.teams_changed = teams_changed or (lambda _team_id: None)
        #: The last window opened (tests look at it; Qt owns it through its parent).
        self.last_opened: QWidget | None = None
        #: The Compose window opened last: a second "New broadcast…" brings it forward.
        self.compose_window: ComposeWindow | None = None
        #: Demo mode: where the Connect / Reconnect wizards get working keys.
        self.demo_keys: Callable[[], Any] | None = None
        #: One handler per Fix (a test checks that none is missing).
        self.handlers: dict[Fix, Handler] = {
            Fix.CONNECT: self._connect,
            Fix.RECONNECT: self._reconnect,
            Fix.DELETE_MAILER: self._delete_mailer,
            Fix.ADD_IDENTITY: self._add_identity,
            Fix.VERIFY: self._records,
            Fix.RECORDS: self._records,
            Fix.RETRY: self._retry,
            Fix.REPLACE: self._replace,
            Fix.APPLY: self._apply,
            Fix.REPUTATION: self._reputation,
            Fix.WAIT: self._nothing,
            # The dashboard refreshes itself on this fix; the router has no window to open.
            Fix.REFRESH: self._nothing,
            Fix.COMPOSE: self._compose,
            Fix.CONTACTS: self._contacts,
            Fix.RENAME_TEAM: self._rename_team,
            Fix.DELETE_TEAM: self._delete_team,
        }

    def open(self, fix: str, detail: str, team_id: int, snapshot: TeamSnapshot | None) -> None:
        """Open what fixes `fix` for `team_id` (`detail`: an identity name or a URL).

        An unknown `fix` is a programming error and raises ValueError.
        """
        self.handlers[Fix(fix)](detail, team_id, snapshot)

    def _show(self, widget: QWidget) -> QWidget:
        self.last_opened = widget
        open_method = getattr(widget, "open", None)
        if callable(open_method):
            open_method()
        else:
            widget.show()
        return widget

    # --- mailer --------------------------------------------------------------------------

    def _connect(self, _detail: str, team_id: int, _snapshot: TeamSnapshot | None) -> None:
        from sesdesk.ui.wizards.connect import ConnectWizard

        self._show(
            ConnectWizard(self.bridge, self.store, team_id, self.parent, demo_keys=self.demo_keys)
        )

    def _reconnect(self, _detail: str, team_id: int, snapshot: TeamSnapshot | None) -> None:
        from sesdesk.ui.wizards.connect import ConnectWizard

        if snapshot is None or snapshot.mailer is None:
            self._connect("", team_id, snapshot)
            return
        self._show(
            ConnectWizard.for_reconnect(
                self.bridge,
                self.store,
                team_id,
                snapshot.mailer.account_id,
                snapshot.mailer.region,
                self.parent,
                demo_keys=self.demo_keys,
            )
        )

    def _delete_mailer(self, _detail: str, team_id: int, snapshot: TeamSnapshot | None) -> None:
        from sesdesk.ui.dialogs.delete_mailer import DeleteMailerDialog

        if snapshot is None or snapshot.mailer is None:
            return
        self._show(
            DeleteMailerDialog(
                self.bridge,
                self.store,
                team_id,
                snapshot.team_name,
                account_id=snapshot.mailer.account_id,
                access=snapshot.mailer.access,
                identities=tuple(i.name for i in snapshot.identities),
                parent=self.parent,
            )
        )

    # --- identities ----------------------------------------------------------------------

    def _add_identity(self, _detail: str, team_id: int, _snapshot: TeamSnapshot | None) -> None:
        from sesdesk.ui.wizards.identity import AddIdentityWizard

        self._show(AddIdentityWizard(self.bridge, self.store, team_id, self.parent))

    def _replace(self, detail: str, team_id: int, _snapshot: TeamSnapshot | None) -> None:
        from sesdesk.ui.wizards.identity import AddIdentityWizard

        self._show(
            AddIdentityWizard(
                self.bridge, self.store, team_id, self.parent, replacing=detail or None
            )
        )

    def _records(self, detail: str, team_id: int, snapshot: TeamSnapshot | None) -> None:
        from sesdesk.ui.dialogs.records import RecordsDialog

        name = detail or _first_unverified_domain(snapshot)
        if not name:
            return
        if "@" in name:
            self._info(
                "Verify the address",
                f"AWS sent a verification link to {name}. Open it within 24 hours; sesdesk "
                "notices the change on its next check.",
            )
            return
        self._show(RecordsDialog(self.bridge, self.store, team_id, name, self.parent))

    def _retry(self, detail: str, team_id: int, snapshot: TeamSnapshot | None) -> None:
        name = detail or _first_failed(snapshot)
        if not name:
            return
        if "@" not in name:
            # The records dialog explains the new DNS records a retry brings, and retries.
            self._records(name, team_id, snapshot)
            return
        from sesdesk.ui.dialogs.records import run_retry

        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Retry verification",
            f"Delete {name} in SES and create it again? AWS then sends a new verification "
            "link to the address.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self.parent,
        )
        box.accepted.connect(
            lambda: run_retry(
                self.bridge,
                self.store,
                team_id,
                name,
            )
        )
        self._show(box)

    # --- account -------------------------------------------------------------------------

    def _apply(self, _detail: str, team_id: int, _snapshot: TeamSnapshot | None) -> None:
        from sesdesk.ui.wizards.access import AccessWizard

        self._show(AccessWizard(self.bridge, self.store, team_id, self.parent))

    def _reputation(self, detail: str, _team_id: int, snapshot: TeamSnapshot | None) -> None:
        url = detail
        if not url and snapshot is not None and snapshot.mailer is not None:
            from sesdesk.services.gating import reputation_page

            url = reputation_page(snapshot.mailer.region)
        if url:
            from sesdesk.ui.widgets.browser import open_in_browser

            self.last_opened = open_in_browser(self.parent, url) or self.last_opened

    def _nothing(self, _detail: str, _team_id: int, _snapshot: TeamSnapshot | None) -> None:
        return

    # --- sending -------------------------------------------------------------------------

    def _compose(self, detail: str, team_id: int, _snapshot: TeamSnapshot | None) -> None:
        from sesdesk.ui.sending.compose import ComposeWindow

        window = self.compose_window
        if window is not None and window.isVisible() and window.team_id == team_id:
            self.last_opened = window
            if detail:  # "New broadcast…" turns it to a broadcast; what was typed stays
                window.kind_combo.setCurrentIndex(max(0, window.kind_combo.findData(detail)))
            window.raise_()
            window.activateWindow()
            return
        desk = getattr(self.parent, "sending_desk", None)
        window = ComposeWindow(
            self.bridge, self.store, team_id, self.parent, desk=desk, kind=detail or None
        )
        self.compose_window = self.last_opened = window
        # Not modal (show, not open): the Simulator controls stay usable while writing.
        window.show()
        from sesdesk.ui.demo_dock import keep_clear_of_dock

        keep_clear_of_dock(window, self.parent)

    def close_compose(self, then: Callable[[], None] | None = None) -> bool:
        """Close an open Compose, asking first about a typed message not sent; False while it
        stays open (the question is showing), and `then` runs if the answer is Discard."""
        window = self.compose_window
        if window is None or not window.isVisible():
            return True
        window.close_then(then)
        return not window.isVisible()

    def _contacts(self, _detail: str, team_id: int, _snapshot: TeamSnapshot | None) -> None:
        from sesdesk.ui.sending.contacts import ContactsWindow

        self._show(ContactsWindow(self.bridge, self.store, team_id, self.parent))

    # --- teams ---------------------------------------------------------------------------

    def _rename_team(self, _detail: str, team_id: int, snapshot: TeamSnapshot | None) -> None:
        from sesdesk.ui.dialogs.teams import RenameTeamDialog

        if snapshot is None:
            return
        dialog = RenameTeamDialog(self.bridge, self.store, team_id, snapshot.team_name, self.parent)
        dialog.renamed.connect(lambda _team: self.teams_changed(team_id))
        self._show(dialog)

    def _delete_team(self, _detail: str, team_id: int, snapshot: TeamSnapshot | None) -> None:
        from sesdesk.ui.dialogs.teams import DeleteTeamDialog

        if snapshot is None:
            return
        dialog = DeleteTeamDialog(
            self.bridge,
            self.store,
            team_id,
            snapshot.team_name,
            has_mailer=snapshot.mailer is not None,
            parent=self.parent,
        )
        dialog.deleted.connect(lambda _team_id: self.teams_changed(None))
        self._show(dialog)

    def _info(self, title: str, text: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, title, text, parent=self.parent)
        self._show(box)


def _first_unverified_domain(snapshot: TeamSnapshot | None) -> str:
    if snapshot is None:
        return ""
    for identity in snapshot.identities:
        if identity.kind == "domain" and identity.status != IdentityStatus.SUCCESS:
            return identity.name
    return ""


def _first_failed(snapshot: TeamSnapshot | None) -> str:
    if snapshot is None:
        return ""
    for identity in snapshot.identities:
        if identity.status == IdentityStatus.FAILED:
            return identity.name
    return ""
