"""Teams: a workspace for one project and one AWS account."""

from __future__ import annotations

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


def clean_team_name(name: str) -> str:
    """The name trimmed and checked, or BadInput naming the field."""
    cleaned = " ".join(name.split())
    if not cleaned:
        raise BadInput("name", "a team needs a name")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise BadInput("name", f"at most {MAX_NAME_LENGTH} characters (got {len(cleaned)})")
    if any(ord(ch) < 32 for ch in cleaned):
        raise BadInput("name", "control characters are not allowed")
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
