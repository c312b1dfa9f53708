"""The IAM actions sesdesk may call: the default policy of simulator users.

The connect feature will own the authoritative table; this tuple is only the simulator's
default and is meant to be replaced by an import from there.
"""

from __future__ import annotations

SESDESK_ACTIONS: tuple[str, ...] = (
    "sts:GetCallerIdentity",
    "ses:GetAccount",
    "ses:PutAccountDetails",
    "ses:ListEmailIdentities",
    "ses:GetEmailIdentity",
    "ses:CreateEmailIdentity",
    "ses:DeleteEmailIdentity",
    "ses:SendEmail",
    "ses:SendRawEmail",
    "ses:PutSuppressedDestination",
    "ses:GetSuppressedDestination",
    "ses:DeleteSuppressedDestination",
    "ses:ListSuppressedDestinations",
    "ses:GetSendQuota",
    "ses:SetIdentityNotificationTopic",
    "sns:CreateTopic",
    "sns:Subscribe",
    "sns:ListTopics",
    "sns:GetTopicAttributes",
    "sns:SetTopicAttributes",
    "sqs:CreateQueue",
    "sqs:GetQueueUrl",
    "sqs:GetQueueAttributes",
    "sqs:SetQueueAttributes",
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "iam:SimulatePrincipalPolicy",
)
