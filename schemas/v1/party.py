"""The party block (行政相对人) shared by licence and penalty records (双公示 standard).

Rules (双公示): organisations and individual businesses need a credit code; only an individual
business may use the placeholder 00000000000000000X, and then its business registration number
(工商注册号) is mandatory; organisations need their legal representative; natural persons need an
ID type and number.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from schemas.credit_code import PLACEHOLDER
from schemas.types import (
    IdType,
    PartyCategory,
    PartyCreditCode,
    Text20,
    Text50,
    Text64,
    Text200,
)
from schemas.types.personal_marks import PersonalKind, personal
from schemas.v1.standard_model import StandardModel, required
from schemas.validation_problems import Violation

ORGANISATION = "法人及非法人组织"
NATURAL_PERSON = "自然人"
INDIVIDUAL_BUSINESS = "个体工商户"


class Party(StandardModel):
    """行政相对人: who a licence was granted to or a penalty imposed on."""

    name: Text200 = Field(
        description="行政相对人名称: name of the party; a person's name for a natural person.",
        json_schema_extra=personal(PersonalKind.NAME, when={"category": NATURAL_PERSON}),
    )
    category: PartyCategory = Field(
        description="行政相对人类别: 法人及非法人组织, 自然人 or 个体工商户."
    )
    credit_code: PartyCreditCode | None = Field(
        default=None,
        description="行政相对人代码_1 统一社会信用代码: required for organisations and individual "
        "businesses; an individual business without one gives the placeholder 00000000000000000X.",
    )
    registration_number: Text50 | None = Field(
        default=None,
        description="行政相对人代码_2 工商注册号: business registration number; required when the "
        "credit code is the placeholder.",
    )
    organisation_code: str | None = Field(
        default=None,
        pattern="^[0-9A-Z]{8}[0-9X]$",
        description="行政相对人代码_3 组织机构代码: 9-character organisation code (GB 11714).",
    )
    tax_number: Text20 | None = Field(
        default=None, description="行政相对人代码_4 税务登记号: tax registration number."
    )
    institution_certificate: Text50 | None = Field(
        default=None, description="行政相对人代码_5 事业单位证书号: public institution certificate."
    )
    social_org_certificate: Text50 | None = Field(
        default=None, description="行政相对人代码_6 社会组织登记证号: social organisation certificate."
    )
    legal_representative: Text50 | None = Field(
        default=None,
        description="法定代表人: legal representative; required for organisations.",
        json_schema_extra=personal(PersonalKind.NAME),
    )
    legal_representative_id_type: IdType | None = Field(
        default=None, description="法定代表人证件类型: ID type of the legal representative."
    )
    legal_representative_id_number: Text64 | None = Field(
        default=None,
        description="法定代表人证件号码: ID number of the legal representative.",
        json_schema_extra=personal(PersonalKind.ID_NUMBER),
    )
    id_type: IdType | None = Field(
        default=None, description="证件类型: ID type of a natural person; required for them."
    )
    id_number: Text64 | None = Field(
        default=None,
        description="证件号码: ID number of a natural person; required for them.",
        json_schema_extra=personal(PersonalKind.ID_NUMBER),
    )

    def violations(self) -> Iterator[Violation]:
        if self.category in (ORGANISATION, INDIVIDUAL_BUSINESS):
            yield from required(self, "credit_code", f"for a party of category {self.category}")
        if self.credit_code == PLACEHOLDER:
            if self.category != INDIVIDUAL_BUSINESS:
                yield Violation(
                    "credit_code.placeholder_not_allowed",
                    "credit_code",
                    f"the placeholder {PLACEHOLDER} is allowed only for category "
                    f"{INDIVIDUAL_BUSINESS}, not {self.category}",
                )
            yield from required(self, "registration_number", "when credit_code is the placeholder")
        if self.category == ORGANISATION:
            yield from required(self, "legal_representative", f"for category {ORGANISATION}")
        if self.category == NATURAL_PERSON:
            yield from required(self, "id_type", f"for category {NATURAL_PERSON}")
            yield from required(self, "id_number", f"for category {NATURAL_PERSON}")
