"""The CLI in-process: verdicts, route checks, connectivity checks and their exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from hub.app.cli import main
from hub.app.demo import SAMPLES
from schemas.contract.errors import BrokerUnavailable
from tests.hub.conftest import RECORDS
from transforms.transform_errors import MappingFileError


def _run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def _lines(result: Result) -> list[dict]:
    return [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]


def test_validate_a_valid_credit_code() -> None:
    result = _run("validate", "--credit-code", "91310112087994932F")
    assert result.exit_code == 0
    assert _lines(result) == [
        {"input": "91310112087994932F", "valid": True, "status": "valid", "problems": []}]


def test_validate_the_standards_invalid_example_names_the_reason() -> None:
    result = _run("validate", "--credit-code", "91350100M000100Y4Z")
    assert result.exit_code == 1
    [verdict] = _lines(result)
    assert (verdict["valid"], verdict["status"]) == (False, "invalid")
    assert verdict["problems"][0]["code"].startswith("credit_code.")


@pytest.mark.parametrize(
    ("code", "allowed", "status", "reason"),
    [
        # The standard's worked example with a wrong check character: its organisation code
        # M000100Y4 is self-consistent, the signature of a code issued with a wrong check character.
        ("91350100M000100Y44", (), "review", "credit_code.suspect"),
        # A digit of the organisation code changed too: a mistyped code...
        ("91350100M000200Y44", (), "invalid", "credit_code.checksum"),
        # ...unless the shipped allow-list names it.
        ("91350100M000200Y44", ("91350100M000200Y44",), "review", "credit_code.nonconforming"),
    ],
    ids=["suspect", "mistyped", "allow-listed"],
)
def test_validate_holds_a_check_character_failure_for_review_only_when_it_looks_real(
    monkeypatch: pytest.MonkeyPatch, code: str, allowed: tuple[str, ...], status: str, reason: str
) -> None:
    monkeypatch.setattr("schemas.credit_code.shipped_nonconforming_codes",
                        lambda: frozenset(allowed))
    result = _run("validate", "--credit-code", code)
    assert result.exit_code == 1, "a code nothing has confirmed is not valid"
    [verdict] = _lines(result)
    assert (verdict["valid"], verdict["status"]) == (False, status)
    assert [p["code"] for p in verdict["problems"]] == [reason]
    assert (status == "review") == ("legal-entity library decides" in verdict["problems"][0]["message"])


def test_validate_says_when_a_logged_repair_would_fix_a_code() -> None:
    result = _run("validate", "--credit-code", "９１３１０１１２０８７９９４９３２ｆ")
    assert result.exit_code == 1, "the strict check does not repair"
    [verdict] = _lines(result)
    assert verdict["repairable_to"] == "91310112087994932F"


def test_validate_records_prints_one_verdict_per_record_with_codes_and_paths() -> None:
    result = _run(
        "validate", "--type", "administrative_licence",
        str(RECORDS / "licence.json"), str(SAMPLES / "water-licence-missing-fields.json"),
    )
    assert result.exit_code == 1
    good, bad = _lines(result)
    assert good["valid"] is True and good["credit_code"] == "91310112087994932F"
    assert bad["valid"] is False
    assert {"code": "field.missing", "path": "decision_date"} in [
        {"code": p["code"], "path": p["path"]} for p in bad["problems"]
    ]


def test_validate_gives_a_verdict_not_a_crash_for_hostile_json(tmp_path: Path) -> None:
    # Deep nesting crashed `hub validate` (RecursionError); a 5000-digit integer was an error.
    cases = {
        "deep.json": (b"[" * 100_000 + b"]" * 100_000, "json.too_deep"),
        "huge.json": (b'{"licence_number": ' + b"9" * 5000 + b"}", "json.number_too_large"),
        "twice.json": (b'{"licence_number": "a", "licence_number": "b"}', "json.duplicate_key"),
    }
    for name, (body, _) in cases.items():
        (tmp_path / name).write_bytes(body)
    result = _run("validate", "--type", "administrative_licence",
                  *(str(tmp_path / name) for name in cases))
    assert result.exit_code == 1
    verdicts = _lines(result)
    assert [(v["valid"], v["problems"][0]["code"]) for v in verdicts] == [
        (False, code) for _, code in cases.values()]


def test_validate_xml_takes_the_record_type_from_the_root_element() -> None:
    result = _run("validate", str(RECORDS / "licence.xml"))
    assert result.exit_code == 0
    assert _lines(result)[0]["record_type"] == "administrative_licence"


def test_routes_lint_passes_on_the_shipped_route_files() -> None:
    result = _run("routes", "lint")
    assert result.exit_code == 0, result.output
    assert _lines(result) == [{"ok": True, "message": "route files are clean"}]


def test_routes_test_shows_each_destination_and_the_rule_that_sent_it() -> None:
    result = _run(
        "routes", "test", str(SAMPLES / "registrations.json"),
        "--source", "legal-entity-library", "--type", "enterprise_registration",
    )
    assert result.exit_code == 0
    matched, unmatched = _lines(result)
    assert set(matched["destinations"]) == {
        "city-platform", "market", "construction", "supervision-db"}
    assert {"destination": "construction", "rule": "dual-notification-establishment"} in [
        {"destination": m["destination"], "rule": m["rule"]} for m in matched["matches"]
    ]
    assert "claim" in unmatched["destinations"]


def test_routes_test_on_a_bad_record_exits_1_with_the_reason() -> None:
    result = _run(
        "routes", "test", str(SAMPLES / "police-penalty-bad-credit-code.json"),
        "--source", "police", "--type", "administrative_penalty",
    )
    assert result.exit_code == 1
    assert _lines(result)[0]["problems"][0]["code"] == "credit_code.checksum"


def test_check_on_the_embedded_broker_declares_the_topology(tmp_path: Path) -> None:
    result = _run("check", env={"HUB_DATA_DIR": str(tmp_path), "HUB_BROKER_URL": ""})
    assert result.exit_code == 0, result.output
    [report] = _lines(result)
    assert report["broker_status"] == "ok" and report["embedded"] is True
    assert report["queues_declared"] > 50


def test_check_exits_3_when_the_broker_cannot_be_reached() -> None:
    result = _run("--broker-url", "amqp://guest:guest@127.0.0.1:1//", "check")
    assert result.exit_code == 3
    assert "broker unavailable" in result.output


def test_a_bad_config_file_exits_2_naming_the_key(tmp_path: Path) -> None:
    config = tmp_path / "hub.yaml"
    config.write_text("queue_typ: quorum\n", encoding="utf-8")
    result = _run("--config", str(config), "check")
    assert result.exit_code == 2
    assert "queue_typ" in result.output


BROKEN_MAPPINGS = [
    pytest.param("system: police\nmappings: [\n  bad", "while parsing a flow sequence", id="yaml"),
    pytest.param("system: police\nmappings: []\n", "description: Field required", id="field"),
]


@pytest.mark.parametrize("command", [
    ["check"],
    ["validate", "--source", "police", "--type", "administrative_licence",
     str(RECORDS / "licence.json")],
])
@pytest.mark.parametrize(("text", "problem"), BROKEN_MAPPINGS)
def test_a_broken_mapping_file_exits_2_with_one_line_naming_it(
    tmp_path: Path, command: list[str], text: str, problem: str
) -> None:
    mapping = tmp_path / "mappings" / "police.yaml"
    mapping.parent.mkdir()
    mapping.write_text(text, encoding="utf-8")
    env = {"HUB_MAPPINGS_DIR": str(mapping.parent), "HUB_DATA_DIR": str(tmp_path),
           "HUB_BROKER_URL": ""}
    result = _run(*command, env=env)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith(f"configuration error: {mapping}: ") and problem in line


def test_the_hub_group_gives_every_command_the_exit_codes() -> None:
    @main.command("raises-in-test")
    def raises() -> None:
        raise MappingFileError("sources/police.yaml", "mappings.0.xslt", "x.xsl does not exist")

    @main.command("broker-away-in-test")
    def broker_away() -> None:
        raise BrokerUnavailable("amqp://127.0.0.1:1//: connection refused")

    try:
        config = _run("raises-in-test")
        broker = _run("broker-away-in-test")
    finally:
        del main.commands["raises-in-test"], main.commands["broker-away-in-test"]
    assert config.exit_code == 2
    assert config.stderr == ("configuration error: sources/police.yaml: mappings.0.xslt: "
                             "x.xsl does not exist\n")
    assert broker.exit_code == 3
    assert broker.stderr == "broker unavailable: amqp://127.0.0.1:1//: connection refused\n"


def test_send_publishes_one_message_per_record_and_reports_each(tmp_path: Path) -> None:
    env = {"HUB_DATA_DIR": str(tmp_path), "HUB_BROKER_URL": ""}
    result = _run(
        "send", "--source", "legal-entity-library", "--type", "enterprise_registration",
        str(SAMPLES / "registrations.json"), env=env,
    )
    assert result.exit_code == 0, result.output
    sent = _lines(result)
    assert [s["routing_key"] for s in sent] == ["legal-entity-library.enterprise_registration"] * 2
    [report] = _lines(_run("check", env=env))
    assert report["inbound_depth"] == 2


@pytest.mark.parametrize("reply_to", ["hub.out.tax", "hub.reply.tax.x", "amq.rabbitmq.reply-to"])
def test_send_refuses_a_reply_to_that_is_not_the_sources_own_and_publishes_nothing(
    tmp_path: Path, reply_to: str,
) -> None:
    env = {"HUB_DATA_DIR": str(tmp_path), "HUB_BROKER_URL": ""}
    result = _run("send", "--source", "market", "--type", "administrative_licence",
                  "--reply-to", reply_to, str(RECORDS / "licence.json"), env=env)
    assert result.exit_code == 2 and "hub.reply.market.<name>" in result.output, result.output
    [report] = _lines(_run("check", env=env))
    assert report["inbound_depth"] == 0
    own = _run("send", "--source", "market", "--type", "administrative_licence",
               "--reply-to", "hub.reply.market.x", str(RECORDS / "licence.json"), env=env)
    assert own.exit_code == 0, own.output
