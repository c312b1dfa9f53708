"""14. SESv2 PutEmailIdentityMailFromAttributes stores an identity's custom MAIL FROM domain;
GetEmailIdentity answers MailFromAttributes {MailFromDomain, MailFromDomainStatus,
BehaviorOnMxFailure} as SES does.

The status starts PENDING (SES has not found the MX record yet). It then follows the identity:
when the identity's status is set after the MAIL FROM domain was (the `identity` control), a
pending MAIL FROM domain takes that status — or it is set on its own with the `mail_from`
control (`SesSimulator.set_mail_from_status`), which wins until the next Put.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import unquote

from sesdesk.simulator.patches.base import (
    _json_params,
    _replace,
    extend_get_email_identity,
    service_error,
    ses_backend,
)
from sesdesk.simulator.state import InvalidRequest

BEHAVIORS = ("USE_DEFAULT_VALUE", "REJECT_MESSAGE")
MAIL_FROM_STATUSES = ("PENDING", "SUCCESS", "FAILED", "TEMPORARY_FAILURE")
_DEFAULT = {"BehaviorOnMxFailure": "USE_DEFAULT_VALUE"}


def _identity_domain(identity: str) -> str:
    return identity.rsplit("@", 1)[-1].lower().rstrip(".")


def mail_from_problem(identity: str, mail_from_domain: str) -> str | None:
    """Why SES refuses `mail_from_domain` for `identity`, or None (it must be a subdomain)."""
    parent = _identity_domain(identity)
    name = mail_from_domain.lower().rstrip(".")
    if not name.endswith("." + parent) or name == parent:
        return (
            f"Provided MAIL-FROM domain '{mail_from_domain}' is not subdomain of the domain "
            f"of the identity '{parent}'."
        )
    return None


def _put_mail_from(self: Any) -> str:
    name = unquote(str(self.uri_match.get("EmailIdentity") or ""))
    params = _json_params(self)
    identity = ses_backend(self.current_account, self.region).email_identities.get(name)
    if identity is None:
        raise service_error("NotFoundException", f"Email identity {name} does not exist.")
    behavior = str(params.get("BehaviorOnMxFailure") or "USE_DEFAULT_VALUE")
    if behavior not in BEHAVIORS:
        raise service_error(
            "BadRequestException",
            f"Value '{behavior}' at 'behaviorOnMxFailure' failed to satisfy constraint: "
            f"Member must satisfy enum value set: {list(BEHAVIORS)}",
        )
    domain = params.get("MailFromDomain")
    if not domain:
        identity.sesdesk_mail_from = None
        identity.sesdesk_mail_from_behavior = behavior
        return json.dumps({})
    problem = mail_from_problem(name, str(domain))
    if problem:
        raise service_error("BadRequestException", problem)
    identity.sesdesk_mail_from = {
        "domain": str(domain).lower().rstrip("."),
        "status": "PENDING",
        "explicit": False,
        "set_at": time.time(),
    }
    identity.sesdesk_mail_from_behavior = behavior
    return json.dumps({})


def _status(identity: Any, mail_from: dict[str, Any]) -> str:
    if mail_from["explicit"]:
        return str(mail_from["status"])
    checked = getattr(identity, "sesdesk_checked_at", None) or 0.0
    if checked > mail_from["set_at"]:
        status = str(identity.verification_status)
        return status if status in MAIL_FROM_STATUSES else "PENDING"
    return "PENDING"


def mail_from_attributes(identity: Any) -> dict[str, Any]:
    """GetEmailIdentity's MailFromAttributes for one of moto's identity objects."""
    behavior = getattr(identity, "sesdesk_mail_from_behavior", None) or "USE_DEFAULT_VALUE"
    mail_from = getattr(identity, "sesdesk_mail_from", None)
    if not mail_from:
        return {**_DEFAULT, "BehaviorOnMxFailure": behavior}
    return {
        "MailFromDomain": mail_from["domain"],
        "MailFromDomainStatus": _status(identity, mail_from),
        "BehaviorOnMxFailure": behavior,
    }


def set_mail_from_status(account_id: str, region: str, name: str, status: str) -> None:
    """Set an identity's MAIL FROM status as SES would report it (the `mail_from` control)."""
    if status not in MAIL_FROM_STATUSES:
        raise InvalidRequest(f"status must be one of {MAIL_FROM_STATUSES}")
    identity = ses_backend(account_id, region).email_identities.get(name)
    if identity is None:
        raise KeyError(f"no identity {name!r} in {region} of account {account_id}")
    mail_from = getattr(identity, "sesdesk_mail_from", None)
    if not mail_from:
        raise InvalidRequest(f"{name} has no custom MAIL FROM domain")
    mail_from.update(status=status, explicit=True)


def apply() -> None:
    """Apply this patch to moto (once per process, from `patches.install`)."""
    from moto.sesv2.responses import SESV2Response

    # Set on the class: moto looks handlers up with inspect on SESV2Response itself.
    _replace(SESV2Response, "put_email_identity_mail_from_attributes", _put_mail_from)

    def add_mail_from(body: dict[str, Any], identity: Any) -> None:
        body["MailFromAttributes"] = mail_from_attributes(identity)

    extend_get_email_identity(add_mail_from)
