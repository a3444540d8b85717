"""The reason-code table is complete: every code the package can emit is documented in it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import schemas
from schemas import REASON_CODES, REPAIR_CODES, repair_credit_code
from schemas.validation_problems import (
    FALLBACK_CODE,
    PYDANTIC_ERROR_CODES,
    reason_error,
)

PACKAGE = Path(schemas.__file__).parent
# Calls whose first argument is a reason code.
CODE_TAKING = {"reason_error", "Violation", "Problem", "Repair", "CreditCodeFault", "_rejected"}
CODE_SHAPE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


def _first_arguments() -> list[tuple[str, ast.expr]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and node.args:
                name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                if name in CODE_TAKING:
                    found.append((f"{path.name}:{node.lineno}", node.args[0]))
    return found


def _string_constants() -> set[str]:
    constants = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                constants.add(node.value)
    return constants


def test_every_literal_code_passed_to_an_error_is_in_the_table() -> None:
    literals = [(where, arg.value) for where, arg in _first_arguments()
                if isinstance(arg, ast.Constant)]
    assert len(literals) > 20  # the scan really finds the call sites
    assert [(where, code) for where, code in literals if code not in REASON_CODES] == []


def test_every_dotted_code_like_string_in_the_package_is_in_the_table() -> None:
    # Catches codes built elsewhere (repair kinds, review problems, messages passed by name).
    candidates = {s for s in _string_constants() if CODE_SHAPE.match(s)}
    ignored = {"schemas.conditional"}  # internal carrier of conditional violations
    undocumented = {c for c in candidates - ignored if c.split(".")[0] in _families()}
    assert undocumented - set(REASON_CODES) == set()


def _families() -> set[str]:
    return {code.split(".")[0] for code in REASON_CODES}


def test_pydantic_error_translations_and_fallback_are_in_the_table() -> None:
    assert set(PYDANTIC_ERROR_CODES.values()) | {FALLBACK_CODE} <= set(REASON_CODES)


def test_reason_codes_are_dotted_lower_case_with_descriptions() -> None:
    assert all(CODE_SHAPE.match(code) for code in REASON_CODES)
    assert all(len(description) > 20 for description in REASON_CODES.values())


def test_repair_kinds_are_documented_repair_codes() -> None:
    _, kinds = repair_credit_code(" ９１３１０１１２-０８７９９４９３２ｆ")
    assert set(kinds) <= REPAIR_CODES <= set(REASON_CODES)


def test_the_contract_codes_are_all_in_the_table() -> None:
    contract = [
        "field.missing", "field.unknown", "field.too_long", "credit_code.length",
        "credit_code.charset", "credit_code.checksum", "credit_code.masked",
        "credit_code.placeholder_not_allowed", "date.format", "amount.precision",
        "enum.unknown", "division.unknown", "industry.format", "xml.malformed",
        "xml.doctype_forbidden", "xml.encoding_mismatch", "json.malformed",
        "body.not_an_object", "mapping.unknown_code", "route.unknown_destination",
        "route.no_match",
    ]
    assert set(contract) <= set(REASON_CODES)


def test_raising_an_undocumented_code_is_a_programming_error() -> None:
    with pytest.raises(LookupError, match="made.up"):
        reason_error("made.up", "x")
