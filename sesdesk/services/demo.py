"""Demo mode: the whole app against an in-process SES simulator.

The demo's records (teams, contacts, broadcasts, history) live in their own folder and are kept
between runs, as a user trying things out expects; only "Reset demo…" wipes them. The simulated
AWS account lives in memory, so each start re-creates what the records need: an IAM user with
fresh keys for every connected mailer (into a throw-away in-memory keyring, never the user's
real one), each live identity with its stored verification status, and the account's
sandbox / production, review, sending and quota settings, the custom MAIL FROM domains sesdesk
set, and what the account itself remembers of the records: the recipients accepted in the last
24 hours (its send counter and quota) and the suppression entries read from or written to it.
Only its log of accepted messages starts afresh. A mailer whose access was lost stays lost
(Reconnect with demo keys).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from sesdesk.aws import keychain
from sesdesk.aws.clients import AwsKeys, ClientFactory
from sesdesk.aws.ses import AccountDetailsRequest, SesFacade
from sesdesk.config import Paths
from sesdesk.errors import SesdeskError
from sesdesk.models import (
    AccountStatus,
    Mailer,
    SenderIdentity,
    Store,
    Team,
    record_event,
    utcnow,
)
from sesdesk.models.states import IdentityStatus, MailerAccess
from sesdesk.services.mailers import open_mailer, save_mailer
from sesdesk.services.readiness.mail_from import last_mail_from
from sesdesk.services.refresh import refresh_team
from sesdesk.services.teams import create_team
from sesdesk.simulator import SesSimulator

DEMO_REGION = "us-east-1"
DEMO_TEAM = "Demo shop"
DEMO_USER = "sesdesk-demo"
DEMO_IDENTITIES = ("owner@demo-shop.example", "demo-shop.example")
log = logging.getLogger(__name__)


@dataclass
class DemoSession:
    """A running demo: the simulator, the demo store and the demo team."""

    simulator: SesSimulator
    store: Store
    team_id: int
    region: str = DEMO_REGION
    team_name: str = DEMO_TEAM
    user_name: str = DEMO_USER
    _previous_endpoint: str | None = None
    _wizard_users: int = 0

    def keys_for_wizard(self) -> AwsKeys:
        """Fresh keys of a new simulated IAM user with sesdesk's permissions, for the Connect
        and Reconnect wizards' "Use demo keys" (a new user each time: IAM allows two keys)."""
        self._wizard_users += 1
        return self.simulator.create_user(f"{self.user_name}-wizard{self._wizard_users}")

    def stop(self) -> None:
        """Stop the simulator, close the store, restore the endpoint setting."""
        self.store.close()
        self.simulator.stop()
        if self._previous_endpoint is None:
            os.environ.pop("AWS_ENDPOINT_URL", None)
        else:
            os.environ["AWS_ENDPOINT_URL"] = self._previous_endpoint


def start_demo(paths: Paths) -> DemoSession:
    """Start the simulator and open the demo store: restore its records' simulated account, or
    seed a demo team with a connected mailer on the first run."""
    keychain.MemoryKeyring.install()
    simulator = SesSimulator(iam=True)
    endpoint = simulator.start()
    # moto's backends are process-wide: a demo started earlier in this process left its data.
    simulator.reset()
    previous = os.environ.get("AWS_ENDPOINT_URL")
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    try:
        store = Store.open(paths.database)
        team_id = restore_simulator(store, simulator)
        if team_id is None:
            team_id = seed_demo(store, simulator)
    except BaseException:
        simulator.stop()
        if previous is None:
            os.environ.pop("AWS_ENDPOINT_URL", None)
        else:
            os.environ["AWS_ENDPOINT_URL"] = previous
        raise
    return DemoSession(
        simulator=simulator, store=store, team_id=team_id, _previous_endpoint=previous
    )


def seed_demo(store: Store, simulator: SesSimulator) -> int:
    """The first-run demo team: a mailer connected with the demo user's keys, two identities."""
    keys = simulator.create_user(DEMO_USER)
    # Freshly issued keys, as a person types them in the connect wizard...
    fresh = SesFacade(ClientFactory(DEMO_REGION, keys, endpoint=simulator.endpoint))
    team = create_team(store, DEMO_TEAM)
    save_mailer(store, team.id, region=DEMO_REGION, keys=keys, caller=fresh.caller_identity())
    # ...then, like every stored mailer, used only through the gateway.
    facade = open_mailer(store, team.id)
    for name in DEMO_IDENTITIES:
        facade.create_identity(name)
    refresh_team(store, team.id, facade)
    _wire_feedback(store, team.id, facade)
    return team.id


