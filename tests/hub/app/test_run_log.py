"""What ``hub run`` logs of each input: refusals at WARNING, deliveries at DEBUG only, and a
periodic INFO tally."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from hub.app.cli.run import _OutcomeLog
from hub.pipeline.forms import Outcome
from schemas.contract.messages import InboundMessage
from schemas.contract.problems import Problem
from schemas.contract.states import OutcomeStatus


def _outcome(n: int, status: OutcomeStatus) -> Outcome:
    problems = () if status == OutcomeStatus.DELIVERED else (
        Problem("record.invalid_date", "decision_date", "no such date"),)
    return Outcome(status, InboundMessage(b"{}", "market.administrative_penalty"), f"m{n}",
                   "market", "administrative_penalty", (), datetime(2026, 12, 7, tzinfo=UTC),
                   f"c{n}", destinations=("city-platform",), problems=problems)


def test_deliveries_are_debug_refusals_warnings_and_a_tally_comes_each_minute(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [0.0]
    outcomes = _OutcomeLog(every=60, clock=lambda: now[0])
    caplog.set_level(logging.INFO, logger="hub.run")
    for n in range(5):
        outcomes(_outcome(n, OutcomeStatus.DELIVERED))
    outcomes(_outcome(5, OutcomeStatus.REJECTED))
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("WARNING", "m5 administrative_penalty from market rejected: record.invalid_date")]
    now[0] = 61.0
    outcomes(_outcome(6, OutcomeStatus.DELIVERED))
    assert caplog.records[-1].levelname == "INFO"
    assert caplog.records[-1].getMessage() == "7 inputs in the last 61 s: 6 delivered, 1 rejected"

    caplog.clear()
    caplog.set_level(logging.DEBUG, logger="hub.run")
    outcomes(_outcome(7, OutcomeStatus.DELIVERED))
    assert [r.getMessage() for r in caplog.records] == [
        "m7 administrative_penalty from market -> city-platform"]
