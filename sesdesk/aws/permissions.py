"""THE table of AWS actions sesdesk calls, and the least-privilege IAM policy made from it.

Everything that asks "which permissions does sesdesk need?" reads `PERMISSIONS`: the credential
check (which actions to simulate or probe), the policy offered when keys fall short, the
simulator's default user policy, and the docs. Add a row here in the same change that adds a
call to AWS.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

# Features, as the wizard and the policy's statement ids name them.
CONNECT = "connect"
STATUS = "status"
IDENTITIES = "identities"
ACCESS = "production access"
SENDING = "sending"
FEEDBACK = "bounces and complaints"


@dataclass(frozen=True)
class Permission:
    """One IAM action sesdesk calls: what it is for and whether it can be checked safely.

    `probe` names a side-effect-free call the credential check may make when IAM's policy
    simulator is not available (see credentials.py); None means every call of the action
    changes something in the account, so it can only be verified by the simulator.
    `required` is False for actions sesdesk can do without (it falls back).
    `policy` is False for actions that need no IAM permission at all.
    """

    action: str
    service: str  # the boto3 service that makes the call
    why: str
    feature: str
    probe: str | None = None
    required: bool = True
    policy: bool = True

    @property
    def prefix(self) -> str:
        """The IAM service prefix, e.g. ``ses``."""
        return self.action.split(":", 1)[0]


PERMISSIONS: tuple[Permission, ...] = (
    Permission(
        "sts:GetCallerIdentity",
        "sts",
        "learn which AWS account and user the keys belong to",
        CONNECT,
        probe="caller_identity",
        policy=False,  # AWS allows it to every valid key, even under an explicit deny
    ),
    Permission(
        "ses:GetAccount",
        "sesv2",
        "read sandbox or production, the review status, sending enabled and the quota",
        STATUS,
        probe="get_account",
    ),
    Permission(
        "ses:ListEmailIdentities",
        "sesv2",
        "list the sender identities (email addresses and domains)",
        STATUS,
        probe="list_identities",
    ),
    Permission(
        "ses:GetEmailIdentity",
        "sesv2",
        "read an identity's verification and DKIM status",
        IDENTITIES,
        probe="get_identity",
    ),
    Permission(
        "ses:CreateEmailIdentity",
        "sesv2",
        "add a sender email address or domain (and retry a failed one)",
        IDENTITIES,
    ),
    Permission(
        "ses:DeleteEmailIdentity",
        "sesv2",
        "retry or replace a failed identity, or delete identities with the mailer",
        IDENTITIES,
        probe="delete_identity",
    ),
    Permission(
        "ses:PutAccountDetails",
        "sesv2",
        "submit the production-access request",
        ACCESS,
    ),
    Permission(
        "ses:SendEmail",
        "sesv2",
        "send test emails, test campaigns and broadcasts",
        SENDING,
    ),
    Permission(
        "ses:ListSuppressedDestinations",
        "sesv2",
        "read the account-level suppression list",
        FEEDBACK,
        probe="list_suppressed",
    ),
    Permission(
        "ses:GetSuppressedDestination",
        "sesv2",
        "check one address against the account-level suppression list",
        FEEDBACK,
        probe="get_suppressed",
    ),
    Permission(
        "ses:PutSuppressedDestination",
        "sesv2",
        "add a bounced or complaining address to the account-level suppression list",
        FEEDBACK,
    ),
    Permission(
        "ses:DeleteSuppressedDestination",
        "sesv2",
        "take an address off the account-level suppression list",
        FEEDBACK,
        probe="delete_suppressed",
    ),
    Permission(
        "ses:SetIdentityNotificationTopic",
        "ses",
        "route an identity's bounce and complaint notifications to sesdesk's SNS topic",
        FEEDBACK,
    ),
    Permission(
        "sns:CreateTopic",
        "sns",
        "create the topic SES publishes bounces and complaints to",
        FEEDBACK,
    ),
    Permission(
        "sns:GetTopicAttributes",
        "sns",
        "check that the bounce topic still exists",
        FEEDBACK,
        probe="sns_get_topic_attributes",
    ),
    Permission(
        "sns:Subscribe",
        "sns",
        "deliver the bounce topic into sesdesk's queue",
        FEEDBACK,
        probe="sns_subscribe",
    ),
    Permission(
        "sqs:CreateQueue",
        "sqs",
        "create the queue sesdesk drains for bounces and complaints",
        FEEDBACK,
    ),
    Permission(
        "sqs:GetQueueAttributes",
        "sqs",
        "read the queue's ARN to subscribe it to the bounce topic",
        FEEDBACK,
        probe="sqs_get_queue_attributes",
    ),
    Permission(
        "sqs:SetQueueAttributes",
        "sqs",
        "allow the bounce topic to deliver into the queue",
        FEEDBACK,
        probe="sqs_set_queue_attributes",
    ),
    Permission(
        "sqs:ReceiveMessage",
        "sqs",
        "read bounce and complaint notifications",
        FEEDBACK,
        probe="sqs_receive_message",
    ),
    Permission(
        "sqs:DeleteMessage",
        "sqs",
        "remove notifications once they are recorded",
        FEEDBACK,
        probe="sqs_delete_message",
    ),
    Permission(
        "iam:SimulatePrincipalPolicy",
        "iam",
        "let the credential check ask IAM exactly which of these actions are allowed",
        CONNECT,
        required=False,  # without it the check falls back to harmless probe calls
    ),
)

_BY_ACTION = {p.action: p for p in PERMISSIONS}


def permission(action: str) -> Permission:
    """The table row for `action` (KeyError when sesdesk does not use it)."""
    return _BY_ACTION[action]


def all_actions() -> tuple[str, ...]:
    """Every action in the table, in table order (the simulator's default user policy)."""
    return tuple(p.action for p in PERMISSIONS)


def required_actions() -> tuple[str, ...]:
    """The actions a mailer's keys must allow; missing any of them rejects the keys."""
    return tuple(p.action for p in PERMISSIONS if p.required and p.policy)


def checked_permissions() -> tuple[Permission, ...]:
    """The rows the credential check verifies (required, and needing an IAM permission)."""
    return tuple(p for p in PERMISSIONS if p.required and p.policy)


def _sid(text: str) -> str:
    return "Sesdesk" + "".join(word.capitalize() for word in text.replace("-", " ").split())


def least_privilege_policy(actions: tuple[str, ...] | None = None) -> dict[str, Any]:
    """The IAM policy document granting sesdesk exactly what it calls (one statement per
    feature). `actions` limits it to a subset, e.g. only the missing ones."""
    wanted = set(actions) if actions is not None else None
    statements: list[dict[str, Any]] = []
    by_feature: dict[str, list[str]] = {}
    for row in PERMISSIONS:
        if not row.policy or row.action == "iam:SimulatePrincipalPolicy":
            continue
        if wanted is not None and row.action not in wanted:
            continue
        by_feature.setdefault(row.feature, []).append(row.action)
    for feature, feature_actions in by_feature.items():
        statements.append(
            {
                "Sid": _sid(feature),
                "Effect": "Allow",
                "Action": sorted(feature_actions),
                # SES identities, the suppression list and the account are not resources one
                # can name before they exist; "*" is what AWS's own SES policies use.
                "Resource": "*",
            }
        )
    if wanted is None or "iam:SimulatePrincipalPolicy" in wanted:
        statements.append(
            {
                "Sid": "SesdeskCheckOwnPermissions",
                "Effect": "Allow",
                "Action": ["iam:SimulatePrincipalPolicy"],
                # Only on the user itself: the check never learns about anyone else.
                "Resource": "arn:aws:iam::*:user/${aws:username}",
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


def least_privilege_policy_json(actions: tuple[str, ...] | None = None) -> str:
    """`least_privilege_policy` as indented JSON, ready to paste into the IAM console."""
    return json.dumps(least_privilege_policy(actions), indent=2)
