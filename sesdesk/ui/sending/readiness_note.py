"""The inbox-readiness part of the "Send to N people now?" confirmation: the plan and the check
read together off the GUI thread, and the lines the box shows. Only a blocking failure (no
one-click unsubscribe on a marketing broadcast) keeps Send disabled."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sesdesk.errors import SesdeskError
from sesdesk.models.states import BroadcastState

if TYPE_CHECKING:
    from sesdesk.services.broadcast_list import SendPlan
    from sesdesk.services.readiness import Readiness

_MARK = {True: "✓", False: "✗", None: "?"}


BLOCKED_QUESTION = "This broadcast cannot be sent yet"


@dataclass(frozen=True)
class CheckedPlan:
    """A broadcast's send plan with its readiness (None when it could not be checked)."""

    plan: SendPlan
    readiness: Readiness | None = None
    problem: str = ""

    @property
    def blocked(self) -> bool:
        """True when sending must wait for a fix."""
        return self.readiness is not None and bool(self.readiness.blocking)


def plan_with_readiness(store: Any, team_id: int, broadcast_id: int) -> CheckedPlan:
    """The send plan, and for a draft about to start the readiness of its From address.
    Blocking (DNS and AWS, a few seconds at most): run it through the bridge."""
    from sesdesk.services import broadcast_list
    from sesdesk.services.readiness import check_readiness

    plan = broadcast_list.send_plan(store, team_id, broadcast_id)
    if plan.status.state != BroadcastState.DRAFT:
        return CheckedPlan(plan)
    try:
        readiness = check_readiness(store, team_id, plan.status.from_address, kind=plan.status.kind)
    except SesdeskError as exc:
        return CheckedPlan(plan, None, exc.message)
    return CheckedPlan(plan, readiness)


def readiness_lines(checked: CheckedPlan) -> list[str]:
    """The lines the confirmation adds: each failed or unchecked rule, or that all pass."""
    readiness = checked.readiness
    if readiness is None:
        return [f"Inbox readiness: could not check ({checked.problem or 'unknown'})."]
    from sesdesk.ui.dashboard.readiness import NAMES

    lines: list[str] = []
    if checked.blocked:
        lines.append("Sending is blocked until this is fixed (see the dashboard's inbox card):")
        lines += [f"✗ {NAMES[check.code]}: {check.message}" for check in readiness.blocking]
    open_checks = [c for c in readiness.checks if c.ok is not True and not c.blocks_sending]
    if not open_checks and not checked.blocked:
        return ["Inbox readiness: ✓ every Gmail, Yahoo and Outlook rule passes."]
    if open_checks:
        if checked.blocked:
            lines += ["", "Also missing for Gmail, Yahoo and Outlook:"]
        else:
            lines.append(
                "Inbox readiness: Gmail, Yahoo and Outlook may put this mail in spam until "
                "these are fixed — you may still send:"
            )
        lines += [
            f"{_MARK[check.ok]} {NAMES[check.code]}: {check.message}" for check in open_checks
        ]
    return lines
