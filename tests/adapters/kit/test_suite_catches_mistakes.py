"""Each conformance check can fail: run against careless adapters (examples/careless.py) in a
separate pytest process, exactly the checks their mistakes break fail, and the others pass."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from importlib.metadata import entry_points
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
SUITE = Path(__file__).with_name("examples") / "careless_suite.py"
PLUGIN = "adapters.testing.plugin"

CARELESS_OUT_FAILS = {
    "test_config_refuses_unknown_keys",
    "test_every_config_option_has_a_description",
    "test_credential_options_are_secret_references",
    "test_config_never_shows_a_resolved_secret",
    "test_kind_mode_and_direction_are_declared_and_match_the_registry",
    "test_stop_leaves_no_thread_or_listening_socket",
    "test_delivering_the_same_record_twice_leaves_one",
    "test_an_outage_is_a_transient_error_and_the_record_arrives_after_it",
}
CARELESS_OUT_PASSES = {
    "test_config_model_extends_the_sdk_base",
    "test_start_returns_promptly",
    "test_health_is_ok_once_running",
    "test_stop_is_idempotent_and_safe_without_start",
    "test_a_delivered_record_is_held_by_the_system",
    "test_a_refusal_is_a_permanent_error_and_nothing_is_stored",
}
CARELESS_IN_FAILS = {
    "test_config_model_extends_the_sdk_base",
    "test_records_offered_during_an_outage_arrive_after_it",
    "test_a_bad_record_is_rejected_once_with_a_reason_code_and_its_bytes",
    "test_nothing_is_marked_taken_while_the_hub_refuses_records",
}
CARELESS_IN_PASSES = {
    "test_config_refuses_unknown_keys",
    "test_every_config_option_has_a_description",
    "test_credential_options_are_secret_references",
    "test_kind_mode_and_direction_are_declared_and_match_the_registry",
    "test_start_returns_promptly",
    "test_health_is_ok_once_running",
    "test_stop_is_idempotent_and_safe_without_start",
    "test_stop_leaves_no_thread_or_listening_socket",
    "test_offered_records_are_submitted",
    "test_a_restart_with_the_same_checkpoints_submits_nothing_again",
}


def _outcomes(report: Path) -> dict[tuple[str, str], tuple[str, str]]:
    """(class, test) -> (outcome, message) from a JUnit XML report."""
    found = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        cls = case.get("classname", "").rsplit(".", 1)[-1]
        outcome, message = "passed", ""
        for tag in ("failure", "error", "skipped"):
            element = case.find(tag)
            if element is not None:
                outcome, message = tag, element.get("message", "")
        found[(cls, case.get("name", ""))] = (outcome, message)
    return found


Outcomes = dict[tuple[str, str], tuple[str, str]]


@pytest.fixture(scope="module")
def careless_run(tmp_path_factory: pytest.TempPathFactory) -> Outcomes:
    """The suite run once against every careless adapter (the slow starter: its start check)."""
    report = tmp_path_factory.mktemp("careless") / "report.xml"
    installed = any(ep.value == PLUGIN for ep in entry_points(group="pytest11"))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", str(SUITE), "-p", "no:cacheprovider", "-q",
         *([] if installed else ["-p", PLUGIN]),
         f"--junitxml={report}", "-k", "not TestSlowStart or test_start_returns_promptly"],
        cwd=REPO, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-2000:]
    return _outcomes(report)


def _results(outcomes: Outcomes, cls: str, outcome: str) -> set[str]:
    return {name for (c, name), (o, _) in outcomes.items() if c == cls and o == outcome}


def test_each_check_fails_for_the_mistake_it_guards_against(careless_run: Outcomes) -> None:
    assert _results(careless_run, "TestCarelessOut", "failure") == CARELESS_OUT_FAILS
    assert _results(careless_run, "TestCarelessOut", "passed") == CARELESS_OUT_PASSES
    assert _results(careless_run, "TestCarelessIn", "failure") == CARELESS_IN_FAILS
    assert _results(careless_run, "TestCarelessIn", "passed") == CARELESS_IN_PASSES
    assert _results(careless_run, "TestCarelessIn", "skipped") == {
        "test_config_never_shows_a_resolved_secret"}
    assert _results(careless_run, "TestSlowStart", "failure") == {"test_start_returns_promptly"}
    errors = {c for (c, _), (o, _) in careless_run.items() if o == "error"}
    assert errors == {"TestForgotTheHarness"}, f"checks that errored instead of failing: {errors}"


def test_a_test_class_without_a_harness_is_told_how_to_write_one(careless_run: Outcomes) -> None:
    forgot = {name: result for (cls, name), result in careless_run.items()
              if cls == "TestForgotTheHarness"}
    needing = {name for name, (outcome, _) in forgot.items() if outcome == "error"}
    class_only = {"test_config_model_extends_the_sdk_base",
                  "test_every_config_option_has_a_description",
                  "test_credential_options_are_secret_references"}
    assert needing == set(forgot) - class_only and len(needing) == 11
    for name in needing:
        assert "needs a 'harness' fixture" in forgot[name][1]


def test_failure_messages_name_what_to_fix(careless_run: Outcomes) -> None:
    messages = {name: message for (cls, name), (_, message) in careless_run.items()
                if cls == "TestCarelessOut"}
    leak = messages["test_stop_leaves_no_thread_or_listening_socket"]
    assert "thread 'careless-keepalive'" in leak and "listening socket tcp 127.0.0.1:" in leak
    assert "raised PermanentError" in messages[
        "test_an_outage_is_a_transient_error_and_the_record_arrives_after_it"]
    assert "content_hash as the idempotency key" in messages[
        "test_delivering_the_same_record_twice_leaves_one"]
    assert "repr(config)" in messages["test_config_never_shows_a_resolved_secret"]
    assert "extra='forbid'" in messages["test_config_refuses_unknown_keys"]
