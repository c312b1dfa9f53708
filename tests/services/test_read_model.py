"""One read model for identities: the snapshot, `identity list` and the dashboard share it."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sesdesk.models import IdentityStatus
from sesdesk.services.identities import explain
from sesdesk.services.state import IdentityView


def _view(status: str, kind: str = "domain", error: str | None = None) -> IdentityView:
    return IdentityView(
        name="xn--bcher-kva.example" if kind == "domain" else "shop@xn--bcher-kva.example",
        kind=kind,
        status=status,
        error_type=error,
        created_at=datetime(2026, 1, 2, 3, 4, tzinfo=UTC),
        id=7,
        dkim_status=status,
    )


def test_the_view_explains_itself_with_the_one_wording():
    for status in IdentityStatus:
        for kind in ("email", "domain"):
            view = _view(status, kind, "HOST_NOT_FOUND")
            assert view.explanation == explain(kind, view.name, status, "HOST_NOT_FOUND")
    assert _view(IdentityStatus.SUCCESS).display == "bücher.example"


def test_identity_list_json_shape_is_unchanged():
    doc = _view(IdentityStatus.FAILED, "domain", "HOST_NOT_FOUND").as_dict()
    assert list(doc) == [
        "name",
        "display",
        "type",
        "status",
        "error_type",
        "verified_for_sending",
        "explanation",
        "dkim_status",
        "created_at",
        "last_checked",
        "removed_at",
    ]
    assert doc["status"] == "FAILED" and doc["created_at"] == "2026-01-02T03:04:00+00:00"
    # An enum member and the stored string serialise byte for byte the same.
    assert json.dumps(doc) == json.dumps(_view("FAILED", "domain", "HOST_NOT_FOUND").as_dict())


def test_the_dashboard_row_shows_the_views_explanation(qapp):
    from sesdesk.ui.dashboard.identities import _row

    for status in (*IdentityStatus, "SOMETHING_NEW"):
        view = _view(status, "email")
        name, kind, label, text, tone = _row(view)
        assert (label, text, tone) == (
            view.explanation.label,
            view.explanation.text,
            view.explanation.tone,
        )
        assert (name, kind) == (view.name, "Email address")
