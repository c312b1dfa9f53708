"""Leases: rows in the database that say who does one exclusive thing now, and until when.

Two kinds are used by the sending engine:

- `broadcast:<id>` — who sends this broadcast (one sender per broadcast, across threads,
  processes and desktops sharing a database);
- `account:<account id>:<region>` — who sends for this SES account now, so that two
  broadcasts of one account never each take the full MaxSendRate.

A holder renews its lease while it works (`LeaseKeeper`); a crashed holder's lease expires
after `LEASE_SECONDS`. A holder on this computer whose process is gone is recognised at once
(the owner id is host:pid:random), so a resume after a crash does not wait for the expiry.

Every statement is plain SQL that SQLite and PostgreSQL run alike: a conditional UPDATE
(`expires_at < now OR owner = me`) and an `INSERT … ON CONFLICT DO NOTHING`. Readers never
take a lease: `live_holder` is a plain SELECT.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Integer, String, bindparam, text

from sesdesk.errors import NotAllowed
from sesdesk.models import Store, UTCDateTime, utcnow

log = logging.getLogger(__name__)

LEASE_SECONDS = 30.0
RENEW_EVERY = 5.0
RETRY_RENEW_EVERY = 1.0
# An account lease given up is kept this long for other processes: the sends that just left
# still count in SES's 1-second rate window, and the next process's pacing starts afresh.
HANDOVER_GAP = 1.1


def broadcast_lease(broadcast_id: int) -> str:
    """The name of the lease that says who sends broadcast `broadcast_id`."""
    return f"broadcast:{broadcast_id}"


def account_lease(account_id: str, region: str) -> str:
    """The name of the lease that says who sends for one SES account (rate and quota are per
    account and region)."""
    return f"account:{account_id}:{region}"


def new_owner() -> str:
    """A fresh owner id: this host, this process, and a random part (one per holder)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(6)}"


def _released_marker() -> str:
    # Which process gave a lease up: that same process may take it again at once (its own
    # pacing carries across), others wait out the handover gap.
    return f"{socket.gethostname()}:{os.getpid()}:released"


@dataclass(frozen=True)
class Holder:
    """Who holds a lease, for what broadcast, and what they say they are doing."""

    name: str
    owner: str
    broadcast_id: int | None
    note: str | None
    expires_at: datetime

    @property
    def same_process(self) -> bool:
        """True when this very process holds it (another thread or runner)."""
        return self.owner.rsplit(":", 1)[0] == f"{socket.gethostname()}:{os.getpid()}"

    @property
    def released(self) -> bool:
        """True when it was given up and is only kept for the handover gap."""
        return self.owner.endswith(":released")


def _pid_gone(pid: int) -> bool:
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OSError):
        return False
    # A killed process nobody has reaped yet is a zombie: it sends nothing any more.
    stat = Path(f"/proc/{pid}/stat")
    with contextlib.suppress(OSError, IndexError):
        return stat.read_text().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    return False


def _dead_here(owner: str) -> bool:
    """True when `owner` was a process on this computer that no longer runs."""
    parts = owner.split(":")
    if len(parts) < 3 or parts[0] != socket.gethostname():
        return False
    try:
        pid = int(parts[1])
    except ValueError:
        return False
    return _pid_gone(pid)


def _holder(row: Any) -> Holder:
    return Holder(name=row[0], owner=row[1], broadcast_id=row[2], note=row[3], expires_at=row[4])


def _typed(sql: str) -> Any:
    """`sql` with its time parameters bound as UTC timestamps (as the ORM stores them)."""
    statement = text(sql)
    names = [n for n in ("now", "expires") if f":{n}" in sql]
    return statement.bindparams(*(bindparam(n, type_=UTCDateTime()) for n in names))


