"""``rest-pull``: a page the hub's strict JSON reader refuses is quarantined once, with its reason.

Over real HTTP (the credit platform simulator answering a broken page from a position on): the
page goes to ``port.reject`` once however often it is served, the watermark stays before it,
health stays down, and once the system fixes the page the records after the watermark flow.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from adapters.rest.pull import (
    REFUSED_PAGE_KEY,
    WATERMARK_KEY,
    RestPullAdapter,
    RestPullConfig,
)
from adapters.rest.pull_refusal import PAGE_HEAD_BYTES, RefusedPage, bounded_page
from adapters.sdk import PermanentError, TransientError
from adapters.simulators.credit_platform import CreditPlatformSimulator
from adapters.testing import MemoryCheckpoints, RecordingPort
from tests.adapters.rest.harness import FAST_POLL, as_port, credit_record

#: Pages the strict reader refuses: (name, body, the reader's code, the adapter's code).
BAD_PAGES: list[tuple[str, bytes, str, str]] = [
    ("duplicate_key", b'{"items": [], "items": []}', "json.duplicate_key", "adapter.malformed"),
    ("lone_surrogate", b'{"items": [{"seq": 3, "x": "\\ud800"}]}', "json.lone_surrogate",
     "adapter.malformed"),
    ("deep_nesting", b'{"items": ' + b"[" * 5000 + b"]" * 5000 + b"}", "json.too_deep",
     "adapter.malformed"),
    ("huge_number", b'{"items": [{"seq": ' + b"9" * 5000 + b"}]}", "json.number_too_large",
     "adapter.malformed"),
    ("utf16", '{"items": []}'.encode("utf-16"), "json.encoding_unsupported", "adapter.encoding"),
]


def make(config: dict[str, Any], port: RecordingPort) -> RestPullAdapter:
    return RestPullAdapter(RestPullConfig.model_validate(config), system="credit-platform",
                           port=as_port(port))


def record_ids(port: RecordingPort) -> list[str]:
    return [json.loads(r.body)["record_id"] for r in port.submitted]


@pytest.fixture
def feed_config(credit_platform: CreditPlatformSimulator) -> dict[str, Any]:
    return {**credit_platform.pull_entry(), **FAST_POLL}


@pytest.mark.parametrize(("name", "page", "code", "adapter_code"), BAD_PAGES,
                         ids=[name for name, *_ in BAD_PAGES])
def test_a_refused_page_is_quarantined_once_and_nothing_after_it_is_skipped(
    credit_platform: CreditPlatformSimulator, feed_config: dict[str, Any],
    name: str, page: bytes, code: str, adapter_code: str,
) -> None:
    checkpoints = MemoryCheckpoints()
    port = RecordingPort("credit-platform", checkpoints)
    adapter = make(feed_config, port)
    for n in (1, 2):
        credit_platform.emit(credit_record(n), "credit_record")
    assert adapter.poll_once() == 2
    watermark = checkpoints.values[WATERMARK_KEY]
    for n in (3, 4):
        credit_platform.emit(credit_record(n), "credit_record")
    credit_platform.break_feed(page, since=2)

    for _ in range(3):
        with pytest.raises(PermanentError, match=code):
            adapter.poll_once()
        assert not adapter.health().ok
    restarted = make(feed_config, RecordingPort("credit-platform", checkpoints))
    with pytest.raises(PermanentError, match="served unchanged"):
        restarted.poll_once()  # a restart does not quarantine it again either

    (rejection,) = port.rejected
    assert rejection.body == page
    assert rejection.problem.code == adapter_code
    assert rejection.problem.message.startswith(code + ":"), rejection.problem.message
    assert "since=2" in rejection.problem.message
    assert rejection.record_type == "credit_record"
    assert checkpoints.values[WATERMARK_KEY] == watermark  # the watermark stays
    refused = RefusedPage.loads(checkpoints.values[REFUSED_PAGE_KEY])
    assert refused is not None and refused.sha256 == hashlib.sha256(page).hexdigest()
    assert refused.since == "2"

    credit_platform.break_feed(None)  # the system fixes the page
    assert adapter.poll_once() == 2
    assert adapter.health().ok
    assert record_ids(port) == ["XY-1", "XY-2", "XY-3", "XY-4"]
    assert len(port.rejected) == 1
    assert json.loads(checkpoints.values[WATERMARK_KEY])["cursor"] == "4"
    assert RefusedPage.loads(checkpoints.values[REFUSED_PAGE_KEY]) is None


def test_a_page_broken_differently_is_quarantined_again(
    credit_platform: CreditPlatformSimulator, feed_config: dict[str, Any]
) -> None:
    port = RecordingPort("credit-platform")
    adapter = make(feed_config, port)
    first, second = BAD_PAGES[0][1], BAD_PAGES[1][1]
    credit_platform.break_feed(first)
    with pytest.raises(PermanentError):
        adapter.poll_once()
    credit_platform.break_feed(second)
    with pytest.raises(PermanentError):
        adapter.poll_once()
    with pytest.raises(PermanentError):
        adapter.poll_once()
    assert [r.body for r in port.rejected] == [first, second]


def test_a_refused_page_is_quarantined_after_the_hub_was_away(
    credit_platform: CreditPlatformSimulator, feed_config: dict[str, Any]
) -> None:
    port = RecordingPort("credit-platform")
    adapter = make(feed_config, port)
    credit_platform.break_feed(BAD_PAGES[0][1])
    port.failing = True
    with pytest.raises(TransientError):
        adapter.poll_once()
    assert port.checkpoints.get(REFUSED_PAGE_KEY) is None  # not remembered: not quarantined
    port.failing = False
    with pytest.raises(PermanentError, match="quarantined as"):
        adapter.poll_once()
    assert len(port.rejected) == 1


def test_a_refused_page_over_the_size_limit_is_quarantined_as_its_head(
    credit_platform: CreditPlatformSimulator, feed_config: dict[str, Any]
) -> None:
    page = b'{"items": [], "padding": "' + b"x" * 20_000 + b'", "items": []}'
    port = RecordingPort("credit-platform")
    adapter = make({**feed_config, "max_message_bytes": 10_000}, port)
    credit_platform.break_feed(page)
    with pytest.raises(PermanentError, match="json.duplicate_key"):
        adapter.poll_once()
    (rejection,) = port.rejected
    assert rejection.body == page[:PAGE_HEAD_BYTES]
    assert f"the page has {len(page)} bytes" in rejection.problem.message
    assert hashlib.sha256(page).hexdigest() in rejection.problem.message


def test_bounded_page_keeps_a_page_within_the_limit_whole() -> None:
    assert bounded_page(b"x" * 100, 100) == (b"x" * 100, "")
    head, note = bounded_page(b"x" * 101, 100)
    assert head == b"x" * 100 and "101 bytes" in note  # never more than the limit itself


def test_an_unreadable_remembered_page_is_forgotten_not_fatal() -> None:
    assert RefusedPage.loads("") is None
    assert RefusedPage.loads("not json") is None
    assert RefusedPage.loads('{"since": "2"}') is None
    page = RefusedPage("ab", None, "id-1")
    assert RefusedPage.loads(page.dumps()) == page


def test_a_page_over_max_page_bytes_is_refused_unread_and_asked_for_again(
    credit_platform: CreditPlatformSimulator, feed_config: dict[str, Any],
) -> None:
    """A system answering without end cannot exhaust the hub's memory: the answer is read as it
    arrives and refused past the bound; the watermark stays, so nothing is skipped."""
    checkpoints = MemoryCheckpoints()
    port = RecordingPort("credit-platform", checkpoints)
    for n in (1, 2):
        credit_platform.emit(credit_record(n), "credit_record")
    small = make({**feed_config, "max_page_bytes": 200}, port)
    with pytest.raises(PermanentError, match="over 200 bytes"):
        small.poll_once()
    assert port.submitted == [] and port.rejected == [] and WATERMARK_KEY not in checkpoints.values
    assert not small.health().ok
    assert make(feed_config, port).poll_once() == 2  # the same page, within the default bound
