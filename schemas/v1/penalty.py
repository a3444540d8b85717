"""administrative_penalty: a penalty decision (行政处罚, 双公示 CF_ fields).

Rules: a fine (罚款) needs fine_amount; confiscation (没收违法所得, 没收非法财物) needs
confiscated_amount; suspending or revoking a licence (暂扣许可证件, 吊销许可证件) needs
suspended_licence, the name and number of that licence.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from pydantic import Field

from schemas.types import (
    Amount,
    CreditCode,
    PenaltyCategory,
    StdDate,
    Text128,
    Text200,
    Text500,
    Text2000,
    Text4000,
    Text5000,
)
from schemas.v1.party import Party
from schemas.v1.standard_model import StandardModel, in_order, required
from schemas.validation_problems import Violation

FINE = "罚款"
CONFISCATIONS = frozenset({"没收违法所得", "没收非法财物"})
LICENCE_MEASURES = frozenset({"暂扣许可证件", "吊销许可证件"})


class AdministrativePenalty(StandardModel):
    """行政处罚信息: one penalty decision about one party."""

    FILING_PATH: ClassVar[str | None] = "party.credit_code"
    AUTHORITY_CODE_PATHS: ClassVar[tuple[str, ...]] = (
        "authority_credit_code", "data_source_credit_code"
    )

    party: Party = Field(description="行政相对人: the party penalised.")
    decision_number: Text128 = Field(description="行政处罚决定书文号: penalty decision number.")
    violation_type: Text2000 = Field(description="违法行为类型: type of the violation.")
    violation_facts: Text5000 = Field(description="违法事实: facts of the violation.")
    legal_basis: Text2000 = Field(description="处罚依据: legal basis of the penalty.")
    penalty_categories: list[PenaltyCategory] = Field(
        min_length=1,
        description="处罚类别: one or more categories of the 2021 Administrative Penalty Law.",
    )
    penalty_content: Text4000 = Field(description="处罚内容: what the penalty is.")
    fine_amount: Amount | None = Field(
        default=None, description="罚款金额（万元）: fine in 10,000 yuan; required with 罚款."
    )
    confiscated_amount: Amount | None = Field(
        default=None,
        description="没收违法所得、没收非法财物的金额（万元）: amount confiscated in 10,000 yuan; "
        "required with 没收违法所得 or 没收非法财物.",
    )
    suspended_licence: Text200 | None = Field(
        default=None,
        description="暂扣或吊销证照名称及编号: name and number of the licence suspended or "
        "revoked; required with 暂扣许可证件 or 吊销许可证件.",
    )
    decision_date: StdDate = Field(description="处罚决定日期: date of the penalty decision.")
    valid_until: StdDate = Field(description="处罚有效期: date until which the penalty has effect.")
    publication_deadline: StdDate | None = Field(
        default=None, description="公示截止期: last day the penalty is published."
    )
    authority: Text200 = Field(description="处罚机关: the penalising authority.")
    authority_credit_code: CreditCode = Field(
        description="处罚机关统一社会信用代码: the penalising authority's credit code."
    )
    data_source: Text200 = Field(description="数据来源单位: the unit the data comes from.")
    data_source_credit_code: CreditCode = Field(
        description="数据来源单位统一社会信用代码: the data source's credit code."
    )
    remarks: Text500 | None = Field(default=None, description="备注: remarks.")

    def violations(self) -> Iterator[Violation]:
        categories = set(self.penalty_categories)
        if FINE in categories:
            yield from required(self, "fine_amount", f"when penalty_categories include {FINE}")
        found = sorted(categories & CONFISCATIONS)
        if found:
            yield from required(
                self, "confiscated_amount", f"when penalty_categories include {found[0]}"
            )
        found = sorted(categories & LICENCE_MEASURES)
        if found:
            yield from required(
                self, "suspended_licence", f"when penalty_categories include {found[0]}"
            )
        yield from in_order(self, "decision_date", "valid_until")
