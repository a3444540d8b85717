"""A poison input that crashes the worker process, on quorum queues (RabbitMQ only).

Each crash hands the input back; ``x-delivery-limit`` bounds how often. The reconciliation shows
the poison alone in ``hub.inbound.dead`` and every other input delivered, including those that
were in flight beside it when the process died.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.hub.conftest import RECORDS
from tests.support.crashing_worker import CRASH_EXIT_CODE
from tests.support.running_hub import RunningHub

pytestmark = pytest.mark.rabbitmq

REPO = Path(__file__).parents[3]
GOOD, DELIVERY_LIMIT, MARKER = 300, 2, "CRASH-ME"


def test_a_crashing_poison_is_dead_lettered_alone_after_the_delivery_limit(
    rabbitmq_url: str, make_hub: Callable[..., RunningHub], tmp_path: Path
) -> None:
    settings = {"queue_type": "quorum", "delivery_limit": DELIVERY_LIMIT}
    department = make_hub(rabbitmq_url, **settings).open()
    record = json.loads((RECORDS / "licence.json").read_bytes())
    for n in range(GOOD + 1):
        record["licence_number"] = f"JY{n:014d}"
        record["content"] = MARKER if n == GOOD // 2 else "热食类食品制售"
        department.publish("market.administrative_licence", json.dumps(record).encode(),
                           message_id=f"src-{n}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env.update(PYTHONPATH=str(REPO), HUB_BROKER_URL=rabbitmq_url, HUB_DATA_DIR=str(tmp_path),
               HUB_QUEUE_TYPE="quorum", HUB_DELIVERY_LIMIT=str(DELIVERY_LIMIT))
    crashes = 0
    worker = None
    deadline = time.monotonic() + 180
    outputs, quiet_since = -1, time.monotonic()

    def settled() -> bool:
        # Ready-message counts leave out what a worker holds unacked: also wait until the
        # outputs stop growing for a while, so the last batch is done.
        nonlocal outputs, quiet_since
        now_outputs = department.depth("hub.out.city-platform")
        if now_outputs != outputs:
            outputs, quiet_since = now_outputs, time.monotonic()
        return (department.depth("hub.inbound") == 0 and department.depth("hub.inbound.dead") > 0
                and time.monotonic() - quiet_since > 3)

    while not settled():
        assert time.monotonic() < deadline, "the stream did not settle in time"
        if worker is None or worker.poll() is not None:
            if worker is not None:
                assert worker.returncode == CRASH_EXIT_CODE
                crashes += 1
            worker = subprocess.Popen(
                [sys.executable, "-m", "tests.support.crashing_worker", MARKER],
                cwd=REPO, env=env, stderr=subprocess.DEVNULL,
            )
        time.sleep(0.2)
    assert worker is not None
    worker.terminate()
    worker.wait(60)

    city = department.read("hub.out.city-platform", department.depth("hub.out.city-platform"))
    dead = department.read("hub.inbound.dead", department.depth("hub.inbound.dead"))
    delivered = {m.json()["payload"]["licence_number"] for m in city}
    counts = {"sent": GOOD + 1, "crashes": crashes, "delivered_unique": len(delivered),
              "delivered_copies": len(city), "dead": len(dead)}
    print("reconciliation:", json.dumps(counts))
    assert len(dead) == 1 and MARKER.encode() in dead[0].body, "only the poison is dead-lettered"
    assert dead[0].headers.get("x-first-death-reason") == "delivery_limit"
    assert len(delivered) == GOOD, "every other input was delivered"
    assert crashes == DELIVERY_LIMIT + 1, "the poison was tried 1 + delivery-limit times"
