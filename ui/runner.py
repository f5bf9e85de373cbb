"""Run slow work off the GUI thread (Anki's CollectionOp / Picard's run_task shape).

The rule: the GUI thread never waits on the database. In server mode (PostgreSQL)
every service call is a network round trip, so a screen or widget never calls a
service that reads or writes from a slot, a keystroke or a selection change; it
hands the call to the runner with the widget that owns the answer::

    ctx.runner.run(self, lambda: services.reports.monthly(month),
                   on_done=self.show_report, on_error=self.show_error)

``owner`` (required, first) is the widget the callbacks belong to. When it has been
deleted while the work ran (a screen left, a window closed), its done, error and
progress callbacks are dropped, whatever they are (lambda, partial, bound method).
Search boxes debounce typing with ``debounce_timer`` (one query ~200 ms after the
last keystroke) and number their requests with ``Latest`` so that an answer older
than the newest request is never applied. Writes pass ``in_order=True``: they run
one at a time in the order asked, as they did on the GUI thread.

Tests pass ``TaskRunner(synchronous=True)`` so the work runs inline and
deterministically.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal, Slot

log = logging.getLogger(__name__)

SEARCH_DEBOUNCE_MS = 200  # a query this long after the last keystroke, not one per key


def _valid(obj: QObject) -> bool:
    return shiboken6.isValid(obj)


@dataclass
class _Pending:
    owner: QObject
    fn: Callable[..., Any]  # held here too, so its last reference goes on the GUI thread (see run)
    on_done: Callable[[Any], None] | None
    on_error: Callable[[Exception], None] | None
    on_progress: Callable[[int, int], None] | None


class _Relay(QObject):
    """Carries the answers of the runner's jobs (tagged with the job's number) back to the GUI
    thread. One per runner, never deleted while the runner lives: a worker may still be inside
    ``emit`` when its answer is delivered, and deleting the sender then crashes Qt. It lives in
    the GUI thread, so the worker's signals are queued to its slots."""

    done = Signal(int, object)
    failed = Signal(int, object)
    progress = Signal(int, int, int)

    def __init__(self, runner: TaskRunner) -> None:
        super().__init__(runner)
        self.runner = runner
        self.done.connect(self._deliver_done)
        self.failed.connect(self._deliver_error)
        self.progress.connect(self._deliver_progress)

    @Slot(int, object)
    def _deliver_done(self, job_id: int, result: object) -> None:
        job = self.runner._pending.pop(job_id, None)
        if job is None or not _valid(job.owner):
            log.debug("result dropped: its owner was deleted while the work ran")
            return
        if job.on_done is not None:
            job.on_done(result)

    @Slot(int, object)
    def _deliver_error(self, job_id: int, exc: object) -> None:
        job = self.runner._pending.pop(job_id, None)
        if job is None or not _valid(job.owner):
            log.info("error dropped (its owner was deleted while the work ran): %s", exc)
            return
        if job.on_error is not None and isinstance(exc, Exception):
            job.on_error(exc)

    @Slot(int, int, int)
    def _deliver_progress(self, job_id: int, done: int, total: int) -> None:
        job = self.runner._pending.get(job_id)
        if job is not None and job.on_progress is not None and _valid(job.owner):
            job.on_progress(done, total)


class _Job(QRunnable):
    def __init__(self, job_id: int, fn: Callable[..., Any], relay: _Relay, with_progress: bool) -> None:
        super().__init__()
        self.job_id = job_id
        self.fn = fn
        self.relay = relay
        self.with_progress = with_progress

    @Slot()
    def run(self) -> None:
        job_id, relay = self.job_id, self.relay

        def progress(done: int, total: int) -> None:
            if shiboken6.isValid(relay):
                relay.progress.emit(job_id, int(done), int(total))

        try:
            result = self.fn(progress) if self.with_progress else self.fn()
        except Exception as exc:  # handed to the GUI thread, shown to the person
            exc.__traceback_text__ = traceback.format_exc()  # type: ignore[attr-defined]
            self._hand_over(relay.failed, job_id, exc)
            return
        self._hand_over(relay.done, job_id, result)

    def _hand_over(self, signal: Any, job_id: int, value: object) -> None:
        # the runner (and its relay) went away while the work ran, e.g. the app was closing:
        # nobody is left to tell, which is not an error
        if not shiboken6.isValid(self.relay):
            log.debug("job %s finished after its runner was deleted; its answer is dropped", job_id)
            return
        try:
            signal.emit(job_id, value)
        except RuntimeError:  # deleted between the check and the emit
            log.debug("job %s finished after its runner was deleted; its answer is dropped", job_id)


