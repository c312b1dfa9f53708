"""The checks of a request form: a table of pure functions, each giving a plain verdict —
ok, warn (a weak answer AWS may question) or block (an invalid answer AWS would refuse, or
that we refuse before anything is sent).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from dataclasses import replace as _replace
from urllib.parse import urlsplit

from sesdesk.errors import BadInput
from sesdesk.services import access_honesty
from sesdesk.services.access.form import (
    DETAILED_ENOUGH,
    F_CONTACTS,
    F_DESCRIPTION,
    F_LANGUAGE,
    F_MAIL_TYPE,
    F_WEBSITE,
    LANGUAGE_NAMES,
    LANGUAGES,
    MAIL_TYPE_SHORT,
    MAIL_TYPES,
    MAX_CONTACTS,
    MAX_DESCRIPTION,
    MAX_URL,
    AccessForm,
    FieldVerdict,
    Outcome,
)
from sesdesk.services.access_templates import PLACEHOLDER

# --- the checks ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckResult:
    """One check's outcome: which field, a plain verdict, and what to do about it."""

    key: str
    field: str
    title: str
    verdict: FieldVerdict
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


_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")


def _any_word(alternatives: str) -> re.Pattern[str]:
    """A case-blind pattern matching any of `alternatives` as a whole word."""
    return re.compile(rf"\b({alternatives})\b", re.I)


_NEGATION = _any_word(r"not|no|never|without|don't|doesn't|won't|nor")
_MARKETING_WORDS = _any_word(
    r"newsletters?|promotions?|promotional|marketing|special offers?|discounts?|"
    r"advertis(?:e|ing|ements?)|sales campaigns?|campaigns?|coupons?"
)
_TRANSACTIONAL_WORDS = _any_word(
    r"otp|one-time|passcodes?|password resets?|verification codes?|receipts?|"
    r"order confirmations?|invoices?|account notices?|two-factor|2fa"
)
_SEND_WORDS = _any_word(
    r"send|sends|sending|emails?|messages?|newsletters?|codes?|notifications?|receipts?"
)
_RECIPIENT_WORDS = _any_word(
    r"users?|customers?|subscribers?|members?|recipients?|clients?|buyers?|patients?|"
    r"students?|visitors?|people"
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
        return FieldVerdict.BLOCK, f"{shown} is not a mail type: choose TRANSACTIONAL or MARKETING."
    return FieldVerdict.OK, f"{form.mail_type.title()}: {MAIL_TYPE_SHORT[form.mail_type]}."


def website_problem(url: str) -> Outcome:
    """The verdict on a website URL alone (also used by the wizard's field)."""
    if not url:
        return FieldVerdict.BLOCK, "A website URL is required (even a placeholder page will do)."
    if len(url) > MAX_URL:
        return FieldVerdict.BLOCK, f"At most {MAX_URL} characters (got {len(url)})."
    if any(ch.isspace() for ch in url):
        return FieldVerdict.BLOCK, "A URL cannot contain spaces."
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return FieldVerdict.BLOCK, f"{url} is not a valid URL."
    if parts.scheme.lower() not in ("http", "https"):
        return FieldVerdict.BLOCK, "Give a web address starting with https:// (or http://)."
    if "." not in host.strip(".") or host.endswith(".") or ".." in host:
        return (
            FieldVerdict.BLOCK,
            f"{host or 'The host'} is not a full host name: use e.g. https://yourdomain.com.",
        )
    if not re.fullmatch(r"[A-Za-z0-9.-]+", host):
        return FieldVerdict.BLOCK, f"{host} is not a valid host name."
    if parts.scheme.lower() == "http":
        return FieldVerdict.WARN, "The site is not served over https: reviewers prefer https."
    return FieldVerdict.OK, f"{url} will be shown to the AWS reviewer."


def _check_website(form: AccessForm) -> Outcome:
    return website_problem(form.website_url)


def _check_language(form: AccessForm) -> Outcome:
    if form.contact_language not in LANGUAGES:
        return (
            FieldVerdict.BLOCK,
            f"{form.contact_language} is not a contact language: choose EN or JA.",
        )
    return FieldVerdict.OK, f"AWS will write to you in {LANGUAGE_NAMES[form.contact_language]}."


def contact_problem(address: str) -> str | None:
    """Why `address` is not a usable review contact (AWS's reviewers write to it), or None."""
    from sesdesk.services.addresses import AddressUse, email_problem

    problem = email_problem(address, use=AddressUse.REVIEW_CONTACT)
    return None if problem is None else f"{address} is {problem}"


def _check_contacts(form: AccessForm) -> Outcome:
    contacts = form.additional_contacts
    if len(contacts) > MAX_CONTACTS:
        return (
            FieldVerdict.BLOCK,
            f"At most {MAX_CONTACTS} additional contact addresses (got {len(contacts)}).",
        )
    for address in contacts:
        problem = contact_problem(address)
        if problem:
            return FieldVerdict.BLOCK, problem + "."
    if not contacts:
        return FieldVerdict.OK, "No additional contacts: AWS writes to the account's own address."
    return FieldVerdict.OK, f"AWS will also write to {', '.join(contacts)}."


def _check_description(form: AccessForm) -> Outcome:
    text = form.use_case_description
    length = len(text)
    if length == 0:
        return FieldVerdict.BLOCK, "Describe your use case: what you send, to whom, and how often."
    if length > MAX_DESCRIPTION:
        return (
            FieldVerdict.BLOCK,
            f"At most {MAX_DESCRIPTION} characters (got {length}): shorten it.",
        )
    # An AWS reviewer reads this text and a denial counts against the account: refuse what
    # cannot be a description before it is ever sent.
    unreadable = description_problem(text)
    if unreadable:
        return FieldVerdict.BLOCK, unreadable
    return FieldVerdict.OK, f"{length} of {MAX_DESCRIPTION} characters."


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
            FieldVerdict.WARN,
            f"Only {len(text)} characters: be detailed — requests with a short description "
            f"are often denied.{add}",
        )
    if missing:
        return FieldVerdict.WARN, f"Say {', '.join(missing)}: reviewers look for it."
    return FieldVerdict.OK, "Detailed: says what you send, to whom and how they sign up."


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
                FieldVerdict.WARN,
                f"Transactional, but the text mentions {words}: that reads as marketing. "
                "Choose MARKETING, or say clearly you do not send it.",
            )
        if not re.search(r"\btransactional\b", text, re.I):
            return (
                FieldVerdict.WARN,
                "Mention that the mail is transactional (not marketing): reviewers look for it.",
            )
        return FieldVerdict.OK, "Transactional, and the text says so."
    if form.mail_type == "MARKETING":
        if not affirmed_marketing and _TRANSACTIONAL_WORDS.search(text):
            return (
                FieldVerdict.WARN,
                "Marketing, but the text only describes transactional mail (codes, receipts): "
                "choose TRANSACTIONAL if that is all you send.",
            )
        if not re.search(r"unsubscri", text, re.I):
            return FieldVerdict.WARN, "Marketing mail: say how recipients unsubscribe."
        return FieldVerdict.OK, "Marketing, to subscribers, with a way to unsubscribe."
    return FieldVerdict.WARN, "Choose a mail type first."


