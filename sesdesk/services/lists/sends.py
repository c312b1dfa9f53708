"""What a broadcast or test campaign needs from SES list management before it sends: the
list's topic, its contacts synced, the one-click unsubscribe footer, and — when SES list
management cannot be used — the reason, recorded on the broadcast; a marketing broadcast
without one-click unsubscribe is refused."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, cast

from sqlalchemy import Table, func, select, update

from sesdesk.aws.clients import ClientFactory
from sesdesk.aws.errors import PermissionMissing
from sesdesk.aws.lists import ContactListLimit, ListsFacade
from sesdesk.errors import NotAllowed
from sesdesk.models import Broadcast, Contact, Recipient, Store, utcnow
from sesdesk.models.sending import KIND_TEST_EMAIL, PENDING, SUPPRESSED, UNSUBSCRIBED
from sesdesk.services.lists.account import (
    ListTopic,
    TopicsFull,
    is_marketing,
    list_management_problem,
)
from sesdesk.services.lists.names import UNSUBSCRIBE_PLACEHOLDER, with_footer
from sesdesk.services.lists.sync import SyncProgress, topic_synced
from sesdesk.services.lists.unsubscribes import pull_unsubscribes

log = logging.getLogger(__name__)

_RECIPIENTS = cast(Table, Recipient.__table__)


@dataclass(frozen=True)
class SendPlan:
    """How a run's messages unsubscribe: SES's one-click (`where`) or the mailto (`note`)."""

    where: ListTopic | None = None
    note: str | None = None  # why there is no one-click unsubscribe

    @property
    def options(self) -> tuple[str, str] | None:
        """ListManagementOptions for every message of the run, or None."""
        return self.where.as_options() if self.where is not None else None


def prepare_send(
    store: Store,
    team_id: int,
    broadcast_id: int,
    factory: ClientFactory,
    *,
    on_sync: Callable[[SyncProgress], None] | None = None,
    facade: ListsFacade | None = None,
    stopped: Callable[[], bool] = lambda: False,
) -> SendPlan:
    """Before a run: ensure the list's topic, pull SES's unsubscribes, sync the contacts,
    skip the newly unsubscribed. NotAllowed for a marketing broadcast that cannot have
    one-click unsubscribe; a test email (one address, no list) needs none."""
    with store.session() as session:
        row = session.get(Broadcast, broadcast_id)
        assert row is not None
        kind, list_id, from_address = row.kind, row.list_id, row.from_address
    if kind == KIND_TEST_EMAIL or list_id is None:
        return SendPlan()
    problem = list_management_problem(store, team_id, from_address, list_id)
    plan = SendPlan()
    if problem is None:
        lists = facade or ListsFacade(factory)
        try:
            plan = SendPlan(where=_sync(store, team_id, list_id, lists, on_sync, stopped))
        except (TopicsFull, ContactListLimit) as exc:
            problem = exc.message
        except PermissionMissing as exc:
            # List management is optional for the keys (like feedback): say what is missing.
            problem = f"the mailer's keys may not manage SES contact lists ({exc.message})"
    skip_unsubscribed(store, broadcast_id, list_id)
    if problem is not None:
        if is_marketing(store, team_id, kind):
            _record_note(store, broadcast_id, problem)
            raise NotAllowed(
                f"This broadcast is marketing mail and needs one-click unsubscribe, which SES "
                f"cannot add here: {problem}.",
                hint="Fix that, then send again (the readiness check shows the steps).",
            )
        plan = SendPlan(note=problem)
    _record_note(store, broadcast_id, plan.note)
    return plan


def _sync(
    store: Store,
    team_id: int,
    list_id: int,
    lists: ListsFacade,
    on_sync: Callable[[SyncProgress], None] | None,
    stopped: Callable[[], bool],
) -> ListTopic:
    # SES's unsubscribes first: a sync must never re-subscribe who left through SES.
    where, _ = topic_synced(
        store,
        team_id,
        list_id,
        lists,
        before_push=lambda: pull_unsubscribes(store, team_id, lists),
        on_progress=on_sync,
        stopped=stopped,
    )
    return where


def _record_note(store: Store, broadcast_id: int, note: str | None) -> None:
    with store.session() as session:
        row = session.get(Broadcast, broadcast_id)
        if row is not None:
            row.list_management_note = (
                f"Sent without one-click unsubscribe (mailto only): {note}" if note else None
            )


def skip_unsubscribed(store: Store, broadcast_id: int, list_id: int) -> int:
    """Pending recipients whose contact has unsubscribed since the draft are not sent."""
    with store.session() as session:
        gone = select(Contact.email_lower).where(
            Contact.list_id == list_id, Contact.status == UNSUBSCRIBED
        )
        result = session.execute(
            update(_RECIPIENTS)
            .where(
                _RECIPIENTS.c.broadcast_id == broadcast_id,
                _RECIPIENTS.c.state == PENDING,
                func.lower(_RECIPIENTS.c.email).in_(gone),
            )
            .values(state=SUPPRESSED, error="unsubscribed from the list", updated_at=utcnow())
        )
        return int(getattr(result, "rowcount", 0) or 0)


def composition_for(composition: Any, plan: SendPlan) -> Any:
    """The run's composition: with SES's link, a footer where the user wrote none and no
    mailto header; without it, the mailto header and any placeholder the user wrote made the
    mailto link."""
    if plan.where is not None:
        text, html = with_footer(composition.text_body, composition.html_body)
        return replace(composition, text_body=text, html_body=html, unsubscribe_mailto=None)
    mailto = composition.unsubscribe_mailto
    if not mailto:
        return composition
    return replace(
        composition,
        text_body=_fill(composition.text_body, mailto),
        html_body=_fill(composition.html_body, mailto),
    )


def with_list_management(tag: Callable[[Any, int], Any], options: tuple[str, str] | None) -> Any:
    """The run's message tagger, also naming the contact list and topic when there are some."""
    if options is None:
        return tag

    def tagged(email: Any, recipient_id: int) -> Any:
        return replace(tag(email, recipient_id), list_management=options)

    return tagged


def _fill(body: str | None, url: str) -> str | None:
    import re

    if body is None:
        return None
    return re.sub(r"\{\{\s*amazonSESUnsubscribeUrl\s*\}\}", lambda _m: url, body)


__all__ = [
    "UNSUBSCRIBE_PLACEHOLDER",
    "SendPlan",
    "composition_for",
    "prepare_send",
    "with_list_management",
]
