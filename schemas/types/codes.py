"""Field types whose values come from a code list in ``schemas/data/codelists.yaml``.

``Annotated[str, FromCodeList("name")]`` restricts text to the list (``enum.unknown`` otherwise).
The JSON Schema of such a field enumerates the list, so the generated JSON Schema and XSD follow
the data file (and a test fails while they are stale).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

from schemas.codelists import CodeList, codelist
from schemas.validation_problems import reason_error


@dataclass(frozen=True)
class FromCodeList:
    """Annotation: the text must be a value of the named shipped code list."""

    list_name: str

    @property
    def codes(self) -> CodeList:
        return codelist(self.list_name)

    def check(self, value: str) -> str:
        codes = self.codes
        if value not in codes:
            raise reason_error(
                "enum.unknown", f"{value!r} is not in the {codes.name} list: {codes.describe()}"
            )
        return value

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        codes = self.codes
        listed: dict[str, Any] = {"type": "string", "enum": list(codes.values)}
        if codes.other_prefix is None:
            return listed
        other = {"type": "string", "pattern": f"^{re.escape(codes.other_prefix)}.+$"}
        return {"anyOf": [listed, other]}


PartyCategory = Annotated[str, FromCodeList("party_category")]
IdType = Annotated[str, FromCodeList("id_type")]
LicenceCategory = Annotated[str, FromCodeList("licence_category")]
LicenceStatus = Annotated[str, FromCodeList("licence_status")]
PenaltyCategory = Annotated[str, FromCodeList("penalty_category")]
IndustryEdition = Annotated[str, FromCodeList("industry_edition")]
InspectionResult = Annotated[str, FromCodeList("inspection_result")]
DisciplineListType = Annotated[str, FromCodeList("discipline_list_type")]
DisciplineReportStatus = Annotated[str, FromCodeList("discipline_report_status")]
AlertLevel = Annotated[str, FromCodeList("alert_level")]
CreditCategory = Annotated[str, FromCodeList("credit_category")]
