"""Reusable field types of the unified standard; each raises reason-coded errors."""

from schemas.types.amounts import Amount, parse_amount
from schemas.types.codes import (
    AlertLevel,
    CreditCategory,
    DisciplineListType,
    DisciplineReportStatus,
    FromCodeList,
    IdType,
    IndustryEdition,
    InspectionResult,
    LicenceCategory,
    LicenceStatus,
    PartyCategory,
    PenaltyCategory,
)
from schemas.types.credit_codes import CreditCode, CreditCodeMark, PartyCreditCode
from schemas.types.dates import LONG_TERM, StdDate, StdDateTime, parse_date
from schemas.types.divisions import DivisionCode, check_division_code
from schemas.types.industry import IndustryCode, check_industry_code
from schemas.types.systems import SystemId
from schemas.types.text import (
    Text20,
    Text50,
    Text64,
    Text100,
    Text128,
    Text200,
    Text500,
    Text2000,
    Text4000,
    Text5000,
)

__all__ = [
    "LONG_TERM",
    "AlertLevel",
    "Amount",
    "CreditCategory",
    "CreditCode",
    "CreditCodeMark",
    "DisciplineListType",
    "DisciplineReportStatus",
    "DivisionCode",
    "FromCodeList",
    "IdType",
    "IndustryCode",
    "IndustryEdition",
    "InspectionResult",
    "LicenceCategory",
    "LicenceStatus",
    "PartyCategory",
    "PartyCreditCode",
    "PenaltyCategory",
    "StdDate",
    "StdDateTime",
    "SystemId",
    "Text20",
    "Text50",
    "Text64",
    "Text100",
    "Text128",
    "Text200",
    "Text500",
    "Text2000",
    "Text4000",
    "Text5000",
    "check_division_code",
    "check_industry_code",
    "parse_amount",
    "parse_date",
]
