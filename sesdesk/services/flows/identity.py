"""The add-identity wizard's flow: kind detection, validation, error precedence, replace mode.

The page forwards typing and kind clicks here and draws `message`, `preview` and
`can_add`; the add itself runs in the background (`add`) and reports back through `added` or
`failed`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sesdesk.errors import BadInput
from sesdesk.services.identities import (
    DOMAIN,
    EMAIL,
    IdentityChange,
    IdentityInput,
    guess_kind,
    validate_domain,
    validate_email_address,
)

KIND_HELP = {
    EMAIL: "AWS emails a link to this address; open it within 24 hours. You can then send "
    "from this one address.",
    DOMAIN: "You publish three DNS records (DKIM) at your DNS host; then you can send from any "
    "address at the domain. Verification usually takes minutes, at most 72 hours.",
}


def add(store: Any, team_id: int, name: str, replacing: str | None) -> IdentityChange:
    """Add identity `name` to the team (or replace `replacing` with it). Blocking."""
    from sesdesk.services.identities import add_identity, replace_identity

    if replacing:
        return replace_identity(store, team_id, replacing, name)
    return add_identity(store, team_id, name)


@dataclass
class IdentityFlow:
    """What was typed, as which kind, what is wrong with it, and whether Add may be pressed."""

    replacing: str | None = None
    text: str = ""
    kind: str = DOMAIN
    chosen_by_hand: bool = False
    checked: IdentityInput | None = None
    problem: BadInput | None = None
    server_error: str = ""
    busy: bool = False
    change: IdentityChange | None = None

    # --- what the page shows ------------------------------------------------------------

    @property
    def title(self) -> str:
        """The input page's title."""
        return f"Replace {self.replacing}" if self.replacing else "Add a sender identity"

    @property
    def subtitle(self) -> str:
        """The input page's subtitle: what adding (or replacing) does."""
        if self.replacing:
            return (
                f"The new identity is added in SES first; then {self.replacing} is deleted "
                "there and kept in this team's history."
            )
        return (
            "The address or domain your emails come from. AWS must verify it before anything "
            "is sent."
        )

    @property
    def commit_text(self) -> str:
        """The text of the button that starts the add."""
        return "Replace" if self.replacing else "&Add"

    @property
    def kind_help(self) -> str:
        """What verifying the chosen kind takes."""
        return KIND_HELP[self.kind]

    @property
    def suggest_email(self) -> bool:
        """The input is an address typed as a domain: point at the email choice."""
        return self.problem is not None and self.kind == DOMAIN and self.text.count("@") == 1

    def message(self, words: Any = None) -> str:
        """The error under the field: the add's own failure wins over the typed input's
        problem (rendered with `words(error)`, default its message)."""
        if self.server_error:
            return self.server_error
        if self.problem is None:
            return ""
        text = words(self.problem) if words is not None else self.problem.message
        if self.suggest_email:
            text += " — choose “An email address” above"
        return text

    @property
    def preview(self) -> str:
        """For an internationalised name: how it is shown and how AWS registers it."""
        checked = self.checked
        if checked is None or not checked.is_international:
            return ""
        return f"Shown as {checked.display}; registered with AWS as {checked.name} (punycode)."

    @property
    def can_add(self) -> bool:
        """Add is enabled only for valid input, not while adding, not over an add's error."""
        return self.checked is not None and not self.busy and not self.server_error

    # --- what the user does -------------------------------------------------------------

    def type(self, text: str) -> None:
        """The field now says `text`: detect the kind (unless chosen by hand) and validate."""
        self.text = text
        if not self.chosen_by_hand and text.strip():
            self.kind = guess_kind(text)
        self.server_error = ""
        self._validate()

    def choose_kind(self, kind: str) -> None:
        """The user picked EMAIL or DOMAIN: keep it from now on and validate again."""
        if kind not in KIND_HELP:
            raise ValueError(f"unknown identity kind {kind!r}")
        self.chosen_by_hand = True
        self.kind = kind
        self.type(self.text)

    def _validate(self) -> None:
        self.checked, self.problem = None, None
        if not self.text.strip():
            return
        try:
            if self.kind == EMAIL:
                self.checked = validate_email_address(self.text, field="email")
            else:
                self.checked = validate_domain(self.text, field="domain")
        except BadInput as exc:
            self.problem = exc

    def start(self) -> tuple[str, str | None] | None:
        """Add pressed: (name, replacing) to add in the background, or None when it may not."""
        if not self.can_add or self.checked is None:
            return None
        self.busy = True
        return self.checked.name, self.replacing

    def added(self, change: IdentityChange) -> None:
        """The add succeeded: the result page shows `change`."""
        self.busy = False
        self.change = change

    def failed(self, message: str) -> None:
        """The add failed with `message`: shown under the field until the text changes."""
        self.busy = False
        self.server_error = message

    @property
    def done(self) -> bool:
        """The identity was added: Next goes to the result, nothing is added twice."""
        return self.change is not None
