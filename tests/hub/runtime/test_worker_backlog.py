"""The worker tells a burst from a trickle (the journal writer holds back during bursts)."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from hub.pipeline.processor import Outcome
from tests.hub.conftest import RECORDS
from tests.support.running_hub import RunningHub

pytestmark = pytest.mark.rabbitmq


def bodies(count: int) -> list[bytes]:
    record = json.loads((RECORDS / "licence.json").read_bytes())
    return [json.dumps({**record, "licence_number": f"JY{n:014d}"}).encode()
            for n in range(count)]


def run_worker(department: RunningHub, expected: int, reports: list[bool],
               publish: threading.Thread | None = None) -> None:
    processed = threading.Semaphore(0)

    def on_outcome(outcome: Outcome) -> None:
        processed.release()

    worker = department.hub.worker(on_outcome=on_outcome, on_backlog=reports.append)
    thread = threading.Thread(target=worker.run)
    thread.start()
    try:
        if publish is not None:
            publish.start()
        for _ in range(expected):
            assert processed.acquire(timeout=60), "the worker stopped processing"
        time.sleep(0.6)  # idle for more than a window: the worker has caught up
    finally:
        worker.stop()
        thread.join(30)


def test_a_burst_is_a_backlog_until_the_worker_has_caught_up(
    rabbitmq_url: str, tmp_path: Path,
) -> None:
    department = RunningHub(rabbitmq_url, tmp_path).open()
    try:
        for n, body in enumerate(bodies(2000)):
            department.publish("market.administrative_licence", body, message_id=f"b{n}")
        reports: list[bool] = []
        run_worker(department, 2000, reports)
        assert reports[:1] == [True] and reports[-1] is False
    finally:
        department.close()


def test_a_trickle_is_no_backlog(rabbitmq_url: str, tmp_path: Path) -> None:
    department = RunningHub(rabbitmq_url, tmp_path).open()
    sender = RunningHub(rabbitmq_url, tmp_path).open()
    try:
        def trickle() -> None:
            for n, body in enumerate(bodies(150)):
                sender.publish("market.administrative_licence", body, message_id=f"t{n}")
                time.sleep(0.01)

        reports: list[bool] = []
        run_worker(department, 150, reports, threading.Thread(target=trickle))
        assert reports == []
    finally:
        sender.close()
        department.close()
