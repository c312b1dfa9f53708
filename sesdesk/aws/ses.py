"""The calls sesdesk makes to STS and SES, typed, with errors already classified.

Like chalice's `awsclient.py`: one object over an injected client factory, exposing only the
calls we need and returning plain dataclasses — never boto3 structures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sesdesk.aws.clients import CallKind
from sesdesk.aws.facade import Facade, listed

VERIFICATION_STATES = ("PENDING", "SUCCESS", "FAILED", "TEMPORARY_FAILURE", "NOT_STARTED")


@dataclass(frozen=True)
class CallerIdentity:
    """Who the keys belong to (STS GetCallerIdentity)."""

    account_id: str
    arn: str
    user_id: str

    @property
    def is_root(self) -> bool:
        """True for the account's root user: keys AWS advises never to use."""
        return self.arn.endswith(":root")


@dataclass(frozen=True)
class AccountInfo:
    """SESv2 GetAccount, flattened."""

    production: bool
    sending_enabled: bool
    enforcement_status: str | None
    max_24h: float
    max_rate: float
    sent_24h: float
    review_status: str | None = None
    review_case_id: str | None = None
    mail_type: str | None = None
    website_url: str | None = None

    @property
    def left_24h(self) -> float:
        """Recipients that may still be sent to in the rolling 24-hour window."""
        return max(0.0, self.max_24h - self.sent_24h)


@dataclass(frozen=True)
class IdentitySummary:
    """One entry of SESv2 ListEmailIdentities."""

    name: str
    kind: str  # "email" | "domain"
    status: str
    sending_enabled: bool


@dataclass(frozen=True)
class IdentityDetail:
    """SESv2 GetEmailIdentity, flattened."""

    name: str
    kind: str
    status: str
    verified_for_sending: bool
    error_type: str | None = None
    dkim_status: str | None = None
    dkim_tokens: tuple[str, ...] = field(default_factory=tuple)
    mail_from_domain: str | None = None
    # MailFromDomainStatus: PENDING | SUCCESS | FAILED | TEMPORARY_FAILURE (None: not set up).
    mail_from_status: str | None = None
    mail_from_behavior: str | None = None  # BehaviorOnMxFailure
    dkim_signing: bool = False  # DkimAttributes.SigningEnabled
    dkim_origin: str | None = None  # SigningAttributesOrigin: AWS_SES is Easy DKIM


MAIL_FROM_BEHAVIORS = ("USE_DEFAULT_VALUE", "REJECT_MESSAGE")


def _kind(identity_type: str | None, name: str) -> str:
    if identity_type == "EMAIL_ADDRESS" or (identity_type is None and "@" in name):
        return "email"
    return "domain"


