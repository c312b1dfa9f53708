"""The credential gateway: a stored mailer reaches AWS only with its own keyring keys.

Every service entry point that calls AWS for a stored mailer is run with the mailer's keyring
entry gone while the machine holds other AWS credentials (environment variables, a profile in
~/.aws/credentials, a config file's credential_process). Each must refuse with
CredentialsRejected, mark the mailer lost, and send nothing: the simulator's IAM records the
last use of every access key it knows, and none may have been used.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from sesdesk.aws import keychain
from sesdesk.aws.clients import AwsKeys, ClientFactory
from sesdesk.aws.errors import KeysRejected
from sesdesk.aws.ses import SesFacade
from sesdesk.errors import CredentialsRejected
from sesdesk.models import StatusEvent, Store
from sesdesk.services import access, contacts, identities, poll_watch, poller, sending
from sesdesk.services.connect import delete_mailer
from sesdesk.services.mailers import (
    KEYS_MISSING,
    mailer_row,
    open_mailer,
    watching_access,
)
from sesdesk.services.refresh import refresh_team
from sesdesk.simulator import SesSimulator
from tests.ambient import OTHER_ACCOUNT, forget_key_use, used_keys, write_ambient_credentials
from tests.conftest import connected_team

REGION = "us-east-1"
DOMAIN = "shop.example"


@pytest.fixture
def ambient(sim: SesSimulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Other AWS credentials everywhere boto3 looks by default, all valid in the simulator."""
    env_keys = sim.create_user("someone-else", account_id=OTHER_ACCOUNT)
    profile_keys = sim.create_user("profile-user", account_id=OTHER_ACCOUNT)
    home = tmp_path / "user-home"
    marker = tmp_path / "credential_process-ran"
    write_ambient_credentials(home, profile_keys, marker)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("AWS_CONFIG_FILE", raising=False)
    monkeypatch.delenv("AWS_SHARED_CREDENTIALS_FILE", raising=False)
    monkeypatch.setenv("AWS_PROFILE", "other-work")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", env_keys.access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", env_keys.secret_access_key)
    return {"env": env_keys, "profile": profile_keys, "marker": marker}


def connected(store: Store, sim: SesSimulator) -> tuple[int, AwsKeys]:
    """A production team with a verified domain, a pending address and a one-contact list."""
    sim.set_production(True)
    team = connected_team(store, sim, "shop", user="shop-owner", identity=DOMAIN, verify=True)
    team.facade.create_identity("owner@elsewhere.example")
    refresh_team(store, team.team_id, team.facade)
    contacts.create_list(store, team.team_id, "all")
    contacts.add_contact(store, team.team_id, "all", "success@simulator.amazonses.com", "S")
    return team.team_id, team.keys


def drop_keyring_entry(store: Store, team_id: int) -> None:
    with store.session() as session:
        row = mailer_row(session, team_id)
        assert row is not None
        ref = row.keyring_ref
    keychain.delete_keys(ref)
    assert keychain.load_keys(ref) is None


def _raise_cycle_error(store: Store, team_id: int) -> None:
    state, _result, error, _notices = poller.run_cycle(store, team_id)
    assert state is poller.CycleState.LOST
    assert error is not None
    raise error


def _raise_poll_once(store: Store, team_id: int) -> None:
    outcome = asyncio.run(poll_watch.poll_once(store, team_id))
    assert outcome.error is not None
    raise outcome.error


def _broadcast(store: Store, team_id: int) -> None:
    draft = sending.create_broadcast(
        store,
        team_id,
        list_name="all",
        composition=sending.Composition(
            from_address=f"news@{DOMAIN}", subject="Hi", text_body="Hello"
        ),
    )
    sending.send_broadcast(store, team_id, draft.id)


def _test_email(store: Store, team_id: int) -> None:
    sending.send_test_email(
        store,
        team_id,
        to="success@simulator.amazonses.com",
        composition=sending.Composition(
            from_address=f"news@{DOMAIN}", subject="Hi", text_body="Hello"
        ),
    )


def _submit(store: Store, team_id: int) -> None:
    from tests.access_samples import filled_template

    sim_form, _ = filled_template("otp", website_url=f"https://{DOMAIN}")
    # The team must be allowed to apply: back in the sandbox as far as the store knows.
    from sesdesk.models import AccountStatus

    with store.session() as session:
        row = session.scalar(select(AccountStatus).where(AccountStatus.team_id == team_id))
        assert row is not None
        row.production = False
    access.submit(store, team_id, sim_form)


