"""Who may send and receive: the one rule for "may we send from this address", and the
sandbox's verified recipients."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from email.utils import parseaddr

from sesdesk.errors import BadInput, NotAllowed, SesdeskError
from sesdesk.models import IdentityStatus, Store
from sesdesk.services.state import IdentityView, TeamSnapshot, load_snapshot

log = logging.getLogger(__name__)

MAILBOX_SIMULATOR_DOMAIN = "simulator.amazonses.com"


@dataclass(frozen=True)
class VerifiedSet:
    """The team's verified identities: who the sandbox lets us send to."""

    emails: frozenset[str]
    domains: frozenset[str]

    @classmethod
    def of(cls, snapshot: TeamSnapshot) -> VerifiedSet:
        """Verified (SUCCESS) identities of the team, from the stored snapshot."""
        ok = [i for i in snapshot.identities if i.status == "SUCCESS"]
        return cls(
            emails=frozenset(i.name.lower() for i in ok if i.kind == "email"),
            domains=frozenset(i.name.lower() for i in ok if i.kind == "domain"),
        )

    def allows(self, address: str) -> bool:
        """True when the sandbox accepts `address` as a recipient."""
        lowered = address.strip().lower()
        domain = lowered.rpartition("@")[2]
        return (
            lowered in self.emails or domain in self.domains or domain == MAILBOX_SIMULATOR_DOMAIN
        )


def checked_snapshot(store: Store, team_id: int, from_address: str) -> TeamSnapshot:
    """The team's snapshot once `from_address` passes `check_from_identity`.

    A stored "not verified" may be stale (AWS verified the identity after the last poll), so
    before refusing, the state is read from AWS once. If that read fails, the stored answer
    stands.
    """
    snapshot = load_snapshot(store, team_id)
    try:
        check_from_identity(snapshot, from_address)
        return snapshot
    except NotAllowed:
        if snapshot.mailer is None or snapshot.mailer.access == "lost":
            raise
        from sesdesk.services.refresh import refresh_team

        try:
            refresh_team(store, team_id)
        except SesdeskError as exc:
            log.info("could not re-check the sender with AWS: %s", exc.message)
        snapshot = load_snapshot(store, team_id)
    check_from_identity(snapshot, from_address)
    return snapshot


def covering_identities(snapshot: TeamSnapshot, address: str) -> list[IdentityView]:
    """The team's identities that could let us send from `address`: the address itself,
    its domain, or any parent domain (SES lets a verified domain send from every address
    and subdomain under it), most specific first."""
    labels = address.rpartition("@")[2].split(".")
    names = [address] + [".".join(labels[i:]) for i in range(len(labels) - 1)]
    by_name = {i.name.lower(): i for i in snapshot.identities}
    return [by_name[name] for name in names if name in by_name]


def check_from_identity(snapshot: TeamSnapshot, from_address: str) -> None:
    """May we send from this address? The one rule, for broadcasts and test emails alike.

    Yes when the address, its domain or a parent domain is a verified identity of the team.
    BadInput (field "from") when none of them is an identity of the team; NotAllowed, with
    what to do, when they are but none is verified yet.
    """
    from sesdesk.services.identity_status import display_name, explain

    address = (parseaddr(from_address)[1] or from_address).strip().lower()
    matches = covering_identities(snapshot, address)
    if any(i.status == IdentityStatus.SUCCESS for i in matches):
        return
    domain = display_name(address.rpartition("@")[2])
    if not matches:
        raise BadInput(
            "from",
            f"{address} is not a sender identity of this team: neither the address nor its "
            f"domain {domain} is one",
            hint=f"Add {domain} or {address} as a sender identity first: sesdesk identity add "
            f"--team {snapshot.team_name!r} {domain}",
        )
    first = matches[0]
    explanation = explain(first.kind, first.name, first.status, first.error_type)
    raise NotAllowed(
        f"Cannot send from {address}: {display_name(first.name)} is not verified for sending "
        f"yet ({explanation.label.lower()}).",
        hint=explanation.text,
    )


def refuse_unverified(verified: VerifiedSet, addresses: list[str]) -> None:
    """NotAllowed naming (up to five of) the addresses the sandbox would refuse."""
    bad = [a for a in addresses if not verified.allows(a)]
    if bad:
        shown = ", ".join(bad[:5]) + (f" and {len(bad) - 5} more" if len(bad) > 5 else "")
        raise NotAllowed(
            f"The account is in the SES sandbox: it may only send to verified addresses, "
            f"and {shown} {'is' if len(bad) == 1 else 'are'} not verified.",
            hint="Verify the recipient as an identity, send to the mailbox simulator "
            "(success@simulator.amazonses.com), or apply for production access.",
        )
