"""4 and 5. New identities start PENDING (moto: SUCCESS), domains carry three DKIM tokens,
creating an existing identity fails AlreadyExistsException; GetEmailIdentity carries
VerificationInfo (ErrorType, timestamps)."""

from __future__ import annotations

import time
from typing import Any

from sesdesk.simulator.patches.base import (
    _replace,
    current_state,
    dkim_token,
    extend_get_email_identity,
    service_error,
)


def apply() -> None:
    """Apply this patch to moto (once per process, from `patches.install`)."""
    from moto.ses.models import SESBackend

    create_original = SESBackend.create_email_identity_v2

    def create_email_identity_v2(
        self: Any, email_identity: str, tags: Any, dkim: Any, config_set: Any
    ) -> Any:
        state = current_state()
        if state is None:
            return create_original(self, email_identity, tags, dkim, config_set)
        if email_identity in self.email_identities:
            raise service_error(
                "AlreadyExistsException", f"Email identity {email_identity} already exist."
            )
        identity: Any = create_original(self, email_identity, tags, dkim, config_set)
        identity.verification_status = "PENDING"
        identity.verified_for_sending_status = False
        identity.sesdesk_error_type = None
        identity.sesdesk_checked_at = time.time()
        identity.sesdesk_success_at = None
        if identity.identity_type == "DOMAIN":
            tokens = [dkim_token() for _ in range(3)]
            identity.dkim_attributes.update(
                {
                    "SigningEnabled": True,
                    "Status": "PENDING",
                    "Tokens": tokens,
                    "SigningAttributesOrigin": "AWS_SES",
                    "NextSigningKeyLength": "RSA_2048_BIT",
                    "CurrentSigningKeyLength": "RSA_2048_BIT",
                    "LastKeyGenerationTimestamp": time.time(),
                }
            )
            self.dkim_tokens[email_identity] = tokens
        state.identity_created(self.account_id, self.region_name, email_identity)
        return identity

    _replace(SESBackend, "create_email_identity_v2", create_email_identity_v2)

    def verification_info(body: dict[str, Any], identity: Any) -> None:
        info: dict[str, Any] = {}
        checked = getattr(identity, "sesdesk_checked_at", None)
        if checked:
            info["LastCheckedTimestamp"] = checked
        success = getattr(identity, "sesdesk_success_at", None)
        if success:
            info["LastSuccessTimestamp"] = success
        error_type = getattr(identity, "sesdesk_error_type", None)
        if error_type:
            info["ErrorType"] = error_type
        body["VerificationInfo"] = info
        body["Tags"] = body.get("Tags") or []

    extend_get_email_identity(verification_info)
