"""Production access (seed 000): prepare, check, submit or export, and track the request.

Everything here is plain Python: the wizard and the CLI only collect input and show what
these functions return. The checks are a table of pure functions, each giving a plain
verdict — ok, warn (a weak answer AWS may question) or block (an invalid answer AWS would
refuse, or that we refuse before anything is sent).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from sqlalchemy import select

from sesdesk.aws.errors import Rejected
from sesdesk.aws.ses import AccountDetailsRequest, SesFacade
from sesdesk.errors import BadInput, NotAllowed, SesdeskError
from sesdesk.models import AccountStatus, Store, record_event, utcnow
from sesdesk.models.access import VIA_API, VIA_CONSOLE, AccessRequest
from sesdesk.services import access_honesty
from sesdesk.services.access_templates import (
    DEFAULT_TEMPLATE,
    TEMPLATES,
    AccessTemplate,
    ComposerAnswers,
    answers_for,
)
from sesdesk.services.gating import Fix, decide
from sesdesk.services.mailers import open_mailer, watching_access
from sesdesk.services.state import IdentityView, TeamSnapshot, load_snapshot

MAIL_TYPES = ("TRANSACTIONAL", "MARKETING")
LANGUAGES = ("EN", "JA")
MAX_DESCRIPTION = 5000
MAX_CONTACTS = 4
MAX_URL = 1000
# Below this a description reads as a one-liner; the seed's SmartCart example is ~550.
DETAILED_ENOUGH = 400
TYPICAL_REVIEW = "24–48 hours"

# The five request fields by their SESv2 PutAccountDetails names (cli.md uses these).
F_MAIL_TYPE = "MailType"
F_WEBSITE = "WebsiteURL"
F_LANGUAGE = "ContactLanguage"
F_DESCRIPTION = "UseCaseDescription"
F_CONTACTS = "AdditionalContactEmailAddresses"
FORM_FIELDS = (F_MAIL_TYPE, F_WEBSITE, F_LANGUAGE, F_DESCRIPTION, F_CONTACTS)

MAIL_TYPE_HELP = {
    "TRANSACTIONAL": (
        "Messages a person triggers and expects: one-time passcodes (OTP), password resets, "
        "receipts, account notices. Sending OTP codes, not marketing emails? Choose "
        "Transactional."
    ),
    "MARKETING": (
        "Messages you decide to send to many people: newsletters, offers, announcements. "
        "Only to people who subscribed, each with an unsubscribe link."
    ),
}
MAIL_TYPE_SHORT = {
    "TRANSACTIONAL": "triggered by the recipient: codes, resets, receipts, account notices",
    "MARKETING": "newsletters and offers to people who subscribed",
}
LANGUAGE_NAMES = {"EN": "English", "JA": "Japanese"}

SANDBOX_IS_PER_REGION = (
    "The sandbox is per region: production access granted in {region} applies to {region} "
    "only. Send from the region you apply in."
)

# Seed 000: the console's own questions that PutAccountDetails has no field for.
CONSOLE_EXTRA_QUESTIONS = (
    ("Do you have a process to handle bounces and complaints?", "Yes"),
    ("How did you hear about Amazon SES?", "AWS Documentation (or Other)"),
)

_FREEMAIL = {
    "gmail.com",
    "googlemail.com",
    "yahoo.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "icloud.com",
    "me.com",
    "aol.com",
    "gmx.com",
    "gmx.de",
    "proton.me",
    "protonmail.com",
    "yandex.com",
    "mail.com",
}


class Verdict(StrEnum):
    """A check's plain verdict."""

    OK = "ok"
    WARN = "warn"
    BLOCK = "block"


# --- the form ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccessForm:
    """The production-access request: the fields of SESv2 PutAccountDetails."""

    mail_type: str = "TRANSACTIONAL"
    website_url: str = ""
    use_case_description: str = ""
    contact_language: str = "EN"
    additional_contacts: tuple[str, ...] = ()

    def to_document(self) -> dict[str, Any]:
        """The form under PutAccountDetails' field names (`access draft --json`)."""
        return {
            F_MAIL_TYPE: self.mail_type,
            F_WEBSITE: self.website_url,
            F_LANGUAGE: self.contact_language,
            F_DESCRIPTION: self.use_case_description,
            F_CONTACTS: list(self.additional_contacts),
        }

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> AccessForm:
        """A form from a PutAccountDetails-shaped document; BadInput naming a mistyped field."""
        if not isinstance(doc, Mapping):
            raise BadInput("form", "must be a JSON object with the PutAccountDetails fields")

        def text(name: str, default: str) -> str:
            value = doc.get(name)
            if value is None:
                return default
            if not isinstance(value, str):
                raise BadInput(name, f"must be text, not {type(value).__name__}")
            return value

        contacts = doc.get(F_CONTACTS)
        if contacts is None:
            contacts = []
        elif isinstance(contacts, str):
            contacts = [c for c in re.split(r"[,;\s]+", contacts) if c]
        if not isinstance(contacts, list) or not all(isinstance(c, str) for c in contacts):
            raise BadInput(F_CONTACTS, "must be a list of email addresses")
        enabled = doc.get("ProductionAccessEnabled", True)
        if enabled is not True:
            raise BadInput(
                "ProductionAccessEnabled",
                "submitting asks for production access; leave it out or set it to true",
            )
        return cls(
            mail_type=text(F_MAIL_TYPE, ""),
            website_url=text(F_WEBSITE, ""),
            use_case_description=text(F_DESCRIPTION, ""),
            contact_language=text(F_LANGUAGE, "EN"),
            additional_contacts=tuple(contacts),
        )

    def normalized(self) -> AccessForm:
        """Trimmed, upper-cased codes, contacts de-duplicated (ignoring case)."""
        seen: set[str] = set()
        contacts: list[str] = []
        for raw in self.additional_contacts:
            address = raw.strip()
            if address and address.lower() not in seen:
                seen.add(address.lower())
                contacts.append(address)
        return AccessForm(
            mail_type=self.mail_type.strip().upper(),
            website_url=self.website_url.strip(),
            use_case_description=self.use_case_description.strip(),
            contact_language=(self.contact_language.strip() or "EN").upper(),
            additional_contacts=tuple(contacts),
        )