def _check_volume(form: AccessForm) -> Outcome:
    text = form.use_case_description
    for sentence in _sentences(text):
        for number in _NUMBER.finditer(sentence):
            after = sentence[number.end() : number.end() + 60]
            if _PER_DAY.search(after):
                return FieldVerdict.OK, "Expected volume stated per day."
    if _NUMBER.search(text) and _OTHER_PERIOD.search(text):
        return FieldVerdict.WARN, "Give the expected volume per day (e.g. 500 emails per day)."
    return (
        FieldVerdict.WARN,
        "State your expected volume as a number per day (e.g. 100-500 emails per day).",
    )


def _check_bounces(form: AccessForm) -> Outcome:
    text = form.use_case_description.lower()
    has_bounce = "bounce" in text
    has_complaint = "complaint" in text
    if has_bounce and has_complaint:
        return FieldVerdict.OK, "Says how bounces and complaints are handled."
    missing = " and ".join(
        word for word, seen in (("bounces", has_bounce), ("complaints", has_complaint)) if not seen
    )
    return (
        FieldVerdict.WARN,
        f"Say how you handle {missing}: show you understand bounce and complaint handling.",
    )


def _check_example(form: AccessForm) -> Outcome:
    text = form.use_case_description.lower()
    if _EXAMPLE_NAME in text and _EXAMPLE_NAME not in form.website_url.lower():
        return (
            FieldVerdict.WARN,
            "The text still describes the SmartCart example: write about your own business.",
        )
    return FieldVerdict.OK, "Written about your own business."


