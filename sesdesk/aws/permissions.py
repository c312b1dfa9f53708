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

from sesdesk.aws.feedback import DEAD_LETTER_NAME, FEEDBACK_NAME

# Not called by sesdesk: the queue policy grants it to SNS, for sesdesk's topic only.
TOPIC_DELIVERY_ACTION = "sqs:SendMessage"

# sesdesk's feedback resources, in any region and account the keys can reach.
_TOPIC = f"arn:aws:sns:*:*:{FEEDBACK_NAME}*"
_QUEUES = f"arn:aws:sqs:*:*:{FEEDBACK_NAME}*"  # the queue and {DEAD_LETTER_NAME}
_CONFIG_SET = f"arn:aws:ses:*:*:configuration-set/{FEEDBACK_NAME}"
assert DEAD_LETTER_NAME.startswith(FEEDBACK_NAME)

# Features, as the wizard and the policy's statement ids name them.
CONNECT = "connect"
STATUS = "status"
IDENTITIES = "identities"
ACCESS = "production access"
SENDING = "sending"
FEEDBACK = "bounces and complaints"
LISTS = "one-click unsubscribe"


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
    # What the generated policy grants it on: sesdesk's own resources where IAM can name them.
    resource: str = "*"

    @property
    def prefix(self) -> str:
        """The IAM service prefix, e.g. ``ses``."""
        return self.action.split(":", 1)[0]


def _rows(
    service: str, feature: str, *rows: tuple[str, str] | tuple[str, str, str], **shared: Any
) -> tuple[Permission, ...]:
    """Rows of one boto3 service and feature: (action, why[, probe]) each, `shared` for all."""
    return tuple(
        Permission(
            row[0], service, row[1], feature, probe=row[2] if len(row) > 2 else None, **shared
        )
        for row in rows
    )


