"""Transform errors carry code, path and message, and report themselves as the one Problem.

That every raised code is registered (and every code of the table raised) is checked for all
packages in tests/hub/pipeline/test_reason_registry.py.
"""

from __future__ import annotations

from schemas.contract.problems import Problem
from transforms.transform_errors import TransformError


def test_transform_error_reports_itself_as_a_problem() -> None:
    error = TransformError(
        "mapping.unknown_code", "code '9' unknown", "penalty_categories.1"
    )
    assert error.as_problem() == Problem(
        code="mapping.unknown_code", path="penalty_categories.1", message="code '9' unknown"
    )
    assert error.as_problem().as_dict() == {
        "code": "mapping.unknown_code",
        "path": "penalty_categories.1",
        "message": "code '9' unknown",
    }
    assert "penalty_categories.1" in str(error)