class TaskRunner(QObject):
    def __init__(self, pool: QThreadPool | None = None, synchronous: bool = False) -> None:
        super().__init__()
        self.pool = pool or QThreadPool.globalInstance()
        self.synchronous = synchronous
        # writes asked with in_order=True run one at a time, in the order asked (as they did
        # on the GUI thread): a second click's write never overtakes the first one's
        self.write_pool = QThreadPool(self)
        self.write_pool.setMaxThreadCount(1)
        self._relay = _Relay(self)
        self._pending: dict[int, _Pending] = {}
        self._next_id = 0

    def run(
        self,
        owner: QObject,
        fn: Callable[..., Any],
        /,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
        on_progress: Callable[[int, int], None] | None = None,
        *,
        in_order: bool = False,
    ) -> None:
        """Run ``fn`` off the GUI thread, then call ``on_done(result)`` or ``on_error(exc)`` on
        the GUI thread unless ``owner`` was deleted meanwhile. With ``on_progress``, ``fn``
        receives a ``progress(done, total)`` callable as its only argument. ``in_order=True``
        (writes): run after every earlier in-order job, one at a time."""
        if not isinstance(owner, QObject):
            raise TypeError("TaskRunner.run(owner, fn, ...): owner is the widget the answer is for")
        self._next_id += 1
        # the job is deleted on its worker thread when it ends; if it held the only reference to
        # ``fn``, whatever fn's closure captured (a window, a dialog) would be freed there, and a
        # Qt object destroyed off the GUI thread can crash the app. The pending entry keeps fn
        # until the answer is delivered (or dropped) on the GUI thread.
        self._pending[self._next_id] = _Pending(owner, fn, on_done, on_error, on_progress)
        job = _Job(self._next_id, fn, self._relay, on_progress is not None)
        if self.synchronous:
            job.run()
        else:
            (self.write_pool if in_order else self.pool).start(job)

    def wait_for_done(self, msecs: int = -1) -> bool:
        """Wait for every job started so far (tests, shutting down); False on a timeout."""
        return self.write_pool.waitForDone(msecs) and self.pool.waitForDone(msecs)


class Latest:
    """Numbers the requests of one kind (a search, a selection's details); only the answer
    to the newest request is applied, an older one arriving late is dropped."""

    def __init__(self) -> None:
        self.seq = 0
        self.answered = 0

    def next(self) -> int:
        self.seq += 1
        return self.seq

    def is_current(self, seq: int) -> bool:
        return seq == self.seq

    @property
    def pending(self) -> bool:
        """A request is out and its answer has not been applied yet."""
        return self.answered != self.seq

    def guard(self, seq: int, callback: Callable[[Any], None]) -> Callable[[Any], None]:
        """``callback`` for request ``seq``: called only if no newer request was made since."""

        def call(value: Any) -> None:
            if seq == self.seq:
                self.answered = seq
                callback(value)

        return call

    def cancel(self) -> None:
        """Forget the outstanding request: its answer will be dropped."""
        self.seq += 1
        self.answered = self.seq


def debounce_timer(parent: QObject, slot: Callable[[], None], ms: int = SEARCH_DEBOUNCE_MS) -> QTimer:
    """A single-shot timer calling ``slot``; ``start()`` on each keystroke restarts it."""
    timer = QTimer(parent)
    timer.setSingleShot(True)
    timer.setInterval(ms)
    timer.timeout.connect(slot)
    return timer
