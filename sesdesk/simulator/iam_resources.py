"""What IAM judges a simulated request against, as AWS does (part of patch 6): the ARN the
request acts on, and the action a batch call is authorised as."""

from __future__ import annotations

import json
from typing import Any

# AWS authorises SQS's batch calls as their single-message action (there is no
# sqs:DeleteMessageBatch permission); moto would look for the batch name.
_AUTHORISED_AS = {
    "DeleteMessageBatch": "DeleteMessage",
    "SendMessageBatch": "SendMessage",
    "ChangeMessageVisibilityBatch": "ChangeMessageVisibility",
}


def resource_of(response: Any) -> str:
    """The ARN a request acts on, as AWS evaluates a policy's Resource against it. moto
    answers "*" for most calls (and for a queue that does not exist yet), so a policy scoped
    to sesdesk's own topic and queues would be refused where AWS allows it."""
    region, account = response.region, response.current_account
    try:
        if response.service_name == "sqs":
            name = str(response._get_param("QueueName") or response._get_queue_name())
            return f"arn:aws:sqs:{region}:{account}:{name}" if name else "*"
        if response.service_name == "sns":
            topic = response._get_param("TopicArn")
            if topic:
                return str(topic)
            subscription = response._get_param("SubscriptionArn")
            if subscription:
                return str(subscription).rsplit(":", 1)[0]
            name = response._get_param("Name")
            return f"arn:aws:sns:{region}:{account}:{name}" if name else "*"
        if response.service_name == "sesv2":
            path = str(response.path or "")
            marker = "/configuration-sets/"
            set_name: Any = None
            if marker in path:
                set_name = path.split(marker, 1)[1].split("/", 1)[0]
            elif "configuration-sets" in path:
                set_name = json.loads(response.body or "{}").get("ConfigurationSetName")
            name = str(set_name or "")
            return f"arn:aws:ses:{region}:{account}:configuration-set/{name}" if name else "*"
    except Exception:  # an unreadable request: moto's answer stands
        return "*"
    return "*"


def authorised_as(action: str) -> str:
    """The IAM action name AWS checks for `action`."""
    return _AUTHORISED_AS.get(action, action)