def _wire_feedback(store: Store, team_id: int, facade: SesFacade) -> None:
    """The whole loop in demo mode: SES's events come back through SNS and SQS (idempotent,
    so a restored simulator gets the wiring the kept records expect)."""
    from sesdesk.aws.feedback import FeedbackFacade
    from sesdesk.services.feedback.wiring import set_up_feedback

    set_up_feedback(store, team_id, FeedbackFacade(facade.factory))


def restore_simulator(store: Store, simulator: SesSimulator) -> int | None:
    """Re-create in a fresh simulator what the kept records need; the first team's id, or
    None when the store has no team yet (a first run)."""
    with store.session() as session:
        teams = session.scalars(select(Team).order_by(Team.id)).all()
        first = teams[0].id if teams else None
        mailers = [
            (m.team_id, m.account_id, m.region, m.keyring_ref)
            for m in session.scalars(
                select(Mailer).where(Mailer.access != MailerAccess.LOST).order_by(Mailer.team_id)
            ).all()
        ]
    for number, (team_id, account_id, region, ref) in enumerate(mailers):
        # IAM allows two keys per user: one user per restored mailer (the first is the demo
        # user the Simulator controls issue and revoke keys for).
        user = DEMO_USER if number == 0 else f"{DEMO_USER}-team{team_id}"
        try:
            _restore_mailer(store, simulator, user, team_id, account_id, region, ref)
        except Exception:  # one team's oddity must not keep the demo from starting
            log.exception("could not restore demo team %s in the simulator", team_id)
    return first


def _restore_mailer(
    store: Store,
    simulator: SesSimulator,
    user: str,
    team_id: int,
    account_id: str,
    region: str,
    ref: str,
) -> None:
    keys = simulator.create_user(user, account_id=account_id)
    keychain.save_keys(ref, keys)
    with store.session() as session:
        mailer = session.scalar(select(Mailer).where(Mailer.team_id == team_id))
        if mailer is not None and mailer.key_last4 != keys.last_four:
            # Demo keys live only in this run's memory: say why the key the card shows changed.
            record_event(
                session,
                team_id,
                "mailer",
                "key",
                mailer.key_last4,
                keys.last_four,
                f"Demo restarted: the simulated account issued the mailer a new access key "
                f"(…{keys.last_four}); demo keys are kept in memory only, for one run.",
            )
            mailer.key_last4 = keys.last_four
        identities = [
            (i.name, i.status, i.error_type, last_mail_from(session, team_id, i.name))
            for i in session.scalars(
                select(SenderIdentity).where(
                    SenderIdentity.team_id == team_id, SenderIdentity.removed_at.is_(None)
                )
            ).all()
        ]
        account = session.scalar(select(AccountStatus).where(AccountStatus.team_id == team_id))
        settings = (
            None
            if account is None
            else (
                account.production,
                account.review_status,
                account.review_case_id,
                account.sending_enabled,
                account.enforcement_status,
                account.max_24h,
                account.max_rate,
            )
        )
        details = _submitted_details(session, team_id, region)
    facade = open_mailer(store, team_id)
    for name, status, error_type, mail_from in identities:
        facade.create_identity(name)
        if mail_from:
            # Set before the status, so it follows the identity's as it does after set-up.
            facade.put_mail_from(name, mail_from)
        if status != IdentityStatus.PENDING:
            simulator.set_identity_status(
                name, status, error_type=error_type, region=region, account_id=account_id
            )
    where = {"region": region, "account_id": account_id}
    if details is not None:
        facade.put_account_details(details)
    if settings is not None:
        production, review, case_id, enabled, enforcement, max_24h, max_rate = settings
        simulator.set_production(production, **where)
        if review:
            # The same review in the same support case: the records and SES agree again.
            simulator.set_review(review, case_id=case_id, **where)
        if not enabled:
            simulator.set_sending_enabled(False, enforcement=enforcement or "HEALTHY", **where)
        if max_24h or max_rate:
            simulator.set_quota(max_24h=max_24h or None, max_rate=max_rate or None, **where)
    _restore_account_memory(store, simulator, team_id, account_id, region)
    refresh_team(store, team_id, facade)
    _wire_feedback(store, team_id, facade)
    _restore_contact_list(store, team_id, facade)


