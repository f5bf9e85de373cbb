"""Run slow work off the GUI thread (Anki's CollectionOp / Picard's run_task shape).

    ctx.runner.run(lambda: services.reports.monthly(month),
                   on_done=self.show_report, on_error=self.show_error)

Tests pass ``TaskRunner(synchronous=True)`` so the work runs inline and
deterministically.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot


def _alive(callback: Callable[..., Any]) -> bool:
    """False when the callback is a method of a widget that was closed and deleted while the
    work ran (a screen left, a window closed): its result is then simply dropped."""
    owner = getattr(callback, "__self__", None)
    return not isinstance(owner, QObject) or shiboken6.isValid(owner)


class _Relay(QObject):
    done = Signal(object)
    failed = Signal(object)
    progress = Signal(int, int)


class _Job(QRunnable):
    def __init__(self, fn: Callable[..., Any], relay: _Relay, with_progress: bool) -> None:
        super().__init__()
        self.fn = fn
        self.relay = relay
        self.with_progress = with_progress

    @Slot()
    def run(self) -> None:
        try:
            if self.with_progress:
                result = self.fn(lambda done, total: self.relay.progress.emit(int(done), int(total)))
            else:
                result = self.fn()
        except Exception as exc:  # handed to the GUI thread, shown to the person
            exc.__traceback_text__ = traceback.format_exc()  # type: ignore[attr-defined]
            self.relay.failed.emit(exc)
            return
        self.relay.done.emit(result)


class TaskRunner(QObject):
    def __init__(self, pool: QThreadPool | None = None, synchronous: bool = False) -> None:
        super().__init__()
        self.pool = pool or QThreadPool.globalInstance()
        self.synchronous = synchronous
        self._relays: set[_Relay] = set()

    def run(
        self,
        fn: Callable[..., Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> None:
        """Run ``fn`` off the GUI thread. With ``on_progress``, ``fn`` receives a
        ``progress(done, total)`` callable as its only argument."""
        relay = _Relay()
        self._relays.add(relay)

        def finish(result: object) -> None:
            self._relays.discard(relay)
            if on_done and _alive(on_done):
                on_done(result)

        def fail(exc: object) -> None:
            self._relays.discard(relay)
            if on_error and isinstance(exc, Exception) and _alive(on_error):
                on_error(exc)

        relay.done.connect(finish)
        relay.failed.connect(fail)
        if on_progress:
            relay.progress.connect(lambda done, total: on_progress(done, total) if _alive(on_progress) else None)
        job = _Job(fn, relay, on_progress is not None)
        if self.synchronous:
            job.run()
        else:
            self.pool.start(job)
