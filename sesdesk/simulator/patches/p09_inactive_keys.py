"""9. An access key set Inactive stops working (moto ignores the status)."""

from __future__ import annotations

from typing import Any

from sesdesk.simulator.patches.base import _replace, current_state


def apply() -> None:
    """Apply this patch to moto (once per process, from `patches.install`)."""
    from moto.iam.access_control import CreateAccessKeyFailure, IAMUserAccessKey

    original = IAMUserAccessKey.__init__

    def init(self: Any, account_id: str, partition: str, access_key_id: str, headers: Any) -> None:
        original(self, account_id, partition, access_key_id, headers)
        if current_state() is None:
            return
        key = self.backend.access_keys.get(access_key_id)
        if key is not None and key.status != "Active":
            raise CreateAccessKeyFailure(reason="InvalidId")

    _replace(IAMUserAccessKey, "__init__", init)