PERMISSIONS: tuple[Permission, ...] = (
    *_rows(
        "sts",
        CONNECT,
        (
            "sts:GetCallerIdentity",
            "learn which AWS account and user the keys belong to",
            "caller_identity",
        ),
        policy=False,  # AWS allows it to every valid key, even under an explicit deny
    ),
    *_rows(
        "sesv2",
        STATUS,
        (
            "ses:GetAccount",
            "read sandbox or production, the review status, sending enabled and the quota",
            "get_account",
        ),
        (
            "ses:ListEmailIdentities",
            "list the sender identities (email addresses and domains)",
            "list_identities",
        ),
    ),
    *_rows(
        "sesv2",
        IDENTITIES,
        ("ses:GetEmailIdentity", "read an identity's verification and DKIM status", "get_identity"),
        (
            "ses:CreateEmailIdentity",
            "add a sender email address or domain (and retry a failed one)",
        ),
        (
            "ses:DeleteEmailIdentity",
            "retry or replace a failed identity, or delete identities with the mailer",
            "delete_identity",
        ),
    ),
    *_rows(
        "sesv2",
        IDENTITIES,
        (
            "ses:PutEmailIdentityMailFromAttributes",
            "set a domain's custom MAIL FROM subdomain, so SPF aligns with the From domain",
        ),
        required=False,  # without it the user sets MAIL FROM in the SES console
    ),
    *_rows("sesv2", ACCESS, ("ses:PutAccountDetails", "submit the production-access request")),
    *_rows("sesv2", SENDING, ("ses:SendEmail", "send test emails, test campaigns and broadcasts")),
    *_rows(
        "sesv2",
        FEEDBACK,
        (
            "ses:ListSuppressedDestinations",
            "read the account-level suppression list",
            "list_suppressed",
        ),
        (
            "ses:GetSuppressedDestination",
            "check one address against the account-level suppression list",
            "get_suppressed",
        ),
        (
            "ses:PutSuppressedDestination",
            "add a bounced or complaining address to the account-level suppression list",
        ),
        (
            "ses:DeleteSuppressedDestination",
            "take an address off the account-level suppression list",
            "delete_suppressed",
        ),
    ),
    *_rows(
        "sesv2",
        FEEDBACK,
        (
            "ses:GetConfigurationSet",
            "find sesdesk's configuration set (adopted when it already exists)",
        ),
        (
            "ses:CreateConfigurationSet",
            "create the configuration set every send names, so SES reports what became of it",
        ),
        (
            "ses:GetConfigurationSetEventDestinations",
            "check that the configuration set still publishes events to sesdesk's topic",
        ),
        (
            "ses:CreateConfigurationSetEventDestination",
            "publish sends, deliveries, bounces and complaints to sesdesk's topic",
        ),
        (
            "ses:UpdateConfigurationSetEventDestination",
            "repair the event destination when it was changed",
        ),
        resource=_CONFIG_SET,
        required=False,  # feedback is set up when the keys allow it
    ),
    *_rows(
        "sesv2",
        LISTS,
        (
            "ses:ListContactLists",
            "find the account's one SES contact list (adopted when it exists)",
        ),
        ("ses:GetContactList", "read the contact list's topics (one per sesdesk list)"),
        ("ses:CreateContactList", "create the SES contact list that hosts one-click unsubscribe"),
        ("ses:UpdateContactList", "add a topic when a sesdesk list starts sending"),
        ("ses:DeleteContactList", "remove the contact list sesdesk created (never another tool's)"),
        ("ses:CreateContact", "copy a contact to SES before a broadcast"),
        ("ses:UpdateContact", "push a local unsubscribe to SES"),
        ("ses:GetContact", "read one contact's subscription preferences"),
        ("ses:ListContacts", "read the contacts SES marks unsubscribed"),
        required=False,  # list management is set up when the keys allow it
    ),
    *_rows(
        "sns",
        FEEDBACK,
        ("sns:CreateTopic", "create the topic SES publishes bounces and complaints to"),
        (
            "sns:GetTopicAttributes",
            "check that the bounce topic still exists",
            "sns_get_topic_attributes",
        ),
        ("sns:Subscribe", "deliver the bounce topic into sesdesk's queue", "sns_subscribe"),
        resource=_TOPIC,
    ),
    *_rows(
        "sns",
        FEEDBACK,
        (
            "sns:ListSubscriptionsByTopic",
            "check that the topic still delivers into sesdesk's queue",
        ),
        (
            "sns:SetSubscriptionAttributes",
            "keep the SNS envelope (raw delivery off) on an adopted subscription",
        ),
        resource=_TOPIC,
        required=False,  # feedback is set up when the keys allow it
    ),
    *_rows(
        "sqs",
        FEEDBACK,
        ("sqs:GetQueueUrl", "adopt an existing feedback queue"),
        resource=_QUEUES,
        required=False,  # feedback is set up when the keys allow it
    ),
    *_rows(
        "sqs",
        FEEDBACK,
        ("sqs:CreateQueue", "create the queue sesdesk drains for bounces and complaints"),
        (
            "sqs:GetQueueAttributes",
            "read the queue's ARN to subscribe it to the bounce topic",
            "sqs_get_queue_attributes",
        ),
        (
            "sqs:SetQueueAttributes",
            "allow the bounce topic to deliver into the queue",
            "sqs_set_queue_attributes",
        ),
        ("sqs:ReceiveMessage", "read bounce and complaint notifications", "sqs_receive_message"),
        ("sqs:DeleteMessage", "remove notifications once they are recorded", "sqs_delete_message"),
        resource=_QUEUES,
    ),
    *_rows(
        "cloudwatch",
        FEEDBACK,
        (
            "cloudwatch:GetMetricData",
            "read SES's own bounce and complaint rates (Reputation metrics)",
        ),
        required=False,  # without it the rates are computed from sesdesk's own events
    ),
    *_rows(
        "iam",
        CONNECT,
        (
            "iam:SimulatePrincipalPolicy",
            "let the credential check ask IAM exactly which of these actions are allowed",
        ),
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
    by_feature: dict[tuple[str, str], list[str]] = {}
    for row in PERMISSIONS:
        if not row.policy or row.action == "iam:SimulatePrincipalPolicy":
            continue
        if wanted is not None and row.action not in wanted:
            continue
        by_feature.setdefault((row.feature, row.resource), []).append(row.action)
    for (feature, resource), feature_actions in by_feature.items():
        suffix = "" if resource == "*" else " " + resource.split(":")[2]
        statements.append(
            {
                "Sid": _sid(feature + suffix),
                "Effect": "Allow",
                "Action": sorted(feature_actions),
                # SES identities, the suppression list and the account are not resources one
                # can name before they exist ("*", as AWS's own SES policies); sesdesk's
                # topic, queues and configuration set are named.
                "Resource": resource,
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
