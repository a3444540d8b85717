"""discipline_report: an enforcing department's report on a discipline measure (惩戒反馈).

Rule: a completed measure says when it was carried out.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from pydantic import Field

from schemas.types import (
    CreditCode,
    DisciplineReportStatus,
    StdDate,
    SystemId,
    Text64,
    Text2000,
)
from schemas.v1.standard_model import StandardModel, required
from schemas.validation_problems import Violation


class DisciplineReport(StandardModel):
    """惩戒实施反馈: what one enforcing department did about one discipline decision."""

    FILING_PATH: ClassVar[str | None] = "target_credit_code"
    AUTHORITY_SYSTEM_PATHS: ClassVar[tuple[str, ...]] = ("enforcing_department",)

    discipline_id: Text64 = Field(description="惩戒编号: id of the discipline decision.")
    enforcing_department: SystemId = Field(
        description="实施部门: system id of the reporting department."
    )
    target_credit_code: CreditCode | None = Field(
        default=None,
        description="惩戒对象统一社会信用代码: the target's credit code (none for a natural person).",
    )
    carried_out_on: StdDate | None = Field(
        default=None, description="实施日期: date carried out; required when completed."
    )
    action: Text2000 | None = Field(default=None, description="实施措施: what was done.")
    result: Text2000 | None = Field(default=None, description="实施结果: the result.")
    status: DisciplineReportStatus = Field(
        description="执行状态: received, in_progress, completed or not_applicable."
    )

    def violations(self) -> Iterator[Violation]:
        if self.status == "completed":
            yield from required(self, "carried_out_on", "when status is completed")
