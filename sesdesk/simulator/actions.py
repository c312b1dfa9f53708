"""The IAM actions a simulator user gets by default: exactly the ones sesdesk needs.

They come from the one permission table (`sesdesk.aws.permissions`), so the simulator's
default user and the policy sesdesk asks users to attach never drift apart.
"""

from __future__ import annotations

from sesdesk.aws.permissions import all_actions

SESDESK_ACTIONS: tuple[str, ...] = all_actions()
