"""Telling SES about a list's contacts before a broadcast, incrementally.

A contact is synced when SES has never been told about it (`ses_state` None) or was told the
other thing (`in` while the contact is now unsubscribed, `out` while it was subscribed again
by hand). Each page's results are committed before the next page starts, so an interrupted
sync resumes where it stopped and a second sync of an unchanged list makes no contact calls.

SES is never asked to subscribe someone who unsubscribed through its link: such an opt-out
found in SES becomes the local contact's unsubscribe (source `ses`). `UpdateContact` replaces
a contact's preferences for every topic, so an update first reads the contact and keeps its
preferences for the other topics (other lists, other tools).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, update

from sesdesk.aws.errors import AuthError, AwsError, AwsNotFound, Throttled, Unreachable
from sesdesk.aws.lists import ListsFacade
from sesdesk.models import Contact, Store, utcnow
from sesdesk.models.sending import SES_IN, SES_OUT, SOURCE_SES, SUBSCRIBED, UNSUBSCRIBED
from sesdesk.services.addresses import UnsendableAddress, sendable_address
from sesdesk.services.lists.account import ListTopic, ensure_topic
from sesdesk.services.lists.pace import Pace

log = logging.getLogger(__name__)

PAGE = 500
WORKERS = 4


@dataclass
class SyncProgress:
    """How far a sync is: contacts looked at of those that needed it, and calls made."""

    done: int = 0
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    unsubscribed_in_ses: int = 0  # found opted out in SES: now unsubscribed here too
    failed: int = 0
    calls: int = 0
    throttled: int = 0
    failures: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        """The `contacts sync --json` document."""
        return {
            "synced": self.done - self.failed,
            "needed": self.total,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "unsubscribed_in_ses": self.unsubscribed_in_ses,
            "failed": self.failed,
            "calls": self.calls,
            "throttled": self.throttled,
            "failures": self.failures[:50],
        }


@dataclass(frozen=True)
class _Pending:
    id: int
    email: str
    status: str
    ses_state: str | None


@dataclass(frozen=True)
class _Result:
    id: int
    status: str  # the local status this result was computed for
    ses_state: str | None  # None: not synced (failed)
    ses_unsubscribed: datetime | None = None  # SES says opted out: unsubscribe locally
    kind: str = "unchanged"  # created | updated | unchanged | failed
    error: str | None = None


def needs_sync() -> ColumnElement[bool]:
    """The SQL condition of a contact SES must be told about."""
    return or_(
        Contact.ses_state.is_(None),
        and_(Contact.status == UNSUBSCRIBED, Contact.ses_state == SES_IN),
        and_(Contact.status == SUBSCRIBED, Contact.ses_state == SES_OUT),
    )


def _page(store: Store, list_id: int, after: int, only_known: bool) -> list[_Pending]:
    condition = needs_sync()
    if only_known:
        condition = and_(Contact.ses_state.is_not(None), condition)
    with store.session() as session:
        rows = session.execute(
            select(Contact.id, Contact.email, Contact.status, Contact.ses_state)
            .where(Contact.list_id == list_id, Contact.id > after, condition)
            .order_by(Contact.id)
            .limit(PAGE)
        ).all()
    return [_Pending(*row) for row in rows]


def _count(store: Store, list_id: int, only_known: bool) -> int:
    condition = needs_sync()
    if only_known:
        condition = and_(Contact.ses_state.is_not(None), condition)
    with store.session() as session:
        return int(
            session.scalar(select(func.count()).where(Contact.list_id == list_id, condition)) or 0
        )


class _Syncer:
    def __init__(self, facade: ListsFacade, where: ListTopic, pace: Pace) -> None:
        self.facade = facade
        self.list_name = where.contact_list
        self.topic = where.topic
        self.pace = pace

    def one(self, contact: _Pending) -> _Result:
        try:
            address = sendable_address(contact.email)
        except UnsendableAddress as exc:
            return _Result(contact.id, contact.status, None, kind="failed", error=str(exc))
        try:
            return self._sync(contact, address)
        except (AuthError, Throttled, Unreachable, AwsNotFound):
            raise  # the whole sync stops (AwsNotFound: the list is gone); what was done is kept
        except AwsError as exc:
            return _Result(contact.id, contact.status, None, kind="failed", error=exc.message)

    def _sync(self, contact: _Pending, address: str) -> _Result:
        want_out = contact.status == UNSUBSCRIBED
        if contact.ses_state is None:
            created = self.pace.call(
                lambda: self.facade.create_contact(
                    self.list_name, address, opted_out=[self.topic] if want_out else ()
                )
            )
            if created:
                return _Result(
                    contact.id, contact.status, SES_OUT if want_out else SES_IN, kind="created"
                )
        return self._merge(contact, address, want_out)

    def _merge(self, contact: _Pending, address: str, want_out: bool) -> _Result:
        found = self.pace.call(lambda: self.facade.get_contact(self.list_name, address))
        if found is None:
            self.pace.call(
                lambda: self.facade.create_contact(
                    self.list_name, address, opted_out=[self.topic] if want_out else ()
                )
            )
            return _Result(
                contact.id, contact.status, SES_OUT if want_out else SES_IN, kind="created"
            )
        out_in_ses = found.unsubscribe_all or self.topic in found.opted_out
        if out_in_ses and not want_out:
            if contact.ses_state == SES_OUT and not found.unsubscribe_all:
                # Subscribed again here after a local unsubscribe: tell SES.
                return self._update(contact, address, found, want_out=False)
            # The person opted out through SES: honour it here.
            when = found.updated_at or utcnow()
            return _Result(contact.id, contact.status, SES_OUT, ses_unsubscribed=when)
        if want_out and not out_in_ses:
            return self._update(contact, address, found, want_out=True)
        return _Result(contact.id, contact.status, SES_OUT if want_out else SES_IN)

    def _update(self, contact: _Pending, address: str, found: object, *, want_out: bool) -> _Result:
        from sesdesk.aws.lists import SesContact

        assert isinstance(found, SesContact)
        opted_out = set(found.opted_out) - {self.topic}
        opted_in = set(found.opted_in) - {self.topic}
        (opted_out if want_out else opted_in).add(self.topic)
        self.pace.call(
            lambda: self.facade.update_contact(
                self.list_name,
                address,
                opted_out=sorted(opted_out),
                opted_in=sorted(opted_in),
                unsubscribe_all=found.unsubscribe_all,
            )
        )
        return _Result(contact.id, contact.status, SES_OUT if want_out else SES_IN, kind="updated")


def _write(store: Store, results: list[_Result]) -> None:
    # Grouped: one UPDATE per (status seen, state told) instead of one per contact.
    told: dict[tuple[str, str], list[int]] = {}
    with store.session() as session:
        for result in results:
            if result.ses_state is None:
                continue
            if result.ses_unsubscribed is not None:
                session.execute(
                    update(Contact)
                    .where(Contact.id == result.id, Contact.status == SUBSCRIBED)
                    .values(
                        status=UNSUBSCRIBED,
                        unsubscribed_at=result.ses_unsubscribed,
                        unsubscribe_source=SOURCE_SES,
                        ses_state=SES_OUT,
                    )
                )
                continue
            told.setdefault((result.status, result.ses_state), []).append(result.id)
        for (status, state), ids in told.items():
            # Only if the contact did not change meanwhile: else the next sync sends it again.
            session.execute(
                update(Contact)
                .where(Contact.id.in_(ids), Contact.status == status)
                .values(ses_state=state)
            )


def sync_list(
    store: Store,
    team_id: int,
    list_id: int,
    facade: ListsFacade,
    *,
    on_progress: Callable[[SyncProgress], None] | None = None,
    pace: Pace | None = None,
    only_known: bool = False,
    workers: int = WORKERS,
) -> SyncProgress:
    """Make SES's contacts of this list's topic match the list; returns what was done.

    `only_known` pushes just the changes of contacts SES already has (the poll's part: a
    local unsubscribe reaches SES at the next poll); the broadcast's sync does them all.
    Throttling slows the calls down; AuthError, Unreachable or a throttle that does not end
    stop the sync with every finished page kept.
    """
    return topic_synced(
        store,
        team_id,
        list_id,
        facade,
        on_progress=on_progress,
        pace=pace,
        only_known=only_known,
        workers=workers,
    )[1]


def topic_synced(
    store: Store,
    team_id: int,
    list_id: int,
    facade: ListsFacade,
    *,
    before_push: Callable[[], object] | None = None,
    **push: Any,
) -> tuple[ListTopic, SyncProgress]:
    """The list's topic ensured, then `before_push()`, then its contacts pushed (`push`: the
    options of `push_contacts`); a contact list deleted behind sesdesk's back is made again
    and every contact told anew. (topic, what was done)."""
    where = ensure_topic(store, team_id, list_id, facade)
    if before_push is not None:
        before_push()
    try:
        return where, push_contacts(store, list_id, facade, where, **push)
    except AwsNotFound:
        where = ensure_topic(store, team_id, list_id, facade)
    return where, push_contacts(store, list_id, facade, where, **push)


def push_contacts(
    store: Store,
    list_id: int,
    facade: ListsFacade,
    where: ListTopic,
    *,
    on_progress: Callable[[SyncProgress], None] | None = None,
    pace: Pace | None = None,
    only_known: bool = False,
    workers: int = WORKERS,
    stopped: Callable[[], bool] = lambda: False,
) -> SyncProgress:
    """The contact part of `sync_list`, for a topic already ensured; `stopped()` is asked
    between pages (a paused broadcast stops its sync there; the next run goes on from it)."""
    pace = pace or Pace()
    calls_before, throttled_before = pace.calls, pace.throttled
    progress = SyncProgress(total=_count(store, list_id, only_known))
    if on_progress is not None:
        on_progress(progress)
    syncer = _Syncer(facade, where, pace)
    after = 0
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="contact-sync") as pool:
        while not stopped():
            batch = _page(store, list_id, after, only_known)
            if not batch:
                break
            after = batch[-1].id
            futures = [pool.submit(syncer.one, contact) for contact in batch]
            results: list[_Result] = []
            stop: BaseException | None = None
            for future in futures:
                try:
                    results.append(future.result())
                except Exception as exc:  # AuthError, Unreachable, a throttle that lasts
                    stop = stop or exc
            # Whatever finished is kept, even when the sync stops here.
            _write(store, results)
            if stop is not None:
                raise stop
            for result in results:
                progress.done += 1
                if result.kind == "failed":
                    progress.failed += 1
                    progress.failures.append(f"contact {result.id}: {result.error}")
                elif result.ses_unsubscribed is not None:
                    progress.unsubscribed_in_ses += 1
                elif result.kind == "created":
                    progress.created += 1
                elif result.kind == "updated":
                    progress.updated += 1
                else:
                    progress.unchanged += 1
            progress.calls = pace.calls - calls_before
            progress.throttled = pace.throttled - throttled_before
            if on_progress is not None:
                on_progress(progress)
    log.info("contact sync of list %s: %s", list_id, progress.as_json())
    return progress