def unknown_fields(doc: Mapping[str, Any]) -> list[str]:
    """Keys of a form document that look like request fields but are not ours (typos)."""
    known = {*FORM_FIELDS, "ProductionAccessEnabled"}
    return [k for k in doc if k[:1].isupper() and k not in known]


# --- the composer -------------------------------------------------------------------------

COMPOSER_LABELS = {
    "business": "Who you are",
    "what_you_send": "What you send",
    "recipients": "To whom",
    "signup": "How recipients sign up",
    "daily_volume": "Expected daily volume",
    "bounce_handling": "How bounces and complaints are handled",
}

# Only the mail type: anything more would be a claim the user did not write.
_MAIL_TYPE_SENTENCE = {
    "TRANSACTIONAL": "Mail type: transactional.",
    "MARKETING": "Mail type: marketing.",
}


def compose(answers: ComposerAnswers, mail_type: str) -> str:
    """The use-case description built from the composer's structured answers."""
    parts: list[str] = []
    if answers.business.strip():
        parts.append(answers.business.strip())
    for label, value in (
        ("What we send", answers.what_you_send),
        ("Who receives it", answers.recipients),
        ("How recipients sign up", answers.signup),
        ("Expected volume", answers.daily_volume),
    ):
        if value.strip():
            parts.append(f"{label}: {value.strip()}")
    sentence = _MAIL_TYPE_SENTENCE.get(mail_type.strip().upper())
    if sentence:
        parts.append(sentence)
    if answers.bounce_handling.strip():
        parts.append(f"How we handle bounces and complaints:\n{answers.bounce_handling.strip()}")
    return "\n\n".join(parts)


def form_from_template(
    key: str,
    *,
    website_url: str = "",
    contact_language: str = "EN",
    business: str = "",
    domain: str = "",
) -> tuple[AccessForm, ComposerAnswers]:
    """A form (and its composer answers) started from template `key` and the user's business."""
    chosen: AccessTemplate = TEMPLATES[key]
    answers = answers_for(key, business=business, domain=domain, website=website_url)
    form = AccessForm(
        mail_type=chosen.mail_type,
        website_url=website_url,
        use_case_description=compose(answers, chosen.mail_type),
        contact_language=contact_language,
    )
    return form, answers


# --- the checks ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckResult:
    """One check's outcome: which field, a plain verdict, and what to do about it."""

    key: str
    field: str
    title: str
    verdict: Verdict
    message: str

    def to_document(self) -> dict[str, str]:
        """As `access draft --json` lists it."""
        return {
            "check": self.key,
            "field": self.field,
            "title": self.title,
            "verdict": self.verdict.value,
            "message": self.message,
        }


Outcome = tuple[Verdict, str]

_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")
_NEGATION = re.compile(r"\b(not|no|never|without|don't|doesn't|won't|nor)\b", re.I)
_MARKETING_WORDS = re.compile(
    r"\b(newsletters?|promotions?|promotional|marketing|special offers?|discounts?|"
    r"advertis(?:e|ing|ements?)|sales campaigns?|campaigns?|coupons?)\b",
    re.I,
)
_TRANSACTIONAL_WORDS = re.compile(
    r"\b(otp|one-time|passcodes?|password resets?|verification codes?|receipts?|"
    r"order confirmations?|invoices?|account notices?|two-factor|2fa)\b",
    re.I,
)
_SEND_WORDS = re.compile(
    r"\b(send|sends|sending|emails?|messages?|newsletters?|codes?|notifications?|receipts?)\b",
    re.I,
)
_RECIPIENT_WORDS = re.compile(
    r"\b(users?|customers?|subscribers?|members?|recipients?|clients?|buyers?|patients?|"
    r"students?|visitors?|people)\b",
    re.I,
)
_SIGNUP_WORDS = re.compile(
    r"sign[- ]?(?:s|ed|ing)?[- ]?up|regist|opt[- ]?in|subscrib|create (?:an|their) account|"
    r"checkout|gave us their address|give us their address",
    re.I,
)
_NUMBER = re.compile(r"\d[\d,.]*\s*(?:k\b|thousand\b)?", re.I)
_PER_DAY = re.compile(r"(?:per|a|each|every|/)\s*day\b|\bdaily\b|per 24\s*h", re.I)
_OTHER_PERIOD = re.compile(r"(?:per|a|each|every|/)\s*(?:week|month|year|hour)\b", re.I)
_EXAMPLE_NAME = "smartcart"


