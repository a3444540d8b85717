"""Delivery keys: the first claim of (destination, content hash) wins, under any concurrency."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from hub.journal import Journal

HASH = "sha256:" + "ab" * 32


def test_the_first_claim_wins_and_a_repeat_is_a_duplicate(journal: Journal) -> None:
    keys = journal.delivery_keys
    assert keys.claim("tax", HASH, "m1") is True
    assert keys.claim("tax", HASH, "m2") is False


def test_destinations_and_hashes_are_claimed_independently(journal: Journal) -> None:
    keys = journal.delivery_keys
    assert keys.claim("tax", HASH, "m1") is True
    assert keys.claim("city-platform", HASH, "m1") is True
    assert keys.claim("tax", "sha256:other", "m3") is True


def test_a_released_claim_can_be_claimed_again(journal: Journal) -> None:
    keys = journal.delivery_keys
    assert keys.claim("tax", HASH, "m1") is True
    assert keys.release("tax", HASH) is True
    assert keys.release("tax", HASH) is False
    assert keys.claim("tax", HASH, "m1") is True


def _race(claimers: list[Callable[[], bool]]) -> list[bool]:
    """Run every claimer at the same moment; their results."""
    start = threading.Barrier(len(claimers))

    def run(claim: Callable[[], bool]) -> bool:
        start.wait()
        return claim()

    with ThreadPoolExecutor(max_workers=len(claimers)) as pool:
        return list(pool.map(run, claimers))


def test_of_many_threads_claiming_one_key_at_once_exactly_one_wins(journal: Journal) -> None:
    keys = journal.delivery_keys
    for round_ in range(5):
        content_hash = f"{HASH}-{round_}"
        results = _race([partial(keys.claim, "tax", content_hash, f"m{n}") for n in range(12)])
        assert results.count(True) == 1


def test_of_two_journal_connections_claiming_one_key_at_once_exactly_one_wins(
    open_journal: Callable[..., Journal],
) -> None:
    # Two Journals have two engines, as two worker processes would.
    first, second = open_journal().delivery_keys, open_journal().delivery_keys
    for round_ in range(10):
        content_hash = f"{HASH}-{round_}"
        results = _race(
            [
                partial(first.claim, "tax", content_hash, "m-first"),
                partial(second.claim, "tax", content_hash, "m-second"),
            ]
            * 3
        )
        assert results.count(True) == 1


def test_delivered_reads_a_mark_without_taking_a_claim(journal) -> None:
    keys = journal.delivery_keys
    assert keys.delivered("tax", "sha256:ab") is False
    assert keys.delivered("tax", "sha256:ab") is False, "asking does not mark"
    keys.mark_delivered("tax", "sha256:ab", "m-1")
    keys.mark_delivered("tax", "sha256:ab", "m-2")  # a second mark changes nothing
    assert keys.delivered("tax", "sha256:ab") is True
    assert keys.delivered("market", "sha256:ab") is False, "keys are per destination"
