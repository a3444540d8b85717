"""The library's verdict on a record under review, without a broker: which codes are asked
about under which names, and when a code counts as verified."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from typing import Any

import pytest

import schemas
from adapters.sdk import EntityLookup, LegalEntity
from hub.review import Undecidable, Unverified, Verified, verify
from hub.review.names import (
    NAME_FIELDS,
    codes_under_review,
    registration_ended,
    same_name,
)
from schemas.contract.envelope import Envelope
from schemas.contract.errors import PermanentError, TransientError
from schemas.paths import credit_code_values
from tests.hub.conftest import RECORDS

PILOT = "91350100M000100Y44"  # invented: valid characters, wrong check character
OTHER_PILOT = "91350100M000100Y45"
NAME = "上海闵行示例餐饮有限公司"
AUTHORITY = "上海市闵行区市场监督管理局"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
LICENCE = json.loads((RECORDS / "licence.json").read_bytes())


class FakeLibrary(EntityLookup):
    """The lookup port's contract, from a dict; ``failure`` is raised instead when set."""

    def __init__(self, entities: dict[str, LegalEntity], failure: Exception | None = None) -> None:
        self.entities = entities
        self.failure = failure
        self.asked: list[str] = []

    def lookup(self, credit_code: str) -> LegalEntity | None:
        self.asked.append(credit_code)
        if self.failure is not None:
            raise self.failure
        return self.entities.get(credit_code)

    def close(self) -> None:
        pass


def entity(code: str = PILOT, name: str = NAME, status: str | None = "存续") -> LegalEntity:
    return LegalEntity(credit_code=code, name=name, registration_authority=AUTHORITY, status=status)


def envelope(record_type: str = "administrative_licence", **changes: Any) -> Envelope:
    payload = {**LICENCE, "party": {**LICENCE["party"], "credit_code": PILOT}} \
        if record_type == "administrative_licence" else {}
    payload.update(changes)
    verdict = schemas.validate_record(record_type, payload,
                                      nonconforming_codes={PILOT, OTHER_PILOT})
    assert verdict.status == "review" and verdict.record is not None, verdict.problems
    return Envelope(message_id="m-1", correlation_id="c-1", source="market",
                    record_type=record_type, schema_version="1.0", received_at=NOW,
                    content_hash="sha256:x", credit_code=verdict.credit_code,
                    payload=verdict.record)


def test_every_credit_code_field_of_the_standard_is_paired_with_its_holders_name() -> None:
    for record_type in schemas.RECORD_TYPES:
        if record_type == "feedback":
            continue
        fields = _credit_code_fields(schemas.model_for(record_type, "1.0"))
        assert set(NAME_FIELDS[record_type]) == fields, record_type


def _credit_code_fields(model: Any, prefix: str = "") -> set[str]:
    from schemas.paths import fields_of

    found = set()
    for spot in fields_of(model, prefix):
        if spot.credit_code is not None:
            found.add(spot.path)
        if spot.block is not None:
            found |= _credit_code_fields(spot.block, f"{spot.path}.")
    return found


def test_only_codes_failing_the_check_are_asked_about_each_with_the_name_beside_it() -> None:
    record = envelope(authority_credit_code=OTHER_PILOT).payload
    found = codes_under_review("administrative_licence", "1.0", record)
    assert [(c.path, c.credit_code, c.name) for c in found] == [
        ("party.credit_code", PILOT, NAME), ("authority_credit_code", OTHER_PILOT, AUTHORITY)]
    model = schemas.model_for("administrative_licence", "1.0")
    assert len(list(credit_code_values(model, record))) == 3  # the valid data-source code is skipped


@pytest.mark.parametrize(("registered", "given", "same"), [
    ("上海某某（集团）有限公司", "上海某某(集团)有限公司", True),
    ("上海闵行示例餐饮有限公司", " 上海闵行\u3000示例餐饮有限公司\u00a0", True),
    ("ＡＢＣ贸易有限公司", "ABC贸易有限公司", True),
    ("上海闵行示例餐饮有限公司", "上海闵行示例饮食有限公司", False),
    ("", "  ", False),
])
def test_names_compare_across_width_and_blanks_only(registered: str, given: str, same: bool) -> None:
    assert same_name(registered, given) is same


@pytest.mark.parametrize(("status", "ended"), [
    ("注销", True), ("吊销，未注销", True), ("吊销，已注销", True), ("撤销", True),
    ("存续", False), ("在业", False), ("迁出", False), ("清算", False), (None, False),
])
def test_deregistered_revoked_and_cancelled_registrations_have_ended(
    status: str | None, ended: bool
) -> None:
    assert registration_ended(status) is ended


