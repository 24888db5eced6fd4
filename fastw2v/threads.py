"""Helper threads that never outlive the call that started them, even through Ctrl-C.

A thread is waited for through an event it sets as it returns, never through
``Thread.join``: a KeyboardInterrupt inside ``join`` can leave a live thread marked as
stopped, so that a later ``join`` returns at once while the thread still writes.
"""
import threading


def start(target, args=(), name="fastw2v-worker"):
    """Start a daemon thread running ``target(*args)``; returns an event set when it returns."""
    done = threading.Event()

    def run():
        try:
            target(*args)
        finally:
            done.set()

    threading.Thread(target=run, daemon=True, name=name).start()
    return done


def wait(finished, on_tick=None, period=0.1):
    """Wait until every event in ``finished`` is set, calling ``on_tick()`` every ``period``
    seconds (interruptible: a KeyboardInterrupt propagates)."""
    for done in finished:
        while not done.wait(period):
            if on_tick is not None:
                on_tick()


def wait_uninterrupted(finished):
    """Wait until every event in ``finished`` is set, through any KeyboardInterrupt."""
    for done in finished:
        while True:
            try:
                done.wait()
                break
            except KeyboardInterrupt:
                continue