def _sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_SPLIT.split(text) if s.strip()]


def _check_mail_type(form: AccessForm) -> Outcome:
    if form.mail_type not in MAIL_TYPES:
        shown = form.mail_type or "(empty)"
        return Verdict.BLOCK, f"{shown} is not a mail type: choose TRANSACTIONAL or MARKETING."
    return Verdict.OK, f"{form.mail_type.title()}: {MAIL_TYPE_SHORT[form.mail_type]}."


def website_problem(url: str) -> Outcome:
    """The verdict on a website URL alone (also used by the wizard's field)."""
    if not url:
        return Verdict.BLOCK, "A website URL is required (even a placeholder page will do)."
    if len(url) > MAX_URL:
        return Verdict.BLOCK, f"At most {MAX_URL} characters (got {len(url)})."
    if any(ch.isspace() for ch in url):
        return Verdict.BLOCK, "A URL cannot contain spaces."
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return Verdict.BLOCK, f"{url} is not a valid URL."
    if parts.scheme.lower() not in ("http", "https"):
        return Verdict.BLOCK, "Give a web address starting with https:// (or http://)."
    if "." not in host.strip(".") or host.endswith(".") or ".." in host:
        return (
            Verdict.BLOCK,
            f"{host or 'The host'} is not a full host name: use e.g. https://yourdomain.com.",
        )
    if not re.fullmatch(r"[A-Za-z0-9.-]+", host):
        return Verdict.BLOCK, f"{host} is not a valid host name."
    if parts.scheme.lower() == "http":
        return Verdict.WARN, "The site is not served over https: reviewers prefer https."
    return Verdict.OK, f"{url} will be shown to the AWS reviewer."


def _check_website(form: AccessForm) -> Outcome:
    return website_problem(form.website_url)


def _check_language(form: AccessForm) -> Outcome:
    if form.contact_language not in LANGUAGES:
        return (
            Verdict.BLOCK,
            f"{form.contact_language} is not a contact language: choose EN or JA.",
        )
    return Verdict.OK, f"AWS will write to you in {LANGUAGE_NAMES[form.contact_language]}."


def contact_problem(address: str) -> str | None:
    """Why `address` is not a usable contact address, or None."""
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError as exc:
        return f"{address} is not a valid email address ({exc})"
    return None


def _check_contacts(form: AccessForm) -> Outcome:
    contacts = form.additional_contacts
    if len(contacts) > MAX_CONTACTS:
        return (
            Verdict.BLOCK,
            f"At most {MAX_CONTACTS} additional contact addresses (got {len(contacts)}).",
        )
    for address in contacts:
        problem = contact_problem(address)
        if problem:
            return Verdict.BLOCK, problem + "."
    if not contacts:
        return Verdict.OK, "No additional contacts: AWS writes to the account's own address."
    return Verdict.OK, f"AWS will also write to {', '.join(contacts)}."


def _check_description(form: AccessForm) -> Outcome:
    text = form.use_case_description
    length = len(text)
    if length == 0:
        return Verdict.BLOCK, "Describe your use case: what you send, to whom, and how often."
    if length > MAX_DESCRIPTION:
        return (
            Verdict.BLOCK,
            f"At most {MAX_DESCRIPTION} characters (got {length}): shorten it.",
        )
    # An AWS reviewer reads this text and a denial counts against the account: refuse what
    # cannot be a description before it is ever sent.
    unreadable = description_problem(text)
    if unreadable:
        return Verdict.BLOCK, unreadable
    return Verdict.OK, f"{length} of {MAX_DESCRIPTION} characters."


MIN_DESCRIPTION_WORDS = 10
_LINE_BREAKS = frozenset("\t\n\r")
# Kana and CJK ideographs are written without spaces: each one counts as a word.
_WORDS = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[^\W_]+")


def description_problem(text: str) -> str | None:
    """Why `text` cannot be a use-case description a reviewer reads, or None."""
    import unicodedata

    from sesdesk.services.teams import BIDI_CONTROLS

    if "\x00" in text:
        return "It contains NUL bytes (U+0000): write the description as plain text."
    for ch in text:
        if ch in BIDI_CONTROLS or (
            ch not in _LINE_BREAKS and unicodedata.category(ch) in ("Cc", "Cs")
        ):
            return (
                f"It contains the control or invisible character U+{ord(ch):04X}: "
                "write the description as plain text."
            )
    if len({ch for ch in text if not ch.isspace()}) == 1:
        return "It is one character repeated: describe what you send, to whom, and how often."
    words = len(_WORDS.findall(text))
    if words < MIN_DESCRIPTION_WORDS:
        return (
            f"Only {words} word{'s' if words != 1 else ''}: AWS reviewers deny requests they "
            f"cannot understand. Write at least {MIN_DESCRIPTION_WORDS} words on what you "
            "send, to whom, and how often."
        )
    return None


