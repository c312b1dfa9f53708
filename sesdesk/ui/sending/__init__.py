"""The sending windows: compose, contacts (with CSV import) and a broadcast's progress.

Each takes ``(bridge, store, team_id, parent=None)`` (the progress window also the broadcast
id) and does all blocking work through the Bridge.

The windows load on first use (PEP 562): the dashboard imports `sesdesk.ui.sending.broadcasts`
at start-up, and Compose and Contacts pull in the sending engine, which the first dashboard
does not need.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sesdesk.lazy import exports

if TYPE_CHECKING:
    from sesdesk.ui.sending.compose import ComposeWindow
    from sesdesk.ui.sending.contacts import ContactsWindow, ImportDialog
    from sesdesk.ui.sending.progress import SendProgressWindow

_HOMES = {
    "ComposeWindow": "compose",
    "ContactsWindow": "contacts",
    "ImportDialog": "contacts",
    "SendProgressWindow": "progress",
}

__all__ = ["ComposeWindow", "ContactsWindow", "ImportDialog", "SendProgressWindow"]

__getattr__ = exports(__name__, _HOMES)