_READ = "SELECT name, owner, broadcast_id, note, expires_at FROM lease WHERE name"
_READ_TYPES: dict[str, Any] = {
    "name": String,
    "owner": String,
    "broadcast_id": Integer,
    "note": String,
    "expires_at": UTCDateTime(),
}
_SELECT = text(f"{_READ} = :name").columns(**_READ_TYPES)
_SELECT_MANY = (
    text(f"{_READ} IN :names").bindparams(bindparam("names", expanding=True)).columns(**_READ_TYPES)
)
_TAKE = _typed(
    "UPDATE lease SET owner = :me, broadcast_id = :broadcast, note = :note, "
    "acquired_at = :now, expires_at = :expires "
    "WHERE name = :name AND (expires_at < :now OR owner = :me OR owner = :mine_released "
    "OR owner = :stale)"
)
_INSERT = _typed(
    "INSERT INTO lease (name, owner, broadcast_id, note, acquired_at, expires_at) "
    "VALUES (:name, :me, :broadcast, :note, :now, :expires) ON CONFLICT (name) DO NOTHING"
)
_RENEW = _typed("UPDATE lease SET expires_at = :expires WHERE name = :name AND owner = :me")
_NOTE = text("UPDATE lease SET note = :note WHERE name = :name AND owner = :me")
_DELETE = text("DELETE FROM lease WHERE name = :name AND owner = :me")
_HAND_OVER = _typed(
    "UPDATE lease SET owner = :released, broadcast_id = NULL, note = NULL, "
    "expires_at = :expires WHERE name = :name AND owner = :me"
)


def live_holder(session: Any, name: str) -> Holder | None:
    """Who holds `name` now (a plain read: no lease taken, nothing written), or None."""
    row = session.execute(_SELECT, {"name": name}).first()
    return None if row is None else _alive(_holder(row), utcnow())


def live_holders(session: Any, names: list[str]) -> dict[str, Holder]:
    """`live_holder` of many leases in one query: the held ones, by name."""
    if not names:
        return {}  # an empty IN has no type PostgreSQL can compare a name with
    now = utcnow()
    found = (_alive(_holder(row), now) for row in session.execute(_SELECT_MANY, {"names": names}))
    return {holder.name: holder for holder in found if holder is not None}


def _alive(holder: Holder, now: datetime) -> Holder | None:
    if holder.released or holder.expires_at <= now or _dead_here(holder.owner):
        return None
    return holder


def try_acquire(
    store: Store,
    name: str,
    owner: str,
    *,
    broadcast_id: int | None = None,
    note: str | None = None,
    seconds: float = LEASE_SECONDS,
) -> Holder | None:
    """Take `name` for `owner`: None when taken, else the one who holds it now."""
    now = utcnow()
    params = {
        "name": name,
        "me": owner,
        "broadcast": broadcast_id,
        "note": note,
        "now": now,
        "expires": now + timedelta(seconds=seconds),
        "mine_released": _released_marker(),
        "stale": "",
    }
    with store.session() as session:
        if _rowcount(session.execute(_TAKE, params)):
            return None
        if _rowcount(session.execute(_INSERT, params)):
            return None
        row = session.execute(_SELECT, {"name": name}).first()
        if row is None:  # given up between the two statements (not on SQLite): try again
            return Holder(name, "", None, None, now)
        holder = _holder(row)
        # Its process is gone (a crash, a SIGKILL): no need to wait for the expiry.
        if _dead_here(holder.owner) and _rowcount(
            session.execute(_TAKE, {**params, "stale": holder.owner})
        ):
            log.info("took over lease %s from %s, which no longer runs", name, holder.owner)
            return None
        return holder


def renew(store: Store, name: str, owner: str, *, seconds: float = LEASE_SECONDS) -> bool:
    """Push the expiry on; False when `owner` does not hold `name` any more."""
    expires = utcnow() + timedelta(seconds=seconds)
    with store.session() as session:
        return bool(
            _rowcount(session.execute(_RENEW, {"name": name, "me": owner, "expires": expires}))
        )


def set_note(store: Store, name: str, owner: str, note: str | None) -> None:
    """Say what the holder is doing (e.g. "waiting for broadcast 7 to finish")."""
    with store.session() as session:
        session.execute(_NOTE, {"name": name, "me": owner, "note": note})


def release(store: Store, name: str, owner: str, *, linger: float = 0.0) -> None:
    """Give `name` up (if `owner` still holds it); with `linger`, others wait that long."""
    with store.session() as session:
        if linger > 0:
            expires = utcnow() + timedelta(seconds=linger)
            session.execute(
                _HAND_OVER,
                {"name": name, "me": owner, "released": _released_marker(), "expires": expires},
            )
        else:
            session.execute(_DELETE, {"name": name, "me": owner})


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


class LeaseKeeper:
    """Renews one owner's leases in a background thread while they are held.

    `on_lost(name, why)` is called (from the keeper's thread) when a lease could not be kept:
    someone else holds it now, or renewing failed until the lease was about to expire.
    """

    def __init__(
        self,
        store: Store,
        owner: str,
        on_lost: Callable[[str, str], None],
        *,
        seconds: float = LEASE_SECONDS,
        renew_every: float = RENEW_EVERY,
    ) -> None:
        self.store = store
        self.owner = owner
        self.on_lost = on_lost
        self.seconds = seconds
        self.renew_every = renew_every
        self._held: dict[str, float] = {}  # name → monotonic time of the last renewal
        self._guard = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, name: str) -> None:
        """Keep `name` (just acquired) renewed from now on."""
        import time

        if self.store.path is None and self.store.url is None:
            # A store in memory is one process's, and its single shared connection must not
            # see a commit from this thread in the middle of another thread's transaction.
            return
        with self._guard:
            self._held[name] = time.monotonic()
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="sesdesk-lease", daemon=True)
            self._thread.start()

    def drop(self, name: str) -> None:
        """Stop renewing `name` (about to be released)."""
        with self._guard:
            self._held.pop(name, None)

    @property
    def holding(self) -> bool:
        """Whether any lease is still kept renewed."""
        with self._guard:
            return bool(self._held)

    def close(self) -> None:
        """Stop the thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)

    def _run(self) -> None:
        import time

        while not self._stop.wait(RETRY_RENEW_EVERY):
            now = time.monotonic()
            with self._guard:
                due = [n for n, at in self._held.items() if now - at >= self.renew_every]
            for name in due:
                try:
                    kept = renew(self.store, name, self.owner, seconds=self.seconds)
                except Exception as exc:
                    with self._guard:
                        last = self._held.get(name)
                    if last is not None and now - last > self.seconds - 3 * self.renew_every:
                        self.drop(name)
                        self.on_lost(name, f"could not renew the lease: {exc}")
                    else:
                        log.info("renewing lease %s failed (will retry): %s", name, exc)
                    continue
                if kept:
                    with self._guard:
                        if name in self._held:
                            self._held[name] = now
                else:
                    self.drop(name)
                    self.on_lost(name, "another sesdesk took over")


@contextlib.contextmanager
def holding(
    store: Store,
    keeper: LeaseKeeper,
    name: str,
    *,
    refuse: Callable[[Holder], Exception],
    broadcast_id: int | None = None,
    linger: float = 0.0,
) -> Iterator[None]:
    """Hold `name` for the block (renewed by `keeper`), or raise `refuse(holder)`."""
    holder = try_acquire(store, name, keeper.owner, broadcast_id=broadcast_id)
    if holder is not None:
        raise refuse(holder)
    keeper.add(name)
    try:
        yield
    finally:
        keeper.drop(name)
        release_quietly(store, name, keeper.owner, linger=linger)


def broadcast_busy(broadcast_id: int) -> Callable[[Holder], NotAllowed]:
    """The refusal for a broadcast someone else is sending (for `holding`'s `refuse`)."""

    def refuse(holder: Holder) -> NotAllowed:
        if holder.same_process:
            return NotAllowed(f"Broadcast {broadcast_id} is already being sent.")
        return NotAllowed(
            f"Broadcast {broadcast_id} is being sent by another sesdesk (window or command "
            "line); wait for it or stop it there."
        )

    return refuse


@contextlib.contextmanager
def holding_broadcast(store: Store, broadcast_id: int) -> Iterator[None]:
    """Hold the broadcast's lease for a short write (cancel, resend uncertain), or refuse."""
    keeper = LeaseKeeper(store, new_owner(), lambda _name, _why: None)
    try:
        with holding(
            store,
            keeper,
            broadcast_lease(broadcast_id),
            refuse=broadcast_busy(broadcast_id),
            broadcast_id=broadcast_id,
        ):
            yield
    finally:
        keeper.close()


def release_quietly(store: Store, name: str, owner: str, *, linger: float = 0.0) -> None:
    """`release`, logging a failure: the lease expires by itself (or its dead process is
    recognised), and a full disk must not hide the error that ended the holder's work."""
    try:
        release(store, name, owner, linger=linger)
    except Exception as exc:
        log.info("could not release lease %s (it will expire): %s", name, exc)


QUEUE_POLL = 0.5


def wait_for_turn(
    store: Store,
    keeper: LeaseKeeper,
    name: str,
    *,
    broadcast_id: int,
    stopped: Callable[[], bool],
    sleep: Callable[[float], object],
    on_queued: Callable[[str], None],
) -> bool:
    """Take lease `name` for `keeper`'s owner, waiting while another holds it.

    While waiting, the broadcast's own lease carries the note "waiting for broadcast N to
    finish" (readers show the broadcast `queued`) and `on_queued(note)` is told. Returns True
    holding `name` (renewed by `keeper`), False when `stopped()` became true first.
    """
    own = broadcast_lease(broadcast_id)
    noted: str | None = None
    try:
        while True:
            holder = try_acquire(store, name, keeper.owner, broadcast_id=broadcast_id)
            if holder is None:
                keeper.add(name)
                return True
            if holder.released:
                note = "waiting for the account's previous broadcast to finish"
            elif holder.broadcast_id is not None:
                note = f"waiting for broadcast {holder.broadcast_id} to finish"
            else:
                note = "waiting for another broadcast of this AWS account to finish"
            if note != noted:
                set_note(store, own, keeper.owner, note)
                noted = note
                on_queued(note)
            if stopped():
                return False
            sleep(QUEUE_POLL)
    finally:
        if noted is not None:
            set_note(store, own, keeper.owner, None)


# --------------------------------------------------------------------------- poll leaders

#: A poll leader's lease on a shared database (desktops on other computers): short, and
#: renewed by a keeper thread for as long as the leader's sesdesk runs, so a leader whose
#: computer died or lost the network is replaced about `LEADER_LEASE_SECONDS` plus one
#: follower look later, and never while it still runs.
LEADER_LEASE_SECONDS = 30.0
LEADER_RENEW_EVERY = 7.5

_leader_keepers: dict[tuple[int, str], LeaseKeeper] = {}
_leader_guard = threading.Lock()


def leader_keeper(store: Store, owner: str) -> LeaseKeeper | None:
    """The keeper renewing `owner`'s leader leases on `store`, if any is running."""
    with _leader_guard:
        return _leader_keepers.get((id(store), owner))


def take_lead(store: Store, name: str, owner: str, *, seconds: float) -> Holder | None:
    """Take the leader lease `name` for `owner`: None when taken, else who holds it.

    On a shared database the lease is short and a keeper thread renews it; on this computer's
    own file `seconds` applies (a holder whose process is gone is recognised at once there).
    """
    if not store.is_shared:
        return try_acquire(store, name, owner, seconds=seconds, note="polling")
    holder = try_acquire(store, name, owner, seconds=LEADER_LEASE_SECONDS, note="polling")
    if holder is None:
        with _leader_guard:
            keeper = _leader_keepers.get((id(store), owner))
            if keeper is None:
                keeper = LeaseKeeper(
                    store,
                    owner,
                    _lead_lost,
                    seconds=LEADER_LEASE_SECONDS,
                    renew_every=LEADER_RENEW_EVERY,
                )
                _leader_keepers[(id(store), owner)] = keeper
            keeper.add(name)
    return holder


def give_up_lead(store: Store, name: str, owner: str) -> None:
    """Stop renewing `name` and release it (the keeper thread ends with its last lease)."""
    with _leader_guard:
        keeper = _leader_keepers.get((id(store), owner))
        if keeper is not None:
            keeper.drop(name)
            if not keeper.holding:
                del _leader_keepers[(id(store), owner)]
            else:
                keeper = None
    if keeper is not None:
        keeper.close()
    release(store, name, owner)


def _lead_lost(name: str, why: str) -> None:
    # The next cycle tries to take the lease again and follows if another desktop has it.
    log.info("lost the leader lease %s: %s", name, why)