def _check_detail(form: AccessForm) -> Outcome:
    text = form.use_case_description
    missing = [
        name
        for name, pattern in (
            ("what you send", _SEND_WORDS),
            ("who receives it", _RECIPIENT_WORDS),
            ("how recipients sign up", _SIGNUP_WORDS),
        )
        if not pattern.search(text)
    ]
    if len(text) < DETAILED_ENOUGH:
        add = f" Add {', '.join(missing)}." if missing else ""
        return (
            Verdict.WARN,
            f"Only {len(text)} characters: be detailed — requests with a short description "
            f"are often denied.{add}",
        )
    if missing:
        return Verdict.WARN, f"Say {', '.join(missing)}: reviewers look for it."
    return Verdict.OK, "Detailed: says what you send, to whom and how they sign up."


def _check_consistency(form: AccessForm) -> Outcome:
    text = form.use_case_description
    sentences = _sentences(text)
    affirmed_marketing = sorted(
        {
            match.group(0).lower()
            for sentence in sentences
            if not _NEGATION.search(sentence)
            for match in _MARKETING_WORDS.finditer(sentence)
        }
    )
    if form.mail_type == "TRANSACTIONAL":
        if affirmed_marketing:
            words = ", ".join(affirmed_marketing)
            return (
                Verdict.WARN,
                f"Transactional, but the text mentions {words}: that reads as marketing. "
                "Choose MARKETING, or say clearly you do not send it.",
            )
        if not re.search(r"\btransactional\b", text, re.I):
            return (
                Verdict.WARN,
                "Mention that the mail is transactional (not marketing): reviewers look for it.",
            )
        return Verdict.OK, "Transactional, and the text says so."
    if form.mail_type == "MARKETING":
        if not affirmed_marketing and _TRANSACTIONAL_WORDS.search(text):
            return (
                Verdict.WARN,
                "Marketing, but the text only describes transactional mail (codes, receipts): "
                "choose TRANSACTIONAL if that is all you send.",
            )
        if not re.search(r"unsubscri", text, re.I):
            return Verdict.WARN, "Marketing mail: say how recipients unsubscribe."
        return Verdict.OK, "Marketing, to subscribers, with a way to unsubscribe."
    return Verdict.WARN, "Choose a mail type first."


def _check_volume(form: AccessForm) -> Outcome:
    text = form.use_case_description
    for sentence in _sentences(text):
        for number in _NUMBER.finditer(sentence):
            after = sentence[number.end() : number.end() + 60]
            if _PER_DAY.search(after):
                return Verdict.OK, "Expected volume stated per day."
    if _NUMBER.search(text) and _OTHER_PERIOD.search(text):
        return Verdict.WARN, "Give the expected volume per day (e.g. 500 emails per day)."
    return (
        Verdict.WARN,
        "State your expected volume as a number per day (e.g. 100-500 emails per day).",
    )


def _check_bounces(form: AccessForm) -> Outcome:
    text = form.use_case_description.lower()
    has_bounce = "bounce" in text
    has_complaint = "complaint" in text
    if has_bounce and has_complaint:
        return Verdict.OK, "Says how bounces and complaints are handled."
    missing = " and ".join(
        word for word, seen in (("bounces", has_bounce), ("complaints", has_complaint)) if not seen
    )
    return (
        Verdict.WARN,
        f"Say how you handle {missing}: show you understand bounce and complaint handling.",
    )


def _check_example(form: AccessForm) -> Outcome:
    text = form.use_case_description.lower()
    if _EXAMPLE_NAME in text and _EXAMPLE_NAME not in form.website_url.lower():
        return (
            Verdict.WARN,
            "The text still describes the SmartCart example: write about your own business.",
        )
    return Verdict.OK, "Written about your own business."


@dataclass(frozen=True)
class CheckSpec:
    """One row of the checks table."""

    key: str
    field: str
    title: str
    run: Callable[[AccessForm], Outcome]


# The table. Validity rows first, in the order the CLI names a blocking field; then the
# seed's tips for faster approval.
CHECKS: tuple[CheckSpec, ...] = (
    CheckSpec("mail_type", F_MAIL_TYPE, "Mail type", _check_mail_type),
    CheckSpec("website", F_WEBSITE, "Website URL valid", _check_website),
    CheckSpec("language", F_LANGUAGE, "Contact language", _check_language),
    CheckSpec("contacts", F_CONTACTS, "Additional contacts", _check_contacts),
    CheckSpec("description", F_DESCRIPTION, "Use case given", _check_description),
    CheckSpec("detail", F_DESCRIPTION, "Detailed enough", _check_detail),
    CheckSpec("consistent", F_DESCRIPTION, "Mail type matches the text", _check_consistency),
    CheckSpec("volume", F_DESCRIPTION, "Daily volume stated", _check_volume),
    CheckSpec("bounces", F_DESCRIPTION, "Bounces and complaints handled", _check_bounces),
    CheckSpec("own_words", F_DESCRIPTION, "About your business", _check_example),
    CheckSpec("placeholders", F_DESCRIPTION, "Placeholders replaced", access_honesty.placeholders),
    CheckSpec("list_source", F_DESCRIPTION, "Own list, not bought", access_honesty.list_source),
    CheckSpec("volume_number", F_DESCRIPTION, "Volume is a number", access_honesty.vague_volume),
)


