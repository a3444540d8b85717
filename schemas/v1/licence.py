"""administrative_licence: a licensing decision (行政许可, 双公示 XK_ fields)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from pydantic import Field

from schemas.types import (
    CreditCode,
    LicenceCategory,
    LicenceStatus,
    StdDate,
    Text64,
    Text200,
    Text500,
    Text4000,
)
from schemas.v1.party import Party
from schemas.v1.standard_model import StandardModel, in_order
from schemas.validation_problems import Violation


class AdministrativeLicence(StandardModel):
    """行政许可信息: one licensing decision about one party."""

    FILING_PATH: ClassVar[str | None] = "party.credit_code"
    AUTHORITY_CODE_PATHS: ClassVar[tuple[str, ...]] = (
        "authority_credit_code", "data_source_credit_code"
    )

    party: Party = Field(description="行政相对人: the party the licence was granted to.")
    decision_document_name: Text64 = Field(
        description="行政许可决定文书名称: name of the licensing decision document."
    )
    decision_document_number: Text64 = Field(
        description="行政许可决定文书号: decision document number (the licence number if none)."
    )
    licence_category: LicenceCategory = Field(
        description="许可类别: 普通, 特许, 认可, 核准, 登记 or 其他."
    )
    certificate_name: Text64 | None = Field(
        default=None, description="许可证书名称: name of the licence certificate."
    )
    licence_number: Text64 | None = Field(default=None, description="许可编号: licence number.")
    content: Text4000 = Field(description="许可内容: what is licensed.")
    decision_date: StdDate = Field(description="许可决定日期: date of the licensing decision.")
    valid_from: StdDate = Field(description="有效期自: first day the licence is valid.")
    valid_to: StdDate = Field(
        description="有效期至: last day the licence is valid; 2099-12-31 means long-term."
    )
    authority: Text200 = Field(description="许可机关: the licensing authority.")
    authority_credit_code: CreditCode = Field(
        description="许可机关统一社会信用代码: the licensing authority's credit code."
    )
    status: LicenceStatus = Field(description="当前状态: 1 valid (有效), 2 invalid (无效).")
    data_source: Text200 = Field(description="数据来源单位: the unit the data comes from.")
    data_source_credit_code: CreditCode = Field(
        description="数据来源单位统一社会信用代码: the data source's credit code."
    )
    remarks: Text500 | None = Field(default=None, description="备注: remarks.")

    def violations(self) -> Iterator[Violation]:
        yield from in_order(self, "valid_from", "valid_to")
