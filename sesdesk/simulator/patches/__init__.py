"""Every change sesdesk makes to moto 5.2.5, in one place, each with a test in
tests/aws/test_simulator_patches.py so a moto upgrade that breaks one fails loudly.

A patch only changes behaviour while a request is served by a SesSimulator (the server binds
its state to the handling thread, see `bound`); anything else using moto in this process
(e.g. `mock_aws`) sees moto as shipped.

1. route    SESv2 catch-all URL rule. moto's `/v2/.*` rule is a literal path in server mode,
            so calls moto lacks answered 404 HTML; a named regex group registers a real one.
2. account  SESv2 GetAccount, PutAccountDetails and the suppression-list calls, as methods
            on SESV2Response (moto finds handlers by method name on the class).
3. send     SESv2 SendEmail (and v1 SendEmail / SendRawEmail / GetSendQuota) enforce what SES
            enforces: verified sender, sandbox recipients, pause, daily quota, rate, judged
            at the request's arrival (the front stamps it after the simulated latency).
            Without IAM enforcement the front answers SESv2 SendEmail itself
            (`send_v2_directly`: the same patched handler, minus moto's HTTP layer).
4. identity New identities start PENDING (moto: SUCCESS); domains carry three DKIM tokens;
            creating an existing identity fails AlreadyExistsException.
5. verinfo  GetEmailIdentity carries VerificationInfo (ErrorType, timestamps).
6. iam      IAM enforcement per simulator instead of moto's process-wide switch; SESv2 and
            JSON-protocol (SQS) auth errors as JSON with AWS's codes instead of XML.
7. sigv4    Body-less requests (SESv2 GET/DELETE) are verified against an empty payload;
            moto signs its parsed querystring, which for them is the request headers.
8. simulate IAM SimulatePrincipalPolicy, evaluated with moto's own policy code.
9. inactive An access key set Inactive stops working (moto ignores the status).
10. v1code  SES v1 "Throttling" is serialized without moto's unknown-error-shape warning.
11. events  SESv2 configuration-set event destinations; SESv2's configuration-set error
            codes; a SESv2 send naming a configuration set publishes SES's events to SNS →
            SQS honouring the queue policy (events.py).
12. sqs     Standard SQS queues receive and delete in O(messages returned), not O(queue):
            moto's own take hours on a 100,000-message queue (sqs_scale.py).
13. lists   SESv2 contact lists, topics and contacts as SES has them: one list per account
            and region, at most 20 topics, ListContacts paged with its Filter
            (contact_lists.py holds them). Without IAM enforcement the front answers
            them itself (`lists_directly`), as it does SendEmail.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from typing import Any

from sesdesk.simulator.patches.base import (
    _bad_request,
    _json_params,
    _state,
    account_of_key,
    apply_identity_status,
    arrival,
    bound,
    current_state,
    dkim_token,
    iam_backend,
    identity_statuses,
    reset_moto,
    service_error,
    ses_backend,
)
from sesdesk.simulator.patches.p01_route import ROUTE_KEY
from sesdesk.simulator.patches.p03_send import V2_SEND_PATH, send_v2_directly
from sesdesk.simulator.patches.p08_simulate import evaluate_user_actions
from sesdesk.simulator.patches.p13_contact_lists import LISTS_PATH, lists_directly

__all__ = [
    "ROUTE_KEY",
    "V2_SEND_PATH",
    "_bad_request",
    "_json_params",
    "_state",
    "account_of_key",
    "apply_identity_status",
    "arrival",
    "bound",
    "current_state",
    "direct_handler",
    "dkim_token",
    "evaluate_user_actions",
    "iam_backend",
    "identity_statuses",
    "install",
    "reset_moto",
    "send_v2_directly",
    "service_error",
    "ses_backend",
]

# In the order they are numbered; 11 and 12 live in events.py and sqs_scale.py (installed last).
PATCHES = tuple(
    importlib.import_module(f"{__name__}.{name}")
    for name in (
        "p01_route",
        "p02_account",
        "p03_send",
        "p04_identities",
        "p06_iam",
        "p07_sigv4",
        "p08_simulate",
        "p09_inactive_keys",
        "p10_v1_throttling",
        "p13_contact_lists",
    )
)

_Direct = Callable[[dict[str, Any], bytes], tuple[int, dict[str, str], bytes]]


def direct_handler(environ: dict[str, Any]) -> _Direct | None:
    """The handler that answers this request without moto's HTTP layer (simulators without
    IAM enforcement only), or None: SESv2 SendEmail and the contact-list calls."""
    path = str(environ.get("PATH_INFO") or "")
    if path == V2_SEND_PATH and environ.get("REQUEST_METHOD") == "POST":
        return send_v2_directly
    if path.startswith(LISTS_PATH):
        return lists_directly
    return None


_install_lock = threading.Lock()
_installed = False


def install() -> None:
    """Apply every patch once per process (idempotent, thread-safe)."""
    global _installed
    with _install_lock:
        if _installed:
            return
        for patch in PATCHES:
            patch.apply()
        from sesdesk.simulator import events, sqs_scale

        events.install()
        sqs_scale.install()
        _installed = True
