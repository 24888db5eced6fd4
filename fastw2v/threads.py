"""Helper threads that never outlive the call that started them, even through Ctrl-C.

A thread is waited for through an event it sets as it returns, never through
``Thread.join``: a KeyboardInterrupt inside ``join`` can leave a live thread marked as
stopped, so that a later ``join`` returns at once while the thread still writes.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any, Generic, TypeVar

_Item = TypeVar("_Item")


def start(target: Callable[..., object], args: tuple[Any, ...] = (),
          name: str = "fastw2v-worker") -> threading.Event:
    """Start a daemon thread running ``target(*args)``; returns an event set when it returns."""
    done = threading.Event()

    def run() -> None:
        try:
            target(*args)
        finally:
            done.set()

    threading.Thread(target=run, daemon=True, name=name).start()
    return done


def wait(finished: Iterable[threading.Event], on_tick: Callable[[], object] | None = None,
         period: float = 0.1) -> None:
    """Wait until every event in ``finished`` is set, calling ``on_tick()`` every ``period``
    seconds (interruptible: a KeyboardInterrupt propagates)."""
    for done in finished:
        while not done.wait(period):
            if on_tick is not None:
                on_tick()


def wait_uninterrupted(finished: Iterable[threading.Event]) -> None:
    """Wait until every event in ``finished`` is set, through any KeyboardInterrupt."""
    for done in finished:
        while True:
            try:
                done.wait()
                break
            except KeyboardInterrupt:
                continue


class Overlap(Generic[_Item]):
    """``work(item)`` run on a helper thread while the caller prepares the next item, one
    item at a time (counting a batch without the GIL while the next is read, say).

    Use as a context manager: leaving it waits for the last item, through any
    KeyboardInterrupt, so no helper outlives the block. An exception in ``work`` is raised
    in the caller at the next :meth:`wait` (or :meth:`submit`, or on leaving).
    """

    def __init__(self, work: Callable[[_Item], object], name: str = "fastw2v-helper") -> None:
        self.work, self.name = work, name
        self.pending: threading.Event | None = None
        self.error: BaseException | None = None

    def __enter__(self) -> Overlap[_Item]:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if exc is None:
            self.wait()
        elif self.pending is not None:  # the block failed: let the helper finish, keep its error
            wait_uninterrupted([self.pending])
            self.pending = None

    def submit(self, item: _Item) -> None:
        """Wait for the previous item, then start ``work(item)``; returns once the helper runs."""
        self.wait()
        started = threading.Event()

        def run() -> None:
            started.set()
            try:
                self.work(item)
            except BaseException as exc:  # raised in the caller
                self.error = exc

        self.pending = start(run, name=self.name)
        started.wait()  # so that the helper has the GIL's turn before the caller goes on

    def wait(self) -> None:
        """Wait until the helper has finished its item; raise its exception, if any."""
        if self.pending is not None:
            wait_uninterrupted([self.pending])
            self.pending = None
        if self.error is not None:
            error, self.error = self.error, None
            raise error
