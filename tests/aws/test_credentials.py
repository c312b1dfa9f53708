"""The credential check: format rules (no network), then STS and the permission check against
the simulator with IAM enforcement — through the policy simulator and through probes."""

from __future__ import annotations

import json

import pytest

from sesdesk.aws.clients import AwsKeys
from sesdesk.aws.credentials import (
    ROOT_WARNING,
    SES_REGION_CODES,
    KeysNotAccepted,
    PermissionVerdict,
    _policy_source_arn,
    check_credentials,
    clean_keys,
    default_region,
    input_problems,
)
from sesdesk.aws.permissions import all_actions, least_privilege_policy, required_actions
from sesdesk.aws.ses import CallerIdentity
from sesdesk.errors import BadInput, ServiceUnreachable
from sesdesk.simulator import SesSimulator, patches

GOOD_ID = "AKIAIOSFODNN7EXAMPLE"
GOOD_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def test_format_rules() -> None:
    assert input_problems("us-east-1", GOOD_ID, GOOD_SECRET) == {}
    assert input_problems(None, f"  {GOOD_ID}\n", f"\t{GOOD_SECRET} ") == {}
    problems = input_problems("us-east-9", "akiaiosfodnn7example", "x" * 41)
    assert set(problems) == {"region", "access_key_id", "secret_access_key"}
    assert "ASIA" in input_problems(None, "ABCDIOSFODNN7EXAMPLE", GOOD_SECRET)["access_key_id"]
    assert "only letters" in input_problems(None, GOOD_ID, "!" * 40)["secret_access_key"]
    # Problems never echo what was typed.
    assert "x" * 41 not in json.dumps(problems)
    keys = clean_keys(f" {GOOD_ID} ", f"{GOOD_SECRET}\n")
    assert keys == AwsKeys(GOOD_ID, GOOD_SECRET)
    with pytest.raises(BadInput) as caught:
        clean_keys(GOOD_ID, "short")
    assert caught.value.field == "secret access key" and caught.value.exit_code == 2


def test_simulator_keys_pass_the_format_check(iam_simulator: SesSimulator) -> None:
    for number in range(5):
        keys = iam_simulator.create_user(f"user{number}", [])
        assert input_problems("us-east-1", keys.access_key_id, keys.secret_access_key) == {}


def test_regions_and_default() -> None:
    assert {"us-east-1", "eu-west-1", "ap-southeast-2"} <= SES_REGION_CODES
    assert default_region({"AWS_DEFAULT_REGION": "eu-west-1"}) == "eu-west-1"
    assert default_region({"AWS_DEFAULT_REGION": "nowhere-1"}) == "us-east-1"
    assert default_region({}) == "us-east-1"


def test_policy_source_for_users_roles_and_root() -> None:
    user = CallerIdentity("123456789012", "arn:aws:iam::123456789012:user/ops/mailer", "AIDA")
    assert _policy_source_arn(user) == user.arn
    session = CallerIdentity(
        "123456789012", "arn:aws:sts::123456789012:assumed-role/Mailer/s1", "AROA"
    )
    assert _policy_source_arn(session) == "arn:aws:iam::123456789012:role/Mailer"
    root = CallerIdentity("123456789012", "arn:aws:iam::123456789012:root", "123456789012")
    assert root.is_root and _policy_source_arn(root) is None
    assert "root" in ROOT_WARNING


def test_full_keys_via_the_policy_simulator(iam_simulator: SesSimulator) -> None:
    keys = iam_simulator.create_user("full", all_actions())
    events = []
    report = check_credentials(
        keys, "us-east-1", endpoint=iam_simulator.endpoint, progress=events.append
    )
    assert report.caller.account_id == "123456789012"
    assert report.caller.arn.endswith(":user/full")
    assert report.method == "iam-simulator" and report.ok
    assert [c.action for c in report.checks] == list(required_actions())
    assert all(c.verdict is PermissionVerdict.ALLOWED for c in report.checks)
    assert report.warnings == ()
    assert events[0].step == "identity" and events[-1].state == "done"


def test_the_generated_policy_itself_passes(iam_simulator: SesSimulator) -> None:
    iam_simulator.create_user("by-policy", [])
    patches.iam_backend("123456789012").put_user_policy(
        "by-policy", "sesdesk", json.dumps(least_privilege_policy())
    )
    keys = iam_simulator.issue_key("by-policy")
    report = check_credentials(keys, "us-east-1", endpoint=iam_simulator.endpoint)
    assert report.ok, report.missing


def test_probes_find_what_is_missing_and_admit_what_they_cannot_check(
    iam_simulator: SesSimulator,
) -> None:
    allowed = [a for a in all_actions() if a.startswith("ses:")]
    keys = iam_simulator.create_user("ses-only", allowed)
    report = check_credentials(keys, "us-east-1", endpoint=iam_simulator.endpoint)
    assert report.method == "probes"
    assert set(report.missing) == {
        "sns:GetTopicAttributes",
        "sns:Subscribe",
        "sqs:GetQueueAttributes",
        "sqs:SetQueueAttributes",
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
    }
    # Never "allowed" for what was not tested.
    assert {"ses:SendEmail", "ses:CreateEmailIdentity", "sns:CreateTopic"} <= set(report.unverified)
    rejection = report.rejection()
    assert rejection.exit_code == 4 and set(rejection.missing_actions) == set(report.missing)
    # The probes changed nothing in the account.
    assert iam_simulator.identities() == {}


def test_unknown_key_wrong_secret_and_unreachable(iam_simulator: SesSimulator) -> None:
    keys = iam_simulator.create_user("full", all_actions())
    with pytest.raises(KeysNotAccepted) as unknown:
        check_credentials(
            AwsKeys(GOOD_ID, GOOD_SECRET), "us-east-1", endpoint=iam_simulator.endpoint
        )
    assert unknown.value.field == "access_key_id" and unknown.value.exit_code == 4
    with pytest.raises(KeysNotAccepted) as wrong:
        check_credentials(
            AwsKeys(keys.access_key_id, "C" * 40), "us-east-1", endpoint=iam_simulator.endpoint
        )
    assert wrong.value.field == "secret_access_key"
    iam_simulator.set_unreachable(True)
    try:
        with pytest.raises(ServiceUnreachable) as down:
            check_credentials(keys, "us-east-1", endpoint=iam_simulator.endpoint)
        assert down.value.exit_code == 5
    finally:
        iam_simulator.set_unreachable(False)
