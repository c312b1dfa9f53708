"""The dashboard's states written straight into a real store, for tests and screenshots.

python tests/ui/dashboard_states.py docs/screenshots   # under xvfb-run: one PNG per state
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from sesdesk.models import AccountStatus, Mailer, SenderIdentity, Store, record_event
from sesdesk.services.teams import create_team

STATES = (
    "no-mailer",
    "pending",
    "verified-sandbox",
    "review-pending",
    "production",
    "lost-access",
    "offline",
)
NOW = datetime.now(UTC).replace(microsecond=0)


def build_state(store: Store, state: str, team: str = "Acme shop") -> int:
    """Create team `team` in `state`; returns its id."""
    team_id = create_team(store, team).id
    if state == "no-mailer":
        return team_id
    earlier = NOW - timedelta(hours=3)
    with store.session() as s:
        event = partial(record_event, s, team_id)  # the team's history, in this session
        s.add(
            Mailer(
                team_id=team_id,
                account_id="123456789012",
                region="eu-west-1",
                key_last4="WXYZ",
                keyring_ref=f"ref-{team_id}-{state}",
                access="lost" if state == "lost-access" else "ok",
                access_reason="AWS does not accept these keys (InvalidClientTokenId)."
                if state == "lost-access"
                else None,
                last_checked=NOW - timedelta(minutes=2),
                offline_since=NOW - timedelta(minutes=40) if state == "offline" else None,
            )
        )
        event(
            "mailer",
            "access",
            None,
            "ok",
            "Connected AWS account 123456789012 in eu-west-1 (key …WXYZ).",
            at=earlier,
        )
        production = state == "production"
        review = {"review-pending": "PENDING", "production": "GRANTED"}.get(state)
        s.add(
            AccountStatus(
                team_id=team_id,
                production=production,
                review_status=review,
                review_case_id="172839465" if review else None,
                sending_enabled=True,
                enforcement_status="HEALTHY",
                max_24h=50000.0 if production else 200.0,
                sent_24h=1250.0 if production else 37.0,
                max_rate=14.0 if production else 1.0,
            )
        )
        verified = state != "pending"
        identities = [
            ("acme-shop.example", "domain", "SUCCESS" if verified else "PENDING", None),
            ("orders@acme-shop.example", "email", "SUCCESS" if verified else "PENDING", None),
        ]
        if state in ("verified-sandbox", "offline"):
            identities.append(("old-brand.example", "domain", "FAILED", "HOST_NOT_FOUND"))
        for name, kind, status, error in identities:
            s.add(
                SenderIdentity(
                    team_id=team_id,
                    name=name,
                    kind=kind,
                    status=status,
                    error_type=error,
                    verified_for_sending=status == "SUCCESS",
                    created_at=earlier,
                    last_checked=NOW,
                )
            )
            event(
                f"identity:{name}",
                "status",
                None,
                "PENDING",
                f"Sender identity {name} added; waiting for AWS to verify it.",
                at=earlier,
            )
            if status != "PENDING":
                event(
                    f"identity:{name}",
                    "status",
                    "PENDING",
                    status,
                    f"{name} is verified: you can send from it."
                    if status == "SUCCESS"
                    else f"Verification of {name} failed ({error}): retry or replace it.",
                    at=earlier + timedelta(minutes=20),
                )
        if review:
            event(
                "account",
                "review_status",
                None,
                "PENDING",
                "Production-access review is now PENDING.",
                at=earlier + timedelta(minutes=30),
            )
        if production:
            event(
                "account",
                "production",
                "sandbox",
                "production",
                "Production access granted: you can send to anyone.",
                at=earlier + timedelta(hours=2),
            )
        if state == "lost-access":
            event(
                "mailer",
                "access",
                "ok",
                "lost",
                "The mailer lost access to AWS: AWS does not accept these keys.",
                at=NOW - timedelta(minutes=2),
            )
        if state == "offline":
            event(
                "mailer",
                "network",
                "online",
                "offline",
                "AWS could not be reached: AWS could not be reached.",
                at=NOW - timedelta(minutes=40),
            )
    if state == "production":
        _sends(store, team_id)
    return team_id


def _sends(store: Store, team_id: int) -> None:
    """Fourteen days of sends, when the sending engine's day counter exists."""
    from sesdesk.models.sending import SendDay

    with store.session() as s:
        for offset, sent in enumerate(
            [0, 0, 800, 1200, 0, 2500, 3100, 0, 900, 4000, 0, 0, 1800, 1250]
        ):
            s.add(
                SendDay(team_id=team_id, day=(NOW - timedelta(days=13 - offset)).date(), sent=sent)
            )


def main(folder: Path) -> None:
    """Render every state to `folder`/dashboard-<state>.png."""
    import asyncio
    import tempfile

    import qasync
    from PySide6.QtWidgets import QApplication, QMainWindow

    from sesdesk.ui import style
    from sesdesk.ui.bridge import Bridge
    from sesdesk.ui.dashboard.view import DashboardView

    app = QApplication.instance() or QApplication([])
    style.apply(app)  # type: ignore[arg-type]
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    folder.mkdir(parents=True, exist_ok=True)

    async def render() -> None:
        bridge = Bridge()
        for state in STATES:
            tmp = Path(tempfile.mkdtemp())
            store = Store.open(tmp / "s.db")
            team_id = build_state(store, state)
            window = QMainWindow()
            window.resize(1100, 1500)
            view = DashboardView(bridge, store, team_id)
            window.setCentralWidget(view)
            window.show()
            while view.data is None:
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.3)
            body = view.scroll_area.widget()
            view.scroll_area.setMinimumHeight(body.sizeHint().height())
            window.resize(1100, view.warnings.sizeHint().height() + body.sizeHint().height() + 10)
            await asyncio.sleep(0.3)
            window.grab().save(str(folder / f"dashboard-{state}.png"))
            print("wrote", folder / f"dashboard-{state}.png")
            window.close()
            store.close()
        await bridge.shutdown()

    with loop:
        loop.run_until_complete(render())


if __name__ == "__main__":
    import sys

    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots"))
