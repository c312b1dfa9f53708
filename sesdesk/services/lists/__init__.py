"""SES list management: the account's one contact list, a topic per sesdesk contact list,
contacts synced before a broadcast, unsubscribes pulled back and pushed out, and whether a
send can carry SES's one-click unsubscribe.

Modules: `names` (topic names, the footer, the limit's words; pure), `account` (the contact
list and topics, `list_management_problem`), `pace` (back-off on throttling), `sync`
(incremental contact sync), `unsubscribes` (pull), `events` (Subscription events), `sends`
(what a run needs), `poll` (the poll cycle's part).
"""

from sesdesk.services.lists.account import (
    ListTopic,
    TopicsFull,
    ensure_contact_list,
    ensure_topic,
    is_marketing,
    list_management_problem,
)
from sesdesk.services.lists.events import SubscriptionChange, apply_subscription, read_subscription
from sesdesk.services.lists.names import (
    MAX_TOPICS,
    SES_LIST_NAME,
    UNSUBSCRIBE_PLACEHOLDER,
    has_placeholder,
    topic_name,
    with_footer,
)
from sesdesk.services.lists.pace import Pace
from sesdesk.services.lists.poll import poll_lists
from sesdesk.services.lists.sends import SendPlan, composition_for, prepare_send, skip_unsubscribed
from sesdesk.services.lists.sync import SyncProgress, push_contacts, sync_list
from sesdesk.services.lists.unsubscribes import PullResult, pull_unsubscribes

__all__ = [
    "MAX_TOPICS",
    "SES_LIST_NAME",
    "UNSUBSCRIBE_PLACEHOLDER",
    "ListTopic",
    "Pace",
    "PullResult",
    "SendPlan",
    "SubscriptionChange",
    "SyncProgress",
    "TopicsFull",
    "apply_subscription",
    "composition_for",
    "ensure_contact_list",
    "ensure_topic",
    "has_placeholder",
    "is_marketing",
    "list_management_problem",
    "poll_lists",
    "prepare_send",
    "pull_unsubscribes",
    "push_contacts",
    "read_subscription",
    "skip_unsubscribed",
    "sync_list",
    "topic_name",
    "with_footer",
]
