"""A team's mailer: its row in the store, its keys in the keyring, its facade to SES."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from sesdesk.aws import keychain
from sesdesk.aws.clients import AwsKeys, ClientFactory
from sesdesk.aws.ses import CallerIdentity, SesFacade
from sesdesk.errors import NotAllowed, NotFound
from sesdesk.models import Mailer, Store, record_event, utcnow


def mailer_row(session, team_id: int) -> Mailer | None:  # type: ignore[no-untyped-def]
    """The team's mailer row inside an open session, or None."""
    return session.scalar(select(Mailer).where(Mailer.team_id == team_id))


def facade_for(store: Store, team_id: int, *, timeout_scale: float = 1.0) -> SesFacade:
    """An SES facade with the team's stored keys; NotAllowed when there is no mailer."""
    with store.session() as session:
        mailer = mailer_row(session, team_id)
        if mailer is None:
            raise NotAllowed("This team has no mailer yet: connect AWS first.")
        region, ref = mailer.region, mailer.keyring_ref
    keys = keychain.load_keys(ref)
    return SesFacade(ClientFactory(region, keys, timeout_scale=timeout_scale))


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
                    access="ok",
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
                "ok",
                f"Connected AWS account {caller.account_id} in {region} (key …{keys.last_four}).",
            )
    except BaseException:
        keychain.delete_keys(ref)
        raise


def require_mailer(store: Store, team_id: int) -> None:
    """NotFound unless the team has a mailer."""
    with store.session() as session:
        if mailer_row(session, team_id) is None:
            raise NotFound("team", "this team has no mailer (connect AWS first)")
