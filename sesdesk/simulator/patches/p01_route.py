"""1. SESv2 catch-all URL rule. moto's `/v2/.*` rule is a literal path in server mode, so
calls moto lacks were answered 404 HTML; a named regex group registers a real one."""

from __future__ import annotations

ROUTE_KEY = "{0}/v2/email/(?P<sesdesk_path>.+)$"


def apply() -> None:
    """Apply this patch to moto (once per process, from `patches.install`)."""
    from moto.sesv2 import urls
    from moto.sesv2.responses import SESV2Response

    # werkzeug prefers the more specific static rules, so this only catches what they miss;
    # which handler method runs is decided from botocore's model, not from the rule.
    urls.url_paths.setdefault(ROUTE_KEY, SESV2Response.dispatch)