ENTRY_POINTS: dict[str, Callable[[Store, int], Any]] = {
    "open_mailer": open_mailer,
    "refresh": refresh_team,
    "poll cycle": _raise_cycle_error,
    "poll once (poll, status --refresh)": _raise_poll_once,
    "identity add": lambda s, t: identities.add_identity(s, t, "new@shop.example"),
    "identity retry": lambda s, t: identities.retry_identity(s, t, "owner@elsewhere.example"),
    "identity replace": lambda s, t: identities.replace_identity(
        s, t, "owner@elsewhere.example", "owner@shop.example"
    ),
    "access submit": _submit,
    "send-test": _test_email,
    "broadcast send": _broadcast,
    "mailer delete with its identities": lambda s, t: delete_mailer(s, t, delete_identities=True),
}


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_every_entry_point_refuses_without_the_mailers_own_keys(
    entry: str, sim: SesSimulator, store: Store, ambient: dict[str, Any]
) -> None:
    team_id, _ = connected(store, sim)
    drop_keyring_entry(store, team_id)
    forget_key_use()

    with pytest.raises(CredentialsRejected):
        ENTRY_POINTS[entry](store, team_id)

    assert used_keys() == set(), "a request reached AWS signed with someone's keys"
    assert not ambient["marker"].exists(), "credential_process was run"
    with store.session() as session:
        mailer = mailer_row(session, team_id)
        assert mailer is not None
        access = (mailer.access, mailer.access_reason)
        lost = session.scalars(
            select(StatusEvent).where(
                StatusEvent.team_id == team_id,
                StatusEvent.field == "access",
                StatusEvent.new_value == "lost",
            )
        ).all()
    if store.is_shared:
        # Records shared by several desktops: only this one lacks the keys; the team's mailer
        # stays as the others see it (this desktop's fix is Reconnect).
        assert access == ("ok", None) and lost == []
        return
    assert access == ("lost", KEYS_MISSING)
    assert [event.message for event in lost] == [f"The mailer lost access to AWS: {KEYS_MISSING}"]


def test_the_poller_warm_up_builds_nothing_without_the_keys(
    sim: SesSimulator, store: Store, ambient: dict[str, Any]
) -> None:
    team_id, _ = connected(store, sim)
    drop_keyring_entry(store, team_id)
    forget_key_use()

    assert poller.warm_up(store) == 0
    assert used_keys() == set()


def test_the_gateway_signs_with_the_mailers_own_keys_despite_ambient_ones(
    sim: SesSimulator, store: Store, ambient: dict[str, Any]
) -> None:
    team_id, own_keys = connected(store, sim)
    forget_key_use()

    refresh_team(store, team_id)

    assert used_keys() == {own_keys.access_key_id}
    assert not ambient["marker"].exists()


def test_auth_failure_marks_lost_once_and_re_raises(sim: SesSimulator, store: Store) -> None:
    team_id, own_keys = connected(store, sim)
    sim.revoke_key(own_keys.access_key_id)

    for _ in range(2):
        with pytest.raises(KeysRejected), watching_access(store, team_id):
            open_mailer(store, team_id).get_account()

    with store.session() as session:
        mailer = mailer_row(session, team_id)
        assert mailer is not None and mailer.access == "lost"
        # AWS's own reason, not the gateway's: the keys were there, AWS refused them.
        assert mailer.access_reason and mailer.access_reason != KEYS_MISSING
        events = session.scalars(
            select(StatusEvent).where(
                StatusEvent.team_id == team_id, StatusEvent.new_value == "lost"
            )
        ).all()
    assert len(events) == 1  # the same reason again is not news


@pytest.mark.parametrize(
    "ambient_env",
    [
        {"AWS_PROFILE": "no-such-profile"},
        {"AWS_PROFILE": "process-only"},
        {"AWS_DEFAULT_PROFILE": "no-such-profile"},
    ],
)
def test_client_factory_ignores_profiles(
    ambient_env: dict[str, str],
    sim: SesSimulator,
    ambient: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in ambient_env.items():
        monkeypatch.setenv(name, value)
    own = sim.create_user("factory-user")
    forget_key_use()

    facade = SesFacade(ClientFactory(REGION, own))
    assert facade.caller_identity().arn.endswith("user/factory-user")

    assert used_keys() == {own.access_key_id}
    assert not ambient["marker"].exists()


def test_client_factory_still_honours_endpoint_and_region_settings(
    sim: SesSimulator, ambient: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    factory = ClientFactory(REGION, sim.create_user("endpoint-user"))
    client = factory.client("sesv2")
    assert client.meta.endpoint_url == sim.endpoint  # AWS_ENDPOINT_URL, set by `sim`
    assert client.meta.region_name == REGION


@pytest.mark.parametrize("keys", [None, "AKIAIOSFODNN7EXAMPLE", AwsKeys("", "")])
def test_client_factory_refuses_anything_but_a_key_pair(keys: Any) -> None:
    with pytest.raises(TypeError):
        ClientFactory(REGION, keys)


def test_a_missing_keyring_is_an_environment_problem_not_lost_keys(
    sim: SesSimulator, store: Store
) -> None:
    import keyring
    from keyring.backends import fail

    team_id, _ = connected(store, sim)
    keyring.set_keyring(fail.Keyring())  # the autouse fixture restores the test keyring

    with pytest.raises(keychain.KeyringUnavailable) as caught:
        open_mailer(store, team_id)
    assert caught.value.exit_code == 6
    with store.session() as session:
        mailer = mailer_row(session, team_id)
        assert mailer is not None and mailer.access == "ok"  # the keys may well be there
