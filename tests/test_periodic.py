"""`Periodic` (mygallery/periodic.py), the thread behind the janitors, the index watcher and the heartbeat: a
chore that raises keeps running, an expected trouble is one warning line, stop() joins and is final."""

from __future__ import annotations

import logging
import threading
import time

from mygallery.errors import StoreUnavailable
from mygallery.periodic import Periodic


def test_a_failing_chore_keeps_its_thread_and_stop_is_final(caplog) -> None:
    rounds: list[float] = []
    three = threading.Event()

    def chore() -> None:
        rounds.append(time.monotonic())
        if len(rounds) >= 3:
            three.set()
        if len(rounds) == 1:
            raise StoreUnavailable("Redis is away")  # expected trouble: a warning, no traceback
        if len(rounds) == 2:
            raise KeyError("a bug")  # logged with its traceback; the next round still comes

    chores = Periodic("test-chore", 0.02, chore, logging.getLogger("test.periodic"), quiet=(StoreUnavailable,))
    with caplog.at_level(logging.WARNING, logger="test.periodic"):
        chores.start()
        chores.start()  # once only
        assert three.wait(5)
        chores.stop()
    assert [t.name for t in threading.enumerate()].count("test-chore") == 0
    done = len(rounds)
    time.sleep(0.1)
    chores.start()  # stopped is stopped
    time.sleep(0.1)
    assert len(rounds) == done and not chores.running
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(warnings) == 1 and "Redis is away" in warnings[0].getMessage() and warnings[0].exc_info is None
    assert len(errors) == 1 and errors[0].exc_info is not None and "test-chore failed" in errors[0].getMessage()
