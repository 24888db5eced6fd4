"""Helper threads (fastw2v.threads): work overlapped with the caller, errors surfaced,
no helper left running."""
import threading
import time

import pytest

from fastw2v import threads


def test_overlap_runs_every_item_in_order_and_waits_for_the_last():
    done = []

    def work(item):
        time.sleep(0.01)
        done.append(item)

    with threads.Overlap(work) as overlap:
        for item in range(5):
            overlap.submit(item)
            assert done == list(range(item))  # the previous item finished before this one
    assert done == list(range(5))


def test_an_error_in_the_helper_is_raised_in_the_caller():
    def work(item):
        if item == 1:
            raise ValueError("bad item %d" % item)

    with pytest.raises(ValueError, match="bad item 1"):
        with threads.Overlap(work) as overlap:
            for item in range(3):
                overlap.submit(item)


def test_an_error_in_the_block_waits_for_the_helper():
    finished = threading.Event()

    def work(item):
        time.sleep(0.05)
        finished.set()

    with pytest.raises(RuntimeError, match="caller failed"):
        with threads.Overlap(work) as overlap:
            overlap.submit(0)
            raise RuntimeError("caller failed")
    assert finished.is_set()
