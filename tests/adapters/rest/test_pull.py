"""``rest-pull`` over real HTTP: watermark, paging, failures, bad items, credentials, shutdown."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import ValidationError

from adapters.rest.pull import WATERMARK_KEY, RestPullAdapter, RestPullConfig
from adapters.sdk import ConfigError, PermanentError, TransientError
from adapters.simulators.credit_platform import CreditPlatformSimulator
from adapters.simulators.ports import free_port
from adapters.simulators.rest_peer import JsonServer, Reply, Request
from adapters.testing import MemoryCheckpoints, RecordingPort
from tests.adapters.rest.harness import FAST_POLL, as_port, credit_record


def make(config: dict[str, Any], port: RecordingPort | None = None) -> RestPullAdapter:
    return RestPullAdapter(RestPullConfig.model_validate(config), system="credit-platform",
                           port=as_port(port or RecordingPort("credit-platform")))


def record_ids(port: RecordingPort) -> list[str]:
    return [json.loads(r.body)["record_id"] for r in port.submitted]


def wait_health(adapter: RestPullAdapter, ok: bool, containing: str = "",
                timeout: float = 5.0) -> str:
    deadline = time.monotonic() + timeout
    while adapter.health().ok is not ok or containing not in adapter.health().detail:
        assert time.monotonic() < deadline, f"health stayed {adapter.health()}"
        time.sleep(0.02)
    return adapter.health().detail


@pytest.fixture
def feed_config(credit_platform: CreditPlatformSimulator) -> dict[str, Any]:
    return {**credit_platform.pull_entry(), **FAST_POLL}


def test_a_restart_with_the_same_checkpoints_resumes_after_the_watermark(
    credit_platform: CreditPlatformSimulator, feed_config: dict[str, Any]
) -> None:
    checkpoints = MemoryCheckpoints()
    for n in range(5):
        credit_platform.emit(credit_record(n), "credit_record")
    first = RecordingPort("credit-platform", checkpoints)
    make(feed_config, first).poll_once()
    assert record_ids(first) == [f"XY-{n}" for n in range(5)]
    assert json.loads(checkpoints.values[WATERMARK_KEY])["cursor"] == "5"

    for n in range(5, 8):
        credit_platform.emit(credit_record(n), "credit_record")
    second = RecordingPort("credit-platform", checkpoints)
    adapter = make(feed_config, second)
    adapter.start()
    try:
        second.wait_for(submitted=3)
        time.sleep(0.3)  # a few more polls: nothing more may come
    finally:
        adapter.stop()
    assert record_ids(second) == ["XY-5", "XY-6", "XY-7"]
    assert [r.source_message_id for r in second.submitted] == ["XY-5", "XY-6", "XY-7"]
    assert {r.record_type for r in second.submitted} == {"credit_record"}


def test_a_backlog_is_taken_page_by_page_in_one_poll(
    credit_platform: CreditPlatformSimulator, feed_config: dict[str, Any]
) -> None:
    for n in range(7):
        credit_platform.emit(credit_record(n), "credit_record")
    port = RecordingPort("credit-platform")
    adapter = make({**feed_config, "page_size": 3}, port)
    before = credit_platform.server.requests
    assert adapter.poll_once() == 7
    assert credit_platform.server.requests - before == 3  # 3 + 3 + 1: the short page ends it
    assert record_ids(port) == [f"XY-{n}" for n in range(7)]


def test_server_errors_are_retried_and_nothing_is_lost(
    credit_platform: CreditPlatformSimulator, feed_config: dict[str, Any]
) -> None:
    port = RecordingPort("credit-platform")
    adapter = make(feed_config, port)
    adapter.max_backoff = 0.2
    with credit_platform.server.outage(500):
        adapter.start()
        for n in range(4):
            credit_platform.emit(credit_record(n), "credit_record")
        detail = wait_health(adapter, ok=False, containing="500")
        assert detail.startswith("TransientError")
        time.sleep(0.3)
        assert port.submitted == []
    try:
        port.wait_for(submitted=4)
        wait_health(adapter, ok=True)
        time.sleep(0.3)
    finally:
        adapter.stop()
    assert record_ids(port) == [f"XY-{n}" for n in range(4)]


def test_timeouts_are_retried_and_nothing_is_lost(
    credit_platform: CreditPlatformSimulator, feed_config: dict[str, Any]
) -> None:
    for n in range(3):
        credit_platform.emit(credit_record(n), "credit_record")
    port = RecordingPort("credit-platform")
    adapter = make({**feed_config, "timeout_seconds": 0.2}, port)
    adapter.max_backoff = 0.2
    with credit_platform.server.slow(0.6):
        adapter.start()
        detail = wait_health(adapter, ok=False, containing="Timeout")
        assert detail.startswith("TransientError")
        assert port.submitted == []
    try:
        port.wait_for(submitted=3)
        time.sleep(0.3)
    finally:
        adapter.stop()
    assert record_ids(port) == ["XY-0", "XY-1", "XY-2"]


def test_a_refused_connection_is_transient(feed_config: dict[str, Any]) -> None:
    adapter = make({**feed_config, "url": f"http://127.0.0.1:{free_port()}/credit-records"})
    adapter.start()
    try:
        with pytest.raises(TransientError, match="ConnectionError"):
            adapter.poll_once()
        assert not adapter.health().ok
    finally:
        adapter.stop()


def test_refused_credentials_are_a_configuration_problem_and_nothing_moves(
    credit_platform: CreditPlatformSimulator, feed_config: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    credit_platform.emit(credit_record(1), "credit_record")
    monkeypatch.setenv(credit_platform.pull_variable, "not-the-token")
    port = RecordingPort("credit-platform")
    adapter = make(feed_config, port)
    adapter.start()
    try:
        with pytest.raises(PermanentError, match="401"):
            adapter.poll_once()
        assert "401" in adapter.health().detail and not adapter.health().ok
        # The rotated secret is picked up by the next poll, without a restart.
        monkeypatch.setenv(credit_platform.pull_variable, credit_platform.pull_token)
        assert adapter.poll_once() == 1
    finally:
        adapter.stop()
    assert record_ids(port) == ["XY-1"]


def test_a_missing_credential_stops_start_with_a_config_error(
    feed_config: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    variable = feed_config["auth"]["token"].removeprefix("env:")
    monkeypatch.delenv(variable)
    with pytest.raises(ConfigError, match=variable):
        make(feed_config).start()


def test_items_that_are_not_objects_are_quarantined_once_and_the_feed_moves_on(
    credit_platform: CreditPlatformSimulator, feed_config: dict[str, Any]
) -> None:
    checkpoints = MemoryCheckpoints()
    credit_platform.emit(credit_record(0), "credit_record")
    credit_platform.add_raw_feed_item("垃圾")
    credit_platform.emit(credit_record(2), "credit_record")
    credit_platform.add_raw_feed_item({"seq": 4, "record": ["a", "list"]})
    credit_platform.add_raw_feed_item(42)  # the last item: the feed will serve it again
    port = RecordingPort("credit-platform", checkpoints)
    adapter = make(feed_config, port)
    assert adapter.poll_once() == 2
    assert adapter.poll_once() == 0  # served again, not quarantined again
    restarted = make(feed_config, RecordingPort("credit-platform", checkpoints))
    assert restarted.poll_once() == 0
    assert restarted.port.rejected == []  # type: ignore[attr-defined]

    assert record_ids(port) == ["XY-0", "XY-2"]
    assert [(r.body, r.problem.code, r.record_type) for r in port.rejected] == [
        ('"垃圾"'.encode(), "adapter.malformed", "credit_record"),
        (b'{"seq": 4, "record": ["a", "list"]}', "adapter.malformed", "credit_record"),
        (b"42", "adapter.malformed", "credit_record"),
    ]
    assert port.rejected[1].problem.path == "record"
    assert json.loads(checkpoints.values[WATERMARK_KEY])["cursor"] == "4"


@pytest.fixture
def typed_feed() -> Iterator[tuple[JsonServer, list[dict[str, Any]]]]:
    """A feed of items after or AT ``since`` (updated-at times, not unique), in order."""
    items: list[dict[str, Any]] = []

    def answer(request: Request) -> Reply:
        since = request.query.get("since", "")
        limit = int(request.query["limit"])
        return Reply(200, {"data": {"rows": [i for i in items if i["updated"] >= since][:limit]}})

    server = JsonServer({("GET", "/feed"): answer})
    server.start()
    yield server, items
    server.stop()


def test_shared_updated_at_times_are_taken_once_with_an_inclusive_cursor(
    typed_feed: tuple[JsonServer, list[dict[str, Any]]],
) -> None:
    server, items = typed_feed
    config = {"kind": "rest-pull", "url": f"{server.url}/feed", "items_path": "data.rows",
              "cursor_field": "updated", "cursor_inclusive": True, "id_field": "id",
              "record_type_field": "type", "record_path": "body", **FAST_POLL}
    stamp = "2026-11-20T10:00:00"
    items += [{"id": "a", "updated": stamp, "type": "inspection_result", "body": {"n": 1}},
              {"id": "b", "updated": stamp, "type": "inspection_result", "body": {"n": 2}}]
    port = RecordingPort("credit-platform")
    adapter = make(config, port)
    assert adapter.poll_once() == 2
    # Written in the same second, after the first poll: the feed serves a, b, c, d again.
    items += [{"id": "c", "updated": stamp, "type": "administrative_penalty", "body": {"n": 3}},
              {"id": "d", "updated": "2026-11-20T10:00:01", "type": "no such type!",
               "body": {"n": 4}}]
    assert adapter.poll_once() == 1
    assert adapter.poll_once() == 0
    assert [(json.loads(r.body)["n"], r.record_type, r.source_message_id)
            for r in port.submitted] == [(1, "inspection_result", "a"),
                                         (2, "inspection_result", "b"),
                                         (3, "administrative_penalty", "c")]
    (rejected,) = port.rejected
    assert rejected.problem.code == "adapter.unsupported" and rejected.record_type is None


def test_a_full_page_sharing_one_cursor_is_reported_not_looped_on(
    typed_feed: tuple[JsonServer, list[dict[str, Any]]],
) -> None:
    server, items = typed_feed
    items += [{"id": str(n), "updated": "2026-11-20", "body": {}} for n in range(3)]
    config = {"kind": "rest-pull", "url": f"{server.url}/feed", "items_path": "data.rows",
              "cursor_field": "updated", "cursor_inclusive": True, "id_field": "id",
              "record_type": "inspection_result", "record_path": "body", "page_size": 2}
    adapter = make(config)
    with pytest.raises(PermanentError, match="share one cursor"):
        adapter.poll_once()
    assert len(adapter.port.submitted) == 2  # type: ignore[attr-defined]


def test_an_answer_without_the_item_list_is_a_configuration_problem(
    credit_platform: CreditPlatformSimulator, feed_config: dict[str, Any]
) -> None:
    adapter = make({**feed_config, "items_path": "data.records"})
    adapter.start()
    try:
        with pytest.raises(PermanentError, match="no item list"):
            adapter.poll_once()
    finally:
        adapter.stop()


def test_basic_credentials_are_sent() -> None:
    expected = "Basic " + base64.b64encode(b"hub:s3cret").decode()
    seen: list[str | None] = []

    def answer(request: Request) -> Reply:
        seen.append(request.headers.get("Authorization"))
        return Reply(200, {"items": [{"seq": 1, "r": {"a": 1}}]})

    server = JsonServer({("GET", "/feed"): answer})
    server.start()
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("FEED_PASSWORD", "s3cret")
            adapter = make({"kind": "rest-pull", "url": f"{server.url}/feed",
                            "auth": {"type": "basic", "username": "hub",
                                     "password": "env:FEED_PASSWORD"},
                            "cursor_field": "seq", "record_type": "credit_record",
                            "record_path": "r"})
            assert adapter.poll_once() == 1
            adapter.stop()
    finally:
        server.stop()
    assert seen[-1] == expected


def test_stop_during_a_slow_poll_waits_for_it_and_keeps_the_watermark_exact(
    credit_platform: CreditPlatformSimulator, feed_config: dict[str, Any]
) -> None:
    checkpoints = MemoryCheckpoints()
    for n in range(3):
        credit_platform.emit(credit_record(n), "credit_record")
    port = RecordingPort("credit-platform", checkpoints)
    adapter = make(feed_config, port)
    with credit_platform.server.slow(0.5):
        adapter.start()
        time.sleep(0.1)  # the first request is in flight
        started = time.monotonic()
        adapter.stop()
        assert time.monotonic() - started < 2
    assert not any(t.name.startswith("poll:rest-pull") for t in threading.enumerate())
    taken = len(port.submitted)
    stored = checkpoints.values.get(WATERMARK_KEY)
    assert (json.loads(stored)["cursor"] if stored else None) == (str(taken) if taken else None)
    adapter.stop()  # idempotent


@pytest.mark.parametrize("change, message", [
    ({"record_type_field": "type"}, "exactly one of record_type and record_type_field"),
    ({"cursor_inclusive": True, "id_field": None}, "cursor_inclusive needs id_field"),
    ({"auth": {"type": "bearer", "token": "abc123"}}, "by reference"),
    ({"url": "ftp://example/feed"}, "not an http"),
    ({"items_path": "a..b"}, "not a dotted path"),
    ({"headers": {"Authorization": "Bearer abc"}}, "credentials go in auth"),
    ({"record_type": "Credit-Record"}, "not a record type id"),
])
def test_inconsistent_configs_are_refused(
    feed_config: dict[str, Any], change: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        RestPullConfig.model_validate({**feed_config, **change})


def test_a_feed_that_ignores_the_watermark_is_reported_not_taken_again() -> None:
    items = [{"seq": n, "r": {"n": n}} for n in range(1, 5)]
    server = JsonServer({("GET", "/feed"): lambda request: Reply(200, {"items": items[:2]})})
    server.start()
    port = RecordingPort("credit-platform")
    adapter = make({"kind": "rest-pull", "url": f"{server.url}/feed", "cursor_field": "seq",
                    "record_type": "credit_record", "record_path": "r", "page_size": 2}, port)
    try:
        with pytest.raises(PermanentError, match="honour 'since'"):
            adapter.poll_once()
    finally:
        adapter.stop()
        server.stop()
    assert [json.loads(r.body)["n"] for r in port.submitted] == [1, 2]
