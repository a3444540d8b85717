"""discipline_measure: a joint-discipline decision (联合惩戒) to be enforced by departments.

Rules: the target needs a credit code unless it is a natural person; the measure is named by its
name or its code (at least one); a listing cannot end before it began.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from pydantic import Field

from schemas.types import (
    CreditCode,
    DisciplineListType,
    PartyCategory,
    StdDate,
    SystemId,
    Text64,
    Text100,
    Text128,
    Text200,
    Text2000,
)
from schemas.types.personal_marks import PersonalKind, personal
from schemas.v1.party import NATURAL_PERSON
from schemas.v1.standard_model import StandardModel, in_order, required
from schemas.validation_problems import Violation


class DisciplineTarget(StandardModel):
    """惩戒对象: the listed entity or person."""

    name: Text200 = Field(
        description="对象名称: name of the target; a person's name for a natural person.",
        json_schema_extra=personal(PersonalKind.NAME, when={"category": NATURAL_PERSON}),
    )
    credit_code: CreditCode | None = Field(
        default=None,
        description="统一社会信用代码: the target's credit code; required unless a natural person.",
    )
    category: PartyCategory = Field(
        description="对象类别: 法人及非法人组织, 自然人 or 个体工商户."
    )

    def violations(self) -> Iterator[Violation]:
        if self.category != NATURAL_PERSON:
            yield from required(self, "credit_code", f"for a target of category {self.category}")


class Listing(StandardModel):
    """名单来源: where the listing came from."""

    department: Text200 = Field(description="列入部门: the department that listed the target.")
    decision_number: Text128 = Field(description="列入决定文号: number of the listing decision.")
    listed_on: StdDate = Field(description="列入日期: date listed.")
    ends_on: StdDate | None = Field(default=None, description="移出日期: date the listing ends.")
    list_type: DisciplineListType = Field(description="名单类型: the kind of list.")

    def violations(self) -> Iterator[Violation]:
        yield from in_order(self, "listed_on", "ends_on")


class Measure(StandardModel):
    """惩戒措施: the measure to apply, by name or code."""

    name: Text200 | None = Field(default=None, description="措施名称: name of the measure.")
    code: Text64 | None = Field(default=None, description="措施代码: code of the measure.")
    legal_basis: Text2000 | None = Field(default=None, description="法律依据: legal basis.")
    field: Text100 | None = Field(default=None, description="惩戒领域: the field it applies in.")

    def violations(self) -> Iterator[Violation]:
        if self.code is None:
            yield from required(self, "name", "when the measure has no code")


class DisciplineMeasure(StandardModel):
    """联合惩戒措施: a listing and the measure every enforcing department must apply."""

    FILING_PATH: ClassVar[str | None] = "target.credit_code"

    discipline_id: Text64 = Field(description="惩戒编号: id of this discipline decision.")
    target: DisciplineTarget = Field(description="惩戒对象: who is disciplined.")
    listing: Listing = Field(description="名单来源: the listing behind the measure.")
    measure: Measure = Field(description="惩戒措施: the measure to apply.")
    enforcing_departments: list[SystemId] = Field(
        min_length=1, description="实施部门: system ids of the departments that must enforce it."
    )