def test_a_known_code_under_the_records_name_and_a_live_status_is_verified() -> None:
    library = FakeLibrary({PILOT: entity(name=" 上海闵行示例餐饮有限公司")})
    verdict = verify(envelope(), library, NOW)
    assert isinstance(verdict, Verified)
    [found] = verdict.entities
    assert (found.path, found.credit_code, found.name, found.registration_authority,
            found.status, found.verified_at) == (
        "party.credit_code", PILOT, " 上海闵行示例餐饮有限公司", AUTHORITY, "存续", NOW)
    [note] = verdict.notes
    assert note.code == "credit_code.verified" and note.path == "party.credit_code"
    assert PILOT in note.message and AUTHORITY in note.message and "存续" in note.message


@pytest.mark.parametrize(("entities", "why"), [
    ({}, "is not registered in the legal-entity library"),
    ({PILOT: entity(name="上海另一家公司")}, "is registered to 上海另一家公司, not to the 上海闵行示例餐饮有限公司"),
    ({PILOT: entity(status="注销")}, "has registration status 注销"),
    ({PILOT: entity(status="吊销，未注销")}, "has registration status 吊销，未注销"),
    ({PILOT: entity(code=OTHER_PILOT)}, f"answered for {OTHER_PILOT}, not {PILOT}"),
], ids=["unknown", "other-name", "deregistered", "revoked", "other-code"])
def test_a_code_the_library_does_not_confirm_is_unverified_saying_why(
    entities: dict[str, LegalEntity], why: str
) -> None:
    verdict = verify(envelope(), FakeLibrary(entities), NOW)
    assert isinstance(verdict, Unverified)
    [problem] = verdict.problems
    assert (problem.code, problem.path) == ("credit_code.unverified", "party.credit_code")
    assert why in problem.message


def test_every_code_under_review_must_be_confirmed() -> None:
    library = FakeLibrary({PILOT: entity()})
    verdict = verify(envelope(authority_credit_code=OTHER_PILOT), library, NOW)
    assert isinstance(verdict, Unverified)
    assert [p.path for p in verdict.problems] == ["authority_credit_code"]
    assert library.asked == [PILOT, OTHER_PILOT]


def test_a_record_naming_no_holder_for_its_code_is_left_to_people_without_a_lookup() -> None:
    report = {"discipline_id": "LHCJ-2024-0008", "enforcing_department": "commerce",
              "target_credit_code": PILOT, "status": "received"}
    library = FakeLibrary({PILOT: entity()})
    with pytest.raises(Undecidable, match="does not name its holder") as raised:
        verify(envelope("discipline_report", **report), library, NOW)
    assert raised.value.code == "review.undecidable"
    assert library.asked == []


def test_a_record_without_a_code_under_review_is_left_to_people() -> None:
    clean = envelope().model_copy(update={"payload": LICENCE})
    with pytest.raises(Undecidable, match="no credit code failing"):
        verify(clean, FakeLibrary({}), NOW)


@pytest.mark.parametrize("failure", [TransientError("503"), PermanentError("401")])
def test_lookup_failures_reach_the_verifier_unchanged(failure: Exception) -> None:
    with pytest.raises(type(failure)):
        verify(envelope(), FakeLibrary({}, failure), NOW)


def test_the_verdict_needs_only_the_sdk_port_and_no_adapter() -> None:
    """In a fresh interpreter: the review package and a fake behind the SDK's port settle a
    record, and no adapter module (the library's client, the HTTP client) is ever imported."""
    code = textwrap.dedent(f"""
        import json, sys
        from datetime import UTC, datetime
        from adapters.sdk import EntityLookup, LegalEntity
        from hub.review import Verified, verify
        from schemas.contract.envelope import Envelope

        class Port(EntityLookup):
            def lookup(self, credit_code):
                return LegalEntity(credit_code, {NAME!r}, {AUTHORITY!r}, "存续")
            def close(self):
                pass

        envelope = Envelope.model_validate_json(sys.stdin.read())
        result = verify(envelope, Port(), datetime.now(UTC))
        assert isinstance(result, Verified), result
        print(json.dumps(sorted(m for m in sys.modules
                                if m.startswith("adapters.") and not m.startswith("adapters.sdk"))))
    """)
    done = subprocess.run([sys.executable, "-c", code], input=envelope().model_dump_json(),
                          capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []
