"""Connect, reconnect and delete a mailer against the simulator with IAM enforcement."""

from __future__ import annotations

import keyring
import pytest
from sqlalchemy import select

from sesdesk.aws import keychain
from sesdesk.aws.clients import AwsKeys
from sesdesk.aws.credentials import CheckProgress, KeysNotAccepted, PermissionsLacking
from sesdesk.aws.errors import AuthError, KeysRejected
from sesdesk.aws.permissions import all_actions, required_actions
from sesdesk.errors import BadInput, CredentialsRejected, NotAllowed, ServiceUnreachable
from sesdesk.models import AccountStatus, Mailer, SenderIdentity, StatusEvent, Store
from sesdesk.services.connect import (
    ConnectFlow,
    WizardStep,
    connect,
    delete_mailer,
    reconnect,
)
from sesdesk.services.mailers import open_mailer, watching_access
from sesdesk.services.refresh import refresh_team
from sesdesk.services.state import load_snapshot
from sesdesk.services.teams import TeamInfo, create_team, delete_team, list_teams, rename_team
from sesdesk.simulator import SesSimulator

REGION = "us-east-1"
OTHER_ACCOUNT = "210987654321"
SNS_ACTIONS = ("sns:CreateTopic", "sns:GetTopicAttributes", "sns:Subscribe")


def _connected(sim: SesSimulator, store: Store) -> tuple[TeamInfo, AwsKeys]:
    """Team "Acme", connected through `connect` with keys allowed every action."""
    keys = sim.create_user("full", all_actions())
    team = create_team(store, "Acme")
    connect(store, team.id, REGION, keys)
    return team, keys


def _mailer(store: Store, team_id: int) -> Mailer | None:
    with store.session() as session:
        return session.scalar(select(Mailer).where(Mailer.team_id == team_id))


def _keyring_secrets() -> dict[tuple[str, str], str]:
    return dict(keyring.get_keyring()._data)  # the in-memory test backend


def test_full_keys_connect_and_store_only_the_last_four(sim: SesSimulator, store: Store) -> None:
    keys = sim.create_user("full", all_actions())
    team = create_team(store, "Acme")
    steps: list[CheckProgress] = []

    result = connect(store, team.id, REGION, keys, progress=steps.append)

    assert result.account_id == "123456789012"
    assert result.report.method == "iam-simulator"
    assert result.report.missing == () and result.report.unverified == ()
    assert result.refreshed
    mailer = _mailer(store, team.id)
    assert mailer is not None
    assert (mailer.account_id, mailer.region, mailer.access) == ("123456789012", REGION, "ok")
    assert mailer.key_last4 == keys.access_key_id[-4:]
    assert mailer.arn == "arn:aws:iam::123456789012:user/full"
    assert keychain.load_keys(mailer.keyring_ref) == keys
    # The first refresh ran, so status knows the account right away.
    with store.session() as session:
        assert session.scalar(select(AccountStatus).where(AccountStatus.team_id == team.id))
    # Progress covered every step, with one line per checked action.
    assert [s.step for s in steps if s.state == "done"] == [
        "identity",
        "permissions",
        "save",
        "refresh",
    ]
    assert {s.action for s in steps if s.action} == set(required_actions())


def test_keys_without_permissions_are_rejected_and_nothing_is_stored(
    sim: SesSimulator, store: Store
) -> None:
    keys = sim.create_user("nobody", [])
    team = create_team(store, "Acme")

    with pytest.raises(PermissionsLacking) as caught:
        connect(store, team.id, REGION, keys)

    error = caught.value
    assert error.exit_code == 4
    # Without iam:SimulatePrincipalPolicy the check probes: every probe-able action is missing.
    assert error.report.method == "probes"
    assert "ses:GetAccount" in error.missing_actions
    assert "sns:Subscribe" in error.missing_actions
    assert "sqs:ReceiveMessage" in error.missing_actions
    for action in error.missing_actions:
        assert action in error.message
    # Actions that would change the account are reported as not checked, never as allowed.
    assert "ses:SendEmail" in error.report.unverified
    assert _mailer(store, team.id) is None
    assert _keyring_secrets() == {}


def test_ses_without_sns_names_exactly_the_sns_actions(sim: SesSimulator, store: Store) -> None:
    keys = sim.create_user("ses-only", [a for a in all_actions() if not a.startswith("sns:")])
    team = create_team(store, "Acme")

    with pytest.raises(PermissionsLacking) as caught:
        connect(store, team.id, REGION, keys)

    assert caught.value.report.method == "iam-simulator"
    assert caught.value.missing_actions == SNS_ACTIONS
    assert _mailer(store, team.id) is None


def test_ses_without_sns_is_caught_by_probes_too(sim: SesSimulator, store: Store) -> None:
    allowed = [a for a in all_actions() if not a.startswith(("sns:", "iam:"))]
    keys = sim.create_user("ses-only-no-iam", allowed)
    team = create_team(store, "Acme")

    with pytest.raises(PermissionsLacking) as caught:
        connect(store, team.id, REGION, keys)

    assert caught.value.report.method == "probes"
    assert set(caught.value.missing_actions) == {"sns:GetTopicAttributes", "sns:Subscribe"}
    assert "sns:CreateTopic" in caught.value.report.unverified


def test_unknown_key_and_wrong_secret_are_explained(sim: SesSimulator, store: Store) -> None:
    keys = sim.create_user("full", all_actions())
    team = create_team(store, "Acme")

    with pytest.raises(KeysNotAccepted) as unknown:
        connect(store, team.id, REGION, AwsKeys("AKIAIOSFODNN7EXAMPLE", keys.secret_access_key))
    assert unknown.value.exit_code == 4
    assert unknown.value.field == "access_key_id"
    assert "does not know this access key id" in unknown.value.message

    wrong_secret = "A" * 40
    with pytest.raises(KeysNotAccepted) as mismatch:
        connect(store, team.id, REGION, AwsKeys(keys.access_key_id, wrong_secret))
    assert mismatch.value.field == "secret_access_key"
    assert wrong_secret not in str(mismatch.value)
    assert _mailer(store, team.id) is None


def test_malformed_input_fails_before_any_network_call(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Port 9 on loopback: any network call would fail as "unreachable", not as bad input.
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    team = create_team(store, "Acme")
    good_secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    with pytest.raises(BadInput) as bad_id:
        connect(store, team.id, REGION, AwsKeys("not-a-key", good_secret))
    assert bad_id.value.field == "access key id" and bad_id.value.exit_code == 2
    with pytest.raises(BadInput) as bad_secret:
        connect(store, team.id, REGION, AwsKeys("AKIAIOSFODNN7EXAMPLE", "short"))
    assert bad_secret.value.field == "secret access key"
    with pytest.raises(BadInput) as bad_region:
        connect(store, team.id, "mars-north-1", AwsKeys("AKIAIOSFODNN7EXAMPLE", good_secret))
    assert bad_region.value.field == "region"
    # Whitespace around pasted keys is trimmed, then the network is tried (and is down).
    with pytest.raises(ServiceUnreachable):
        connect(store, team.id, REGION, AwsKeys(" AKIAIOSFODNN7EXAMPLE\n", f" {good_secret} "))


def test_unreachable_aws_is_exit_5(sim: SesSimulator, store: Store) -> None:
    keys = sim.create_user("full", all_actions())
    team = create_team(store, "Acme")
    sim.set_unreachable(True)
    with pytest.raises(ServiceUnreachable) as caught:
        connect(store, team.id, REGION, keys)
    assert caught.value.exit_code == 5
    assert _mailer(store, team.id) is None


def test_second_mailer_for_a_team_is_not_allowed(sim: SesSimulator, store: Store) -> None:
    team, _ = _connected(sim, store)
    with pytest.raises(NotAllowed) as caught:
        connect(store, team.id, REGION, sim.issue_key("full"))
    assert caught.value.exit_code == 3


def test_revoked_key_marks_lost_then_reconnect_with_a_new_key_keeps_records(
    sim: SesSimulator, store: Store
) -> None:
    team, keys = _connected(sim, store)
    open_mailer(store, team.id).create_identity("news@acme.example")
    refresh_team(store, team.id)
    old_ref = _mailer(store, team.id).keyring_ref  # type: ignore[union-attr]

    sim.revoke_key(keys.access_key_id)
    with pytest.raises(AuthError):
        refresh_team(store, team.id)
    lost = load_snapshot(store, team.id)  # reading keeps working without errors
    assert lost.mailer is not None and lost.mailer.access == "lost"
    assert [i.name for i in lost.identities] == ["news@acme.example"]

    new_keys = sim.issue_key("full")
    result = reconnect(store, team.id, new_keys)

    assert result.account_id == "123456789012"
    mailer = _mailer(store, team.id)
    assert mailer is not None
    assert mailer.access == "ok" and mailer.access_reason is None
    assert mailer.key_last4 == new_keys.access_key_id[-4:]
    if store.is_shared:
        # Other desktops find their own keys under the row's one ref: it stays, and this
        # desktop's entry now holds the new keys.
        assert mailer.keyring_ref == old_ref
    else:
        assert mailer.keyring_ref != old_ref
        assert keychain.load_keys(old_ref) is None
    assert keychain.load_keys(mailer.keyring_ref) == new_keys
    snapshot = load_snapshot(store, team.id)
    assert [i.name for i in snapshot.identities] == ["news@acme.example"]
    with store.session() as session:
        access_events = session.scalars(
            select(StatusEvent.new_value).where(
                StatusEvent.team_id == team.id, StatusEvent.field == "access"
            )
        ).all()
    assert access_events == ["ok", "lost", "ok"]


def test_reconnect_refuses_keys_of_another_account(sim: SesSimulator, store: Store) -> None:
    team, keys = _connected(sim, store)
    stranger = sim.create_user("stranger", all_actions(), account_id=OTHER_ACCOUNT)

    steps: list[CheckProgress] = []
    with pytest.raises(CredentialsRejected) as caught:
        reconnect(store, team.id, stranger, progress=steps.append)

    assert caught.value.exit_code == 4
    assert OTHER_ACCOUNT in caught.value.message and "123456789012" in caught.value.message
    assert "new team" in caught.value.hint
    # Refused right after STS: no permission check for keys that cannot be used anyway.
    assert {s.step for s in steps} == {"identity"}
    mailer = _mailer(store, team.id)
    assert mailer is not None and mailer.key_last4 == keys.access_key_id[-4:]
    assert keychain.load_keys(mailer.keyring_ref) == keys


def test_delete_mailer_keeps_history_and_identities_in_ses(sim: SesSimulator, store: Store) -> None:
    team, _ = _connected(sim, store)
    open_mailer(store, team.id).create_identity("acme.example")
    refresh_team(store, team.id)
    ref = _mailer(store, team.id).keyring_ref  # type: ignore[union-attr]

    result = delete_mailer(store, team.id)

    assert result.kept_identities == ("acme.example",)
    assert _mailer(store, team.id) is None
    assert keychain.load_keys(ref) is None
    assert "acme.example" in sim.identities()
    with store.session() as session:
        messages = session.scalars(
            select(StatusEvent.message).where(StatusEvent.team_id == team.id)
        ).all()
        identity = session.scalar(select(SenderIdentity))
    assert any("Connected AWS account" in m for m in messages)
    assert any("deleted" in m for m in messages)
    assert identity is not None and identity.removed_at is not None
    snapshot = load_snapshot(store, team.id)
    assert snapshot.mailer is None and snapshot.account is None


def test_delete_mailer_with_identities_deletes_them_in_ses(sim: SesSimulator, store: Store) -> None:
    team, _ = _connected(sim, store)
    open_mailer(store, team.id).create_identity("acme.example")
    refresh_team(store, team.id)

    result = delete_mailer(store, team.id, delete_identities=True)

    assert result.deleted_identities == ("acme.example",)
    assert "acme.example" not in sim.identities()


def test_delete_identities_with_dead_keys_deletes_nothing(sim: SesSimulator, store: Store) -> None:
    team, keys = _connected(sim, store)
    open_mailer(store, team.id).create_identity("acme.example")
    refresh_team(store, team.id)
    sim.revoke_key(keys.access_key_id)

    with pytest.raises(CredentialsRejected):
        delete_mailer(store, team.id, delete_identities=True)

    mailer = _mailer(store, team.id)
    assert mailer is not None and mailer.access == "lost"
    assert "acme.example" in sim.identities()
    # Without the identities the mailer can still be deleted.
    delete_mailer(store, team.id)
    assert _mailer(store, team.id) is None


def test_watching_access_marks_lost_on_any_core_call(sim: SesSimulator, store: Store) -> None:
    team, _ = _connected(sim, store)
    sim.set_permissions("full", [a for a in all_actions() if a != "ses:CreateEmailIdentity"])

    with pytest.raises(AuthError), watching_access(store, team.id):
        open_mailer(store, team.id).create_identity("acme.example")

    mailer = _mailer(store, team.id)
    assert mailer is not None and mailer.access == "lost"
    assert "ses:CreateEmailIdentity" in (mailer.access_reason or "")
    with pytest.raises(KeysRejected), watching_access(store, team.id):
        raise KeysRejected("AWS does not accept these keys (InvalidClientTokenId).")


def test_rename_and_delete_team(store: Store) -> None:
    acme = create_team(store, "Acme")
    create_team(store, "Beta")
    renamed = rename_team(store, acme.id, "  Acme   Newsletter ")
    assert renamed.name == "Acme Newsletter"
    with pytest.raises(BadInput):
        rename_team(store, acme.id, "beta")
    with pytest.raises(BadInput):
        rename_team(store, acme.id, "   ")
    delete_team(store, acme.id)
    assert [t.name for t in list_teams(store)] == ["Beta"]


def test_team_with_a_mailer_cannot_be_deleted(sim: SesSimulator, store: Store) -> None:
    team = create_team(store, "Acme")
    connect(store, team.id, REGION, sim.create_user("full", all_actions()))
    with pytest.raises(NotAllowed):
        delete_team(store, team.id)
    delete_mailer(store, team.id)
    delete_team(store, team.id)
    assert list_teams(store) == []


def test_flow_goes_to_missing_page_only_for_missing_permissions() -> None:
    flow = ConnectFlow(team_id=1)
    assert flow.set_input("us-east-1", "AKIA", "x")  # problems: Next disabled
    assert flow.set_input("us-east-1", "AKIAIOSFODNN7EXAMPLE", "a" * 40) == {}
    assert flow.next_step(WizardStep.KEYS) is WizardStep.CHECK
    flow.finished(None, KeysNotAccepted("no", field="access_key_id"))
    assert flow.next_step(WizardStep.CHECK) is WizardStep.CHECK
    reconnect_flow = ConnectFlow(team_id=1, reconnect=True)
    assert reconnect_flow.set_input(None, "AKIAIOSFODNN7EXAMPLE", "a" * 40) == {}