def check_form(form: AccessForm) -> list[CheckResult]:
    """Every check of the table on the (normalized) form."""
    clean = form.normalized()
    results: list[CheckResult] = []
    for spec in CHECKS:
        verdict, message = spec.run(clean)
        results.append(CheckResult(spec.key, spec.field, spec.title, verdict, message))
    return results


def overall(results: Iterable[CheckResult]) -> Verdict:
    """The worst verdict among `results`."""
    verdicts = {r.verdict for r in results}
    if Verdict.BLOCK in verdicts:
        return Verdict.BLOCK
    return Verdict.WARN if Verdict.WARN in verdicts else Verdict.OK


def require_valid(form: AccessForm) -> tuple[AccessForm, list[CheckResult]]:
    """The normalized form and its warnings; BadInput naming the first blocking field."""
    results = check_form(form)
    for result in results:
        if result.verdict is Verdict.BLOCK:
            raise BadInput(result.field, result.message)
    return form.normalized(), [r for r in results if r.verdict is Verdict.WARN]


# --- before: is the team ready to apply? ---------------------------------------------------


@dataclass(frozen=True)
class Readiness:
    """Whether the team can apply now, and the facts the wizard's first page shows."""

    ready: bool
    reason: str
    region: str | None
    verified_identities: tuple[str, ...]
    production: bool
    review_status: str | None
    fix: Fix | None = None

    @property
    def region_note(self) -> str:
        """'Sandbox is per region' for the team's region."""
        return SANDBOX_IS_PER_REGION.format(region=self.region or "the region")


def readiness_of(snapshot: TeamSnapshot) -> Readiness:
    """Ready to apply: a working mailer, a verified identity, not yet in production."""
    mailer, account = snapshot.mailer, snapshot.account
    verified = tuple(i.name for i in snapshot.identities if i.status == "SUCCESS")
    region = mailer.region if mailer else None
    production = bool(account and account.production)
    review = account.review_status if account else None

    def no(reason: str, fix: Fix | None) -> Readiness:
        return Readiness(False, reason, region, verified, production, review, fix)

    gate = decide(snapshot)
    if mailer is None or mailer.access == "lost":
        return no(gate.test_email.reason, gate.test_email.fix)
    if not verified:
        reason = gate.test_email.reason
        if gate.test_email.fix not in (Fix.ADD_IDENTITY, Fix.VERIFY, Fix.RETRY):
            reason = "No verified sender identity yet: add and verify an email address or domain."
        return no(
            f"{reason} AWS wants a verified identity before it reviews a production-access "
            "request.",
            gate.test_email.fix,
        )
    if production:
        return no(
            f"This AWS account already has production access in {region}: nothing to request.",
            None,
        )
    if review == "PENDING":
        return no(
            "A production-access request is already under review: AWS usually answers within "
            f"{TYPICAL_REVIEW}.",
            Fix.WAIT,
        )
    return Readiness(True, "Ready to apply.", region, verified, production, review, Fix.APPLY)


def readiness(store: Store, team_id: int) -> Readiness:
    """`readiness_of` the team's stored state (no AWS call)."""
    return readiness_of(load_snapshot(store, team_id))


def suggest_website(identities: Iterable[IdentityView]) -> str:
    """A website guess from the verified identities: a domain, or an address's own domain."""
    identities = [i for i in identities if i.status == "SUCCESS"]
    for identity in identities:
        if identity.kind == "domain":
            return f"https://{identity.name.lower()}"
    for identity in identities:
        domain = identity.name.rpartition("@")[2].lower()
        if domain and domain not in _FREEMAIL:
            return f"https://{domain}"
    return ""


# --- drafts and stored requests ------------------------------------------------------------


@dataclass(frozen=True)
class RequestView:
    """A stored request, detached from the database."""

    id: int
    created_at: datetime
    submitted_at: datetime | None
    region: str | None
    via: str
    form: AccessForm
    answers: ComposerAnswers | None
    case_id: str | None
    outcome: str | None
    outcome_at: datetime | None


def _view(row: AccessRequest) -> RequestView:
    return RequestView(
        id=row.id,
        created_at=row.created_at,
        submitted_at=row.submitted_at,
        region=row.region,
        via=row.via,
        form=AccessForm(
            mail_type=row.mail_type,
            website_url=row.website_url,
            use_case_description=row.use_case_description,
            contact_language=row.contact_language,
            additional_contacts=tuple(row.additional_contacts or ()),
        ),
        answers=ComposerAnswers.from_dict(row.composer_answers) if row.composer_answers else None,
        case_id=row.case_id,
        outcome=row.outcome,
        outcome_at=row.outcome_at,
    )


def list_requests(store: Store, team_id: int) -> list[RequestView]:
    """Every request of the team, newest first."""
    with store.session() as session:
        rows = session.scalars(
            select(AccessRequest)
            .where(AccessRequest.team_id == team_id)
            .order_by(AccessRequest.created_at.desc(), AccessRequest.id.desc())
        ).all()
        return [_view(row) for row in rows]


def last_request(store: Store, team_id: int) -> RequestView | None:
    """The team's most recent request, or None."""
    requests = list_requests(store, team_id)
    return requests[0] if requests else None


@dataclass(frozen=True)
class Draft:
    """The form as currently prepared, where it came from, and the facts around it."""

    form: AccessForm
    answers: ComposerAnswers
    source: str  # "last_request" | "template:<key>"
    readiness: Readiness
    previous: RequestView | None = None
    business: str = ""

    @property
    def checks(self) -> list[CheckResult]:
        """The checks on this draft."""
        return check_form(self.form)


def _template_for(mail_type: str) -> AccessTemplate:
    for candidate in TEMPLATES.values():
        if candidate.mail_type == mail_type:
            return candidate
    return TEMPLATES[DEFAULT_TEMPLATE]


def draft(store: Store, team_id: int, *, template_key: str | None = None) -> Draft:
    """The form to start from: the last request's answers, else a template (OTP by default)."""
    snapshot = load_snapshot(store, team_id)
    ready = readiness_of(snapshot)
    previous = last_request(store, team_id)
    if previous is not None and template_key is None:
        # A request written elsewhere (CLI) has no answers: the composer starts from the
        # template of its mail type, while the description stays exactly as written.
        answers = previous.answers or answers_for(
            _template_for(previous.form.mail_type).key, business=snapshot.team_name
        )
        return Draft(previous.form, answers, "last_request", ready, previous)
    key = template_key or DEFAULT_TEMPLATE
    website = suggest_website(snapshot.identities)
    form, answers = form_from_template(
        key,
        website_url=website,
        business=snapshot.team_name,
        domain=website.removeprefix("https://"),
    )
    return Draft(form, answers, f"template:{key}", ready, previous, snapshot.team_name)


def _record(
    store: Store,
    team_id: int,
    form: AccessForm,
    *,
    via: str,
    region: str | None,
    answers: ComposerAnswers | None,
    at: datetime,
) -> int:
    with store.session() as session:
        row = AccessRequest(
            team_id=team_id,
            created_at=at,
            submitted_at=at if via == VIA_API else None,
            region=region,
            mail_type=form.mail_type,
            website_url=form.website_url,
            contact_language=form.contact_language,
            use_case_description=form.use_case_description,
            additional_contacts=list(form.additional_contacts),
            composer_answers=answers.to_dict() if answers else None,
            via=via,
        )
        session.add(row)
        how = "submitted to AWS" if via == VIA_API else "prepared for the SES console"
        record_event(
            session,
            team_id,
            "account",
            "access_request",
            None,
            via,
            f"Production-access request {how} ({form.mail_type.lower()}, {form.website_url}"
            f"{', ' + region if region else ''}).",
            at=at,
        )
        session.flush()
        return row.id


# --- submit --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubmitResult:
    """What a submission did."""

    request_id: int
    region: str
    submitted_at: datetime
    review_status: str | None
    case_id: str | None
    warnings: tuple[CheckResult, ...] = ()
    refresh_problem: str | None = None

    def to_document(self, team: str) -> dict[str, Any]:
        """As `access submit --json` prints it."""
        return {
            "team": team,
            "request_id": self.request_id,
            "region": self.region,
            "submitted_at": self.submitted_at.isoformat(),
            "review": self.review_status or "none",
            "case_id": self.case_id,
            "warnings": [w.to_document() for w in self.warnings],
            "refresh_problem": self.refresh_problem,
        }


def submit(
    store: Store,
    team_id: int,
    form: AccessForm,
    *,
    answers: ComposerAnswers | None = None,
    facade: SesFacade | None = None,
) -> SubmitResult:
    """Check, send PutAccountDetails (ProductionAccessEnabled), keep the request, refresh once.

    Bad input raises BadInput naming the field and nothing reaches AWS; a team that cannot
    apply (no mailer, keys lost, nothing verified, already production or under review)
    raises NotAllowed with the reason. AWS failures arrive classified.
    """
    from sesdesk.services.refresh import refresh_team

    clean, warnings = require_valid(form)
    ready = readiness(store, team_id)
    if not ready.ready:
        raise NotAllowed(ready.reason)
    ses = facade or open_mailer(store, team_id)
    request = AccountDetailsRequest(
        mail_type=clean.mail_type,
        website_url=clean.website_url,
        use_case_description=clean.use_case_description,
        contact_language=clean.contact_language,
        additional_contacts=clean.additional_contacts,
        production_access=True,
    )
    try:
        with watching_access(store, team_id):
            ses.put_account_details(request)
    except Rejected as exc:
        if exc.code in {"BadRequestException", "ValidationException", "InvalidParameterValue"}:
            # Our checks let through something AWS refuses: still the user's input.
            raise BadInput("form", f"AWS refused the request: {exc.message}") from None
        raise
    now = utcnow()
    region = ready.region or ses.region
    request_id = _record(store, team_id, clean, via=VIA_API, region=region, answers=answers, at=now)
    problem: str | None = None
    try:
        refresh_team(store, team_id, ses)
    except SesdeskError as exc:
        # The request is in: a failed refresh only means the store shows it a poll later.
        problem = exc.message
    sync_outcome(store, team_id)
    with store.session() as session:
        row = session.get(AccessRequest, request_id)
        status, case_id = (row.outcome, row.case_id) if row else (None, None)
    return SubmitResult(
        request_id=request_id,
        region=region,
        submitted_at=now,
        review_status=status,
        case_id=case_id,
        warnings=tuple(warnings),
        refresh_problem=problem,
    )


