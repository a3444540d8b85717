"""The reason-code table matches what the package raises, and errors carry code, path, message."""

from __future__ import annotations

import re
from pathlib import Path

from transforms.transform_errors import REASON_CODES, TransformError

PACKAGE = Path(__file__).parents[2] / "transforms"
_RAISED = re.compile(r'TransformError\(\s*"([a-z_]+\.[a-z_.]+)"')


def _codes_in_source() -> set[str]:
    found: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        found.update(_RAISED.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_raised_code_is_in_the_table_and_every_table_code_is_raised() -> None:
    raised = _codes_in_source()
    assert raised, "the scan found no codes: the pattern is broken"
    assert raised - set(REASON_CODES) == set()
    assert set(REASON_CODES) - raised == set()


def test_codes_are_dotted_lower_case() -> None:
    for code in REASON_CODES:
        assert re.fullmatch(r"[a-z]+(\.[a-z_]+)+", code), code


def test_transform_error_reports_itself_as_a_feedback_problem() -> None:
    error = TransformError(
        "mapping.unknown_code", "code '9' unknown", "penalty_categories.1"
    )
    assert error.as_problem() == {
        "code": "mapping.unknown_code",
        "path": "penalty_categories.1",
        "message": "code '9' unknown",
    }
    assert "penalty_categories.1" in str(error)
