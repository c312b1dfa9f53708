"""The one way the window runs blocking work: off the GUI thread, failures never swallowed.

Like Anki's `aqt/operations`: every background operation goes through `Bridge.run` (callbacks)
or `await Bridge.call` (coroutines), and `Bridge.run(..., changes=team_id)` says what the work
changed, so the bridge (not each caller) emits `store_changed` after it succeeds. Work runs in
a small thread pool owned by the bridge; the asyncio tasks that wait on it are kept in a set so
they are neither garbage-collected nor forgotten at shutdown. A `SesdeskError` becomes a message
a person can act on (message + hint); anything else is a bug: logged with its traceback and
shown as "Something went wrong".
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QObject, Signal

from sesdesk.errors import SesdeskError

if TYPE_CHECKING:
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

# asyncio and concurrent.futures are imported when first used, not here: this module loads
# before the window's first show, and asyncio alone costs ~30 ms of start-up.

log = logging.getLogger(__name__)

T = TypeVar("T")

SuccessCallback = Callable[[Any], None]
FailureCallback = Callable[[SesdeskError], None]


def bug_message(log_file: Path | None) -> str:
    """The user-facing text for an unexpected error."""
    where = str(log_file) if log_file else "the sesdesk log"
    return f"Something went wrong; details in {where}"


class Bridge(QObject):
    """Runs blocking calls off the GUI thread and tells widgets what happened."""

    #: The store changed for this team (0: for every team); widgets re-read it.
    store_changed = Signal(int)
    #: A background operation started / finished; the argument is its label.
    operation_started = Signal(str)
    operation_finished = Signal(str)
    #: A failure a person should see: (message, hint).
    error_reported = Signal(str, str)
    #: An operation ended well (its label): a banner about its earlier failure may go.
    operation_succeeded = Signal(str)

    def __init__(
        self, *, log_file: Path | None = None, max_workers: int = 4, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.log_file = log_file
        self._max_workers = max_workers
        self._executor: ThreadPoolExecutor | None = None
        # Strong references: asyncio only keeps weak ones to running tasks.
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closed = False
        #: The label of the operation whose failure was reported last ("" when not known).
        self.last_failed_label = ""

    # --- running work -------------------------------------------------------------------

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run blocking `fn(*args, **kwargs)` in the bridge's threads and return its result."""
        import asyncio
        import functools

        if self._closed:
            raise RuntimeError("the bridge is shut down")
        if self._executor is None:
            from concurrent.futures import ThreadPoolExecutor

            self._executor = ThreadPoolExecutor(
                max_workers=self._max_workers, thread_name_prefix="sesdesk-bg"
            )
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(fn, *args, **kwargs))

    def run(
        self,
        fn: Callable[..., Any],
        *args: Any,
        label: str = "",
        changes: int | None = None,
        on_success: SuccessCallback | None = None,
        on_failure: FailureCallback | None = None,
        **kwargs: Any,
    ) -> asyncio.Task[Any] | None:
        """Start `fn(*args, **kwargs)` off the GUI thread; call back on the GUI thread when it
        ends. After `shutdown` the work is dropped (None is returned): the window is closing.

        `changes` says what the work changes: once it succeeded, `store_changed` is emitted
        with it (a team id, or 0 for every team) so widgets re-read the store, and then
        `on_success` runs (it may close the widget that asked). `on_failure` receives
        SesdeskErrors only (to show them inline, e.g. under a field); without it they go to the
        status bar. Any other exception is a bug and is always logged and reported, whatever
        the callbacks.
        """

        if self._closed:
            # The window is closing: a card asking to re-read now has nobody to show it to.
            log.debug("dropped %s: the bridge is shut down", label or getattr(fn, "__name__", fn))
            return None

        async def operation() -> Any:
            return await self.call(fn, *args, **kwargs)

        if changes is not None:
            team_id = changes

            def changed(result: Any) -> None:
                self.store_changed.emit(team_id)
                if on_success is not None:
                    on_success(result)

            return self.start(operation(), label=label, on_success=changed, on_failure=on_failure)
        return self.start(operation(), label=label, on_success=on_success, on_failure=on_failure)

    def start(
        self,
        coro: Coroutine[Any, Any, Any],
        *,
        label: str = "",
        on_success: SuccessCallback | None = None,
        on_failure: FailureCallback | None = None,
    ) -> asyncio.Task[Any]:
        """Run coroutine `coro` as a tracked task with the same reporting as `run`."""
        import asyncio

        if self._closed:
            coro.close()  # never started: close it so Python does not warn "never awaited"
            raise RuntimeError("the bridge is shut down")
        task = asyncio.get_running_loop().create_task(
            self._guarded(coro, label, on_success, on_failure)
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        # A task cancelled before its first step never starts `coro`: close it so Python does
        # not warn "never awaited" (closing a finished coroutine does nothing).
        task.add_done_callback(lambda _task: coro.close())
        return task

    async def _guarded(
        self,
        coro: Coroutine[Any, Any, Any],
        label: str,
        on_success: SuccessCallback | None,
        on_failure: FailureCallback | None,
    ) -> Any:
        import asyncio

        self.operation_started.emit(label)
        try:
            result = await coro
        except asyncio.CancelledError:
            raise
        except SesdeskError as exc:
            if on_failure is not None:
                self._invoke(on_failure, exc)
            else:
                self.last_failed_label = label
                self.report(exc)
            return None
        except Exception as exc:
            self.last_failed_label = label
            self.report(exc)
            return None
        finally:
            self.operation_finished.emit(label)
        self.operation_succeeded.emit(label)
        if on_success is not None:
            self._invoke(on_success, result)
        return result

    def _invoke(self, callback: Callable[[Any], None], value: Any) -> None:
        # A callback that raises is our bug too: it must reach the log and the user.
        try:
            callback(value)
        except RuntimeError as exc:
            if "already deleted" in str(exc) or "source has been deleted" in str(exc):
                # The widget waiting for this result was closed meanwhile: nobody to tell.
                log.debug("result arrived after its widget was deleted: %s", exc)
                return
            self.last_failed_label = ""
            self.report(exc)
        except Exception as exc:
            self.last_failed_label = ""
            self.report(exc)

    # --- reporting ----------------------------------------------------------------------

    def report(self, exc: BaseException) -> None:
        """Show `exc` to the user: a SesdeskError as itself, anything else as a logged bug."""
        if isinstance(exc, SesdeskError):
            log.info("reported to the user: %s", exc.message)
            self.error_reported.emit(exc.message, exc.hint)
            return
        log.error("unexpected error in a background operation", exc_info=exc)
        self.error_reported.emit(bug_message(self.log_file), "")

    # --- shutdown -----------------------------------------------------------------------

    @property
    def pending(self) -> int:
        """How many operations are still running."""
        return len(self._tasks)

    async def shutdown(self) -> None:
        """Cancel running operations, wait for them, and stop the worker threads."""
        import asyncio

        self._closed = True
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        # Threads already inside a blocking call finish it; nothing new starts.
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