# --- prepare for the console ---------------------------------------------------------------


def console_url(region: str | None) -> str:
    """The SES console's account dashboard for `region` (where "Request production access" is)."""
    if not region:
        return "https://console.aws.amazon.com/ses/"
    return f"https://{region}.console.aws.amazon.com/ses/home?region={region}#/account"


@dataclass(frozen=True)
class ConsoleField:
    """One answer of the console's form, ready to copy."""

    label: str
    value: str
    note: str = ""


@dataclass(frozen=True)
class ConsoleExport:
    """Everything needed to submit the request by hand in the SES console."""

    region: str | None
    url: str
    fields: tuple[ConsoleField, ...]
    steps: tuple[str, ...]

    def as_text(self) -> str:
        """The whole export as plain text (for the clipboard or a terminal)."""
        lines = [f"Open: {self.url}", ""]
        lines += [f"{n}. {step}" for n, step in enumerate(self.steps, 1)]
        for item in self.fields:
            lines += ["", f"== {item.label} =="]
            if item.note:
                lines.append(f"({item.note})")
            lines.append(item.value)
        return "\n".join(lines)


def console_export(
    form: AccessForm, region: str | None, *, owns_domain: bool = True
) -> ConsoleExport:
    """Seed 000's manual path: each field ready to copy and the console address."""
    clean = form.normalized()
    url = console_url(region)
    where = f"the {region} region" if region else "your region"
    steps = (
        f"Open the SES console at the address above (or https://console.aws.amazon.com/ses/ "
        f"and switch to {where}: the sandbox is per region).",
        'Click "Account dashboard" in the left sidebar; it shows your current sending limits.',
        'In "Sending limits" you see "Your account is in the Amazon SES sandbox": click '
        '"Request production access".',
        "Fill in the form with the answers below, then review all information.",
        'Click "Submit request"; you will see "Your request has been submitted".',
        f"Wait for approval: typically {TYPICAL_REVIEW}. AWS emails you when it decides; "
        'the Account dashboard shows "Pending", "Approved" or "Rejected".',
    )
    domain_answer = (
        ("Yes", "you send from a verified domain")
        if owns_domain
        else (
            "No",
            "explain you are using verified email addresses for initial testing",
        )
    )
    fields = (
        ConsoleField(
            "Mail type", clean.mail_type.title(), MAIL_TYPE_SHORT.get(clean.mail_type, "")
        ),
        ConsoleField("Website URL", clean.website_url),
        ConsoleField("Use case description", clean.use_case_description, "be detailed"),
        ConsoleField(
            "Additional contacts",
            ", ".join(clean.additional_contacts),
            "optional, up to 4 addresses",
        ),
        ConsoleField(
            "Preferred contact language",
            LANGUAGE_NAMES.get(clean.contact_language, clean.contact_language),
        ),
        *(ConsoleField(question, answer) for question, answer in CONSOLE_EXTRA_QUESTIONS),
        ConsoleField("Do you own or operate the domains you will send from?", *domain_answer),
    )
    return ConsoleExport(region=region, url=url, fields=fields, steps=steps)


def export_for_console(
    store: Store,
    team_id: int,
    form: AccessForm,
    *,
    answers: ComposerAnswers | None = None,
) -> ConsoleExport:
    """Check the form, keep it as a console request, and return the export."""
    clean, _warnings = require_valid(form)
    snapshot = load_snapshot(store, team_id)
    region = snapshot.mailer.region if snapshot.mailer else None
    owns_domain = any(i.kind == "domain" and i.status == "SUCCESS" for i in snapshot.identities)
    _record(store, team_id, clean, via=VIA_CONSOLE, region=region, answers=answers, at=utcnow())
    return console_export(clean, region, owns_domain=owns_domain)


# --- tracking ------------------------------------------------------------------------------


class ReviewGuidance(NamedTuple):
    """What the UI says about the review: a title, a text, and the action that helps."""

    title: str
    text: str
    action: Fix | None


def _when(at: datetime | None) -> str:
    if at is None:
        return ""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone().strftime("%Y-%m-%d %H:%M")


