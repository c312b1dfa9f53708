"""The local SES simulator: moto on 127.0.0.1 plus what moto lacks, for demo mode and tests.

    sim = SesSimulator(iam=True)
    endpoint = sim.start()                      # http://127.0.0.1:PORT
    keys = sim.create_user("alice")             # allowed SESDESK_ACTIONS
    sim.set_identity_status("acme.com", "SUCCESS")
    sim.set_production(True); sim.set_quota(max_rate=2)
    sim.stop()

What it adds to moto (see patches.py for the list of moto changes): SESv2 GetAccount,
PutAccountDetails and the suppression-list calls; SES's send rules (verified sender, sandbox
recipients, pause, daily quota and per-second rate counted in recipients, with AWS's error
codes); identities that start PENDING with DKIM tokens; IAM enforcement per simulator with
AWS's error codes, SimulatePrincipalPolicy; latency and an unreachable switch.

One simulator at a time is the normal shape. Two can run in one process: each keeps its own
account settings, send log, latency and IAM switch, but moto's identities and IAM users are
process-wide, and reset() on either clears moto for both.

HTTP control routes (same port, no auth, no latency; JSON in, JSON out; `region` defaults
to us-east-1 and `account_id` to 123456789012; errors answer 400/404 {"error": ...}):

    GET  /_sesdesk/health                                   {"ok": true, "iam": bool}
    POST /_sesdesk/users        {"name", "actions"?}        {"access_key_id", "secret_access_key"}
         (actions omitted: SESDESK_ACTIONS; [] : no permissions)
    POST /_sesdesk/keys         {"user"}                    a new key, same shape
    POST /_sesdesk/keys/revoke  {"access_key_id"}           {}
    POST /_sesdesk/permissions  {"user", "actions"}         {}
    POST /_sesdesk/identity     {"identity", "status", "error_type"?, "region"?}   {}
    GET  /_sesdesk/identities?region=                       {"name": "STATUS", ...}
    POST /_sesdesk/account      {"production"?, "review"?, "review_reason"?, "sending_enabled"?,
                                 "enforcement"?, "max_24h"?, "max_rate"?, "region"?}
                                → the GetAccount view after the change
    GET  /_sesdesk/account?region=                          the GetAccount view
    POST /_sesdesk/suppression  {"email", "reason"?}        {}
    POST /_sesdesk/latency      {"seconds"}                 {"seconds"}
    POST /_sesdesk/unreachable  {"down"}                    {"down"}
    GET  /_sesdesk/sent                                     [SentMessage as a dict, ...]
    POST /_sesdesk/unsubscribe  {"email", "topic"?, "all"?, "region"?} or {"url"}
                                → {"unsubscribed", "email", "contact_list", "topic", "all",
                                   "published"}: SES's hosted unsubscribe page, clicked
    POST /_sesdesk/lists/throttle {"per_second"}            contact-list calls beyond: HTTP 429
    POST /_sesdesk/reset                                    {}
"""

from __future__ import annotations

from sesdesk.simulator.actions import SESDESK_ACTIONS
from sesdesk.simulator.server import SesSimulator
from sesdesk.simulator.state import DEFAULT_ACCOUNT_ID, DEFAULT_REGION, SentMessage

__all__ = [
    "DEFAULT_ACCOUNT_ID",
    "DEFAULT_REGION",
    "SESDESK_ACTIONS",
    "SentMessage",
    "SesSimulator",
]
