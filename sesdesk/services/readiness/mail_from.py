"""Custom MAIL FROM: set the subdomain in SES (PutEmailIdentityMailFromAttributes) and name
the two records to publish there — MX to SES's feedback endpoint and SPF.

With it, the envelope sender (Return-Path) is under the From domain instead of amazonses.com,
so SPF passes *aligned*, as Gmail, Yahoo and Outlook want from bulk senders.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from sesdesk.errors import BadInput
from sesdesk.models import StatusEvent, Store, record_event
from sesdesk.services.dns_records import (
    DEFAULT_MAIL_FROM_LABEL,
    DnsRecord,
    mail_from_name,
    mail_from_records,
)

#: The history's field for a MAIL FROM domain sesdesk set (subject `identity:<domain>`).
MAIL_FROM_FIELD = "mail_from"
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")


@dataclass(frozen=True)
class MailFromSetup:
    """What was set in SES and what to publish."""

    identity: str
    mail_from_domain: str
    status: str | None  # SES's MailFromDomainStatus right after the change
    records: tuple[DnsRecord, ...]


def mail_from_problem(domain: str, mail_from_domain: str) -> str | None:
    """Why SES would refuse `mail_from_domain` for the identity `domain`, or None.

    It must be a subdomain of the identity's domain (not the domain itself), made of DNS
    labels; it must not be a name that receives mail, which only its owner can know.
    """
    name = mail_from_domain.strip().rstrip(".").lower()
    parent = domain.strip().rstrip(".").lower().rpartition("@")[2]
    if not name:
        return "is empty: give a subdomain such as mail"
    if name == parent:
        return f"must be a subdomain of {parent} (e.g. mail.{parent}), not {parent} itself"
    if not name.endswith("." + parent):
        return f"{name} is not under {parent}: use a subdomain such as mail.{parent}"
    if len(name) > 253:
        return "is longer than 253 characters"
    for label in name.split("."):
        if not _LABEL.fullmatch(label):
            return (
                f"{label!r} is not a DNS label (letters, digits and hyphens, at most 63, "
                "not starting or ending with a hyphen)"
            )
    return None


def set_up_mail_from(
    store: Store, team_id: int, domain: str, subdomain: str | None = None
) -> MailFromSetup:
    """Set `subdomain` (default mail.<domain>; one label or the full name) as the domain
    identity's custom MAIL FROM in SES, and return the records to publish. Blocking.

    BadInput naming `domain` or `mail_from` before anything is sent to AWS.
    """
    from sesdesk.services.identities import find_identity
    from sesdesk.services.mailers import open_mailer, watching_access

    identity = find_identity(store, team_id, domain, field="domain")
    if identity.kind != "domain":
        raise BadInput(
            "domain",
            f"{identity.display} is an email address: set MAIL FROM on its domain identity",
        )
    wanted = (subdomain or DEFAULT_MAIL_FROM_LABEL).strip().lower()
    # One label is a subdomain of the domain; a dotted name is taken as the full name, so
    # "mail.other.com" is refused rather than quietly becoming mail.other.com.<domain>.
    name = mail_from_name(identity.name, wanted) if "." not in wanted else wanted.rstrip(".")
    problem = mail_from_problem(identity.name, name)
    if problem:
        raise BadInput("mail_from", f"the MAIL FROM domain {problem}")
    facade = open_mailer(store, team_id)
    with watching_access(store, team_id):
        facade.put_mail_from(identity.name, name)
        detail = facade.get_identity(identity.name)
    with store.session() as session:
        record_event(
            session,
            team_id,
            f"identity:{identity.name}",
            MAIL_FROM_FIELD,
            last_mail_from(session, team_id, identity.name),
            name,
            f"Set {name} as the custom MAIL FROM domain of {identity.display} in SES: "
            "publish its MX and SPF records.",
        )
    return MailFromSetup(
        identity=identity.name,
        mail_from_domain=name,
        status=detail.mail_from_status,
        records=tuple(mail_from_records(name, facade.region)),
    )


def last_mail_from(session: Session, team_id: int, identity: str) -> str | None:
    """The MAIL FROM domain sesdesk last set for `identity` (from the history), or None."""
    return session.scalar(
        select(StatusEvent.new_value)
        .where(
            StatusEvent.team_id == team_id,
            StatusEvent.subject == f"identity:{identity}",
            StatusEvent.field == MAIL_FROM_FIELD,
        )
        .order_by(StatusEvent.at.desc(), StatusEvent.id.desc())
        .limit(1)
    )
