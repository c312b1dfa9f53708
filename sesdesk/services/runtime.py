"""Opening the app's services: home folder, logs, store, and (in demo mode) the simulator."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sesdesk import config
from sesdesk.models import Store

if TYPE_CHECKING:
    from sesdesk.services.demo import DemoSession

log = logging.getLogger(__name__)


@dataclass
class AppServices:
    """What the window and the CLI work with once start-up is done."""

    paths: config.Paths
    store: Store
    demo: DemoSession | None = None

    def close(self) -> None:
        """Stop the demo simulator (if any) and close the store."""
        if self.demo is not None:
            self.demo.stop()
            self.demo = None
        self.store.close()


def open_paths(home: Path | None = None) -> config.Paths:
    """The home folder created and writable, logging set up."""
    p = config.paths(home).ensure()
    config.setup_logging(p)
    return p


def open_app(*, demo: bool, home: Path | None = None) -> AppServices:
    """Open the store (migrating it) and, in demo mode, start the simulator. Blocking."""
    base = config.paths(home)
    if demo:
        from sesdesk.services.demo import start_demo

        demo_paths = open_paths(base.home / "demo")
        session = start_demo(demo_paths)
        log.info("demo mode started at %s", demo_paths.home)
        return AppServices(paths=demo_paths, store=session.store, demo=session)
    p = open_paths(base.home)
    store = Store.open_configured(p.database, config.database_url(p))
    log.info("opened %s", store.where)
    return AppServices(paths=p, store=store)


def has_connected_mailer(home: Path | None = None) -> bool:
    """True when some team in the (non-demo) store has a mailer; never creates anything."""
    p = config.paths(home)
    url = config.database_url(p)
    if url is None and not p.database.exists():
        return False
    try:
        from sesdesk.services.teams import list_teams

        store = Store.open_configured(p.database, url)
        try:
            return any(team.has_mailer for team in list_teams(store))
        finally:
            store.close()
    except Exception:
        return False
