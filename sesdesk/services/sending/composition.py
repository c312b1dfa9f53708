"""What a message says: the composition, its checks, and the personalised email per recipient.

Pure: no store, no AWS.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass, fields
from email.utils import formataddr, parseaddr

from sesdesk.aws.sending import MAX_MESSAGE_BYTES, OutgoingEmail
from sesdesk.errors import BadInput
from sesdesk.models.sending import Broadcast
from sesdesk.services import contacts as contacts_service

MAX_SUBJECT = 998  # RFC 5322 line length: SES refuses longer header lines
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_]+)\s*(?:\|([^}]*))?\}\}")
_PLACEHOLDER_NAMES = ("name", "email")
# SES fills this one itself (the recipient's one-click unsubscribe link): passed through as is.
SES_UNSUBSCRIBE_URL = "amazonSESUnsubscribeUrl"


@dataclass(frozen=True)
class Composition:
    """What a message says and who it is from; bodies may use {{name}} and {{email}}."""

    from_address: str
    subject: str
    text_body: str | None = None
    html_body: str | None = None
    reply_to: str | None = None
    unsubscribe_mailto: str | None = None


def personalise(template: str, *, email: str, name: str | None, for_html: bool = False) -> str:
    """Fill {{name}} / {{email}} (and {{name|fallback}}) for one recipient."""

    def fill(match: re.Match[str]) -> str:
        key, fallback = match.group(1).lower(), match.group(2)
        if key not in _PLACEHOLDER_NAMES:
            return match.group(0)
        value = email if key == "email" else (name or "")
        if not value and fallback is not None:
            value = fallback.strip()
        return html.escape(value) if for_html else value

    return _PLACEHOLDER.sub(fill, template)


def _check_placeholders(field_name: str, text: str | None) -> None:
    for match in _PLACEHOLDER.finditer(text or ""):
        if match.group(1) == SES_UNSUBSCRIBE_URL and field_name != "subject":
            continue
        if match.group(1).lower() not in _PLACEHOLDER_NAMES:
            raise BadInput(
                field_name,
                f"unknown placeholder {match.group(0)}: use {{{{name}}}} or {{{{email}}}}"
                + ("" if field_name == "subject" else f" (or {{{{{SES_UNSUBSCRIBE_URL}}}}})"),
            )


def unsubscribe_header(mailto: str) -> str:
    """The List-Unsubscribe header value for a mailto the user set."""
    return f"<{mailto}>"


def clean_unsubscribe(value: str | None, from_address: str) -> str:
    """A mailto: URL from an address or a mailto URL; the from-address when none is given."""
    raw = (value or "").strip()
    if not raw:
        return f"mailto:{from_address}?subject=unsubscribe"
    body = raw[7:] if raw.lower().startswith("mailto:") else raw
    address, _, query = body.partition("?")
    address = contacts_service.clean_email(address, field_name="unsubscribe")
    if any(c in query for c in "<> \r\n"):
        raise BadInput("unsubscribe", "the mailto query may not contain spaces, < or >")
    return f"mailto:{address}?{query or 'subject=unsubscribe'}"


def estimated_size(composition: Composition) -> int:
    """A generous estimate of the encoded message size in bytes (base64 grows text by 4/3)."""
    raw = sum(
        len(part.encode("utf-8"))
        for part in (composition.subject, composition.text_body, composition.html_body)
        if part
    )
    return math.ceil(raw * 4 / 3) + 4096


def validate_composition(composition: Composition) -> Composition:
    """The composition cleaned, or BadInput naming the field and the problem."""
    subject = (composition.subject or "").strip()
    if not subject:
        raise BadInput("subject", "the subject is empty")
    if "\n" in subject or "\r" in subject:
        raise BadInput("subject", "the subject must be one line")
    if len(subject) > MAX_SUBJECT:
        raise BadInput("subject", f"at most {MAX_SUBJECT} characters (got {len(subject)})")
    text_body = composition.text_body if (composition.text_body or "").strip() else None
    html_body = composition.html_body if (composition.html_body or "").strip() else None
    if text_body is None and html_body is None:
        raise BadInput("body", "the message is empty: give a text body, an HTML body or both")
    for name, value in (("subject", subject), ("text", text_body), ("html", html_body)):
        _check_placeholders(name, value)
    display, address = parseaddr(composition.from_address or "")
    if not address:
        raise BadInput("from", "give the address to send from")
    address = contacts_service.clean_email(address, field_name="from")
    from_address = formataddr((display, address)) if display else address
    reply_to = None
    if composition.reply_to and composition.reply_to.strip():
        reply_to = contacts_service.clean_email(
            parseaddr(composition.reply_to)[1] or composition.reply_to, field_name="reply-to"
        )
    cleaned = Composition(
        from_address=from_address,
        subject=subject,
        text_body=text_body,
        html_body=html_body,
        reply_to=reply_to,
        unsubscribe_mailto=clean_unsubscribe(composition.unsubscribe_mailto, address),
    )
    size = estimated_size(cleaned)
    if size > MAX_MESSAGE_BYTES:
        raise BadInput(
            "body",
            f"the message is too big for SES: about {size / 1_048_576:.1f} MB encoded, "
            f"the limit is {MAX_MESSAGE_BYTES / 1_048_576:.0f} MB",
        )
    return cleaned


def build_email(composition: Composition, email: str, name: str | None) -> OutgoingEmail:
    """The personalised message for one recipient, with List-Unsubscribe."""
    address = contacts_service.sendable_address(email)  # UnsendableAddress: this one fails
    to = formataddr((name, address)) if name else address
    headers: tuple[tuple[str, str], ...] = ()
    if composition.unsubscribe_mailto:
        headers = (("List-Unsubscribe", unsubscribe_header(composition.unsubscribe_mailto)),)
    return OutgoingEmail(
        from_address=composition.from_address,
        to_address=to,
        subject=personalise(composition.subject, email=email, name=name),
        text_body=personalise(composition.text_body, email=email, name=name)
        if composition.text_body
        else None,
        html_body=personalise(composition.html_body, email=email, name=name, for_html=True)
        if composition.html_body
        else None,
        reply_to=(composition.reply_to,) if composition.reply_to else (),
        headers=headers,
    )


# A broadcast row stores its composition in columns of the same names.
_STORED = tuple(f.name for f in fields(Composition))


def stored_composition(row: Broadcast) -> Composition:
    """What a stored broadcast says."""
    return Composition(**{name: getattr(row, name) for name in _STORED})


def composition_columns(composition: Composition) -> dict[str, str | None]:
    """The broadcast row's columns for `composition`."""
    return {name: getattr(composition, name) for name in _STORED}