def review_guidance(
    status: str | None,
    submitted_at: datetime | None,
    *,
    now: datetime | None = None,
    max_24h: float | None = None,
    max_rate: float | None = None,
    case_id: str | None = None,
) -> ReviewGuidance:
    """What to tell the user for a review status, and what to do next."""
    case = f" (case {case_id})" if case_id else ""
    if status == "PENDING":
        since = ""
        if submitted_at is not None:
            current = now or utcnow()
            aware = submitted_at if submitted_at.tzinfo else submitted_at.replace(tzinfo=UTC)
            hours = max(0, int((current - aware).total_seconds() // 3600))
            since = f" Submitted {_when(submitted_at)} ({hours} h ago)."
        return ReviewGuidance(
            "Review pending",
            f"AWS is reviewing your production-access request{case}.{since} The typical wait "
            f"is {TYPICAL_REVIEW}; AWS emails you when it decides. Until then you can test "
            "with verified addresses.",
            Fix.WAIT,
        )
    if status == "GRANTED":
        quota = ""
        if max_24h is not None and max_rate is not None:
            quota = f" Your quota is now {max_24h:g} emails a day, {max_rate:g} a second."
        return ReviewGuidance(
            "Production access granted",
            f"AWS approved your request{case}: you can send to any address.{quota} "
            "No changes needed: broadcasts are now allowed.",
            None,
        )
    if status == "DENIED":
        return ReviewGuidance(
            "Request denied",
            f"AWS denied the request{case}. Read the reason in AWS's email or support case, "
            "address the concerns, add detail (what you send, to whom, how they sign up, "
            "volume per day, bounce and complaint handling) and submit a new request. The "
            "wizard reopens with your previous answers.",
            Fix.APPLY,
        )
    if status == "FAILED":
        return ReviewGuidance(
            "Request could not be processed",
            f"AWS could not process the request{case}: submit it again (the wizard reopens "
            "with your previous answers).",
            Fix.APPLY,
        )
    return ReviewGuidance(
        "In the sandbox",
        "The account is in the SES sandbox: only verified recipients, 200 emails a day. "
        "Apply for production access to send broadcasts.",
        Fix.APPLY,
    )


def sync_outcome(store: Store, team_id: int) -> str | None:
    """Copy the stored review status onto the latest request; returns that status."""
    with store.session() as session:
        account = session.scalar(select(AccountStatus).where(AccountStatus.team_id == team_id))
        row = session.scalar(
            select(AccessRequest)
            .where(AccessRequest.team_id == team_id)
            .order_by(AccessRequest.created_at.desc(), AccessRequest.id.desc())
            .limit(1)
        )
        if account is None or row is None or account.review_status is None:
            return row.outcome if row is not None else None
        if row.outcome != account.review_status:
            row.outcome = account.review_status
            row.outcome_at = utcnow()
        if account.review_case_id:
            row.case_id = account.review_case_id
        return row.outcome


@dataclass(frozen=True)
class ReviewState:
    """The review as the dashboard shows it: status, guidance, the last request."""

    status: str | None
    production: bool
    region: str | None
    guidance: ReviewGuidance
    latest: RequestView | None = None
    history: tuple[RequestView, ...] = field(default_factory=tuple)


def review_state(store: Store, team_id: int, *, now: datetime | None = None) -> ReviewState:
    """The team's review status with guidance (store only; syncs the latest request)."""
    sync_outcome(store, team_id)
    snapshot = load_snapshot(store, team_id)
    requests = list_requests(store, team_id)
    latest = requests[0] if requests else None
    account = snapshot.account
    status = account.review_status if account else None
    submitted = None
    if latest is not None:
        submitted = latest.submitted_at or latest.created_at
    guidance = review_guidance(
        status,
        submitted,
        now=now,
        max_24h=account.max_24h if account else None,
        max_rate=account.max_rate if account else None,
        case_id=latest.case_id if latest else None,
    )
    return ReviewState(
        status=status,
        production=bool(account and account.production),
        region=snapshot.mailer.region if snapshot.mailer else None,
        guidance=guidance,
        latest=latest,
        history=tuple(requests),
    )


def with_answers(form: AccessForm, answers: ComposerAnswers) -> AccessForm:
    """`form` with its description recomposed from `answers`."""
    return replace(form, use_case_description=compose(answers, form.mail_type))


def parse_contacts(text: str) -> tuple[str, ...]:
    """Addresses typed in one field, separated by commas, semicolons or spaces."""
    return tuple(part for part in re.split(r"[,;\s]+", text) if part)


@dataclass
class RequestEditor:
    """The wizard's state without Qt: the form, the composer's answers, and the rule that the
    description follows the answers until they change (a hand-edited or previously submitted
    description is kept while the answers it came from stay the same)."""

    form: AccessForm
    answers: ComposerAnswers
    composed_from: tuple[ComposerAnswers, str] | None = None
    business: str = ""

    @classmethod
    def from_draft(cls, prepared: Draft) -> RequestEditor:
        """Start from a draft: its description stands as written."""
        return cls(
            prepared.form,
            prepared.answers,
            (prepared.answers, prepared.form.mail_type),
            prepared.business,
        )

    def use_template(self, key: str) -> None:
        """Replace the mail type and answers with template `key`'s; recompose the description."""
        chosen = TEMPLATES[key]
        website = self.form.website_url
        answers = answers_for(
            key,
            business=self.business,
            domain=website.removeprefix("https://").removeprefix("http://"),
            website=website,
        )
        self.update_answers(answers, chosen.mail_type)

    def update_answers(self, answers: ComposerAnswers, mail_type: str) -> None:
        """New composer answers / mail type; the description is recomposed if they changed."""
        self.answers = answers
        self.form = replace(self.form, mail_type=mail_type)
        if self.composed_from != (answers, mail_type):
            self.form = replace(self.form, use_case_description=compose(answers, mail_type))
            self.composed_from = (answers, mail_type)

    def update_details(
        self, *, website_url: str, contact_language: str, contacts: str, description: str
    ) -> None:
        """The details page's fields."""
        self.form = replace(
            self.form,
            website_url=website_url,
            contact_language=contact_language,
            additional_contacts=parse_contacts(contacts),
            use_case_description=description,
        )

    def checks(self) -> list[CheckResult]:
        """The live checks on the current form."""
        return check_form(self.form)
