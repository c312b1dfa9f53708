"""Only the credential gateway turns stored keys into an AWS client.

Every place in sesdesk that reads keys from the keyring or builds a client factory or facade is
listed here with the reason it may. A new one fails this test until someone decides it goes
through `services.mailers.open_mailer` (it almost always should) or adds it with its reason.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "sesdesk"
WATCHED = {"ClientFactory", "SesFacade", "SendingFacade", "FeedbackFacade", "load_keys"}

ALLOWED = {
    # The gateway itself: the mailer's own keyring keys, or a refusal.
    ("services/mailers.py", "load_keys"),
    ("services/mailers.py", "ClientFactory"),
    ("services/mailers.py", "SesFacade"),
    # The credential check of connect / reconnect: keys the user has just typed.
    ("aws/credentials.py", "ClientFactory"),
    ("aws/credentials.py", "SesFacade"),
    # Demo mode asks who freshly issued simulator keys belong to before storing them.
    ("services/demo.py", "ClientFactory"),
    ("services/demo.py", "SesFacade"),
    # The engine wraps the factory open_mailer returned in its two facades.
    ("services/sending/runner.py", "SesFacade"),
    ("services/sending/runner.py", "SendingFacade"),
    # Feedback wraps the factory of a facade open_mailer made (mailer_factory, the poll cycle's
    # facade, the demo's and connect's freshly opened mailer) in its SNS/SQS/SES facades.
    ("services/feedback/wiring.py", "FeedbackFacade"),
    ("services/feedback/intake.py", "FeedbackFacade"),
    ("services/feedback/reputation.py", "FeedbackFacade"),
    ("services/feedback/reputation.py", "SendingFacade"),
    ("services/demo.py", "FeedbackFacade"),
    ("services/connect.py", "FeedbackFacade"),
    # The demo panel shows which key id the demo mailer uses (never builds a client).
    ("services/demo.py", "load_keys"),
}


def _calls(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in WATCHED:
                names.add(name)
    return names


def test_stored_keys_reach_aws_only_through_the_gateway() -> None:
    found = {
        (path.relative_to(PACKAGE).as_posix(), name)
        for path in PACKAGE.rglob("*.py")
        if "simulator" not in path.parts
        for name in _calls(path)
    }
    assert found - ALLOWED == set(), "a new way to AWS: use services.mailers.open_mailer"
    assert ALLOWED - found == set(), "an allowed path is gone: drop it from ALLOWED"
