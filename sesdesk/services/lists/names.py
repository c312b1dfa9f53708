"""Names and words of SES list management — pure: the contact list sesdesk creates, a contact
list's topic name, the unsubscribe footer and the limit's message."""

from __future__ import annotations

import re
import unicodedata

#: The SES contact list sesdesk creates when the account has none (one per account and region).
SES_LIST_NAME = "sesdesk"
#: SES allows this many topics in a contact list.
MAX_TOPICS = 20
#: SES replaces this placeholder in a body with the recipient's unsubscribe link.
UNSUBSCRIBE_PLACEHOLDER = "{{amazonSESUnsubscribeUrl}}"
_TOPIC_PREFIX = "sesdesk-"
_MAX_TOPIC = 64
_MAX_DISPLAY = 128

TEXT_FOOTER = (
    "\n\n--\nTo stop receiving these emails, unsubscribe: " + UNSUBSCRIBE_PLACEHOLDER + "\n"
)
HTML_FOOTER = (
    '\n<p style="font-size:12px;color:#666">To stop receiving these emails, '
    f'<a href="{UNSUBSCRIBE_PLACEHOLDER}">unsubscribe</a>.</p>\n'
)


def topic_name(list_id: int, list_name: str) -> str:
    """The SES topic of a contact list: `sesdesk-<id>-<name as ASCII letters, digits, ->`.

    The id makes it unique and stable; the name only helps a person reading the SES console.
    """
    ascii_name = unicodedata.normalize("NFKD", list_name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_name).strip("-").lower()
    base = f"{_TOPIC_PREFIX}{list_id}"
    room = _MAX_TOPIC - len(base) - 1
    return f"{base}-{slug[:room].rstrip('-')}" if slug and room > 0 else base


def is_sesdesk_topic(name: str) -> bool:
    """Whether a topic name is one sesdesk made (others' topics are never changed)."""
    rest = name[len(_TOPIC_PREFIX) :] if name.startswith(_TOPIC_PREFIX) else ""
    return rest.split("-", 1)[0].isdigit()


def display_name(list_name: str) -> str:
    """What SES's unsubscribe page shows for the topic: the list's own name."""
    return " ".join(list_name.split())[:_MAX_DISPLAY] or "Newsletter"


def topics_full_message(list_name: str, count: int) -> str:
    """The plain words for a contact list that has no room for another topic."""
    return (
        f"SES allows {MAX_TOPICS} topics per contact list; this account's list {list_name} has "
        f"{count} — remove a topic you no longer use (SES console → Configuration → "
        "Contact lists), then send again."
    )


def has_placeholder(body: str | None) -> bool:
    """Whether a body already carries SES's unsubscribe link placeholder."""
    return (
        bool(body) and re.search(r"\{\{\s*amazonSESUnsubscribeUrl\s*\}\}", body or "") is not None
    )


def with_footer(text_body: str | None, html_body: str | None) -> tuple[str | None, str | None]:
    """The bodies with an unsubscribe footer added to each one that lacks the placeholder."""
    if text_body is not None and not has_placeholder(text_body):
        text_body = text_body.rstrip("\n") + TEXT_FOOTER
    if html_body is not None and not has_placeholder(html_body):
        closing = re.search(r"</body\s*>", html_body, flags=re.IGNORECASE)
        if closing:
            html_body = html_body[: closing.start()] + HTML_FOOTER + html_body[closing.start() :]
        else:
            html_body = html_body + HTML_FOOTER
    return text_body, html_body
