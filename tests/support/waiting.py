"""Waiting in tests for something another process or thread does."""

from __future__ import annotations

import time
from collections.abc import Callable
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
