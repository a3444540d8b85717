"""credit_record: a public credit information item (公共信用信息) about a market entity."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from pydantic import Field

from schemas.types import CreditCategory, CreditCode, StdDate, Text64, Text200, Text4000
from schemas.v1.standard_model import StandardModel, in_order
from schemas.validation_problems import Violation


class CreditRecord(StandardModel):
    """信用信息: one item of an entity's credit file."""

    FILING_PATH: ClassVar[str | None] = "credit_code"

    record_id: Text64 = Field(description="信息编号: id of the item at the credit platform.")
    credit_code: CreditCode = Field(description="统一社会信用代码: the entity's credit code.")
    entity_name: Text200 = Field(description="主体名称: name of the entity.")
    category: CreditCategory = Field(
        description="信息类别: 基础信息, 良好信息, 不良信息 or 提示信息."
    )
    title: Text200 = Field(description="信息名称: title of the item.")
    content: Text4000 | None = Field(default=None, description="信息内容: the item's content.")
    issued_by: Text200 = Field(description="提供单位: the unit that issued the item.")
    issued_on: StdDate = Field(description="认定日期: date the item was issued.")
    valid_until: StdDate | None = Field(
        default=None, description="有效期至: last day the item is valid."
    )

    def violations(self) -> Iterator[Violation]:
        yield from in_order(self, "issued_on", "valid_until")
