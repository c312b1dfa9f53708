"""A team's mailer: its row in the store, its keys in the keyring, its facade to SES.

`open_mailer` is the one way from a stored mailer to AWS: it signs with that mailer's own
keyring keys or refuses (the machine's other AWS credentials may be another account's).
`watching_access` is the one wrapper around every call made with them: AWS refusing the keys
marks the mailer lost, then the error goes on to the caller.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import select

from sesdesk.aws import keychain
from sesdesk.aws.clients import AwsKeys, ClientFactory
from sesdesk.aws.errors import AuthError
from sesdesk.aws.ses import CallerIdentity, SesFacade
from sesdesk.errors import CredentialsRejected, NotAllowed
from sesdesk.models import Mailer, StatusEvent, Store, record_event, utcnow
from sesdesk.models.states import MailerAccess

#: Why a mailer whose keyring entry is gone counts as lost (its `access_reason`).
KEYS_MISSING = "the keys are missing from this computer's keyring: Reconnect"


def mailer_row(session, team_id: int) -> Mailer | None:  # type: ignore[no-untyped-def]
    """The team's mailer row inside an open session, or None."""
    return session.scalar(select(Mailer).where(Mailer.team_id == team_id))


class KeysMissing(CredentialsRejected):
    """The mailer's keyring entry is gone: it was marked lost, nothing reached AWS (exit 4)."""

    def __init__(self) -> None:
        super().__init__(
            "The mailer's AWS keys are missing from this computer's keyring, so sesdesk will "
            "not call AWS for it (it never uses other AWS credentials it may find).",
            hint="Reconnect the mailer with its keys: Reconnect on the dashboard, or "
            "`sesdesk reconnect --team NAME`.",
        )


def open_mailer(store: Store, team_id: int, *, timeout_scale: float = 1.0) -> SesFacade:
    """The SES facade signing with the team's own keyring keys — the only way to one.

    NotAllowed when the team has no mailer; KeysMissing (CredentialsRejected) when its keys
    are not in the keyring, after marking the mailer lost.
    """
    with store.session() as session:
        mailer = mailer_row(session, team_id)
        if mailer is None:
            raise NotAllowed("This team has no mailer yet: connect AWS first.")
        region, ref = mailer.region, mailer.keyring_ref
    keys = keychain.load_keys(ref)
    if keys is None:
        if not store.is_shared:  # shared records: only this desktop lacks them (Reconnect)
            mark_lost(store, team_id, KEYS_MISSING, aws_answered=False)
        raise KeysMissing()
    return SesFacade(ClientFactory(region, keys, timeout_scale=timeout_scale))


def keys_here(store: Store, team_id: int) -> bool:
    """Whether this desktop's keyring holds the team's mailer keys (no mailer: True).
    With shared records another desktop may hold them while this one does not."""
    with store.session() as session:
        mailer = mailer_row(session, team_id)
        ref = mailer.keyring_ref if mailer is not None else None
    return ref is None or keychain.load_keys(ref) is not None


@contextmanager
def watching_access(store: Store, team_id: int) -> Iterator[None]:
    """Around AWS calls made for a stored mailer: AWS refusing its keys (any AuthError) marks
    the mailer lost with AWS's reason, then the same error is re-raised."""
    try:
        yield
    except AuthError as exc:
        mark_lost(store, team_id, exc.message)
        raise


def mark_lost(
    store: Store,
    team_id: int,
    reason: str,
    at: datetime | None = None,
    *,
    aws_answered: bool = True,
) -> bool:
    """Record that the mailer cannot use its keys any more (sending stops).

    `aws_answered` is false when nothing was asked (the keys are gone). True when this is
    news (the mailer was not already lost for this reason).
    """
    now = at or utcnow()
    with store.session() as session:
        mailer = mailer_row(session, team_id)
        if mailer is None:
            return False
        if aws_answered:
            mailer.last_checked = now
            # A failed call still proves AWS answered: the mailer is not offline.
            mailer.offline_since = None
        if mailer.access == MailerAccess.LOST and mailer.access_reason == reason:
            return False
        was_lost = mailer.access == MailerAccess.LOST
        message = f"The mailer lost access to AWS: {reason}"
        set_access(session, mailer, MailerAccess.LOST, message, now, reason=reason)
        return not was_lost


def set_access(  # type: ignore[no-untyped-def]
    session,
    mailer: Mailer,
    access: MailerAccess,
    message: str,
    now: datetime,
    *,
    reason: str | None = None,
) -> StatusEvent:
    """Record the mailer's access becoming `access` in the history, then set it.

    `access_changed_at` moves only when the access or its reason really changes.
    """
    event = record_event(
        session, mailer.team_id, "mailer", "access", mailer.access, access, message, at=now
    )
    if (mailer.access, mailer.access_reason) != (access, reason):
        mailer.access_changed_at = now
    mailer.access, mailer.access_reason = access, reason
    return event


def save_mailer(
    store: Store, team_id: int, *, region: str, keys: AwsKeys, caller: CallerIdentity
) -> None:
    """Keep a new mailer: the secret into the keyring, the rest into the store."""
    ref = uuid.uuid4().hex
    keychain.save_keys(ref, keys)
    try:
        with store.session() as session:
            if mailer_row(session, team_id) is not None:
                raise NotAllowed("This team already has a mailer: one mailer per team.")
            session.add(
                Mailer(
                    team_id=team_id,
                    account_id=caller.account_id,
                    region=region,
                    key_last4=keys.last_four,
                    keyring_ref=ref,
                    access=MailerAccess.OK,
                    arn=caller.arn,
                    is_root=caller.is_root,
                    last_checked=utcnow(),
                )
            )
            record_event(
                session,
                team_id,
                "mailer",
                "access",
                None,
                MailerAccess.OK,
                f"Connected AWS account {caller.account_id} in {region} (key …{keys.last_four}).",
            )
    except BaseException:
        keychain.delete_keys(ref)
        raise