def _check_volume_number(form: AccessForm) -> Outcome:
    # "Volume is a number" must not pass a text that states no volume at all.
    verdict, message = access_honesty.vague_volume(form)
    if verdict is FieldVerdict.OK and _check_volume(form)[0] is not FieldVerdict.OK:
        return (
            FieldVerdict.WARN,
            "No number of emails per day yet: give one (e.g. 300 emails per day).",
        )
    return verdict, message


# A template's "[replace: …]" part, up to its closing bracket (or the end of the line).
_PLACEHOLDER_PART = re.compile(re.escape(PLACEHOLDER) + r"[^\]\n]*\]?", re.I)
PLACEHOLDERS_LEFT = "Not yet: checked once the parts marked [replace: …] are written."


def _without_placeholders(form: AccessForm) -> AccessForm:
    text = _PLACEHOLDER_PART.sub("", form.use_case_description)
    return _replace(form, use_case_description=text)


@dataclass(frozen=True)
class CheckSpec:
    """One row of the checks table."""

    key: str
    field: str
    title: str
    run: Callable[[AccessForm], Outcome]
    #: It judges what only the user can write (sign-up, volume, their business): it runs on
    #: the text without the template's "[replace: …]" parts, whose hints ("e.g. they register
    #: in our app", "a number") are not answers, and cannot pass while such a part is left.
    user_written: bool = False


# The table. Validity rows first, in the order the CLI names a blocking field; then the tips
# that get a request approved faster.
CHECKS: tuple[CheckSpec, ...] = (
    CheckSpec("mail_type", F_MAIL_TYPE, "Mail type", _check_mail_type),
    CheckSpec("website", F_WEBSITE, "Website URL valid", _check_website),
    CheckSpec("language", F_LANGUAGE, "Contact language", _check_language),
    CheckSpec("contacts", F_CONTACTS, "Additional contacts", _check_contacts),
    CheckSpec("description", F_DESCRIPTION, "Use case given", _check_description),
    CheckSpec("detail", F_DESCRIPTION, "Detailed enough", _check_detail, user_written=True),
    CheckSpec("consistent", F_DESCRIPTION, "Mail type matches the text", _check_consistency),
    CheckSpec("volume", F_DESCRIPTION, "Daily volume stated", _check_volume, user_written=True),
    CheckSpec("bounces", F_DESCRIPTION, "Bounces and complaints handled", _check_bounces),
    CheckSpec("own_words", F_DESCRIPTION, "About your business", _check_example, user_written=True),
    CheckSpec("placeholders", F_DESCRIPTION, "Placeholders replaced", access_honesty.placeholders),
    CheckSpec("list_source", F_DESCRIPTION, "Own list, not bought", access_honesty.list_source),
    CheckSpec(
        "volume_number",
        F_DESCRIPTION,
        "Volume is a number",
        _check_volume_number,
        user_written=True,
    ),
)


def check_form(form: AccessForm) -> list[CheckResult]:
    """Every check of the table on the (normalized) form."""
    clean = form.normalized()
    written = _without_placeholders(clean)
    left = PLACEHOLDER in clean.use_case_description
    results: list[CheckResult] = []
    for spec in CHECKS:
        if spec.user_written:
            verdict, message = spec.run(written)
            if left and verdict is FieldVerdict.OK:
                verdict, message = FieldVerdict.WARN, PLACEHOLDERS_LEFT
        else:
            verdict, message = spec.run(clean)
        results.append(CheckResult(spec.key, spec.field, spec.title, verdict, message))
    return results


def overall(results: Iterable[CheckResult]) -> FieldVerdict:
    """The worst verdict among `results`."""
    verdicts = {r.verdict for r in results}
    if FieldVerdict.BLOCK in verdicts:
        return FieldVerdict.BLOCK
    return FieldVerdict.WARN if FieldVerdict.WARN in verdicts else FieldVerdict.OK


def require_valid(form: AccessForm) -> tuple[AccessForm, list[CheckResult]]:
    """The normalized form and its warnings; BadInput naming the first blocking field."""
    results = check_form(form)
    for result in results:
        if result.verdict is FieldVerdict.BLOCK:
            raise BadInput(result.field, result.message)
    return form.normalized(), [r for r in results if r.verdict is FieldVerdict.WARN]
