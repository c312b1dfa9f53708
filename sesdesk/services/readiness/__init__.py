"""The bulk-sender readiness check ("Will this reach Gmail, Yahoo and Outlook inboxes?") and
the custom MAIL FROM set-up it asks for.

`checks.py` judges facts (pure); `run.py` gathers them at once within a deadline;
`mail_from.py` sets the MAIL FROM subdomain in SES and names the records to publish.

`run.py` (DNS resolver, SES lists) loads on first use: the dashboard's card needs only the
check codes when the window starts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sesdesk.lazy import exports
from sesdesk.services.readiness.checks import CODES, Check, FixCode

if TYPE_CHECKING:
    from sesdesk.services.readiness.run import BUDGET, Readiness, check_readiness, default_from

__all__ = ["BUDGET", "CODES", "Check", "FixCode", "Readiness", "check_readiness", "default_from"]

__getattr__ = exports(
    __name__, {name: "run" for name in ("BUDGET", "Readiness", "check_readiness", "default_from")}
)
