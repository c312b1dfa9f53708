"""The local store: SQLAlchemy models, the SQLite store and its Alembic migrations."""

from sesdesk.models.access import AccessRequest
from sesdesk.models.account import AccountStatus
from sesdesk.models.base import Base, UTCDateTime, utcnow
from sesdesk.models.event import StatusEvent, record_event
from sesdesk.models.feedback import (
    BroadcastGuard,
    FeedbackEvent,
    FeedbackSettings,
    FeedbackWiring,
    RecipientOutcome,
)
from sesdesk.models.identity import SenderIdentity
from sesdesk.models.mailer import Mailer
from sesdesk.models.sending import (
    Broadcast,
    Contact,
    ContactList,
    Lease,
    Recipient,
    SendDay,
    SesContactList,
    Suppression,
)
from sesdesk.models.states import BroadcastState, IdentityStatus, MailerAccess, RecipientState
from sesdesk.models.store import (
    HEAD_REVISION,
    DatabaseCorrupt,
    DatabaseProblem,
    DatabaseTooNew,
    Store,
)
from sesdesk.models.team import Team

__all__ = [
    "HEAD_REVISION",
    "AccessRequest",
    "AccountStatus",
    "Base",
    "Broadcast",
    "BroadcastGuard",
    "BroadcastState",
    "Contact",
    "ContactList",
    "DatabaseCorrupt",
    "DatabaseProblem",
    "DatabaseTooNew",
    "FeedbackEvent",
    "FeedbackSettings",
    "FeedbackWiring",
    "IdentityStatus",
    "Lease",
    "Mailer",
    "MailerAccess",
    "Recipient",
    "RecipientOutcome",
    "RecipientState",
    "SendDay",
    "SenderIdentity",
    "SesContactList",
    "StatusEvent",
    "Store",
    "Suppression",
    "Team",
    "UTCDateTime",
    "record_event",
    "utcnow",
]
