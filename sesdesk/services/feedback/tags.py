"""What every send carries so its SES events find their way back: the configuration set and
EmailTags naming team, broadcast and recipient row."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace

from sesdesk.aws.sending import OutgoingEmail
from sesdesk.models import FeedbackWiring, Store

TEAM_TAG = "sesdesk-team"
BROADCAST_TAG = "sesdesk-broadcast"
RECIPIENT_TAG = "sesdesk-recipient"

Tagger = Callable[[OutgoingEmail, int], OutgoingEmail]


def usable_configuration_set(store: Store, team_id: int) -> str | None:
    """The configuration set sends may name: None when feedback is not set up, or when the
    last check found the set deleted (SES would refuse every send naming it)."""
    with store.session() as session:
        row = session.get(FeedbackWiring, team_id)
        if row is None or not row.configuration_set:
            return None
        problems = json.loads(row.problems or "[]")
        if any("configuration set was deleted" in p for p in problems):
            return None
        return row.configuration_set


def send_tagger(store: Store, team_id: int, broadcast_id: int) -> Tagger:
    """A function that adds the configuration set and the tags to one recipient's message."""
    configuration_set = usable_configuration_set(store, team_id)
    common = ((TEAM_TAG, str(team_id)), (BROADCAST_TAG, str(broadcast_id)))

    def tag(email: OutgoingEmail, recipient_id: int) -> OutgoingEmail:
        return replace(
            email,
            configuration_set=configuration_set,
            tags=(*common, (RECIPIENT_TAG, str(recipient_id))),
        )

    return tag
