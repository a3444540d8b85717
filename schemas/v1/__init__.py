"""Models of the unified data standard, schema version 1.0, by record type."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from schemas.v1.alert import SupervisionAlert
from schemas.v1.credit_record import CreditRecord
from schemas.v1.discipline_measure import DisciplineMeasure
from schemas.v1.discipline_report import DisciplineReport
from schemas.v1.feedback import Feedback
from schemas.v1.inspection import InspectionResultRecord
from schemas.v1.licence import AdministrativeLicence
from schemas.v1.party import Party
from schemas.v1.penalty import AdministrativePenalty
from schemas.v1.registration import EnterpriseRegistration
from schemas.v1.standard_model import StandardModel

VERSION = "1.0"

#: Record type id -> model, in the contract's order.
MODELS: Mapping[str, type[StandardModel]] = MappingProxyType(
    {
        "enterprise_registration": EnterpriseRegistration,
        "administrative_licence": AdministrativeLicence,
        "administrative_penalty": AdministrativePenalty,
        "inspection_result": InspectionResultRecord,
        "discipline_measure": DisciplineMeasure,
        "discipline_report": DisciplineReport,
        "supervision_alert": SupervisionAlert,
        "credit_record": CreditRecord,
        "feedback": Feedback,
    }
)

__all__ = [
    "MODELS",
    "VERSION",
    "AdministrativeLicence",
    "AdministrativePenalty",
    "CreditRecord",
    "DisciplineMeasure",
    "DisciplineReport",
    "EnterpriseRegistration",
    "Feedback",
    "InspectionResultRecord",
    "Party",
    "StandardModel",
    "SupervisionAlert",
]
