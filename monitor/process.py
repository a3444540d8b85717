"""Metrics shared by several hub processes on one host (prometheus-client's multiprocess mode).

Each hub process writes its metric values to files in one directory; the metrics endpoint adds
them up at scrape time, so a scrape shows the whole host however many ``hub run`` processes
share the queues. prometheus-client chooses between in-memory and file-backed values when it is
first imported, so :func:`use_directory` must run before anything imports
:mod:`monitor.metrics`; it refuses, rather than silently counting in memory, when that is too
late.

Housekeeping, done by :func:`use_directory` at each process start:
- when no process that wrote to the directory is alive, it is emptied: the hub starts afresh,
  and counters restart from zero, which Prometheus reads as a counter reset;
- otherwise the "live" gauges of processes that are gone are removed (their in-flight counts
  and up states no longer hold), while their counters stay, so the host's totals never go back;
- :func:`retire` removes this process's live gauges when it stops cleanly.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from schemas.contract.errors import ConfigError

ENVIRONMENT_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


class MetricsDirectoryError(ConfigError):
    """The metrics directory cannot be used (prometheus-client was imported too early).

    A :class:`ConfigError` (start-up stops, the CLI exits 2); no longer a ``RuntimeError``,
    which nothing caught it as.
    """


def use_directory(directory: Path) -> Path:
    """Make this process record its metrics in ``directory``; returns it, created if needed.

    Raises :class:`MetricsDirectoryError` if prometheus-client was already imported with
    another setting (values recorded so far would be invisible to the endpoint).
    """
    directory = directory.resolve()
    current = os.environ.get(ENVIRONMENT_VARIABLE)
    if "prometheus_client" in sys.modules and current != str(directory):
        raise MetricsDirectoryError(
            f"prometheus_client was imported before the metrics directory was set to {directory}"
            + (f" (it uses {current})" if current else " (it counts in memory)")
        )
    directory.mkdir(parents=True, exist_ok=True)
    tidy(directory)
    os.environ[ENVIRONMENT_VARIABLE] = str(directory)
    return directory


def active_directory() -> Path | None:
    """The directory metrics are recorded in, or None when they are kept in memory."""
    current = os.environ.get(ENVIRONMENT_VARIABLE)
    return Path(current) if current else None


def retire() -> None:
    """Forget this process's live gauges (call when it stops cleanly)."""
    directory = active_directory()
    if directory is not None:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(os.getpid(), str(directory))


def tidy(directory: Path) -> None:
    """The start-of-process housekeeping of the module doc, on ``directory``."""
    files = {path: _writer_pid(path) for path in directory.glob("*.db")}
    writers = {pid for pid in files.values() if pid is not None}
    alive = {pid for pid in writers if pid == os.getpid() or _alive(pid)}
    for path, pid in files.items():
        stale_live_gauge = path.name.startswith("gauge_live") and pid not in alive
        if not alive or stale_live_gauge:
            path.unlink(missing_ok=True)


def _writer_pid(path: Path) -> int | None:
    # Files are named <type>_<pid>.db or gauge_<mode>_<pid>.db.
    suffix = path.stem.rpartition("_")[2]
    return int(suffix) if suffix.isdigit() else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive, not ours to judge
    return True