class SesFacade(Facade):
    """STS and SES calls for one mailer (one region, one key pair)."""

    # --- STS ---------------------------------------------------------------------------
    def caller_identity(self, *, kind: CallKind = CallKind.CHECK) -> CallerIdentity:
        """The account and principal the keys belong to."""
        reply = self._call("sts", "sts:GetCallerIdentity", lambda c: c.get_caller_identity(), kind)
        return CallerIdentity(
            account_id=str(reply["Account"]), arn=str(reply["Arn"]), user_id=str(reply["UserId"])
        )

    # --- SESv2 account -------------------------------------------------------------------
    def get_account(self) -> AccountInfo:
        """Sandbox or production, review status, sending enabled, quota."""
        reply = self._call("sesv2", "ses:GetAccount", lambda c: c.get_account())
        quota = reply.get("SendQuota", {}) or {}
        details = reply.get("Details", {}) or {}
        review = details.get("ReviewDetails", {}) or {}
        return AccountInfo(
            production=bool(reply.get("ProductionAccessEnabled", False)),
            sending_enabled=bool(reply.get("SendingEnabled", True)),
            enforcement_status=reply.get("EnforcementStatus"),
            max_24h=float(quota.get("Max24HourSend", 0.0)),
            max_rate=float(quota.get("MaxSendRate", 0.0)),
            sent_24h=float(quota.get("SentLast24Hours", 0.0)),
            review_status=review.get("Status"),
            review_case_id=review.get("CaseId"),
            mail_type=details.get("MailType"),
            website_url=details.get("WebsiteURL"),
        )

    # --- SESv2 identities ----------------------------------------------------------------
    def list_identities(self) -> list[IdentitySummary]:
        """Every email identity in the region (follows pagination)."""

        def summary(item: dict[str, Any]) -> IdentitySummary:
            name = str(item["IdentityName"])
            return IdentitySummary(
                name=name,
                kind=_kind(item.get("IdentityType"), name),
                status=str(item.get("VerificationStatus") or "PENDING"),
                sending_enabled=bool(item.get("SendingEnabled", False)),
            )

        def fetch(client: Any) -> list[IdentitySummary]:
            found = listed(client.list_email_identities, "EmailIdentities", PageSize=1000)
            return [summary(item) for item in found]

        return self._call("sesv2", "ses:ListEmailIdentities", fetch)

    def get_identity(self, name: str) -> IdentityDetail:
        """One identity's verification and DKIM state."""
        reply = self._call(
            "sesv2", "ses:GetEmailIdentity", lambda c: c.get_email_identity(EmailIdentity=name)
        )
        return _identity_detail(name, reply)

    def create_identity(self, name: str) -> IdentityDetail:
        """Create an email or domain identity (Easy DKIM for domains)."""
        reply = self._call(
            "sesv2",
            "ses:CreateEmailIdentity",
            lambda c: c.create_email_identity(EmailIdentity=name),
        )
        dkim = reply.get("DkimAttributes", {}) or {}
        return IdentityDetail(
            name=name,
            kind=_kind(reply.get("IdentityType"), name),
            status="PENDING",
            verified_for_sending=bool(reply.get("VerifiedForSendingStatus", False)),
            dkim_status=dkim.get("Status"),
            dkim_tokens=tuple(dkim.get("Tokens", []) or ()),
        )

    def put_account_details(self, request: AccountDetailsRequest) -> None:
        """Submit the production-access request (SESv2 PutAccountDetails)."""
        self._call("sesv2", "ses:PutAccountDetails", lambda c: _put_account_details(c, request))

    def put_mail_from(
        self, identity: str, mail_from_domain: str | None, behavior: str = "USE_DEFAULT_VALUE"
    ) -> None:
        """Set (or, with None, clear) the identity's custom MAIL FROM domain in SES."""
        if behavior not in MAIL_FROM_BEHAVIORS:
            raise ValueError(f"behavior must be one of {MAIL_FROM_BEHAVIORS}")
        kwargs: dict[str, Any] = {"EmailIdentity": identity, "BehaviorOnMxFailure": behavior}
        if mail_from_domain is not None:
            kwargs["MailFromDomain"] = mail_from_domain
        self._call(
            "sesv2",
            "ses:PutEmailIdentityMailFromAttributes",
            lambda c: c.put_email_identity_mail_from_attributes(**kwargs),
        )

    def delete_identity(self, name: str) -> None:
        """Delete an identity from SES."""
        self._call(
            "sesv2",
            "ses:DeleteEmailIdentity",
            lambda c: c.delete_email_identity(EmailIdentity=name),
        )


def _identity_detail(name: str, reply: dict[str, Any]) -> IdentityDetail:
    dkim = reply.get("DkimAttributes", {}) or {}
    info = reply.get("VerificationInfo", {}) or {}
    mail_from = reply.get("MailFromAttributes", {}) or {}
    return IdentityDetail(
        name=name,
        kind=_kind(reply.get("IdentityType"), name),
        status=str(reply.get("VerificationStatus") or "PENDING"),
        verified_for_sending=bool(reply.get("VerifiedForSendingStatus", False)),
        error_type=info.get("ErrorType"),
        dkim_status=dkim.get("Status"),
        dkim_tokens=tuple(dkim.get("Tokens", []) or ()),
        mail_from_domain=mail_from.get("MailFromDomain") or None,
        mail_from_status=(mail_from.get("MailFromDomainStatus") or None)
        if mail_from.get("MailFromDomain")
        else None,
        mail_from_behavior=mail_from.get("BehaviorOnMxFailure"),
        dkim_signing=bool(dkim.get("SigningEnabled", False)),
        dkim_origin=dkim.get("SigningAttributesOrigin"),
    )


@dataclass(frozen=True)
class AccountDetailsRequest:
    """The fields of SESv2 PutAccountDetails (the production-access request)."""

    mail_type: str  # "MARKETING" | "TRANSACTIONAL"
    website_url: str
    use_case_description: str
    contact_language: str = "EN"  # "EN" | "JA"
    additional_contacts: tuple[str, ...] = ()
    production_access: bool = True


def _put_account_details(client: Any, request: AccountDetailsRequest) -> None:
    kwargs: dict[str, Any] = {
        "MailType": request.mail_type,
        "WebsiteURL": request.website_url,
        "ContactLanguage": request.contact_language,
        "UseCaseDescription": request.use_case_description,
        "ProductionAccessEnabled": request.production_access,
    }
    if request.additional_contacts:
        kwargs["AdditionalContactEmailAddresses"] = list(request.additional_contacts)
    client.put_account_details(**kwargs)
