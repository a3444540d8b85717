"""supervision_alert: an automatic or manual supervision alert (监管预警)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar, Literal

from pydantic import Field

from schemas.types import (
    AlertLevel,
    CreditCode,
    StdDate,
    SystemId,
    Text64,
    Text100,
    Text200,
    Text2000,
)
from schemas.v1.standard_model import StandardModel, in_order
from schemas.validation_problems import Violation


class SupervisionAlert(StandardModel):
    """监管预警: an alert about one market entity."""

    FILING_PATH: ClassVar[str | None] = "credit_code"
    AUTHORITY_SYSTEM_PATHS: ClassVar[tuple[str, ...]] = ("raised_by",)

    alert_id: Text64 = Field(description="预警编号: id of the alert.")
    kind: Literal["automatic", "manual"] = Field(
        description="预警方式: automatic (from the entity's attributes) or manual (by inspectors)."
    )
    alert_type: Text100 = Field(description="预警类型: what the alert is about.")
    level: AlertLevel = Field(description="预警等级: red, orange, yellow or blue.")
    credit_code: CreditCode = Field(description="统一社会信用代码: the entity's credit code.")
    entity_name: Text200 = Field(description="主体名称: name of the entity.")
    raised_on: StdDate = Field(description="预警日期: date raised.")
    raised_by: SystemId = Field(description="预警来源: system id of the system that raised it.")
    description: Text2000 | None = Field(default=None, description="预警内容: the alert text.")
    due_date: StdDate | None = Field(
        default=None, description="处置期限: date by which it must be dealt with."
    )

    def violations(self) -> Iterator[Violation]:
        yield from in_order(self, "raised_on", "due_date")
