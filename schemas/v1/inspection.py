"""inspection_result: the result of a daily, random (双随机) or campaign (专项整治) inspection.

Rule: a campaign inspection names its campaign.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar, Literal

from pydantic import Field

from schemas.types import (
    CreditCode,
    InspectionResult,
    StdDate,
    SystemId,
    Text50,
    Text64,
    Text200,
    Text2000,
    Text4000,
)
from schemas.types.personal_marks import PersonalKind, personal
from schemas.v1.standard_model import StandardModel, required
from schemas.validation_problems import Violation


class InspectionResultRecord(StandardModel):
    """检查结果: one inspection of one market entity."""

    FILING_PATH: ClassVar[str | None] = "credit_code"
    AUTHORITY_SYSTEM_PATHS: ClassVar[tuple[str, ...]] = ("department",)

    inspection_id: Text64 = Field(description="检查编号: id of the inspection at its source.")
    kind: Literal["daily", "random", "campaign"] = Field(
        description="检查类型: daily (日常监管), random (双随机抽查) or campaign (专项整治)."
    )
    campaign_name: Text200 | None = Field(
        default=None, description="专项整治名称: name of the campaign; required for campaign."
    )
    task_id: Text64 | None = Field(
        default=None, description="任务编号: id of the inspection task (random inspections)."
    )
    entity_name: Text200 = Field(description="主体名称: name of the entity inspected.")
    credit_code: CreditCode = Field(description="统一社会信用代码: the entity's credit code.")
    inspection_date: StdDate = Field(description="检查日期: date of the inspection.")
    department: SystemId = Field(description="检查部门: system id of the inspecting department.")
    inspectors: list[Text50] | None = Field(
        default=None,
        description="检查人员: names of the inspectors.",
        json_schema_extra=personal(PersonalKind.NAME),
    )
    result: InspectionResult = Field(description="检查结果: result from the code list.")
    findings: Text4000 | None = Field(default=None, description="检查发现: what was found.")
    follow_up: Text2000 | None = Field(
        default=None, description="后续处置: follow-up ordered or planned."
    )

    def violations(self) -> Iterator[Violation]:
        if self.kind == "campaign":
            yield from required(self, "campaign_name", "when kind is campaign")
