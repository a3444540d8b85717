"""Waiting in tests for something another process or thread does."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any


def wait_until(
    condition: Callable[[], Any], what: str, *, timeout: float = 30, interval: float = 0.05
) -> None:
    """Return once ``condition()`` is true; fail the test, naming ``what``, after ``timeout``
    seconds. ``condition`` is asked every ``interval`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not within {timeout}s: {what}"
        time.sleep(interval)


def run_until_drained(
    command: Sequence[str], env: Mapping[str, str], pending: Callable[[], int],
    finished: Callable[[], bool], log: Path, *, rounds: int = 5, timeout: float = 180,
) -> None:
    """Run ``command`` (``hub run``, its stderr appended to ``log``) until it has started,
    ``pending()`` (the ready messages of the queues it must empty: hub.inbound, and the queues
    of destinations it delivers to itself) is 0 and ``finished()``; stop it with SIGTERM (it
    must exit 0), and start it again while messages came back to those queues.

    A message a stopping hub had prefetched but not begun goes back to its queue when it stops,
    and ``queue_depth`` counts only the ready ones, never those a consumer holds: "empty" seen
    while the hub runs can hide messages it holds. Once it has exited, nothing is held, so
    empty queues then mean every message was processed. The hub has started (its SIGTERM handler
    in place) once it logs "hub running"; a quorum queue's consumer count cannot tell, as it
    keeps counting consumers whose node went down.
    """

    def since(offset: int) -> str:
        with log.open("rb") as text:
            text.seek(offset)
            return text.read().decode("utf-8", errors="replace")

    for _round in range(rounds):
        offset = log.stat().st_size if log.exists() else 0
        with log.open("ab") as sink:
            process = subprocess.Popen(list(command), env=dict(env), stderr=sink)
        try:
            deadline = time.monotonic() + timeout
            while "hub running" not in since(offset) or pending() > 0 or not finished():
                assert time.monotonic() < deadline, f"the hub did not finish\n{since(offset)}"
                assert process.poll() is None, f"the hub exited\n{since(offset)[-3000:]}"
                time.sleep(0.1)
        finally:
            process.send_signal(signal.SIGTERM)
            returncode = process.wait(120)
        assert returncode == 0, f"exit {returncode} on SIGTERM\n{since(offset)[-3000:]}"
        if pending() == 0:
            return
    raise AssertionError(f"messages were still coming back to the queues after {rounds} runs")
