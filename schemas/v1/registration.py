"""enterprise_registration: an establishment, change or deregistration (企业登记, from market
supervision and the legal-entity library).

Rules: establishment needs registration_date; change needs change_date; deregistration needs
deregistration_date. Registrations keep the industry code of the GB/T 4754 edition they were made
under, so the code travels with its edition.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar, Literal

from pydantic import Field

from schemas.types import (
    Amount,
    CreditCode,
    DivisionCode,
    IndustryCode,
    IndustryEdition,
    StdDate,
    Text50,
    Text100,
    Text200,
    Text500,
    Text4000,
)
from schemas.types.personal_marks import PersonalKind, personal
from schemas.v1.standard_model import StandardModel, in_order, required
from schemas.validation_problems import Violation


class Industry(StandardModel):
    """国民经济行业分类: industry classification with the edition it was assigned under."""

    code: IndustryCode = Field(
        description="行业代码: GB/T 4754 code, a section letter A-T and up to 4 digits (I6410)."
    )
    edition: IndustryEdition = Field(description="版本: GB/T 4754 edition, 2011 or 2017.")


class BusinessScope(StandardModel):
    """经营范围: the business scope, split into licensed and general items."""

    licensed_items: list[Text500] | None = Field(
        default=None,
        description="许可经营项目: items that need a licence; dual notification matches them "
        "against the post-registration approval list.",
    )
    general_items: list[Text500] | None = Field(
        default=None, description="一般经营项目: items that need no licence."
    )


class Change(StandardModel):
    """变更事项: one registered item that changed."""

    item: Text100 = Field(description="变更事项: what changed (e.g. 经营范围, 法定代表人).")
    before: Text4000 | None = Field(default=None, description="变更前内容: value before.")
    after: Text4000 | None = Field(default=None, description="变更后内容: value after.")


class EnterpriseRegistration(StandardModel):
    """企业登记信息: one registration event of a market entity."""

    FILING_PATH: ClassVar[str | None] = "credit_code"

    event: Literal["establishment", "change", "deregistration"] = Field(
        description="登记事件: establishment (设立), change (变更) or deregistration (注销)."
    )
    credit_code: CreditCode = Field(description="统一社会信用代码: the entity's credit code.")
    name: Text200 = Field(description="企业名称: registered name.")
    registration_number: Text50 | None = Field(
        default=None, description="工商注册号: 15-digit business registration number (older key)."
    )
    enterprise_type: Text100 | None = Field(default=None, description="企业类型: enterprise type.")
    legal_representative: Text50 | None = Field(
        default=None,
        description="法定代表人: legal representative.",
        json_schema_extra=personal(PersonalKind.NAME),
    )
    registered_capital: Amount | None = Field(
        default=None, description="注册资本（万元）: registered capital in 10,000 yuan."
    )
    address: Text500 | None = Field(default=None, description="住所: registered address.")
    division_code: DivisionCode | None = Field(
        default=None, description="行政区划代码: GB/T 2260 division code of the address."
    )
    registration_authority: Text200 | None = Field(
        default=None, description="登记机关: registration authority."
    )
    registration_date: StdDate | None = Field(
        default=None, description="成立日期: date established; required for establishment."
    )
    change_date: StdDate | None = Field(
        default=None, description="变更日期: date of the change; required for a change."
    )
    deregistration_date: StdDate | None = Field(
        default=None, description="注销日期: date deregistered; required for deregistration."
    )
    industry: Industry | None = Field(default=None, description="行业: industry classification.")
    business_scope: BusinessScope | None = Field(
        default=None, description="经营范围: business scope."
    )
    changes: list[Change] | None = Field(
        default=None, description="变更事项: the items changed (change events)."
    )

    def violations(self) -> Iterator[Violation]:
        needed = {
            "establishment": "registration_date",
            "change": "change_date",
            "deregistration": "deregistration_date",
        }[self.event]
        yield from required(self, needed, f"when event is {self.event}")
        yield from in_order(self, "registration_date", "change_date")
        yield from in_order(self, "registration_date", "deregistration_date")
