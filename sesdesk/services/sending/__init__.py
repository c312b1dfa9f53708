"""The sending engine: test emails, test campaigns and broadcasts, throttled, gated, and never
losing a recipient.

The package, by concern (callers use `from sesdesk.services import sending; sending.X`):

- `composition`: what a message says, its checks, the personalised email (pure);
- `eligibility`: the one rule for "may we send from X", and the sandbox's recipients;
- `queries`: the read model (status as readers see it, lists, recipients);
- `drafts`: creating broadcasts, test campaigns and test emails;
- `recovery`: what a crash leaves (`uncertain`), resend and cancel;
- `outcomes`: the send-outcome table (pure);
- `runstate`, `dispatch`, `runner`: the threaded engine (`BroadcastRunner`).
"""

from __future__ import annotations

# The models, as callers reached them through this module before it was a package.
from sesdesk.models.sending import (
    KIND_BROADCAST,
    KIND_TEST_CAMPAIGN,
    KIND_TEST_EMAIL,
    Broadcast,
    Recipient,
)
from sesdesk.services.sending.composition import (
    MAX_SUBJECT,
    Composition,
    build_email,
    clean_unsubscribe,
    estimated_size,
    personalise,
    stored_composition,
    unsubscribe_header,
    validate_composition,
)
from sesdesk.services.sending.drafts import create_broadcast, create_test_email
from sesdesk.services.sending.eligibility import (
    MAILBOX_SIMULATOR_DOMAIN,
    VerifiedSet,
    check_from_identity,
    checked_snapshot,
    covering_identities,
    refuse_unverified,
)
from sesdesk.services.sending.outcomes import Fate, Streaks, fate_of
from sesdesk.services.sending.queries import (
    BroadcastStatus,
    RecipientInfo,
    broadcast_status,
    list_broadcasts,
    recipients,
    require_broadcast,
    seen_status,
    seen_statuses,
    status_of,
    statuses_of,
)
from sesdesk.services.sending.recovery import cancel_broadcast, recover, resend_uncertain
from sesdesk.services.sending.runner import BroadcastRunner, send_broadcast, send_test_email
from sesdesk.services.sending.runstate import Progress, RunResult

__all__ = [
    "KIND_BROADCAST",
    "KIND_TEST_CAMPAIGN",
    "KIND_TEST_EMAIL",
    "MAILBOX_SIMULATOR_DOMAIN",
    "MAX_SUBJECT",
    "Broadcast",
    "BroadcastRunner",
    "BroadcastStatus",
    "Composition",
    "Fate",
    "Progress",
    "Recipient",
    "RecipientInfo",
    "RunResult",
    "Streaks",
    "VerifiedSet",
    "broadcast_status",
    "build_email",
    "cancel_broadcast",
    "check_from_identity",
    "checked_snapshot",
    "clean_unsubscribe",
    "covering_identities",
    "create_broadcast",
    "create_test_email",
    "estimated_size",
    "fate_of",
    "list_broadcasts",
    "personalise",
    "recipients",
    "recover",
    "refuse_unverified",
    "require_broadcast",
    "resend_uncertain",
    "seen_status",
    "seen_statuses",
    "send_broadcast",
    "send_test_email",
    "status_of",
    "statuses_of",
    "stored_composition",
    "unsubscribe_header",
    "validate_composition",
]
