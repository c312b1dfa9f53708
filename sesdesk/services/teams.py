"""Teams: a workspace for one project and one AWS account."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from sqlalchemy import func, select

from sesdesk.errors import BadInput, NotFound
from sesdesk.models import Mailer, Store, Team

MAX_NAME_LENGTH = 60


@dataclass(frozen=True)
class TeamInfo:
    """A team as the UI and CLI list it."""

    id: int
    name: str
    has_mailer: bool


# Characters that reorder the text around them: "abc\u202egpj.exe" reads as "abcexe.jpg".
BIDI_CONTROLS = frozenset(
    [*map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A)), *"\u200e\u200f\u061c"]
)
# Joiners that scripts (Persian, Indic) and emoji sequences need between visible characters.
_JOINERS = frozenset("\u200c\u200d")


def _visible(ch: str) -> bool:
    return not ch.isspace() and unicodedata.category(ch) not in ("Cc", "Cf")


def text_problem(text: str) -> str | None:
    """Why `text` cannot be a name people read (which rule it breaks), or None.

    Refused: text that is not valid UTF-8 (undecodable bytes from the command line),
    bidirectional controls, control and invisible formatting characters (Unicode Cc and Cf),
    except a joiner between two visible characters, and text with nothing visible in it.
    """
    if any("\ud800" <= ch <= "\udfff" for ch in text):
        return "it is not valid UTF-8 text"
    for ch in text:
        if ch in BIDI_CONTROLS:
            return (
                f"it contains the bidirectional control U+{ord(ch):04X}, which makes text read "
                "in a different order than it is written"
            )
    if not any(_visible(ch) for ch in text):
        return "it has no visible characters (only spaces or invisible ones)"
    for index, ch in enumerate(text):
        if unicodedata.category(ch) not in ("Cc", "Cf"):
            continue
        if (
            ch in _JOINERS
            and 0 < index < len(text) - 1
            and _visible(text[index - 1])
            and _visible(text[index + 1])
        ):
            continue
        kind = "control" if unicodedata.category(ch) == "Cc" else "invisible formatting"
        return f"it contains the {kind} character U+{ord(ch):04X}"
    return None


def clean_team_name(name: str, *, field: str = "name") -> str:
    """The name NFC-normalised, its runs of white space made one space, and checked; or
    BadInput naming the rule it breaks."""
    cleaned = " ".join(name.split())
    if not cleaned:
        raise BadInput(field, "a team needs a name")
    problem = text_problem(cleaned)
    if problem is not None:
        raise BadInput(field, f"not a usable team name: {problem}")
    cleaned = unicodedata.normalize("NFC", cleaned)
    if len(cleaned) > MAX_NAME_LENGTH:
        raise BadInput(field, f"at most {MAX_NAME_LENGTH} characters (got {len(cleaned)})")
    return cleaned


def list_teams(store: Store) -> list[TeamInfo]:
    """All teams, by name."""
    with store.session() as session:
        rows = session.execute(
            select(Team.id, Team.name, Mailer.id)
            .outerjoin(Mailer, Mailer.team_id == Team.id)
            .order_by(func.lower(Team.name))
        ).all()
        return [TeamInfo(id=r[0], name=r[1], has_mailer=r[2] is not None) for r in rows]


def create_team(store: Store, name: str) -> TeamInfo:
    """Create a team; BadInput when the name is empty, too long or already taken."""
    cleaned = clean_team_name(name)
    with store.session() as session:
        taken = session.scalar(select(Team.id).where(func.lower(Team.name) == cleaned.lower()))
        if taken is not None:
            raise BadInput("name", f"a team called {cleaned!r} already exists")
        team = Team(name=cleaned)
        session.add(team)
        session.flush()
        return TeamInfo(id=team.id, name=team.name, has_mailer=False)


def find_team(store: Store, name: str) -> TeamInfo:
    """The team called `name` (case-insensitive), or NotFound."""
    cleaned = " ".join(name.split())
    problem = text_problem(cleaned) if cleaned else None
    if problem is not None:
        raise BadInput("team", f"not a team name: {problem}")
    cleaned = unicodedata.normalize("NFC", cleaned)
    with store.session() as session:
        row = session.execute(
            select(Team.id, Team.name, Mailer.id)
            .outerjoin(Mailer, Mailer.team_id == Team.id)
            .where(func.lower(Team.name) == cleaned.lower())
        ).first()
    if row is None:
        raise NotFound("team", f"no team called {cleaned!r} (see `sesdesk team list`)")
    return TeamInfo(id=row[0], name=row[1], has_mailer=row[2] is not None)


def rename_team(store: Store, team_id: int, new_name: str) -> TeamInfo:
    """Rename a team; BadInput when the name is empty, too long or taken by another team."""
    cleaned = clean_team_name(new_name)
    with store.session() as session:
        team = session.get(Team, team_id)
        if team is None:
            raise NotFound("team", f"no team with id {team_id}")
        taken = session.scalar(
            select(Team.id).where(func.lower(Team.name) == cleaned.lower(), Team.id != team_id)
        )
        if taken is not None:
            raise BadInput("name", f"a team called {cleaned!r} already exists")
        team.name = cleaned
        has_mailer = session.scalar(select(Mailer.id).where(Mailer.team_id == team_id))
        return TeamInfo(id=team.id, name=team.name, has_mailer=has_mailer is not None)


def delete_team(store: Store, team_id: int) -> None:
    """Delete a team and its history. NotAllowed while it has a mailer: deleting the mailer is
    the risky step (keyring secret, identities in SES) and has its own confirmation."""
    from sesdesk.errors import NotAllowed

    with store.session() as session:
        team = session.get(Team, team_id)
        if team is None:
            raise NotFound("team", f"no team with id {team_id}")
        if session.scalar(select(Mailer.id).where(Mailer.team_id == team_id)) is not None:
            raise NotAllowed(
                f"Team {team.name!r} still has a mailer: delete the mailer first.",
                hint="Deleting the mailer explains what goes (its keys, optionally its "
                "identities in SES) and asks for confirmation.",
            )
        session.delete(team)
