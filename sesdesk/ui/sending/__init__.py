"""The sending windows: compose, contacts (with CSV import) and a broadcast's progress.

Each takes ``(bridge, store, team_id, parent=None)`` (the progress window also the broadcast
id) and does all blocking work through the Bridge.
"""

from sesdesk.ui.sending.compose import ComposeWindow
from sesdesk.ui.sending.contacts import ContactsWindow, ImportDialog
from sesdesk.ui.sending.progress import SendProgressWindow

__all__ = ["ComposeWindow", "ContactsWindow", "ImportDialog", "SendProgressWindow"]
