"""The one table of IAM actions, and the least-privilege policy made from it."""

from __future__ import annotations

import json
import re
from pathlib import Path

from sesdesk.aws.permissions import (
    PERMISSIONS,
    all_actions,
    least_privilege_policy,
    least_privilege_policy_json,
    required_actions,
)

SOURCE = Path(__file__).resolve().parents[2] / "sesdesk"
# Action names as the code passes them to classify(action=…) / the facades' _call.
ACTION_LITERAL = re.compile(r"\"((?:ses|sns|sqs|sts|iam|cloudwatch):[A-Z][A-Za-z]+)\"")


def test_table_covers_every_action_the_code_calls() -> None:
    called: set[str] = set()
    # Recursive: services/feedback/ and any later package must be covered too.
    for path in list((SOURCE / "aws").glob("*.py")) + list((SOURCE / "services").rglob("*.py")):
        if path.name == "permissions.py":
            continue
        called |= set(ACTION_LITERAL.findall(path.read_text(encoding="utf-8")))
    assert called, "the scan found no action names at all"
    assert called <= set(all_actions()), sorted(called - set(all_actions()))


def test_rows_are_unique_and_explained() -> None:
    actions = all_actions()
    assert len(actions) == len(set(actions))
    for row in PERMISSIONS:
        assert row.why and row.feature and row.service
        assert row.action.split(":")[0] == row.prefix


def test_policy_grants_every_required_action_and_nothing_else() -> None:
    policy = least_privilege_policy()
    assert policy["Version"] == "2012-10-17"
    granted = [a for s in policy["Statement"] for a in s["Action"]]
    assert len(granted) == len(set(granted))
    # Optional actions (sesdesk works without them: the check's own simulator, the feedback
    # wiring added later, SES's reputation metrics) are granted too.
    optional = {p.action for p in PERMISSIONS if p.policy and not p.required}
    assert {"iam:SimulatePrincipalPolicy", "cloudwatch:GetMetricData"} <= optional
    assert set(granted) == set(required_actions()) | optional
    assert "sts:GetCallerIdentity" not in granted  # needs no permission
    simulate = [s for s in policy["Statement"] if "iam:SimulatePrincipalPolicy" in s["Action"]]
    assert simulate[0]["Resource"] == "arn:aws:iam::*:user/${aws:username}"
    assert all(s["Effect"] == "Allow" for s in policy["Statement"])
    assert json.loads(least_privilege_policy_json()) == policy


def test_policy_for_a_subset() -> None:
    policy = least_privilege_policy(("sns:Subscribe", "ses:SendEmail"))
    granted = sorted(a for s in policy["Statement"] for a in s["Action"])
    assert granted == ["ses:SendEmail", "sns:Subscribe"]


def test_feedback_actions_are_scoped_to_sesdesks_resources() -> None:
    policy = least_privilege_policy()
    by_action = {a: s["Resource"] for s in policy["Statement"] for a in s["Action"]}
    assert by_action["sqs:ReceiveMessage"] == "arn:aws:sqs:*:*:sesdesk-feedback*"
    assert by_action["sns:Subscribe"] == "arn:aws:sns:*:*:sesdesk-feedback*"
    assert by_action["ses:CreateConfigurationSetEventDestination"] == (
        "arn:aws:ses:*:*:configuration-set/sesdesk-feedback"
    )
    # IAM cannot scope these: SendEmail names identities, GetMetricData has no resource.
    assert by_action["ses:SendEmail"] == "*"
    assert by_action["cloudwatch:GetMetricData"] == "*"
    sids = [s["Sid"] for s in policy["Statement"]]
    assert len(sids) == len(set(sids))
