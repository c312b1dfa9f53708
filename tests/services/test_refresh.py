"""One poll cycle (`refresh_team`) and `sesdesk status` / `poll` against the local simulator."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sesdesk.aws.clients import ClientFactory
from sesdesk.aws.errors import AuthError, Unreachable
from sesdesk.aws.ses import SesFacade
from sesdesk.models import StatusEvent, Store
from sesdesk.services.refresh import refresh_team
from sesdesk.services.state import load_snapshot, recent_events
from sesdesk.simulator import SesSimulator
from tests.conftest import connected_team
from tests.postgres import database_env

REGION = "us-east-1"
__all__ = ["database_env"]  # a fixture: the CLI tests run on SQLite and on PostgreSQL


class CountingFacade(SesFacade):
    """The real facade, counting the SES calls a cycle makes."""

    def __init__(self, factory: ClientFactory) -> None:
        super().__init__(factory)
        self.calls: list[str] = []

    def get_account(self) -> Any:
        self.calls.append("GetAccount")
        return super().get_account()

    def list_identities(self) -> Any:
        self.calls.append("ListEmailIdentities")
        return super().list_identities()

    def get_identity(self, name: str) -> Any:
        self.calls.append(f"GetEmailIdentity {name}")
        return super().get_identity(name)


def facade(sim: SesSimulator, keys: Any) -> CountingFacade:
    return CountingFacade(ClientFactory(REGION, keys, endpoint=sim.endpoint, timeout_scale=0.2))


def test_a_cycle_asks_details_only_for_unsettled_identities(sim, store):
    team_id, keys, _ = connected_team(store, sim)
    ses = facade(sim, keys)
    for name in ("a@acme.test", "acme.test", "b@acme.test"):
        ses.create_identity(name)
    sim.set_identity_status("a@acme.test", "SUCCESS")
    ses.calls.clear()

    first = refresh_team(store, team_id, ses)
    assert first.anything_pending
    # First sighting: every identity is new, so each is read once.
    assert ses.calls[:2] == ["GetAccount", "ListEmailIdentities"]

    ses.calls.clear()
    second = refresh_team(store, team_id, ses)
    assert sorted(ses.calls) == sorted(
        [
            "GetAccount",
            "ListEmailIdentities",
            "GetEmailIdentity acme.test",
            "GetEmailIdentity b@acme.test",
        ]
    )
    assert second.calls == 4
    assert second.changes == []

    sim.set_identity_status("acme.test", "SUCCESS")
    sim.set_identity_status("b@acme.test", "SUCCESS")
    third = refresh_team(store, team_id, ses)
    assert not third.anything_pending
    assert {(e.subject, e.old, e.new) for e in third.events} == {
        ("identity:acme.test", "PENDING", "SUCCESS"),
        ("identity:b@acme.test", "PENDING", "SUCCESS"),
    }
    ses.calls.clear()
    refresh_team(store, team_id, ses)
    assert ses.calls == ["GetAccount", "ListEmailIdentities"]  # all settled: two calls


def test_account_changes_are_recorded_with_their_time(sim, store):
    team_id, keys, _ = connected_team(store, sim)
    ses = facade(sim, keys)
    refresh_team(store, team_id, ses)
    sim.set_review("PENDING")
    result = refresh_team(store, team_id, ses)
    assert result.anything_pending
    snapshot = load_snapshot(store, team_id)
    assert snapshot.account is not None
    assert snapshot.account.review_status == "PENDING"
    assert snapshot.account.review_since is not None
    sim.set_review("GRANTED")
    granted = refresh_team(store, team_id, ses)
    fields = {(e.field, e.new) for e in granted.events}
    assert ("review_status", "GRANTED") in fields
    assert ("production", "production") in fields
    history = recent_events(store, team_id)
    assert history[0].at >= history[-1].at
    assert any("GRANTED" in event.message for event in history)
    assert recent_events(store, team_id, text="granted")


def test_revoked_keys_mark_the_mailer_lost_and_keep_the_state(sim, store):
    team_id, keys, _ = connected_team(store, sim)
    ses = facade(sim, keys)
    ses.create_identity("acme.test")
    refresh_team(store, team_id, ses)
    sim.revoke_key(keys.access_key_id)
    with pytest.raises(AuthError):
        refresh_team(store, team_id, ses)
    snapshot = load_snapshot(store, team_id)
    assert snapshot.mailer is not None and snapshot.mailer.access == "lost"
    assert [i.name for i in snapshot.identities] == ["acme.test"]
    with store.session() as session:
        lost = session.query(StatusEvent).filter_by(field="access", new_value="lost").count()
    assert lost == 1


def test_unreachable_records_offline_since_once_and_clears_it(sim, store):
    team_id, keys, _ = connected_team(store, sim)
    ses = facade(sim, keys)
    refresh_team(store, team_id, ses)
    sim.set_unreachable(True)
    for _ in range(2):
        with pytest.raises(Unreachable):
            refresh_team(store, team_id, ses)
    snapshot = load_snapshot(store, team_id)
    assert snapshot.mailer is not None and snapshot.mailer.offline_since is not None
    assert snapshot.account is not None  # the last known state stays
    assert len(recent_events(store, team_id, text="could not be reached")) == 1
    sim.set_unreachable(False)
    back = refresh_team(store, team_id, ses)
    assert ("network", "online") in {(e.field, e.new) for e in back.events}
    after = load_snapshot(store, team_id)
    assert after.mailer is not None and after.mailer.offline_since is None


# --- the command line ----------------------------------------------------------------------


def _cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    from sesdesk.cli import main

    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def cli_team(sim, isolated_home, capsys, database_env) -> tuple[int, Any]:
    from sesdesk.config import paths

    database = paths(isolated_home).ensure().database
    store = Store.open_configured(database, database_env)
    try:
        team_id, keys, _ = connected_team(store, sim)
        facade(sim, keys).create_identity("me@acme.test")
    finally:
        store.close()
    return team_id, keys


def test_status_json_keys_are_the_documented_ones(cli_team, capsys):
    code, out, _ = _cli(["status", "--team", "acme", "--refresh", "--json"], capsys)
    assert code == 0
    doc = json.loads(out)
    assert set(doc) >= {"team", "mailer", "account", "identities", "can", "warnings"}
    assert set(doc["mailer"]) >= {"account_id", "region", "access", "last_checked"}
    assert set(doc["account"]) >= {"production", "review", "sending_enabled", "quota"}
    assert set(doc["account"]["quota"]) == {"max_24h", "sent_24h", "left_24h", "max_rate"}
    assert doc["account"]["review"] == "none"
    assert doc["identities"] == [
        {"name": "me@acme.test", "type": "email", "status": "PENDING", "error_type": None}
    ]
    for kind in ("test_email", "test_campaign", "broadcast"):
        assert doc["can"][kind]["allowed"] is False
        assert "me@acme.test" in doc["can"][kind]["reason"]
    assert [w["code"] for w in doc["warnings"]] == ["identity_pending"]


@pytest.mark.usefixtures("database_env")
def test_status_without_mailer_answers_null(sim, isolated_home, capsys):
    assert _cli(["team", "create", "empty"], capsys)[0] == 0
    code, out, _ = _cli(["status", "--team", "empty", "--json"], capsys)
    assert code == 0
    doc = json.loads(out)
    assert doc["mailer"] is None
    assert not any(doc["can"][k]["allowed"] for k in doc["can"])


def test_status_refresh_offline_exits_5_and_plain_status_still_answers(sim, cli_team, capsys):
    assert _cli(["poll", "--team", "acme"], capsys)[0] == 0
    sim.set_unreachable(True)
    code, out, err = _cli(["status", "--team", "acme", "--refresh", "--json"], capsys)
    assert code == 5
    assert "Traceback" not in err and "could not" in err.lower()
    doc = json.loads(out)
    assert doc["mailer"]["offline_since"] is not None
    code, out, err = _cli(["status", "--team", "acme", "--json"], capsys)
    assert code == 0 and err == ""
    assert json.loads(out)["identities"][0]["name"] == "me@acme.test"
    assert _cli(["poll", "--team", "acme"], capsys)[0] == 5


def test_poll_reports_changes_and_lost_access_exits_4(sim, cli_team, capsys):
    _, keys = cli_team
    code, out, _ = _cli(["poll", "--team", "acme"], capsys)
    assert code == 0 and "me@acme.test" in out
    sim.set_identity_status("me@acme.test", "SUCCESS")
    code, out, _ = _cli(["poll", "--team", "acme"], capsys)
    assert code == 0 and "verified" in out
    code, out, _ = _cli(["poll", "--team", "acme"], capsys)
    assert out.strip() == "No changes."
    sim.revoke_key(keys.access_key_id)
    code, _, err = _cli(["poll", "--team", "acme"], capsys)
    assert code == 4
    code, out, err = _cli(["status", "--team", "acme", "--json"], capsys)
    assert code == 0 and err == ""  # a lost mailer is a state, not an error
    doc = json.loads(out)
    assert doc["mailer"]["access"] == "lost"
    assert doc["warnings"][0]["code"] == "lost_access"
    assert not doc["can"]["test_email"]["allowed"]
