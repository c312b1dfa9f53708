"""Take the README's screenshots of the real window in demo mode.

Run under a 1024×700 X server (the smallest screen sesdesk supports):

    xvfb-run -a -s "-screen 0 1024x700x24" .venv/bin/python scripts/screenshots/take.py

It starts sesdesk's window on a throw-away demo home, drives the real widgets (a contact list,
a finished broadcast, an interrupted one, the Connect wizard with "Use demo keys") and saves
PNGs into docs/screenshots/. No secret is ever shown: the secret field stays masked.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "screenshots"


async def _until(check, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not check():
        if loop.time() > end:
            raise TimeoutError("the window did not get there in time")
        await asyncio.sleep(0.1)


def _screen(app, name: str) -> None:  # type: ignore[no-untyped-def]
    app.processEvents()
    app.primaryScreen().grabWindow(0).save(str(OUT / name))
    print("saved", OUT / name)


async def _walk(app, home: Path) -> None:  # type: ignore[no-untyped-def]
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy import select, update

    from sesdesk.app import open_in_background
    from sesdesk.models.sending import Broadcast, Recipient
    from sesdesk.services import contacts, sending
    from sesdesk.services.refresh import refresh_team
    from sesdesk.ui.bridge import Bridge
    from sesdesk.ui.main_window import MainWindow

    bridge = Bridge(log_file=home / "logs" / "sesdesk.log")
    window = MainWindow(bridge=bridge, demo=True, settings_dir=home, log_folder=home / "logs")
    window.show()
    window.finish_building()
    starter = ThreadPoolExecutor(max_workers=1)
    services = await open_in_background(window, bridge, demo=True, home=home, executor=starter)
    assert services is not None and services.demo is not None
    await _until(lambda: window.dashboard is not None and window.dashboard.snapshot is not None)
    await asyncio.sleep(1.0)
    _screen(app, "layout-1024x700.png")

    # Records for the Broadcasts view: a verified domain, production, a list, one finished
    # broadcast and one left as a quit mid-send leaves it.
    demo, store, team_id = services.demo, services.store, services.demo.team_id
    demo.simulator.set_identity_status("demo-shop.example", "SUCCESS")
    demo.simulator.set_production(True)
    demo.simulator.set_quota(max_rate=50)
    await asyncio.to_thread(refresh_team, store, team_id)
    contacts.create_list(store, team_id, "customers")
    for i in range(300):
        contacts.add_contact(store, team_id, "customers", f"customer{i}@example.com")
    message = sending.Composition(
        from_address="news@demo-shop.example", subject="Autumn bread week", text_body="Hi"
    )
    first = sending.create_broadcast(store, team_id, list_name="customers", composition=message)
    await asyncio.to_thread(sending.send_broadcast, store, team_id, first.id)
    spring = sending.Composition(
        from_address="news@demo-shop.example", subject="Christmas orders open", text_body="Hi"
    )
    second = sending.create_broadcast(store, team_id, list_name="customers", composition=spring)
    with store.session() as session:
        ids = session.scalars(
            select(Recipient.id).where(Recipient.broadcast_id == second.id).order_by(Recipient.id)
        ).all()
        session.execute(update(Recipient).where(Recipient.id.in_(ids[:97])).values(state="sent"))
        session.execute(update(Broadcast).where(Broadcast.id == second.id).values(state="paused"))
    bridge.store_changed.emit(team_id)
    assert window.pages is not None and window.broadcasts_view is not None
    window.pages.show_broadcasts()
    view = window.broadcasts_view
    await _until(lambda: view.model.rowCount() == 2 and view.interrupted_banner.isVisible())
    await asyncio.sleep(0.5)
    _screen(app, "broadcasts.png")

    # The Connect wizard in demo mode, for a new team, keys filled by "Use demo keys".
    from sesdesk.services.teams import create_team

    team = create_team(store, "Bakery")
    assert window.team_switcher is not None
    window.team_switcher.reload(select_id=team.id)
    await _until(
        lambda: window.dashboard.snapshot is not None
        and window.dashboard.snapshot.team_name == "Bakery"
    )
    window.open_fix("connect")
    wizard = window.fixes.last_opened
    wizard.keys_page.demo_keys_button.click()
    await _until(lambda: wizard.keys_page.key_id_edit.text() != "")
    await asyncio.sleep(0.5)
    _screen(app, "connect-demo-keys.png")
    wizard.done(0)

    window.close()
    await window.detach()
    await bridge.shutdown()
    services.close()
    starter.shutdown(wait=True)


def main() -> int:
    """Take the screenshots; 0 when all were saved."""
    OUT.mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.mkdtemp(prefix="sesdesk-shots-"))
    os.environ["SESDESK_HOME"] = str(home)
    from PySide6.QtWidgets import QApplication

    import qasync

    from sesdesk.ui import style

    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    app.setApplicationName("sesdesk")
    app.setApplicationDisplayName("sesdesk")
    style.apply(app)
    with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
        runner.run(_walk(app, home))
    return 0


if __name__ == "__main__":
    sys.exit(main())