def _submitted_details(session: Session, team_id: int, region: str) -> AccountDetailsRequest | None:
    """The team's last request sent with PutAccountDetails in `region`, to tell SES again
    without asking anew for production access; None when it sent none."""
    from sesdesk.models import AccessRequest
    from sesdesk.models.access import VIA_API

    sent = session.scalar(
        select(AccessRequest)
        .where(
            AccessRequest.team_id == team_id,
            AccessRequest.via == VIA_API,
            AccessRequest.submitted_at.is_not(None),
            AccessRequest.region == region,
        )
        .order_by(AccessRequest.submitted_at.desc(), AccessRequest.id.desc())
        .limit(1)
    )
    if sent is None:
        return None
    return AccountDetailsRequest(
        mail_type=sent.mail_type,
        website_url=sent.website_url,
        use_case_description=sent.use_case_description,
        contact_language=sent.contact_language,
        additional_contacts=tuple(sent.additional_contacts or ()),
        production_access=False,
    )


def _restore_account_memory(
    store: Store, simulator: SesSimulator, team_id: int, account_id: str, region: str
) -> None:
    """What SES itself would still remember of the team's sends: the recipients accepted in
    the last 24 hours (SentLast24Hours and the quota) and the account-level suppression list
    entries the team read from SES or wrote to it — without them the first sync would drop
    the team's `ses` entries as "taken off SES's list"."""
    from sesdesk.models import Broadcast, Recipient, Suppression
    from sesdesk.models.states import RecipientState
    from sesdesk.services.feedback.suppression import SES, TO_SES

    since = utcnow() - timedelta(days=1)
    with store.session() as session:
        sent = session.scalars(
            select(Recipient.updated_at)
            .join(Broadcast, Broadcast.id == Recipient.broadcast_id)
            .where(
                Broadcast.team_id == team_id,
                Recipient.state == RecipientState.SENT,
                Recipient.updated_at >= since,
            )
        ).all()
        suppressed = session.execute(
            select(Suppression.email_lower, Suppression.reason).where(
                Suppression.team_id == team_id,
                Suppression.reason.in_(TO_SES),
                (Suppression.source == SES) | Suppression.synced_at.is_not(None),
            )
        ).all()
    where = {"region": region, "account_id": account_id}
    simulator.add_past_usage([at.timestamp() for at in sent], **where)
    for email, reason in suppressed:
        simulator.suppress(email, TO_SES[reason], **where)


def _restore_contact_list(store: Store, team_id: int, facade: SesFacade) -> None:
    """The fresh simulator has no SES contact list: every list that had a topic is synced
    anew (SES was told nothing yet), so one-click unsubscribe and its control work again."""
    from sqlalchemy import update

    from sesdesk.aws.lists import ListsFacade
    from sesdesk.models import Contact, ContactList
    from sesdesk.services.lists import sync_list

    with store.session() as session:
        list_ids = list(
            session.scalars(
                select(ContactList.id).where(
                    ContactList.team_id == team_id, ContactList.ses_topic.is_not(None)
                )
            )
        )
        if list_ids:
            session.execute(
                update(Contact).where(Contact.list_id.in_(list_ids)).values(ses_state=None)
            )
    lists = ListsFacade(facade.factory)
    for list_id in list_ids:
        sync_list(store, team_id, list_id, lists)


def reset_demo(session: DemoSession) -> int:
    """Wipe every demo record and the simulated account, and seed the demo team again."""
    with session.store.session() as db:
        refs = db.scalars(select(Mailer.keyring_ref)).all()
        db.execute(delete(Team))
    for ref in refs:
        keychain.delete_keys(ref)
    session.simulator.reset()
    session.team_id = seed_demo(session.store, session.simulator)
    return session.team_id


def current_key_id(store: Store, team_id: int) -> str:
    """The access key id the demo mailer of `team_id` uses now (an id, never the secret)."""
    from sesdesk.services.mailers import mailer_row

    with store.session() as session:
        mailer = mailer_row(session, team_id)
        ref = mailer.keyring_ref if mailer is not None else None
    keys = keychain.load_keys(ref) if ref else None
    if keys is None:
        raise SesdeskError("The demo mailer has no key to revoke.")
    return keys.access_key_id
